// The console's reputation panel (docs/reputation.md): each sender domain's reputation level and daily
// cap, today's sends and outcomes so far (and the same-day block), the days evaluated at 00:00 UTC+8,
// and a level an admin sets for a test.

import { api, enc, guard, h, replaceChanged, toast } from "./api.js";

const pct = (n, of) => (of ? `${((100 * n) / of).toFixed(1)} %` : "—");

export class ReputationPanel {
  /** base: "/accounts/{account}"; changed(): called after a level is set. */
  constructor(base, changed) {
    this.base = base;
    this.changed = changed;
    this.open = new Set(); // domains whose history is shown
    this.edits = new Map(); // domain -> a level typed but not set yet (kept when the panel refreshes)
    this.body = h("tbody");
    this.root = h(
      "div",
      { class: "card wide", id: "card-reputation" },
      h("h2", {}, "Sender reputation"),
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { id: "reputation" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, "Domain"),
              h("th", { class: "num" }, "Level"),
              h("th", { class: "num" }, "Daily cap"),
              h("th", {}, "Today"),
              h("th", {}, "Set level"),
            ),
          ),
          this.body,
        ),
      ),
      h("p", { class: "hint" }, "Evaluated at 00:00 UTC+8 from the day's sends: ≥ 70 % of the cap with good ratios → up one level, bad ratios (over 300 sends) → down one. Over 300 sends with > 11 % invalid or > 15 % spam bounces blocks the domain for the rest of the day. Enforced when the daily-cap limit is on."),
    );
  }

  async refresh() {
    const domains = await api.optional(`${this.base}/reputation`);
    this.root.hidden = domains === null;
    if (domains === null) return;
    const rows = [];
    for (const d of domains) {
      const f = d.today_figures;
      const typed = this.edits.get(d.domain);
      const input = h("input", { type: "number", min: 1, max: d.max_level, value: typed ?? d.level, "aria-label": `Level of ${d.domain}`, oninput: (e) => this.edits.set(d.domain, e.target.value) });
      const set = h("button", { type: "button", class: "small", onclick: () => this.setLevel(d.domain, Number(input.value)) }, "Set");
      const toggle = h(
        "button",
        { type: "button", class: "small ghost", "aria-expanded": String(this.open.has(d.domain)), onclick: () => this.toggle(d.domain) },
        this.open.has(d.domain) ? "History ▴" : "History ▾",
      );
      rows.push(
        h(
          "tr",
          { "data-domain": d.domain, class: d.blocked_today ? "blocked" : "" },
          h("td", {}, h("code", {}, d.domain), " ", toggle),
          h("td", { class: "num level" }, String(d.level)),
          h("td", { class: "num" }, d.daily_quota.toLocaleString("en")),
          h(
            "td",
            { class: "wrap today" },
            `${f.sends.toLocaleString("en")} sent · delivered ${pct(f.delivered, f.sends)} · invalid ${pct(f.invalid, f.sends)} · spam bounces ${pct(f.spam_bounces, f.sends)} · complaints ${pct(f.complaints, f.sends)}`,
            d.blocked_today ? h("div", {}, h("span", { class: "pill unpaid" }, "blocked today")) : null,
          ),
          h("td", {}, h("div", { class: "row" }, input, set)),
        ),
      );
      if (this.open.has(d.domain)) rows.push(await this.history(d.domain));
    }
    const empty = h("tr", {}, h("td", { colspan: 5, class: "empty" }, "No sender domains yet."));
    replaceChanged(this.body, rows.length ? rows : [empty]);
  }

  async history(domain) {
    const d = await api.get(`${this.base}/reputation/${enc(domain)}?limit=60`);
    const items = d.history.map((r) =>
      h(
        "li",
        { class: `rep-${r.verdict}` },
        r.kind === "admin"
          ? `${r.effective_day}: set by an admin ${r.level_before} → ${r.level_after}`
          : `${r.evaluated_day}: ${r.figures.sends} sent, ${r.verdict} ${r.level_before} → ${r.level_after} from ${r.effective_day}${r.blocked ? " (blocked that day)" : ""}`,
      ),
    );
    return h(
      "tr",
      { class: "rep-history", "data-history": domain },
      h("td", { colspan: 5, class: "wrap" }, items.length ? h("ul", {}, ...items) : h("span", { class: "muted" }, "No day evaluated yet.")),
    );
  }

  toggle(domain) {
    if (this.open.has(domain)) this.open.delete(domain);
    else this.open.add(domain);
    return guard(() => this.refresh());
  }

  async setLevel(domain, level) {
    const ok = await guard(() => api.put(`${this.base}/reputation/${enc(domain)}`, { level }));
    if (ok === undefined) return;
    this.edits.delete(domain);
    toast(`${domain}: level ${level}.`, "info");
    await guard(() => this.refresh());
    this.changed?.();
  }
}
