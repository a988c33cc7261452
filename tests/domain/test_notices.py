"""The pure rules of account notices: the default address, the low-balance crossing, the cent rounding
of the figures in the mail, and the mail itself (read back by the mailbox's own parser)."""

from __future__ import annotations

from datetime import datetime

import pytest

from emulator.domain import mime_read
from emulator.domain import notices as rules
from emulator.domain.clock import from_datetime
from emulator.domain.money import format_cents

AT = from_datetime(datetime.fromisoformat("2031-01-06T00:00:00+08:00"))


def test_default_address() -> None:
    assert rules.default_address("noreply@mail.example.com") == "owner@mail.example.com"
    assert rules.default_address(None) == "owner@ses-emulator.local"


@pytest.mark.parametrize(
    ("was_below", "balance", "threshold", "expected"),
    [
        (False, 499_999, 500_000, (True, True)),  # falls below: warn
        (True, 400_000, 500_000, (True, False)),  # still below: once per crossing
        (True, 500_000, 500_000, (False, False)),  # at the threshold: not below, re-armed
        (False, 500_000, 500_000, (False, False)),
        (True, 0, None, (False, False)),  # off
        (False, 0, 0, (False, False)),  # a balance is never below 0
    ],
)
def test_low_balance_crossing(
    was_below: bool, balance: int, threshold: int | None, expected: tuple[bool, bool]
) -> None:
    assert rules.low_balance_crossing(was_below, balance, threshold) == expected


@pytest.mark.parametrize(
    ("micro", "held", "owed"),
    [(280, "0.00", "0.01"), (4_999_720, "4.99", "5.00"), (10_000, "0.01", "0.01"), (0, "0.00", "0.00")],
)
def test_usd_to_the_cent(micro: int, held: str, owed: str) -> None:
    assert (format_cents(micro, owed=False), format_cents(micro, owed=True)) == (held, owed)


@pytest.mark.parametrize("kind", rules.KINDS)
def test_every_kind_renders_and_reads_back(kind: str) -> None:
    bill = rules.BillFacts(7, "usage", "2031-01-05", 1, 280, 280)
    facts = rules.NoticeFacts(
        kind=kind,
        account_name="shop",
        app_id="1300000001",
        at_us=AT,
        balance_micro=0,
        unpaid_micro=280,
        unpaid_bills=1,
        bill=bill if kind == rules.DEDUCTION_FAILED else None,
        threshold_micro=1_000_000 if kind == rules.LOW_BALANCE else None,
    )
    mid = rules.new_notice_id("1300000001", AT)
    assert mid.startswith("qcloudnotice-1300000001-date-20310106000000-") and len(mid) == 57
    mail = rules.render(facts, "owner@example.com", mid)
    parsed = mime_read.parse_message(mail.raw)
    subject, header_from, header_to = mime_read.summarize_headers(mail.raw)
    assert subject == rules.SUBJECTS[kind] and subject.startswith("【腾讯云】")
    assert (
        header_from == "腾讯云 Tencent Cloud <noreply@notice.ses-emulator.local>"
        and header_to == "owner@example.com"
    )
    assert parsed.text == mail.text.replace("\n", "\r\n") or parsed.text == mail.text
    assert "尊敬的腾讯云用户" in mail.text and "Dear Tencent Cloud user" in mail.text
    assert "2031-01-06 00:00:00" in mail.text
    body = rules.webhook_payload(
        facts, notice_id=3, address="owner@example.com", message_id=mid, subject=subject
    )
    assert (body["event"], body["noticeType"], body["timestamp"]) == ("notice", kind, AT // 1_000_000)
