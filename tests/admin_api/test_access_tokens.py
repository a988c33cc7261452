"""Issue 19 §3, scoped access tokens against a real server over httpx: a token scoped to account A never
reads or changes account B on any route of the app (enumerated from `app.routes`, so a route added later
is covered without editing this file), a read token never changes A, a full token can; global routes are
the admin token's; the live stream and the account list show only A; tokens are stored as hashes, shown
once, listed without secrets and revoked at once."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from emulator.admin_api.deps import SCOPED_GLOBAL_ROUTES
from emulator.http_app import create_app
from tests.clients import message, smtp_send
from tests.conftest import Server

ADMIN = "access-admin-token-4b1d"
AUTH = {"Authorization": f"Bearer {ADMIN}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def app_routes(server: Server) -> list[tuple[str, str]]:
    """Every (method, path template) of the app under /admin, documented or not."""

    def walk(routes: list[Any]) -> list[APIRoute]:
        found: list[APIRoute] = []
        for r in routes:
            if isinstance(r, APIRoute):
                found.append(r)
            elif hasattr(r, "original_router"):  # FastAPI >= 0.120 includes routers lazily
                found += walk(r.original_router.routes)
        return found

    routes = walk(create_app(server.core).routes)
    return sorted({(m, r.path) for r in routes if r.path.startswith("/admin") for m in r.methods})


def issue(srv: Server, accounts: list[str | int], access: str, **kw: Any) -> dict[str, Any]:
    r = srv.admin("POST", "/tokens", json={"accounts": accounts, "access": access, **kw}, headers=AUTH)
    assert r.status_code == 201, r.text
    return dict(r.json())


def send(srv: Server, acct: dict[str, Any], subject: str) -> str:
    smtp_send(srv.endpoints.smtp_port, acct["sender"], acct["smtp_password"],
              message(acct["sender"], ["to@example.com"], subject=subject))  # fmt: skip
    r = srv.admin("GET", f"/accounts/{acct['name']}/messages", params={"subject": subject}, headers=AUTH)
    return str(r.json()["messages"][0]["id"])


def snapshot(srv: Server, name: str) -> Any:
    """What a refused request must not change: the account's state and its mailbox."""
    state = srv.admin("GET", f"/accounts/{name}", headers=AUTH).json()
    mail = srv.admin("GET", f"/accounts/{name}/messages", headers=AUTH).json()
    limits = srv.admin("GET", f"/accounts/{name}/limits", headers=AUTH).json()
    rules = srv.admin("GET", f"/accounts/{name}/fault-rules", headers=AUTH).json()
    state["clock"].pop("now"), state["clock"].pop("now_us")  # a running clock moves by itself
    return state, mail, limits, rules


