// The inbox of one account: search, a live message list, and one message (HTML in a sandboxed iframe,
// text, headers, raw source, attachments, MessageId, sending IP, per-recipient delivery).

import { api, bytes, download, enc, fromTemplate, guard, h, localToBeijing, toast, when } from "./api.js";

const PAGE = 50;
const DELIVER = { 0: "queued", 1: "delivered", 2: "dropped", 3: "rejected", 8: "deferred" };
// remote loads in captured HTML: src=, srcset=, background=, url(...), <link href>, @import with http(s) or //
const REMOTE = /(?:\b(?:src|srcset|background|poster)\s*=\s*["']?\s*(?:https?:)?\/\/)|(?:url\(\s*["']?\s*(?:https?:)?\/\/)|(?:<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?\/\/)|@import/i;

export class Inbox {
  constructor(account, go) {
    this.account = account;
    this.go = go;
    this.root = fromTemplate("tpl-inbox");
    this.base = `/accounts/${enc(account)}/messages`;
    this.filters = {};
    this.shown = PAGE;
    this.seen = null; // ids already listed (new ones get highlighted)
    this.selected = null;
    this.live = null;
    this.pending = null;
    this.$ = (sel) => this.root.querySelector(sel);
  }

  async load() {
    const form = this.$("#search");
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.filters = Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== ""));
      this.shown = PAGE;
      guard(() => this.refresh());
    });
    form.addEventListener("reset", () => {
      this.filters = {};
      this.shown = PAGE;
      setTimeout(() => guard(() => this.refresh()));
    });
    this.$("#more").addEventListener("click", () => {
      this.shown += PAGE;
      guard(() => this.refresh());
    });
    this.$("#delete-all").addEventListener("click", () => this.deleteAll());
    await guard(() => this.refresh());
  }

  query() {
    const q = new URLSearchParams({ limit: String(Math.min(this.shown, 500)) });
    for (const [k, v] of Object.entries(this.filters)) q.set(k, k === "since" || k === "until" ? localToBeijing(v) : v);
    return q;
  }

  async refresh() {
    const data = await api.get(`${this.base}?${this.query()}`);
    const filtered = Object.keys(this.filters).length > 0;
    this.$("#count").textContent = `${data.total} message${data.total === 1 ? "" : "s"}${filtered ? " found" : ""}`;
    this.$("#more").hidden = data.messages.length >= data.total;
    const first = this.seen === null;
    const items = data.messages.map((m) => this.row(m, !first && !this.seen.has(m.id)));
    this.seen = new Set([...(this.seen || []), ...data.messages.map((m) => m.id)]);
    const list = this.$("#messages");
    list.replaceChildren(...items);
    if (!items.length) list.append(h("li", { class: "empty" }, filtered ? "Nothing matches." : "No mail yet. Send some by SMTP or SendEmail."));
  }

  row(m, fresh) {
    const cls = ["msg", m.id === this.selected && "selected", fresh && "new"].filter(Boolean).join(" ");
    return h(
      "li",
      { class: cls, "data-id": m.id },
      h(
        "a",
        { href: `#/${enc(this.account)}/inbox/${enc(m.id)}` },
        h("div", { class: "line" }, h("span", { class: "from" }, m.from || m.mail_from), h("time", {}, when(m.account_time).slice(5, 16))),
        h("div", { class: "subject" }, m.subject || "(no subject)"),
        h(
          "div",
          { class: "line muted" },
          h("span", { class: "to" }, `To: ${m.to || m.recipients.join(", ")}`),
          h(
            "span",
            { class: "badges" },
            h("span", { class: "badge" }, m.source.toUpperCase()),
            m.paid_units ? h("span", { class: "badge paid", title: `${m.paid_units} paid` }, "paid") : null,
          ),
        ),
      ),
    );
  }

  onMessages() {
    // coalesce bursts: at most one refresh in flight, one queued
    if (this.pending) {
      this.pending.again = true;
      return;
    }
    this.pending = { again: false };
    guard(() => this.refresh()).finally(() => {
      const again = this.pending.again;
      this.pending = null;
      if (again) this.onMessages();
    });
  }

  async select(id) {
    this.selected = id;
    this.root.classList.toggle("has-selection", Boolean(id));
    for (const li of this.$("#messages").children) li.classList.toggle("selected", li.dataset.id === id);
    const pane = this.$("#message");
    if (!id) {
      pane.replaceChildren(h("p", { class: "empty" }, "Select a message."));
      return;
    }
    const m = await guard(() => api.get(`${this.base}/${enc(id)}`));
    if (!m || this.selected !== id) return;
    const preview = m.html !== null ? await guard(() => api.get(`${this.base}/${enc(id)}/preview`)) : null;
    pane.replaceChildren(...this.detail(m, preview && preview.url).filter(Boolean));
    pane.scrollTop = 0;
  }

  detail(m, previewUrl) {
    const header = (name) => m.headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v).join(", ");
    const meta = [
      ["From", m.from || m.mail_from],
      ["To", m.to],
      ["Cc", header("cc")],
      ["Envelope", `${m.mail_from} → ${m.recipients.join(", ")}`],
      ["Date", `${when(m.account_time)} (account clock, UTC+8)`],
      ["MessageId", h("code", { class: "message-id" }, m.id)],
      ["Sending IP", h("code", { class: "sending-ip" }, m.sending_ip)],
      ["Via", `${m.source === "api" ? "SendEmail API" : m.source === "notice" ? "Tencent Cloud account notice" : "SMTP"}${m.template_id ? ` · template ${m.template_id}` : ""} · ${bytes(m.size)}`],
      ["Billed", `${m.free_units} free · ${m.paid_units} paid`],
    ].filter(([, v]) => v);
    return [
      h(
        "div",
        { class: "msg-head" },
        h("button", { type: "button", class: "ghost small back", onclick: () => this.go(this.account, "inbox") }, "← Inbox"),
        h("h2", { class: "msg-subject" }, m.subject || "(no subject)"),
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", class: "small", onclick: () => guard(() => download(`${this.base}/${enc(m.id)}/raw`, `${m.id}.eml`)) }, "Download .eml"),
          h("button", { type: "button", class: "small danger", onclick: () => this.remove(m.id) }, "Delete"),
        ),
      ),
      h("dl", { class: "meta" }, meta.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      this.delivery(m.delivery),
      this.bodyTabs(m, previewUrl),
      m.attachments.length ? this.attachments(m) : null,
      m.parse_error ? h("p", { class: "warn" }, `MIME parse problem: ${m.parse_error}`) : null,
    ];
  }

  delivery(rows) {
    const status = (r) => (r.send_status !== 0 ? `not sent (${r.send_status})` : DELIVER[r.deliver_status] ?? `status ${r.deliver_status}`);
    const events = (r) => ["opened", "clicked", "unsubscribed", "complained"].filter((k) => r[k]).join(", ");
    return h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { class: "delivery" },
        h("thead", {}, h("tr", {}, h("th", {}, "Recipient"), h("th", {}, "Delivery"), h("th", {}, "At"), h("th", {}, "Events"))),
        h(
          "tbody",
          {},
          rows.map((r) =>
            h(
              "tr",
              {},
              h("td", {}, r.address),
              h("td", {}, h("span", { class: `status s${r.deliver_status}`, title: r.deliver_message || "" }, status(r))),
              h("td", {}, when(r.deliver_time)),
              h("td", {}, events(r) || "—"),
            ),
          ),
        ),
      ),
    );
  }

  bodyTabs(m, previewUrl) {
    const panel = h("div", { class: "tab-panel" });
    const tabs = [];
    const show = (name, render) => {
      for (const t of tabs) t.setAttribute("aria-selected", String(t.dataset.tab === name));
      panel.replaceChildren();
      guard(async () => panel.append(...[await render()].flat().filter(Boolean)));
    };
    const add = (name, label, render) => {
      const b = h("button", { type: "button", role: "tab", "data-tab": name, onclick: () => show(name, render) }, label);
      tabs.push(b);
      return [name, render];
    };
    const defs = [
      m.html !== null && previewUrl ? add("html", "HTML", () => this.htmlView(m, previewUrl)) : null,
      add("text", "Text", () => h("pre", { class: "text" }, m.text ?? "(no text part)")),
      add("headers", "Headers", () =>
        h("div", { class: "scroll" }, h("table", { class: "headers" }, h("tbody", {}, m.headers.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v)))))),
      ),
      add("raw", "Raw", async () => h("pre", { class: "raw" }, await (await api.blob(`${this.base}/${enc(m.id)}/raw`)).text())),
    ].filter(Boolean);
    show(...defs[0]);
    return h("section", { class: "body" }, h("div", { class: "tabbar", role: "tablist" }, tabs), panel);
  }

  htmlView(m, url) {
    const frame = h("iframe", {
      class: "html-frame",
      title: "HTML body (sandboxed: no scripts, no remote content)",
      sandbox: "allow-popups allow-popups-to-escape-sandbox",
      referrerpolicy: "no-referrer",
      src: url,
    });
    if (!REMOTE.test(m.html)) return frame;
    const note = h(
      "p",
      { class: "notice" },
      "Remote content (images, styles) is blocked. ",
      h(
        "button",
        {
          type: "button",
          class: "small",
          onclick: () => {
            frame.src = `${url}&remote=1`;
            note.replaceChildren("Remote content loaded (scripts stay blocked).");
          },
        },
        "Load remote content",
      ),
    );
    return [note, frame];
  }

  attachments(m) {
    return h(
      "section",
      { class: "attachments" },
      h("h3", {}, `Attachments (${m.attachments.length})`),
      h(
        "ul",
        {},
        m.attachments.map((a) =>
          h(
            "li",
            {},
            h("span", { class: "att-name" }, a.filename),
            h("span", { class: "muted" }, ` ${a.content_type} · ${bytes(a.size)} `),
            h("button", { type: "button", class: "small", onclick: () => guard(() => download(`${this.base}/${enc(m.id)}/attachments/${a.index}`, a.filename)) }, "Download"),
          ),
        ),
      ),
    );
  }

  async remove(id) {
    if (!confirm("Delete this message? (Metering and bills are kept.)")) return;
    if ((await guard(() => api.del(`${this.base}/${enc(id)}`))) === undefined) return;
    toast("Message deleted.", "info");
    this.go(this.account, "inbox");
    await guard(() => this.refresh());
  }

  async deleteAll() {
    if (!confirm(`Delete every message of ${this.account}? (Metering and bills are kept.)`)) return;
    const r = await guard(() => api.del(this.base));
    if (r === undefined) return;
    toast(`${r.deleted} message${r.deleted === 1 ? "" : "s"} deleted.`, "info");
    this.go(this.account, "inbox");
    await guard(() => this.refresh());
  }
}
