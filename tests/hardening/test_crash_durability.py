"""Issue 9 §1: a `ses-emulator serve` process SIGKILLed under concurrent SMTP + API load loses nothing it
acknowledged, stores nothing twice, meters exactly what it stored and bills it once — on SQLite and
PostgreSQL, with the kill at several moments of the load."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.hardening.load import Ledger, all_messages, start_load, stop_load
from tests.hardening.proc import ServerProc, database

KILL_AFTER_ACKS = (3, 40, 150)  # early, mid, late in a round of load
FREE_QUOTA = 50
TOP_UP_MICRO = 5_000_000
PRICE = 280


def check_store(srv: ServerProc, name: str, books: list[Ledger]) -> dict[str, int]:
    """Every acknowledged send stored exactly once; every stored message was sent; metering exact."""
    attempted = {t: n for b in books for t, n in b.attempted.items()}
    acked = {t: mid for b in books for t, mid in b.acked.items()}
    msgs = all_messages(srv, name)
    ids = Counter(m["id"] for m in msgs)
    assert max(ids.values(), default=1) == 1, "a MessageId is stored twice"
    subjects = Counter(m["subject"] for m in msgs)
    assert max(subjects.values(), default=1) == 1, "a send is stored twice"
    stored = {m["subject"]: m for m in msgs}
    lost = [t for t, mid in acked.items() if t not in stored or stored[t]["id"] != mid]
    assert not lost, f"acknowledged but not stored: {lost[:5]}"
    for token, m in stored.items():
        assert token in attempted, f"stored a message nobody sent: {token}"
        assert len(m["recipients"]) == attempted[token]
        assert m["free_units"] + m["paid_units"] == len(m["recipients"])
    total = sum(len(m["recipients"]) for m in msgs)
    usage = srv.admin("GET", f"/accounts/{name}/usage").json()
    assert sum(u["free_units"] + u["paid_units"] for u in usage) == total
    assert sum(u["free_units"] for u in usage) == sum(m["free_units"] for m in msgs)
    state = srv.admin("GET", f"/accounts/{name}").json()
    assert state["free_used"] == min(FREE_QUOTA, total) == sum(u["free_units"] for u in usage)
    assert state["paid_units"] == total - state["free_used"]
    last = books[-1]
    round_stored = [t for t in stored if t.startswith(last.tag)]
    return {
        "acked": len(last.acked),
        "found": sum(1 for t in last.acked if t in stored),
        "stored": len(round_stored),
        "in_flight_stored": len(round_stored) - len(last.acked),
        "lost": len(lost),
        "recipients_metered": total,
    }


def _wait_acks(book: Ledger, n: int, srv: ServerProc) -> None:
    deadline = time.monotonic() + 60
    while book.acked_count() < n:
        assert time.monotonic() < deadline, f"only {book.acked_count()} acks:\n{srv.output()[-3000:]}"
        time.sleep(0.005)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkill_mid_load_loses_nothing_acknowledged(tmp_path: Path, backend: str) -> None:
    url, schema = database(backend)
    srv = ServerProc(tmp_path / "data", url)
    try:
        srv.start()
        acct: dict[str, Any] = srv.admin("POST", "/accounts", json={"free_quota": FREE_QUOTA}).json()
        name = acct["name"]
        assert srv.admin("POST", f"/accounts/{name}/clock/freeze").status_code == 200
        moved = srv.admin("POST", f"/accounts/{name}/clock/advance", json={"to": "2031-03-10T12:00:00+08:00"})
        assert moved.status_code == 200, moved.text
        srv.admin("POST", f"/accounts/{name}/top-up", json={"amount_micro": TOP_UP_MICRO})
        books: list[Ledger] = []
        for round_no, kill_at in enumerate(KILL_AFTER_ACKS):
            book = start_load(srv, acct, tag=f"r{round_no}")
            _wait_acks(book, kill_at, srv)
            srv.kill()
            seen = book.acked_count()
            stop_load(book)
            books.append(book)
            srv.start()
            figures = check_store(srv, name, books)
            print(f"\n[crash {backend}] kill after {kill_at} acks (saw {seen}): {figures}")
        # the day's usage is billed once, for exactly the paid units, and the money adds up
        srv.admin("POST", f"/accounts/{name}/clock/advance", json={"duration": "1d"})
        srv.kill()  # and once more right after the settlement: nothing is billed twice on restart
        srv.start()
        state = srv.admin("GET", f"/accounts/{name}").json()
        bills = srv.admin("GET", f"/accounts/{name}/bills").json()
        assert [(b["period"], b["units"], b["status"]) for b in bills] == [
            ("2031-03-10", state["paid_units"], "paid")
        ]
        assert bills[0]["amount_micro"] == state["paid_units"] * PRICE
        assert state["balance_micro"] == TOP_UP_MICRO - bills[0]["amount_micro"]
        ledger = srv.admin("GET", f"/accounts/{name}/ledger").json()
        assert sum(e["amount_micro"] for e in ledger) == state["balance_micro"]
        assert not state["suspended"] and state["unpaid_micro"] == 0
        assert "Traceback" not in srv.output()
    finally:
        srv.kill()
        if schema:
            schema.drop()