def request(srv: Server, method: str, path: str, headers: dict[str, str]) -> int:
    params = {"timeout": 0} if path.endswith("/wait") else {}
    with srv.http.stream(method, path, headers=headers, params=params, json={}) as r:  # streams: headers only
        return r.status_code


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One server with an admin token, accounts A and B with a message each, and tokens on A."""
    from tests.conftest import start_server

    srv, _ = start_server(tmp_path_factory.mktemp("access"), "sqlite", admin_token=ADMIN)
    a = srv.http.post("/admin/accounts", json={"name": "team-a"}, headers=AUTH).json()
    b = srv.http.post("/admin/accounts", json={"name": "team-b"}, headers=AUTH).json()
    ids = {"a": send(srv, a, "for A"), "b": send(srv, b, "for B")}
    tokens = {access: issue(srv, ["team-a"], access)["token"] for access in ("read", "full")}
    yield srv, a, b, ids, tokens
    srv.close()
    srv.emulator.stop_thread()


# reads that carry the account's API keys: a read token is refused them (domain.access.secrets_refusal)
FULL_ONLY_READS = {"/admin/accounts/{account}/snapshot"}


def fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda g: values.get(g.group(1), "1"), template)


def test_every_route_keeps_a_scoped_token_inside_its_accounts(two: Any) -> None:
    srv, a, b, ids, tokens = two
    routes = app_routes(srv)
    per_account = [(m, t) for m, t in routes if "{account}" in t]
    global_ = [(m, t) for m, t in routes if "{account}" not in t]
    assert len(per_account) > 40 and ("POST", "/admin/tokens") in global_
    values_b = {"account": "team-b", "message_id": ids["b"], "address": b["sender"], "index": "0"}
    before_b = snapshot(srv, "team-b")
    checked = 0
    for method, template in per_account:
        for access, token in tokens.items():
            for ref in ("team-b", str(b["id"]), "no-such-account"):  # by name, by id, nothing at all
                status = request(srv, method, fill(template, {**values_b, "account": ref}), bearer(token))
                assert status == 403, f"{access} token: {method} {template} on {ref}: {status}"
                checked += 1
    assert snapshot(srv, "team-b") == before_b  # nothing of B changed
    # the read token reads A and changes nothing of it
    values_a = {"account": "team-a", "message_id": ids["a"], "address": a["sender"], "index": "0"}
    before_a = snapshot(srv, "team-a")
    for method, template in per_account:
        status = request(srv, method, fill(template, values_a), bearer(tokens["read"]))
        if method == "GET" and template in FULL_ONLY_READS:
            assert status == 403, f"read token got {method} {template}: {status}"
        elif method == "GET":
            assert status not in (401, 403), f"read token refused {method} {template}: {status}"
        else:
            assert status == 403, f"read token allowed {method} {template}: {status}"
    assert snapshot(srv, "team-a") == before_a
    # a full token passes the guard on every route of its account, whatever the route then answers
    # (on a throw-away account C: these calls suspend, reset and delete)
    c = srv.http.post("/admin/accounts", json={}, headers=AUTH).json()
    full_c = issue(srv, [c["name"]], "full")["token"]
    values_c = {
        "account": c["name"],
        "message_id": send(srv, c, "for C"),
        "address": c["sender"],
        "index": "0",
    }
    for method, template in per_account:
        status = request(srv, method, fill(template, values_c), bearer(full_c))
        assert status not in (401, 403), f"full token refused {method} {template}: {status}"
    # global routes: the admin token's, but for the few that show only the token's accounts
    for method, template in global_:
        for token in tokens.values():
            status = request(srv, method, fill(template, values_a), bearer(token))
            if (method, template) in SCOPED_GLOBAL_ROUTES:
                assert status == 200, f"{method} {template}: {status}"
            else:
                assert status == 403, f"scoped token reached admin-only {method} {template}: {status}"
    print(f"\n[access] {len(per_account)} per-account routes x 2 tokens x 3 references refused ({checked}); "
          f"{len(global_)} global routes admin-only but {len(SCOPED_GLOBAL_ROUTES)}")  # fmt: skip


def test_refusals_are_401_and_403_in_the_admin_error_form(two: Any) -> None:
    srv, _a, _b, _ids, tokens = two
    cases = [
        ({}, "/accounts/team-a", 401, "Unauthorized"),
        (bearer("sesemu_" + "x" * 43), "/accounts/team-a", 401, "Unauthorized"),
        ({"X-Admin-Token": "nope"}, "/accounts/team-a", 401, "Unauthorized"),
        (bearer(tokens["read"]), "/accounts/team-b", 403, "Forbidden"),
        (bearer(tokens["full"]), "/limits", 403, "Forbidden"),
    ]
    for headers, path, status, code in cases:
        r = srv.admin("GET", path, headers=headers)
        assert (r.status_code, r.json()["code"]) == (status, code), (path, r.text)
        assert r.json()["message"]
    r = srv.admin("POST", "/accounts/team-a/top-up", json={"amount": "1.00"}, headers=bearer(tokens["read"]))
    assert r.status_code == 403 and "read-only" in r.json()["message"]
    r = srv.admin("POST", "/accounts/team-a/top-up", json={"amount": "1.00"}, headers=bearer(tokens["full"]))
    assert r.status_code == 200 and r.json()["balance_micro"] == 1_000_000
    # X-Admin-Token carries a scoped token too
    assert srv.admin("GET", "/accounts/team-a", headers={"X-Admin-Token": tokens["read"]}).status_code == 200


def test_the_account_list_and_whoami_show_only_the_tokens_accounts(two: Any) -> None:
    srv, _a, _b, _ids, tokens = two
    everyone = {x["name"] for x in srv.admin("GET", "/accounts", headers=AUTH).json()}
    assert {"default", "team-a", "team-b"} <= everyone
    for access, token in tokens.items():
        assert [x["name"] for x in srv.admin("GET", "/accounts", headers=bearer(token)).json()] == ["team-a"]
        me = srv.admin("GET", "/whoami", headers=bearer(token)).json()
        assert (me["admin"], me["access"], me["accounts"]) == (False, access, ["team-a"])
    assert srv.admin("GET", "/whoami", headers=AUTH).json() == {
        "admin": True, "access": "full", "accounts": None, "token_id": None, "name": None,
    }  # fmt: skip


def test_the_mailbox_api_lists_reads_and_deletes_only_as_allowed(two: Any) -> None:
    srv, a, b, ids, tokens = two
    mid = send(srv, a, "deletable")
    read, full = bearer(tokens["read"]), bearer(tokens["full"])
    listed = srv.admin("GET", "/accounts/team-a/messages", headers=read).json()["messages"]
    assert mid in {m["id"] for m in listed} and ids["b"] not in {m["id"] for m in listed}
    assert srv.admin("GET", f"/accounts/team-a/messages/{mid}/raw", headers=read).status_code == 200
    assert srv.admin("GET", f"/accounts/team-b/messages/{ids['b']}/raw", headers=read).status_code == 403
    assert srv.admin("DELETE", f"/accounts/team-a/messages/{mid}", headers=read).status_code == 403
    assert srv.admin("DELETE", f"/accounts/team-b/messages/{ids['b']}", headers=full).status_code == 403
    assert srv.admin("GET", f"/accounts/team-b/messages/{ids['b']}", headers=AUTH).status_code == 200
    assert srv.admin("DELETE", f"/accounts/team-a/messages/{mid}", headers=full).json() == {"deleted": 1}
    r = srv.admin("GET", "/accounts/team-a/messages/wait", params={"timeout": 0}, headers=read)
    assert r.status_code != 403
    assert (
        srv.admin("GET", "/accounts/team-b/messages/wait", params={"timeout": 0}, headers=read).status_code
        == 403
    )


def _events(srv: Server, account: str, token: str, out: list[tuple[str, Any]], stop: threading.Event) -> None:
    """Collects a stream's events (reconnecting, as the UI does) until `stop`."""
    while not stop.is_set():
        try:
            with (
                httpx.Client(base_url=srv.endpoints.http_url, timeout=30) as c,
                c.stream("GET", f"/admin/accounts/{account}/messages/stream", headers=bearer(token)) as r,
            ):
                assert r.status_code == 200
                name = None
                for line in r.iter_lines():
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:") and name:
                        out.append((name, json.loads(line[5:])))
                    if stop.is_set():
                        return
        except httpx.HTTPError:
            if not stop.is_set():
                raise
            return  # the server went away after the test had what it needed


