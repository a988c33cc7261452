"""In-process services over a real SQLite file with a fixed wall clock: a `Core` per test, account
clocks frozen and set by hand, and sends made the way the front-ends make them (SendEmail through
`Composer`, SMTP through `accounts.mail_from` then the message as received)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from emulator.domain import mime_read
from emulator.domain.clock import FixedWallClock, from_datetime
from emulator.domain.messages import OutgoingMessage
from emulator.domain.metering import distinct_recipients
from emulator.domain.send_rules import SendEmailInput, validate_send
from emulator.services.accounts import Credentials
from emulator.services.core import Core, build_core
from emulator.services.send_request import Action, SendRequest
from emulator.services.sending import Receipt
from tests.conftest import make_settings

# The wall clock sits before every date the tests set account clocks to (clocks never go back).
WALL = from_datetime(datetime.fromisoformat("2031-01-01T09:00:00+08:00"))
HOUR = 3_600_000_000
DAY = 24 * HOUR


def bj(text: str) -> int:
    """An instant written in UTC+8, e.g. '2031-01-05T10:00'."""
    return from_datetime(datetime.fromisoformat(text + "+08:00"))


@pytest.fixture
def wall() -> FixedWallClock:
    return FixedWallClock(WALL)


@pytest.fixture
def make_core(tmp_path: Path, wall: FixedWallClock) -> Iterator[Callable[..., Core]]:
    made: list[Core] = []

    def make(**overrides: Any) -> Core:
        data = tmp_path / f"db{len(made)}"
        data.mkdir()
        settings, _ = make_settings(data, "sqlite", **overrides)
        c = build_core(settings, wall)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()  # stops the committer thread (core.sending) too


@pytest.fixture
def core(make_core: Callable[..., Core]) -> Core:
    return make_core()


def at(core: Core, account: str, when: str) -> None:
    """Freeze the account's clock and set it to `when` (UTC+8); due events run on the way."""
    core.clocks.freeze(account)
    core.clocks.set_to(account, bj(when))


def rcpts(n: int, tag: str = "r") -> list[str]:
    return [f"{tag}{i}@example.com" for i in range(n)]


def send_api(
    core: Core,
    creds: Credentials,
    to: list[str],
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    sender: str | None = None,
    subject: str = "Hello",
    text: str = "plain body",
) -> Receipt:
    """What SendEmail does: validate, then one service call with the composed message."""
    inp = SendEmailInput(
        from_address=sender or creds.sender,
        subject=subject,
        to=to,
        cc=cc or [],
        bcc=bcc or [],
        simple_text_b64=base64.b64encode(text.encode()).decode(),
    )
    valid = validate_send(inp, core.settings.max_message_bytes)
    return core.sending.send_sync(core.composer.request(creds.account_id, valid, Action.SEND_EMAIL))


def send_many(core: Core, creds: Credentials, n: int, tag: str = "r") -> list[Receipt]:
    """n recipients in messages of at most 50 (Tencent's To limit)."""
    return [send_api(core, creds, rcpts(n, tag)[i : i + 50]) for i in range(0, n, 50)]


def send_smtp(
    core: Core, creds: Credentials, rcpt_tos: list[str], raw: bytes, mail_from: str | None = None
) -> Receipt:
    """What the SMTP handler does for an authenticated session: MAIL FROM, then DATA."""
    mail_from = mail_from or creds.sender
    account_id = core.accounts.mail_from(creds.account_id, mail_from)
    fields = mime_read.header_fields(raw)
    subject, header_from, header_to = mime_read.summarize_headers(raw, fields)
    msg = OutgoingMessage(
        source="smtp",
        mail_from=mail_from,
        recipients=distinct_recipients(rcpt_tos),
        raw=raw,
        subject=subject,
        header_from=header_from,
        header_to=header_to,
        search_text=mime_read.search_text(raw, fields=fields),
    )
    return core.sending.send_sync(SendRequest(account_id, msg))


def eml(subject: str, to: str, body: str, sender: str = "noreply@mail.example.com") -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def compose_for(core: Core, account_id: int, sender: str, to: list[str]) -> SendRequest:
    """The request SendEmail hands to core.sending, for sends submitted without waiting."""
    valid = validate_send(
        SendEmailInput(
            from_address=sender,
            subject="s",
            to=to,
            cc=[],
            bcc=[],
            simple_text_b64=base64.b64encode(b"b").decode(),
        )
    )
    return core.composer.request(account_id, valid, Action.SEND_EMAIL)
