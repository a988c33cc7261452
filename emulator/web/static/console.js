// The account console: money, quota, suspension, clock, usage charts, bills, ledger, dedicated IPs,
// fault rules and limits. Every panel reads the admin API; optional ones hide when it answers 404.

import { api, beijing, beijingIso, enc, fromTemplate, guard, h, labelAccount, localToBeijing, toast, usd, when } from "./api.js";
import { balanceChart, usageChart } from "./charts.js";
import { NoticesPanel } from "./notices.js";
import { ReputationPanel } from "./reputation.js";

const OUTCOMES = ["hard_bounce", "soft_bounce", "dropped", "deferred", "rejected", "open", "click", "unsubscribe", "spam_complaint"];
const LIMITS = [
  ["recipient_hourly", "Mails per hour to the same recipient", "limit"],
  ["api_rate", "API requests per second", "per_second"],
  ["domain_daily_cap", "Daily cap by sender-domain reputation", null],
  ["daily_total", "Daily total for the account", "limit"],
];

export class Console {
  constructor(account) {
    this.account = account;
    this.root = fromTemplate("tpl-console");
    this.base = `/accounts/${enc(account)}`;
    this.state = null;
    this.tick = null;
    this.busy = null;
    this.next = null;
    this.openBills = new Set(); // bills whose Billing API rows are shown
    this.billLang = "zh-CN"; // X-TC-Language of those rows (zh-CN: the API's default)
    this.billApiSeen = new Map(); // bill id -> its last Billing API answer (redrawn without a flicker)
    this.$ = (sel) => this.root.querySelector(sel);
  }

  destroy() {
    clearInterval(this.tick);
  }