def test_the_live_stream_delivers_only_the_tokens_account(two: Any) -> None:
    srv, a, b, _ids, tokens = two
    token = tokens["read"]
    with srv.http.stream("GET", "/admin/accounts/team-b/messages/stream", headers=bearer(token)) as r:
        assert r.status_code == 403 and json.loads(r.read())["code"] == "Forbidden"
    events: list[tuple[str, Any]] = []
    stop = threading.Event()
    t = threading.Thread(target=_events, args=(srv, "team-a", token, events, stop), daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while not any(n == "account" for n, _ in events):
        assert time.monotonic() < deadline, "no first events"
        time.sleep(0.05)
    mid_b = send(srv, b, "B, not for the stream")
    mid_a = send(srv, a, "A, live")
    deadline = time.monotonic() + 15
    while not any(n == "messages" and d["newest"] == mid_a for n, d in events):
        assert time.monotonic() < deadline, f"A's message never streamed: {events}"
        time.sleep(0.05)
    stop.set()
    t.join(15)
    assert {d["name"] for n, d in events if n == "account"} == {"team-a"}
    assert all(d["newest"] != mid_b for n, d in events if n == "messages")
    a_ids = {m["id"] for m in srv.admin("GET", "/accounts/team-a/messages", headers=AUTH).json()["messages"]}
    assert {d["newest"] for n, d in events if n == "messages"} <= a_ids


def test_only_the_admin_issues_tokens_listed_without_secrets_and_revoked_at_once(two: Any) -> None:
    srv, a, _b, _ids, tokens = two
    for token in tokens.values():
        r = srv.admin(
            "POST", "/tokens", json={"accounts": ["team-a"], "access": "full"}, headers=bearer(token)
        )
        assert r.status_code == 403  # a scoped token cannot widen itself
        assert srv.admin("GET", "/tokens", headers=bearer(token)).status_code == 403
    issued = issue(srv, ["team-a", a["id"], "team-b"], "read", name="ci pipeline 7")
    token = issued["token"]
    assert token.startswith("sesemu_") and len(token) == 7 + 43
    assert issued["accounts"] == ["team-a", "team-b"] and issued["name"] == "ci pipeline 7"
    assert issued["hint"] == token[:11] + "…" and issued["revoked"] is None
    listing = srv.admin("GET", "/tokens", headers=AUTH)
    mine = next(t for t in listing.json() if t["id"] == issued["id"])
    assert mine == {k: v for k, v in issued.items() if k != "token"}
    stored = srv.core.db.read  # the database holds the SHA-256 only
    with stored() as conn:
        from emulator.storage import access_repo

        record = access_repo.token_by_id(conn, issued["id"])
    assert record is not None and record.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in listing.text and record.token_hash not in listing.text
    for t in tokens.values():
        assert t not in listing.text
    assert srv.admin("GET", "/accounts/team-b", headers=bearer(token)).status_code == 200
    revoked = srv.admin("DELETE", f"/tokens/{issued['id']}", headers=AUTH).json()
    assert revoked["revoked"] is not None
    r = srv.admin("GET", "/accounts/team-b", headers=bearer(token))
    assert r.status_code == 401 and "revoked" in r.json()["message"]
    again = srv.admin("DELETE", f"/tokens/{issued['id']}", headers=AUTH).json()
    assert again["revoked"] == revoked["revoked"]  # idempotent: the first time stays
    for missing in (99999, -1, 2**40):
        assert srv.admin("DELETE", f"/tokens/{missing}", headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"accounts": [], "access": "read"}, 400),
        ({"accounts": ["team-a"], "access": "write"}, 400),
        ({"accounts": ["team-a"]}, 400),
        ({"accounts": ["team-a", "no-such-account"], "access": "read"}, 400),
        ({"accounts": ["team-a"], "access": "read", "name": "x" * 65}, 400),
        ({"accounts": ["team-a"], "access": "read", "name": "tab\there"}, 400),
    ],
)
def test_bad_token_requests_are_refused_and_issue_nothing(
    two: Any, body: dict[str, Any], status: int
) -> None:
    srv = two[0]
    before = srv.admin("GET", "/tokens", headers=AUTH).json()
    r = srv.admin("POST", "/tokens", json=body, headers=AUTH)
    assert r.status_code == status, r.text
    assert r.json()["code"] and r.json()["message"]
    assert srv.admin("GET", "/tokens", headers=AUTH).json() == before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_without_an_admin_token_local_callers_issue_and_a_token_still_restricts(
    make_server: Any, backend: str
) -> None:
    srv: Server = make_server(backend)
    mine = srv.new_account(name="mine")
    srv.new_account(name="theirs")
    r = srv.admin("POST", "/tokens", json={"accounts": ["mine"], "access": "full"})
    assert r.status_code == 201  # no admin token configured: any local caller, as every admin route
    token = r.json()["token"]
    assert [x["name"] for x in srv.admin("GET", "/accounts", headers=bearer(token)).json()] == ["mine"]
    assert srv.admin("GET", "/accounts/theirs", headers=bearer(token)).status_code == 403
    assert srv.admin("GET", f"/accounts/{mine['id']}", headers=bearer(token)).status_code == 200
    assert srv.admin("GET", "/accounts/theirs", headers=bearer("wrong")).status_code == 401
    assert srv.admin("GET", "/accounts/theirs").status_code == 200  # no token: the local default
    srv.admin("DELETE", f"/tokens/{r.json()['id']}")
    assert srv.admin("GET", "/accounts/mine", headers=bearer(token)).status_code == 401


