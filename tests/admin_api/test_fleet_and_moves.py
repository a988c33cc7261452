"""Issue 18: bulk account creation for test fleets (POST /admin/accounts/bulk) and a global clock move
answered at once (POST /admin/clock/advance with "wait": false -> 202, GET /admin/clock/moves/{id}),
against a real server of its own on SQLite and PostgreSQL (a global move touches every account)."""

from __future__ import annotations

import smtplib
import time
from typing import Any

import pytest

from tests.clients import insecure_tls

BACKENDS = ["sqlite", "postgresql"]


def wait_done(srv: Any, move: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while not move["done"]:
        assert time.monotonic() < deadline, move
        time.sleep(0.05)
        r = srv.admin("GET", f"/clock/moves/{move['id']}")
        assert r.status_code == 200, r.text
        move = r.json()
    return move


@pytest.mark.parametrize("backend", BACKENDS)
def test_bulk_creation_makes_working_accounts(make_server: Any, backend: str) -> None:
    srv = make_server(backend)
    before = len(srv.admin("GET", "/accounts").json())
    r = srv.admin("POST", "/accounts/bulk", json={"count": 40, "prefix": "fleet", "top_up": "2.50"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["created"] == 40 and [a["name"] for a in body["accounts"]] == [
        f"fleet-{i}" for i in range(1, 41)
    ]
    assert len({a["secret_id"] for a in body["accounts"]}) == 40
    last = body["accounts"][-1]
    state = srv.state(last["name"])
    assert state["balance_micro"] == 2_500_000 and state["secret_id"] == last["secret_id"]
    with smtplib.SMTP("127.0.0.1", srv.endpoints.smtp_port, timeout=10) as smtp:  # its SMTP password works
        smtp.starttls(context=insecure_tls())
        smtp.login(last["sender"], last["smtp_password"])
    # a name taken refuses the whole request and creates nothing
    again = srv.admin("POST", "/accounts/bulk", json={"count": 50, "prefix": "fleet"})
    assert again.status_code == 409, again.text
    assert len(srv.admin("GET", "/accounts").json()) == before + 40
    nxt = srv.admin("POST", "/accounts/bulk", json={"count": 2, "prefix": "fleet", "first": 41})
    assert [a["name"] for a in nxt.json()["accounts"]] == ["fleet-41", "fleet-42"]
    for bad in ({"count": 0}, {"count": 3, "prefix": "bad name"}, {"count": 3, "top_up": "-1"}):
        r = srv.admin("POST", "/accounts/bulk", json=bad)
        assert r.status_code in (400, 422) and r.json()["code"], r.text
    assert len(srv.admin("GET", "/accounts").json()) == before + 42


@pytest.mark.parametrize("backend", BACKENDS)
def test_background_global_move_answers_202_and_reports_progress(make_server: Any, backend: str) -> None:
    srv = make_server(backend)
    made = srv.admin("POST", "/accounts/bulk", json={"count": 30, "prefix": "m", "top_up": "10"}).json()
    names = [a["name"] for a in made["accounts"]]
    srv.admin("POST", "/clock/freeze")
    latest = max(a["clock"]["now_us"] for a in srv.admin("GET", "/accounts").json())
    r = srv.admin("POST", "/clock/advance", json={"duration": "3d", "key": "bg-1", "wait": False})
    assert r.status_code == 202, r.text
    move = r.json()
    assert move["target_us"] == latest + 3 * 86_400_000_000 and move["key"] == "bg-1"
    assert move["accounts_total"] == len(srv.admin("GET", "/accounts").json())
    done = wait_done(srv, move)
    assert done["accounts_done"] == done["accounts_total"]
    for n in names:
        assert srv.state(n)["clock"]["now_us"] == move["target_us"]
    # the same key again: the move already made, nothing moves twice
    again = srv.admin("POST", "/clock/advance", json={"duration": "3d", "key": "bg-1", "wait": False})
    assert again.status_code == 202 and again.json()["id"] == move["id"] and again.json()["done"]
    assert srv.state(names[0])["clock"]["now_us"] == move["target_us"]
    assert srv.admin("GET", "/clock/moves/999999").status_code == 404
    bad = srv.admin("POST", f"/accounts/{names[0]}/clock/advance", json={"duration": "1d", "wait": False})
    assert bad.status_code == 400
