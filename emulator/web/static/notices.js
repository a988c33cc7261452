// The console's notices panel (docs/notices.md): the account's Tencent-style notices (a failed
// deduction, a suspension, a resumption, a low balance), each linked to its mail in the inbox and
// showing its webhook delivery, and the notification settings (address, low-balance threshold).

import { api, enc, guard, h, toast, when } from "./api.js";

const KINDS = {
  deduction_failed: ["Deduction failed", "unpaid"],
  suspended: ["Suspended", "unpaid"],
  resumed: ["Resumed", "paid"],
  low_balance: ["Low balance", "pending"],
};

export class NoticesPanel {
  /** account: its name; base: "/accounts/{account}"; changed(): called after the settings change. */
  constructor(account, base, changed) {
    this.account = account;
    this.base = base;
    this.changed = changed;
    this.address = h("input", { name: "address", type: "email", autocomplete: "off", "aria-label": "Notification address" });
    this.threshold = h("input", {
      name: "threshold",
      inputmode: "decimal",
      placeholder: "off",
      autocomplete: "off",
      "aria-label": "Low-balance warning threshold (USD)",
    });
    this.edited = new Set();
    for (const input of [this.address, this.threshold]) input.addEventListener("input", () => this.edited.add(input));
    const form = h(
      "form",
      { id: "notice-settings", class: "row", onsubmit: (e) => (e.preventDefault(), this.save()) },
      this.address,
      this.threshold,
      h("button", { type: "submit" }, "Save"),
    );
    this.summary = h("p", { class: "muted", id: "notices-to" });
    this.body = h("tbody");
    this.root = h(
      "div",
      { class: "card wide", id: "card-notices" },
      h("h2", {}, "Notices"),
      this.summary,
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { id: "notices" },
          h("thead", {}, h("tr", {}, h("th", {}, "Account time"), h("th", {}, "Notice"), h("th", { class: "num" }, "Balance"), h("th", {}, "Webhook"))),
          this.body,
        ),
      ),
      form,
      h("p", { class: "hint" }, "Mailed to the address above (the inbox shows them as source NOTICE) and posted to the account's callback URL. Threshold: warn once when the balance falls below it; empty = off."),
    );
  }

  async refresh() {
    const [list, st] = await Promise.all([api.get(`${this.base}/notices?limit=50`), api.get(`${this.base}/notices/settings`)]);
    this.summary.textContent =
      `To ${st.address}${st.address_is_default ? " (default)" : ""} · low-balance warning ` +
      (st.low_balance_threshold === null ? "off" : `below ${st.low_balance_threshold} USD${st.low_balance_below ? " (below now)" : ""}`);
    // a redraw (the live stream's) never overwrites what the user is typing
    this.address.placeholder = st.default_address;
    if (!this.edited.has(this.address)) this.address.value = st.address_is_default ? "" : st.address;
    if (!this.edited.has(this.threshold)) this.threshold.value = st.low_balance_threshold ?? "";
    const rows = list.map((n) => {
      const [label, tone] = KINDS[n.kind] || [n.kind, ""];
      const hook = n.webhook ? `${n.webhook.status}${n.webhook.attempts > 1 ? ` (${n.webhook.attempts} tries)` : ""}` : "—";
      return h(
        "tr",
        { class: `notice ${n.kind}`, "data-notice": n.id },
        h("td", {}, when(n.account_time)),
        h(
          "td",
          { class: "wrap" },
          h("span", { class: `pill ${tone}` }, label),
          " ",
          h("a", { href: `#/${enc(this.account)}/inbox/${enc(n.message_id)}`, title: n.subject }, n.subject),
        ),
        h("td", { class: "num" }, n.balance),
        h("td", {}, hook),
      );
    });
    const empty = h("tr", {}, h("td", { colspan: 4, class: "empty" }, "None yet: notices come when a deduction fails, the account is suspended or resumed, or the balance falls below the threshold."));
    this.body.replaceChildren(...(rows.length ? rows : [empty]));
  }

  async save() {
    const address = this.address.value.trim();
    const threshold = this.threshold.value.trim();
    const ok = await guard(() => api.put(`${this.base}/notices/settings`, { address: address || null, low_balance_threshold: threshold || null }));
    if (ok === undefined) return;
    this.edited.clear();
    toast("Notification settings saved.", "info");
    await guard(() => this.refresh());
    this.changed?.();
  }
}
