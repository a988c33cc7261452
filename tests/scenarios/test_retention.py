"""Retention keeps the newest N messages and drops those older than D account days; metering stays."""

from __future__ import annotations

import time
from typing import Any

from tests.clients import message, smtp_send


def _wait_total(srv: Any, name: str, total: int) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        listing = srv.admin("GET", f"/accounts/{name}/messages").json()
        if listing["total"] == total or time.monotonic() > deadline:
            return dict(listing)
        time.sleep(0.1)


def test_keeps_the_newest_messages(make_server: Any) -> None:
    srv = make_server("sqlite", retention_max_messages=3)
    a = srv.new_account()
    for i in range(5):
        smtp_send(
            srv.endpoints.smtp_port,
            a["sender"],
            a["smtp_password"],
            message(a["sender"], [f"u{i}@example.com"], subject=f"m{i}"),
        )
    listing = _wait_total(srv, a["name"], 3)
    assert [m["subject"] for m in listing["messages"]] == ["m4", "m3", "m2"]
    assert srv.state(a["name"])["free_used"] == 5  # metering is never deleted


def test_drops_messages_older_than_the_age_by_account_clock(make_server: Any) -> None:
    srv = make_server("postgresql", retention_max_age_days=2)
    a = srv.new_account()
    srv.admin("POST", f"/accounts/{a['name']}/clock/freeze")
    smtp_send(
        srv.endpoints.smtp_port, a["sender"], a["smtp_password"], message(a["sender"], ["old@example.com"])
    )
    srv.admin("POST", f"/accounts/{a['name']}/clock/advance", json={"duration": "1d"})
    smtp_send(
        srv.endpoints.smtp_port, a["sender"], a["smtp_password"], message(a["sender"], ["new@example.com"])
    )
    srv.admin("POST", f"/accounts/{a['name']}/clock/advance", json={"duration": "1d1h"})
    listing = _wait_total(srv, a["name"], 1)
    assert [m["recipients"] for m in listing["messages"]] == [["new@example.com"]]
    usage = srv.admin("GET", f"/accounts/{a['name']}/usage").json()
    assert sum(u["free_units"] for u in usage) == 2
