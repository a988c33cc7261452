"""Captured mail (behaviour §7) in process: list and search within one account, read parsed and raw,
GetSendEmailStatus rows by UTC+8 day, delete, wait, and retention by count and by account-clock age.
Deleting mail never touches metering."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from emulator.errors import NotFound
from emulator.services.core import Core
from emulator.storage.mail_repo import MailFilter
from tests.services.conftest import DAY, at, bj, eml, send_api, send_smtp


def ids(core: Core, account_id: int, f: MailFilter | None = None, **kw: int) -> list[str]:
    return [m["id"] for m in core.mailbox.list(account_id, f or MailFilter(), **kw)[0]]


def test_list_and_search_newest_first_within_the_account(core: Core) -> None:
    a = core.accounts.create("a")
    b = core.accounts.create("b", sender="me@b.example.org")
    at(core, "a", "2031-01-05T10:00")
    r1 = send_api(core, a, ["alice@example.com"], subject="Invoice 42", text="total due 12 USD")
    at(core, "a", "2031-01-05T11:00")
    r2 = send_smtp(core, a, ["bob@example.com"], eml("Welcome aboard", "bob@example.com", "hello bob"))
    at(core, "a", "2031-01-05T12:00")
    r3 = send_api(core, a, ["carol@example.com"], subject="Invoice 43", text="paid in full")
    send_api(core, b, ["alice@example.com"], subject="Invoice 42")  # another account's mail
    assert ids(core, a.account_id) == [r3.message_id, r2.message_id, r1.message_id]
    assert core.mailbox.list(a.account_id, MailFilter(), offset=1, limit=1) == (
        core.mailbox.list(a.account_id, MailFilter())[0][1:2],
        3,
    )
    assert ids(core, a.account_id, MailFilter(subject="invoice")) == [r3.message_id, r1.message_id]
    assert ids(core, a.account_id, MailFilter(to="ALICE@")) == [r1.message_id]
    assert ids(core, a.account_id, MailFilter(text="due 12")) == [r1.message_id]
    assert ids(core, a.account_id, MailFilter(text="hello bob")) == [r2.message_id]
    assert ids(core, a.account_id, MailFilter(source="smtp")) == [r2.message_id]
    assert ids(core, a.account_id, MailFilter(sender="noreply@")) == [
        r3.message_id,
        r2.message_id,
        r1.message_id,
    ]
    window = MailFilter(
        since_us=bj("2031-01-05T11:00"), until_us=bj("2031-01-05T11:00")
    )  # both ends included
    assert ids(core, a.account_id, window) == [r2.message_id]
    assert ids(core, a.account_id, MailFilter(subject="100%_")) == []  # LIKE wildcards are literal
    assert len(ids(core, b.account_id)) == 1


def test_read_one_message_parsed_raw_and_its_recipient_statuses(core: Core) -> None:
    a = core.accounts.create("a")
    r = send_api(core, a, ["x@example.com"], cc=["y@example.com"], subject="Hi", text="the body text")
    summary, parsed, statuses = core.mailbox.get(a.account_id, r.message_id)
    assert summary["subject"] == "Hi" and summary["recipients"] == ["x@example.com", "y@example.com"]
    assert "the body text" in (parsed.text or "")
    assert [(s.address, s.send_status, s.deliver_status) for s in statuses] == [
        ("x@example.com", 0, 1),
        ("y@example.com", 0, 1),
    ]
    raw = core.mailbox.raw(a.account_id, r.message_id)
    assert f"<{r.message_id}@qcloudmail.com>".encode() in raw
    with pytest.raises(NotFound):
        core.mailbox.attachment(a.account_id, r.message_id, 0)


def test_messages_of_another_account_cannot_be_read_or_deleted(core: Core) -> None:
    a = core.accounts.create("a")
    b = core.accounts.create("b")
    r = send_api(core, a, ["x@example.com"])
    for call in (core.mailbox.raw, core.mailbox.get, core.mailbox.delete):
        with pytest.raises(NotFound):
            call(b.account_id, r.message_id)  # type: ignore[operator]
    assert ids(core, a.account_id) == [r.message_id]


def test_status_rows_are_by_the_utc_plus_8_request_day(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T23:59")
    r1 = send_api(core, a, ["x@example.com", "y@example.com"])
    at(core, "a", "2031-01-06T00:01")
    r2 = send_api(core, a, ["x@example.com"])
    day5 = core.mailbox.statuses(a.account_id, "2031-01-05", None, None, 0, 100)
    assert [(s.message_id, s.address) for s in day5] == [
        (r1.message_id, "x@example.com"),
        (r1.message_id, "y@example.com"),
    ]
    day6 = core.mailbox.statuses(a.account_id, "2031-01-06", None, "X@EXAMPLE.COM", 0, 100)
    assert [(s.message_id, s.request_us) for s in day6] == [(r2.message_id, bj("2031-01-06T00:01"))]
    assert (
        core.mailbox.statuses(a.account_id, "2031-01-05", r1.message_id, None, 1, 1)[0].address
        == "y@example.com"
    )


def test_delete_one_or_all_and_metering_stays(core: Core) -> None:
    a = core.accounts.create("a", free_quota=1)
    r1 = send_api(core, a, ["x@example.com"])
    send_api(core, a, ["y@example.com"])
    send_api(core, a, ["z@example.com"])
    assert len(core.mailbox.statuses(a.account_id, "2031-01-01", None, None, 0, 100)) == 3  # wall day
    assert core.mailbox.delete(a.account_id, r1.message_id) == 1
    with pytest.raises(NotFound):
        core.mailbox.delete(a.account_id, r1.message_id)
    assert core.mailbox.delete(a.account_id) == 2
    assert core.mailbox.list(a.account_id, MailFilter()) == ([], 0)
    assert core.mailbox.statuses(a.account_id, "2031-01-01", None, None, 0, 100) == []
    s = core.accounts.state("a")
    assert (s.free_used, s.paid_units) == (1, 2)  # 1 free + 2 paid, still billed
    assert core.mailbox.delete(a.account_id) == 0


def test_wait_returns_the_oldest_match_or_none_on_timeout(core: Core) -> None:
    a = core.accounts.create("a")
    assert asyncio.run(core.mailbox.wait(a.account_id, MailFilter(to="x@"), 0)) is None
    r1 = send_api(core, a, ["x@example.com"], subject="first")
    send_api(core, a, ["x@example.com"], subject="second")
    found = asyncio.run(core.mailbox.wait(a.account_id, MailFilter(to="x@"), 5))
    assert found is not None and found["id"] == r1.message_id


def test_retention_keeps_the_newest_n(make_core: Callable[..., Core]) -> None:
    core = make_core(retention_max_messages=2)
    a = core.accounts.create("a")
    b = core.accounts.create("b")
    sent = [send_api(core, a, [f"u{i}@example.com"]).message_id for i in range(5)]
    send_api(core, b, ["u@example.com"])
    assert core.retention.enforce() == 3  # a: 5 − 2; b: 1 ≤ 2
    assert ids(core, a.account_id) == [sent[4], sent[3]]
    assert len(ids(core, b.account_id)) == 1
    assert core.accounts.state("a").free_used == 5  # metering is kept
    assert core.retention.enforce() == 0


def test_retention_by_age_uses_the_account_clock(make_core: Callable[..., Core]) -> None:
    core = make_core(retention_max_age_days=3)
    a = core.accounts.create("a")
    keep = []
    for day in ("01", "03", "05"):
        at(core, "a", f"2031-01-{day}T12:00")
        keep.append(send_api(core, a, ["x@example.com"]).message_id)
    at(core, "a", "2031-01-06T12:00")
    # cut-off = 6 Jan 12:00 − 3 days = 3 Jan 12:00; the 3 Jan 12:00 message is not older: kept
    assert core.retention.enforce() == 1
    assert ids(core, a.account_id) == [keep[2], keep[1]]
    core.clocks.advance("a", 1)  # one microsecond later the 3 Jan message is past the age
    assert core.retention.enforce() == 1
    assert ids(core, a.account_id) == [keep[2]]
    assert core.mailbox.statuses(a.account_id, "2031-01-03", None, None, 0, 10) == []


def test_retention_is_off_by_default(core: Core) -> None:
    a = core.accounts.create("a")
    send_api(core, a, ["x@example.com"])
    core.clocks.advance("a", 400 * DAY)
    assert not core.retention.enabled and core.retention.enforce() == 0
    assert len(ids(core, a.account_id)) == 1
