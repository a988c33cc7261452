// The shell: account switcher, page routing (#/{account}/inbox[/{MessageId}] and #/{account}/console),
// the token (a sign-in form when the server asks for one: GET /admin/whoami answers 401), and one live
// stream per selected account feeding whichever page is shown. A scoped token lists only its accounts.

import { ApiError, api, enc, fromTemplate, guard, labelAccount, liveStream, toast, token } from "./api.js";
import { Console } from "./console.js";
import { Inbox } from "./inbox.js";

const $ = (id) => document.getElementById(id);
const state = { me: null, accounts: [], account: null, page: null, view: null, stop: null };

function parseHash() {
  const [account, page, ...rest] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  return { account: account || null, page: page === "console" ? "console" : "inbox", msg: rest.join("/") || null };
}

export function go(account, page, msg) {
  location.hash = `#/${enc(account)}/${page}${msg ? `/${enc(msg)}` : ""}`;
}

async function loadAccounts() {
  state.accounts = (await guard(() => api.get("/accounts"))) || [];
  const sel = $("account");
  sel.replaceChildren(...state.accounts.map((a) => new Option(a.suspended ? `${a.name} (suspended)` : a.name, a.name)));
}

function setLive(on, why = "") {
  const el = $("live");
  el.classList.toggle("on", on);
  el.title = on ? "Live updates: connected" : `Live updates: reconnecting ${why}`;
}

function connect(account) {
  state.stop?.();
  setLive(false);
  // every (re)connected stream starts with the full state: pass on only what changed
  let lastMail = "";
  let lastAccount = "";
  state.stop = liveStream(account, {
    open: () => setLive(true),
    close: (e) => setLive(false, e?.message || ""),
    messages: (d) => {
      const key = JSON.stringify(d);
      if (key === lastMail) return;
      lastMail = key;
      state.view?.onMessages?.(d);
    },
    account: (d) => {
      const key = JSON.stringify({ ...d, clock: d.clock.frozen ? d.clock : null });
      if (key === lastAccount) return;
      lastAccount = key;
      state.view?.onAccount?.(d);
      labelAccount(d);
    },
  });
}

/** Who the stored token is (null and the sign-in form when the server refuses it). */
async function whoami() {
  try {
    state.me = await api.get("/whoami");
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    state.me = null;
    return null;
  }
  const me = state.me;
  const scoped = !me.admin;
  $("token-summary").textContent = scoped ? `Token: ${me.name || "#" + me.token_id} (${me.access})` : "Admin token";
  $("who").textContent = scoped ? `${me.access === "read" ? "Read-only" : "Full"} access to ${me.accounts.join(", ")}` : "";
  $("new-account-form").hidden = scoped; // creating accounts is the admin token's
  $("sign-out").hidden = !token.get();
  return me;
}

function showLogin(error = "") {
  signOutView();
  const form = fromTemplate("tpl-login");
  $("main").replaceChildren(form);
  const err = $("login-error");
  err.textContent = error;
  err.hidden = !error;
  $("login-token").focus();
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    token.set($("login-token").value.trim(), $("login-remember").checked);
    await signedIn("That token was refused: unknown or revoked.");
  });
}

function signOutView() {
  state.stop?.();
  state.stop = null;
  state.view?.destroy?.();
  state.view = null;
  state.me = null;
  state.accounts = [];
  state.account = null;
  state.page = null;
  setLive(false);
}

/** After the token changed: the sign-in form again if it is refused, else the page. */
async function signedIn(refused) {
  signOutView();
  if (!(await whoami())) return showLogin(token.get() ? refused : "");
  $("account").replaceChildren();
  await route();
}

async function route() {
  const want = parseHash();
  if (!state.me && !(await whoami())) return showLogin(token.get() ? "The stored token was refused." : "");
  if (!state.accounts.length) await loadAccounts();
  const names = state.accounts.map((a) => a.name);
  if (!want.account || !names.includes(want.account)) {
    if (want.account && !names.includes(want.account)) await loadAccounts();
    if (!state.accounts.some((a) => a.name === want.account)) {
      const fallback = names.includes("default") ? "default" : names[0];
      if (fallback) go(fallback, want.page);
      else $("main").replaceChildren();
      return;
    }
  }
  $("account").value = want.account;
  $("nav-inbox").href = `#/${enc(want.account)}/inbox`;
  $("nav-console").href = `#/${enc(want.account)}/console`;
  $("nav-inbox").classList.toggle("active", want.page === "inbox");
  $("nav-console").classList.toggle("active", want.page === "console");
  document.title = `${want.account} · ${want.page} · SES emulator`;
  if (state.account !== want.account || state.page !== want.page) {
    if (state.account !== want.account) connect(want.account);
    state.view?.destroy?.();
    state.account = want.account;
    state.page = want.page;
    state.view = want.page === "console" ? new Console(want.account) : new Inbox(want.account, go);
    $("main").replaceChildren(state.view.root);
    await state.view.load();
  }
  if (want.page === "inbox") await state.view.select(want.msg);
}

function init() {
  $("account").addEventListener("change", (e) => go(e.target.value, state.page || "inbox"));
  $("token").value = token.get();
  $("token-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    token.set($("token").value.trim());
    toast("Token saved in this browser.", "info");
    await signedIn("That token was refused: unknown or revoked.");
  });
  $("sign-out").addEventListener("click", async () => {
    token.set("");
    $("token").value = "";
    $("token-box").open = false;
    await signedIn("");
  });
  document.addEventListener("ses-unauthorized", () => {
    if (state.me) guard(() => signedIn("The token was refused (revoked?): sign in again."));
  });
  $("new-account-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = $("new-account-name").value.trim();
    const quota = $("new-account-quota").value;
    const body = {};
    if (name) body.name = name;
    if (quota !== "") body.free_quota = Number(quota);
    const created = await guard(() => api.post("/accounts", body));
    if (!created) return;
    toast(`Account ${created.name}: sender ${created.sender}, SMTP password ${created.smtp_password}, SecretId ${created.secret_id}, SecretKey ${created.secret_key}`, "info", 30_000);
    e.target.reset();
    await loadAccounts();
    go(created.name, "console");
  });
  window.addEventListener("hashchange", () => guard(route));
  guard(route);
}

init();
