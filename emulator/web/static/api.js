// Talking to the admin API (fetch + the optional admin token), the live event stream, and small
// DOM/format helpers. Untrusted text only ever reaches the page as text nodes, never as HTML.

const TOKEN_KEY = "ses-emulator.admin-token";

/** The admin token or a scoped access token: kept for this tab (sessionStorage), and in localStorage
 *  too when the user asked to be remembered. Sent as `Authorization: Bearer`, never in a URL. */
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || "",
  set: (value, remember = true) => {
    sessionStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(TOKEN_KEY);
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    if (remember) localStorage.setItem(TOKEN_KEY, value);
  },
};

function authHeaders() {
  const t = token.get();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

export class ApiError extends Error {
  constructor(status, body) {
    const d = body && typeof body === "object" ? body.detail ?? body : null;
    const text = d && typeof d === "object" ? d.message || d.code : d || body;
    super(`${text || "request failed"} (HTTP ${status})`);
    this.status = status;
    this.code = d && typeof d === "object" ? d.code : undefined;
  }
}

export const enc = encodeURIComponent;

async function request(method, path, body) {
  const headers = authHeaders();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(`/admin${path}`, {
    method,
    headers,
    cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = r.headers.get("content-type") || "";
  const data = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

export const api = {
  get: (path) => request("GET", path),
  post: (path, body) => request("POST", path, body ?? {}),
  patch: (path, body) => request("PATCH", path, body),
  put: (path, body) => request("PUT", path, body),
  del: (path) => request("DELETE", path),
  /** GET that answers null on 404: optional panels (fault rules, limits) hide themselves. */
  async optional(path) {
    try {
      return await request("GET", path);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  },
  /** The raw bytes of a token-protected resource (attachments, .eml), for a download or a <pre>. */
  async blob(path) {
    const r = await fetch(`/admin${path}`, { headers: authHeaders(), cache: "no-store" });
    if (!r.ok) throw new ApiError(r.status, await r.text());
    return r.blob();
  },
};

export async function download(path, filename) {
  const blob = await api.blob(path);
  const url = URL.createObjectURL(new Blob([blob], { type: "application/octet-stream" }));
  const a = h("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Server-sent events over fetch (so the admin token can be sent); reconnects for ever until stopped.
 *  handlers: {open(), close(), messages(data), account(data)} */
export function liveStream(account, handlers) {
  let stopped = false;
  let ctrl = null;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const dispatch = (chunk) => {
    let name = "message";
    const data = [];
    for (const line of chunk.split("\n")) {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (data.length && handlers[name]) handlers[name](JSON.parse(data.join("\n")));
  };
  (async () => {
    let backoff = 500;
    while (!stopped) {
      ctrl = new AbortController();
      try {
        const r = await fetch(`/admin/accounts/${enc(account)}/messages/stream`, {
          headers: authHeaders(),
          cache: "no-store",
          signal: ctrl.signal,
        });
        if (!r.ok) throw new ApiError(r.status, await r.text());
        handlers.open?.();
        backoff = 500;
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value.replace(/\r\n?/g, "\n");
          let i;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            dispatch(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
        }
      } catch (e) {
        if (stopped) return;
        handlers.close?.(e);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  })();
  return () => {
    stopped = true;
    ctrl?.abort();
  };
}

// --- DOM ----------------------------------------------------------------------------------------

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.setAttribute("class", v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** Put `nodes` (elements) in place of parent's children, unless they show exactly what is there: a
 * periodic or follow-up refresh that changes nothing then keeps the elements, so a click under way on
 * one of them (mousedown on the old button, mouseup on its copy: no click) or the focus is not lost. */
export function replaceChanged(parent, nodes) {
  if (parent.innerHTML === nodes.map((n) => n.outerHTML).join("")) return false;
  parent.replaceChildren(...nodes);
  return true;
}

/** h("a", {href, class, onclick}, ...children): an element; strings become text nodes. */
export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);
/** The same for SVG elements. */
export const s = (tag, attrs, ...children) =>
  build(document.createElementNS("http://www.w3.org/2000/svg", tag), attrs, children);

/** The account switcher's label for an account state ("name (suspended)"). */
export function labelAccount(st) {
  const opt = [...document.getElementById("account").options].find((o) => o.value === st.name);
  if (opt) opt.text = st.suspended ? `${st.name} (suspended)` : st.name;
}

export function fromTemplate(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

let toastTimer = null;
export function toast(message, kind = "error", ms = kind === "error" ? 8000 : 3000) {
  const t = document.getElementById("toast");
  t.textContent = message;
  t.className = `toast ${kind}`;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), ms);
  if (message.includes("HTTP 401")) document.dispatchEvent(new Event("ses-unauthorized"));
}

/** Run an async action, showing its error (if any) as a toast; returns its result or undefined. */
export async function guard(fn) {
  try {
    return await fn();
  } catch (e) {
    toast(e.message || String(e));
    return undefined;
  }
}

// --- formats ------------------------------------------------------------------------------------

/** "2026-01-05T12:00:00.123+08:00" → "2026-01-05 12:00:00" (all admin times are UTC+8). */
export const when = (iso) => (iso ? iso.slice(0, 19).replace("T", " ") : "—");

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** micro-USD (integer) → "0.000280" */
export function usd(micro) {
  const neg = micro < 0;
  const m = Math.abs(micro);
  const text = `${Math.floor(m / 1e6)}.${String(m % 1e6).padStart(6, "0")}`;
  return neg ? `-${text}` : text;
}

/** The UTC+8 wall-clock fields of an ISO time. */
export function beijing(iso) {
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  return {
    y: d.getUTCFullYear(),
    mo: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    h: d.getUTCHours(),
    mi: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
  };
}

const pad = (n) => String(n).padStart(2, "0");

/** ISO 8601 in UTC+8 for a calendar date/time (month may overflow: Date.UTC normalises it). */
export function beijingIso(y, mo, d, hh = 0, mm = 0, ss = 0) {
  const t = new Date(Date.UTC(y, mo - 1, d, hh, mm, ss));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(hh)}:${pad(mm)}:${pad(ss)}+08:00`;
}

/** A datetime-local value ("2026-01-05T12:30" or with seconds) read as UTC+8. */
export const localToBeijing = (value) => (value.length === 16 ? `${value}:00` : value) + "+08:00";