def test_replicas_on_one_postgresql_share_tokens_and_a_revocation_within_the_cache_ttl(tmp_path: Any) -> None:
    """Two servers on one database (a team's shared instance): a token issued through one works on the
    other, and revoking it through the first is refused by the second within the look-up cache's TTL."""
    from emulator.bootstrap import Emulator
    from emulator.services.lookup_cache import TTL_S
    from tests.conftest import PgSchema, make_settings, require_pg

    require_pg()
    schema = PgSchema()
    servers: list[Server] = []
    try:
        for i in range(2):
            settings, _ = make_settings(tmp_path / f"r{i}", "sqlite", admin_token=ADMIN)
            settings = settings.model_copy(update={"database_url": schema.url})
            em = Emulator(settings)
            servers.append(Server(em, em.start_in_thread()))
        one, two_ = servers
        one.admin("POST", "/accounts", json={"name": "shared-a"}, headers=AUTH)
        issued = issue(one, ["shared-a"], "read")
        auth = bearer(issued["token"])
        assert two_.admin("GET", "/accounts/shared-a", headers=auth).status_code == 200
        assert [x["name"] for x in two_.admin("GET", "/accounts", headers=auth).json()] == ["shared-a"]
        one.admin("DELETE", f"/tokens/{issued['id']}", headers=AUTH)
        revoked_at = time.monotonic()
        while two_.admin("GET", "/accounts/shared-a", headers=auth).status_code == 200:
            assert time.monotonic() - revoked_at < TTL_S + 1.0, "the other replica still honours the token"
            time.sleep(0.05)
        assert two_.admin("GET", "/accounts/shared-a", headers=auth).status_code == 401
    finally:
        for srv in servers:
            srv.close()
            srv.emulator.stop_thread()
        schema.drop()