  async load() {
    this.$("#topup").addEventListener("submit", (e) => {
      e.preventDefault();
      const amount = new FormData(e.target).get("amount").trim();
      this.act(() => api.post(`${this.base}/top-up`, { amount }), `Topped up ${amount} USD.`).then((ok) => ok && e.target.reset());
    });
    for (const b of this.root.querySelectorAll("[data-advance]")) {
      b.addEventListener("click", () => this.act(() => api.post(`${this.base}/clock/advance`, { duration: b.dataset.advance })));
    }
    this.$("#to-midnight").addEventListener("click", () => {
      const n = beijing(this.state.clock.now);
      this.moveTo(beijingIso(n.y, n.mo, n.d + 1));
    });
    this.$("#to-billing").addEventListener("click", () => {
      const n = beijing(this.state.clock.now);
      this.moveTo(n.d === 1 && n.h < 8 ? beijingIso(n.y, n.mo, 1, 8) : beijingIso(n.y, n.mo + 1, 1, 8));
    });
    this.$("#clock-set").addEventListener("submit", (e) => {
      e.preventDefault();
      this.moveTo(localToBeijing(new FormData(e.target).get("to")));
    });
    this.$("#freeze").addEventListener("click", () =>
      this.act(() => api.post(`${this.base}/clock/${this.state.clock.frozen ? "resume" : "freeze"}`)),
    );
    this.$("#bill-filter").addEventListener("change", () => guard(() => this.bills()));
    this.$("#ip-apply").addEventListener("click", () => this.act(() => api.post(`${this.base}/ips`), "Applied for a dedicated IP."));
    const outcome = this.$("#fault-form select");
    outcome.replaceChildren(...OUTCOMES.map((o) => new Option(o.replace("_", " "), o)));
    this.$("#fault-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const f = new FormData(e.target);
      this.act(() => api.post(`${this.base}/fault-rules`, { pattern: f.get("pattern").trim(), outcome: f.get("outcome") })).then(
        (ok) => ok && e.target.reset(),
      );
    });
    this.notices = new NoticesPanel(this.account, this.base, () => this.refresh());
    const usageCard = this.$("#card-usage");
    if (usageCard) usageCard.before(this.notices.root);
    else this.$(".cards").append(this.notices.root);
    this.reputation = new ReputationPanel(this.base, () => this.refresh());
    this.notices.root.after(this.reputation.root);
    this.tick = setInterval(() => this.showClock(), 1000);
    await this.refresh();
  }

  /** Run a change, then redraw everything; true when it worked. */
  async act(fn, message) {
    const r = await guard(fn);
    if (r === undefined) return false;
    if (message) toast(message, "info");
    await this.refresh();
    return true;
  }

  moveTo(iso) {
    return this.act(() => api.post(`${this.base}/clock/advance`, { to: iso }), `Clock set to ${iso.slice(0, 19).replace("T", " ")} UTC+8.`);
  }

  onAccount(state) {
    // the stream says money, quota, suspension or a frozen clock changed (maybe by another client);
    // one redraw at a time, and one more with the latest state if news came in meanwhile
    if (this.busy) {
      this.next = state;
      return;
    }
    this.busy = this.refresh(state).finally(() => {
      this.busy = null;
      const next = this.next;
      this.next = null;
      if (next) this.onAccount(next);
    });
  }

  async refresh(state) {
    const [st, usage, ledger] = await Promise.all([
      state ? Promise.resolve(state) : api.get(this.base),
      api.get(`${this.base}/usage`),
      api.get(`${this.base}/ledger`),
    ]).catch((e) => (toast(e.message), []));
    if (!st) return;
    this.renderAccount(st, usage);
    this.renderLedger(ledger);
    usageChart(this.$("#chart-usage"), usage, st.clock.now.slice(0, 10));
    balanceChart(this.$("#chart-balance"), ledger, st.clock.now);
    await Promise.all([guard(() => this.bills()), guard(() => this.ips()), guard(() => this.faults()), guard(() => this.limits()), guard(() => this.notices.refresh()), guard(() => this.reputation.refresh())]);
  }

  renderAccount(st, usage) {
    this.state = st;
    this.clockBase = { us: st.clock.now_us, at: performance.now() };
    const today = usage.find((u) => u.day === st.clock.now.slice(0, 10));
    this.$("#balance").textContent = st.balance;
    const pct = st.free_quota ? (100 * st.free_left) / st.free_quota : 0;
    this.$("#quota-bar").style.width = `${pct}%`;
    this.$("#quota-bar").classList.toggle("low", pct < 10);
    this.$("#quota-text").textContent = `${st.free_left.toLocaleString("en")} of ${st.free_quota.toLocaleString("en")}`;
    this.$("#today-units").textContent = String(today ? today.paid_units : 0);
    this.$("#today-cost").textContent = `${today ? today.cost : "0.000000"} USD`;
    this.$("#unpaid").textContent = `${st.unpaid} USD`;
    this.$("#unpaid").classList.toggle("bad", st.unpaid_micro > 0);
    this.$("#paid-total").textContent = String(st.paid_units);
    this.$("#freeze").textContent = st.clock.frozen ? "Follow real time" : "Freeze";
    this.$("#clock-mode").textContent = st.clock.frozen ? "Frozen: moves only when you move it." : "Following real time.";
    const set = this.$("#clock-set input");
    if (document.activeElement !== set) set.value = st.clock.now.slice(0, 19);
    this.showClock();
    this.banner(st);
    labelAccount(st);
  }

  showClock() {
    if (!this.state) return;
    const us = this.state.clock.frozen ? this.clockBase.us : this.clockBase.us + (performance.now() - this.clockBase.at) * 1000;
    const iso = new Date(us / 1000 + 8 * 3600_000).toISOString();
    this.$("#clock-now").textContent = `${iso.slice(0, 19).replace("T", " ")} UTC+8`;
  }

  banner(st) {
    const b = this.$("#banner");
    b.hidden = !st.suspended;
    if (!st.suspended) return b.replaceChildren();
    const since = `since ${when(st.suspended_at)} UTC+8 (account clock)`;
    if (st.suspended_reason === "manual") {
      b.replaceChildren(
        h("strong", {}, "Suspended manually "),
        h("span", {}, `${since}. Sending is refused until the account is resumed. `),
        h("button", { type: "button", onclick: () => this.act(() => api.post(`${this.base}/resume`), "Resumed.") }, "Resume"),
      );
      return;
    }
    const need = Math.max(st.unpaid_micro - st.balance_micro, 0);
    b.replaceChildren(
      h("strong", {}, `Suspended: ${st.unpaid} USD unpaid `),
      h("span", {}, `${since}. Sends are refused (FailedOperation.InsufficientBalance) until a top-up pays the unpaid bills in full. `),
      need > 0
        ? h("button", { type: "button", onclick: () => this.act(() => api.post(`${this.base}/top-up`, { amount_micro: need }), `Topped up ${usd(need)} USD.`) }, `Top up ${usd(need)} USD`)
        : null,
    );
  }

  async bills() {
    const status = this.$("#bill-filter").value;
    const bills = await api.get(`${this.base}/bills${status ? `?status=${status}` : ""}`);
    const rows = [...bills].reverse().flatMap((b) => {
      const open = this.openBills.has(b.id);
      const row = h(
        "tr",
        { class: b.status, "data-bill": b.id },
        h("td", {}, b.period),
        h("td", {}, b.kind === "dedicated_ip" ? "dedicated IP" : b.kind),
        h("td", {}, b.kind === "usage" ? `${b.units} × ${b.unit_price}` : String(b.units)),
        h("td", { class: "num" }, b.amount),
        h("td", {}, h("span", { class: `pill ${b.status}`, title: b.paid_at ? `paid ${when(b.paid_at)}` : "" }, b.status)),
        h(
          "td",
          {},
          h(
            "button",
            {
              type: "button",
              class: "small ghost bill-api-toggle",
              "aria-expanded": String(open),
              title: "How this bill appears in the Tencent Billing API (DescribeBillDetail, DescribeBillList)",
              onclick: () => this.toggleBill(b.id),
            },
            open ? "Billing API ▴" : "Billing API ▾",
          ),
        ),
      );
      if (!open) return [row];
      const cell = h("td", { colspan: 6, class: "wrap" });
      this.billApi(b.id, cell);
      return [row, h("tr", { class: "bill-api", "data-bill-api": b.id }, cell)];
    });
    this.fill("#bills", rows, 6, "No bills yet: the first comes at 00:00 UTC+8 after a day with mail.");
  }

  toggleBill(id) {
    if (this.openBills.has(id)) this.openBills.delete(id);
    else this.openBills.add(id);
    return guard(() => this.bills());
  }

  /** Fill a bill's expanded row with how the Billing API shows it (read-only admin-side JSON: the page
   *  never calls the Tencent API, which would need the SecretKey). */
  async billApi(id, cell) {
    const seen = this.billApiSeen.get(id);
    cell.replaceChildren(...(seen ? this.billApiView(seen) : [h("span", { class: "muted" }, "Loading…")]));
    const d = await guard(() => api.get(`${this.base}/bills/${id}/billing-api?language=${enc(this.billLang)}`));
    if (!d) return;
    this.billApiSeen.set(id, d);
    cell.replaceChildren(...this.billApiView(d));
  }

  billApiView(d) {
    const lang = h("select", { class: "bill-api-lang", "aria-label": "X-TC-Language" }, ...["zh-CN", "en-US"].map((l) => new Option(l, l, false, l === d.language)));
    lang.addEventListener("change", () => {
      this.billLang = lang.value;
      this.billApiSeen.clear();
      guard(() => this.bills());
    });
    const show = (v) => (v === "" ? '""' : v === null || v === undefined ? "null" : typeof v === "object" ? JSON.stringify(v) : String(v));
    const call = (c, fields) =>
      h(
        "div",
        { class: "api-call", "data-role": c.role },
        h("div", { class: "api-head" }, h("strong", {}, c.action), " ", h("span", { class: "muted" }, c.role), " ", h("code", { class: "api-request" }, JSON.stringify(c.request))),
        h(
          "dl",
          { class: "api-fields" },
          fields.flatMap(([label, value]) => [h("dt", {}, label), h("dd", { "data-field": label }, show(value(c.row)))]),
        ),
        h("details", {}, h("summary", {}, "The whole row (JSON)"), h("pre", { class: "raw" }, JSON.stringify(c.row, null, 2))),
      );
    const field = (name) => [name, (r) => r[name]];
    const cents = (name) => [`${name} (cents)`, (r) => r[name]];
    return [
      h("p", { class: "api-id" }, "BillId ", h("code", { class: "bill-id" }, d.BillId), " ", lang),
      h("p", { class: "muted api-note" }, d.note),
      call(d.bill_detail, [
        field("BillId"),
        field("ProductCode"),
        field("ActionType"),
        field("ActionTypeName"),
        field("FeeBeginTime"),
        field("FeeEndTime"),
        field("PayTime"),
        ["RealCost (USD)", (r) => r.ComponentSet.map((c) => c.RealCost).join(" + ")],
      ]),
      d.transactions.map((t) =>
        call(t, [field("BillId"), field("ActionType"), cents("Amount"), cents("Balance"), field("OperationTime"), field("OperationInfo")]),
      ),
      d.account_balance ? call(d.account_balance, [cents("OweAmount"), cents("Balance"), cents("CashAccountBalance")]) : null,
    ]
      .flat()
      .filter((el) => el);
  }

  renderLedger(ledger) {
    const rows = [...ledger].reverse().map((e) =>
      h(
        "tr",
        {},
        h("td", {}, when(e.account_time)),
        h("td", {}, e.kind),
        h("td", { class: `num ${e.amount_micro < 0 ? "neg" : "pos"}` }, `${e.amount_micro > 0 ? "+" : ""}${e.amount}`),
        h("td", { class: "wrap" }, e.note || (e.bill_id ? `bill ${e.bill_id}` : "")),
      ),
    );
    this.fill("#ledger", rows, 4, "No entries yet.");
  }

  async ips() {
    const o = await api.get(`${this.base}/ips`);
    this.$("#ips-summary").textContent = `Stock left: ${o.stock_left} · applications in ${o.month}: ${o.applications_this_month} of ${o.limit_per_month}`;
    this.$("#ip-apply").disabled = o.applications_this_month >= o.limit_per_month;
    const act = (ip, verb) =>
      h("button", { type: "button", class: "small ghost", onclick: () => this.act(() => api.post(`${this.base}/ips/${ip.id}/${verb}`)) }, verb);
    const rows = o.ips.map((ip) =>
      h(
        "tr",
        {},
        h("td", {}, h("code", {}, ip.ip || "(pending)"), h("div", {}, h("span", { class: `pill ${ip.status}` }, ip.status))),
        h(
          "td",
          { class: "dates wrap" },
          h("div", {}, `applied ${when(ip.applied_at).slice(5, 16)}`),
          ip.status === "pending" ? h("div", {}, `ready ${when(ip.ready_at).slice(0, 16)}`) : null,
          ip.enabled_at ? h("div", {}, `enabled ${when(ip.enabled_at).slice(5, 16)}`) : null,
          ip.disabled_at ? h("div", {}, `disabled ${when(ip.disabled_at).slice(5, 16)}`) : null,
        ),
        h(
          "td",
          { class: "acts" },
          ip.status === "enabled" ? act(ip, "disable") : null,
          ip.status === "disabled" ? act(ip, "enable") : null,
          ip.status !== "released" ? act(ip, "release") : null,
        ),
      ),
    );
    this.fill("#ips", rows, 3, "None: mail leaves through the shared pool.");
  }

  async faults() {
    const rules = await api.optional(`${this.base}/fault-rules`);
    this.$("#card-faults").hidden = rules === null;
    if (rules === null) return;
    const items = Array.isArray(rules) ? rules : rules.items || rules.rules || [];
    const rows = items.map((r) =>
      h(
        "tr",
        {},
        h("td", {}, h("code", {}, r.pattern)),
        h("td", {}, r.outcome.replace("_", " ")),
        h("td", {}, h("button", { type: "button", class: "small ghost", onclick: () => this.act(() => api.del(`${this.base}/fault-rules/${r.id}`)) }, "delete")),
      ),
    );
    this.fill("#faults", rows, 3, "None: every recipient is delivered.");
  }

  async limits() {
    const lim = await api.optional(`${this.base}/limits`);
    this.$("#card-limits").hidden = lim === null;
    if (lim === null) return;
    const form = this.$("#limits");
    const patch = (body) => this.act(() => api.patch(`${this.base}/limits`, body));
    const rows = LIMITS.filter(([key]) => lim[key]).map(([key, label, field]) => {
      const cur = lim[key];
      const box = h("input", { type: "checkbox", checked: cur.enabled, "data-limit": key });
      const num = field ? h("input", { type: "number", min: 1, value: cur[field], "aria-label": `${label}: value` }) : null;
      const send = () => patch({ [key]: field ? { enabled: box.checked, [field]: Number(num.value) } : { enabled: box.checked } });
      box.addEventListener("change", send);
      num?.addEventListener("change", send);
      return h("div", { class: "limit" }, h("label", {}, box, ` ${label}`), num);
    });
    if (typeof lim.simple_sending === "boolean") {
      const box = h("input", { type: "checkbox", checked: lim.simple_sending, "data-limit": "simple_sending" });
      box.addEventListener("change", () => patch({ simple_sending: box.checked }));
      rows.push(h("div", { class: "limit" }, h("label", {}, box, " Simple (non-template) sending allowed")));
    }
    if (typeof lim.smtp_checks === "boolean") {
      const box = h("input", { type: "checkbox", checked: lim.smtp_checks, "data-limit": "smtp_checks" });
      box.addEventListener("change", () => patch({ smtp_checks: box.checked }));
      rows.push(h("div", { class: "limit" }, h("label", {}, box, " SMTP message checks (Tencent's header, MIME and size rules)")));
    }
    if (lim.profile) rows.unshift(h("div", { class: "limit", "data-profile": lim.profile }, `Created as a ${lim.profile} account (docs/profiles.md).`));
    form.replaceChildren(...rows);
  }

  fill(sel, rows, cols, emptyText) {
    const body = this.$(`${sel} tbody`);
    body.replaceChildren(...(rows.length ? rows : [h("tr", {}, h("td", { colspan: cols, class: "empty" }, emptyText))]));
  }
}
