"""Issue 9 §1: SIGKILL while one clock call is settling many accounts' bills. After the restart every day
that has passed for an account is billed exactly once (the start-up catch-up finishes what the killed
call left), the money adds up, suspension matches arrears, and retrying the call changes nothing more."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.domain.clock import BEIJING
from tests.hardening.proc import Db, ServerProc, database

ACCOUNTS = 16
PRICE = 280
# Near real time: moving a clock costs a query per day passed, and years of them add seconds.
_NOON = datetime.now(BEIJING).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=2)
START = _NOON.isoformat()
ROUNDS = (  # (target of the big move: 41 days on, new bills settled before the kill)
    ((_NOON + timedelta(days=41)).isoformat(), 1),
    ((_NOON + timedelta(days=82)).isoformat(), ACCOUNTS // 2),
)


def recipients(i: int, day: int) -> int:
    return 1 + (i + day) % 3


def send_day(srv: ServerProc, accts: list[dict[str, Any]], day: int) -> None:
    for i, a in enumerate(accts):
        r = srv.api(
            a,
            "SendEmail",
            FromEmailAddress=a["sender"],
            Destination=[f"d{day}-{k}@example.com" for k in range(recipients(i, day))],
            Subject=f"day {day}",
            Simple={"Text": "aGk="},
        )
        assert "MessageId" in r, r


def open_accounts(
    srv: ServerProc, count: int = ACCOUNTS, start: str = START
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """`count` accounts, every clock frozen at `start`, each topped up (odd accounts can pay day 0 only:
    their next bill suspends them); returns them and their top-ups."""
    accts = [srv.admin("POST", "/accounts", json={"free_quota": 0}).json() for _ in range(count)]
    assert srv.admin("POST", "/clock/freeze").status_code == 200
    assert srv.admin("POST", "/clock/advance", json={"to": start}).status_code == 200
    top_ups: dict[str, int] = {}
    for i, a in enumerate(accts):
        top_ups[a["name"]] = 1_000_000 if i % 2 == 0 else recipients(i, 0) * PRICE
        srv.admin("POST", f"/accounts/{a['name']}/top-up", json={"amount_micro": top_ups[a["name"]]})
    return accts, top_ups


def check_books(srv: ServerProc, accts: list[dict[str, Any]], top_ups: dict[str, int]) -> None:
    """Whatever moment the kill hit, each account's bills and money are consistent with its clock."""
    for a in accts:
        name = a["name"]
        state = srv.admin("GET", f"/accounts/{name}").json()
        today = state["clock"]["now"][:10]
        usage = {u["day"]: u for u in srv.admin("GET", f"/accounts/{name}/usage").json()}
        bills = srv.admin("GET", f"/accounts/{name}/bills").json()
        by_period = {b["period"]: b for b in bills}
        assert len(by_period) == len(bills), f"{name}: a period billed twice: {bills}"
        assert [b["created_at"] for b in bills] == sorted(b["created_at"] for b in bills)
        for day, u in usage.items():
            if day < today:
                assert day in by_period, f"{name}: {day} has passed but is not billed"
                assert by_period[day]["units"] == u["paid_units"]
                assert by_period[day]["amount_micro"] == u["paid_units"] * PRICE
            else:
                assert day not in by_period, f"{name}: {day} billed before it ended"
        paid = sum(b["amount_micro"] for b in bills if b["status"] == "paid")
        unpaid = sum(b["amount_micro"] for b in bills if b["status"] == "unpaid")
        assert state["balance_micro"] == top_ups[name] - paid
        ledger = srv.admin("GET", f"/accounts/{name}/ledger").json()
        assert sum(e["amount_micro"] for e in ledger) == state["balance_micro"]
        assert state["unpaid_micro"] == unpaid
        assert state["suspended"] == (unpaid > 0), f"{name}: suspended={state['suspended']}, unpaid={unpaid}"


def kill_during_move(srv: ServerProc, counter: Db, target: str, new_bills: int) -> dict[str, Any]:
    """Start the all-accounts move to `target`; SIGKILL once `new_bills` more bills exist."""
    before = counter.count("bills")
    result: dict[str, Any] = {}

    def move() -> None:
        try:
            r = httpx.post(srv.url + "/admin/clock/advance", json={"to": target}, timeout=60)
            result["status"] = r.status_code
        except Exception as exc:  # noqa: BLE001 - the server is killed under it
            result["error"] = type(exc).__name__

    t = threading.Thread(target=move)
    t.start()
    deadline = time.monotonic() + 60
    while counter.count("bills") < before + new_bills and t.is_alive():
        assert time.monotonic() < deadline
        time.sleep(0.001)
    srv.kill()
    at_kill = counter.count("bills") - before
    t.join(30)
    return {"new_bills_at_kill": at_kill, "call_returned": "status" in result}


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkill_during_clock_advance_bills_each_day_once(tmp_path: Path, backend: str) -> None:
    url, schema = database(backend)
    srv = ServerProc(tmp_path / "data", url)
    counter = Db(srv)
    try:
        srv.start()
        accts, top_ups = open_accounts(srv)
        send_day(srv, accts, 0)
        assert srv.admin("POST", "/clock/advance", json={"duration": "1d"}).status_code == 200
        send_day(srv, accts, 1)
        for round_no, (target, new_bills) in enumerate(ROUNDS):
            figures = kill_during_move(srv, counter, target, new_bills)
            srv.start()  # start-up runs what fell due for the accounts the killed call had moved
            moved = sum(
                srv.admin("GET", f"/accounts/{a['name']}").json()["clock"]["now"] == target for a in accts
            )
            print(
                f"\n[advance-kill {backend}] round {round_no}: {figures}, accounts moved {moved}/{ACCOUNTS}"
            )
            check_books(srv, accts, top_ups)
            # the client retries the same call: the rest move, nothing is billed twice
            assert srv.admin("POST", "/clock/advance", json={"to": target}).status_code == 200
            check_books(srv, accts, top_ups)
            for i, a in enumerate(accts):
                state = srv.admin("GET", f"/accounts/{a['name']}").json()
                assert state["clock"]["now"] == target
                assert state["suspended"] == (i % 2 == 1), state
                if state["unpaid_micro"]:  # top up what is missing: settles and resumes
                    top_ups[a["name"]] += state["unpaid_micro"]
                    r = srv.admin(
                        "POST", f"/accounts/{a['name']}/top-up", json={"amount_micro": state["unpaid_micro"]}
                    )
                    assert not r.json()["suspended"]
            send_day(srv, accts, 2 + round_no)
        check_books(srv, accts, top_ups)
        assert "Traceback" not in srv.output()
    finally:
        counter.close()
        srv.kill()
        if schema:
            schema.drop()
