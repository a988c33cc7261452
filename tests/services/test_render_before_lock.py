"""SendEmail renders its MIME before the sending transaction when it can (issue 18: the committer's lock
covers the rules and the inserts, not the rendering), and that never shows: what is stored is what a
render inside the transaction would store. Moving the account's clock, editing or disapproving the
template, or removing the sender between the rendering and the commit is seen by the transaction."""

from __future__ import annotations

import base64

import pytest

from emulator.domain import mime_read
from emulator.domain.send_rules import SendEmailInput, validate_send
from emulator.errors import TencentError
from emulator.services.core import Core
from emulator.services.send_request import Action, Compose
from tests.services.conftest import at, bj

SEND_EMAIL = Action.SEND_EMAIL


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def valid(core: Core, sender: str, template_id: int | None = None, text: str = "body") -> object:
    return validate_send(
        SendEmailInput(
            from_address=sender,
            subject="s",
            to=["x@example.com"],
            cc=[],
            bcc=[],
            template_id=template_id,
            template_data='{"n": "Ann"}' if template_id else None,
            simple_text_b64=None if template_id else b64(text),
        ),
        core.settings.max_message_bytes,
    )


def stored(core: Core, account_id: int, message_id: str) -> bytes:
    return core.mailbox.raw(account_id, message_id)


def record(core: Core, name: str):  # type: ignore[no-untyped-def]
    return core.accounts.get_row(name)


def test_an_early_render_is_what_is_stored(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T10:00")
    v = valid(core, a.sender)
    core.sending.send_sync(core.composer.request(a.account_id, v, SEND_EMAIL))  # fills the look-up cache
    req = core.composer.request(a.account_id, v, SEND_EMAIL, account=record(core, "a"))
    assert isinstance(req.content, Compose) and req.content.early is not None  # rendered before the lock
    r = core.sending.send_sync(req)
    assert r.message_id == req.content.early.message.message_id  # that rendering was stored
    raw = stored(core, a.account_id, r.message_id)
    assert f"<{r.message_id}@qcloudmail.com>".encode() in raw
    assert r.account_time_us == bj("2031-01-05T10:00")
    assert mime_read.parse_message(raw).date == "Sun, 05 Jan 2031 10:00:00 +0800"


def test_a_clock_moved_meanwhile_is_rendered_again(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T10:00")
    v = valid(core, a.sender)
    core.sending.send_sync(core.composer.request(a.account_id, v, SEND_EMAIL))  # fills the look-up cache
    req = core.composer.request(a.account_id, v, SEND_EMAIL, account=record(core, "a"))  # rendered at 10:00
    assert isinstance(req.content, Compose) and req.content.early is not None
    core.clocks.set_to("a", bj("2031-01-06T09:30"))  # the next morning, before the commit
    r = core.sending.send_sync(req)
    raw = stored(core, a.account_id, r.message_id)
    assert r.account_time_us == bj("2031-01-06T09:30")
    assert "-date-20310106093000-" in r.message_id
    assert mime_read.parse_message(raw).date == "Mon, 06 Jan 2031 09:30:00 +0800"
    assert f"<{r.message_id}@qcloudmail.com>".encode() in raw


def test_a_template_edited_or_disapproved_meanwhile_is_seen(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T10:00")
    tid = core.templates.create(a.account_id, "t", None, "Hi {{n}}")
    v = valid(core, a.sender, template_id=tid)
    core.sending.send_sync(core.composer.request(a.account_id, v, SEND_EMAIL))  # fills the look-up cache
    req = core.composer.request(a.account_id, v, SEND_EMAIL, account=record(core, "a"))
    assert isinstance(req.content, Compose) and req.content.early is not None  # with "Hi Ann"
    core.templates.update(a.account_id, tid, "t", None, "Bye {{n}}")
    r = core.sending.send_sync(req)
    assert (mime_read.parse_message(stored(core, a.account_id, r.message_id)).text or "").strip() == "Bye Ann"
    req = core.composer.request(a.account_id, v, SEND_EMAIL, account=record(core, "a"))
    core.templates.set_status(a.account_id, tid, 2, "no")
    with pytest.raises(TencentError) as info:
        core.sending.send_sync(req)
    assert info.value.code == "FailedOperation.InvalidTemplateID"


def test_a_sender_removed_meanwhile_is_refused(core: Core) -> None:
    a = core.accounts.create("a")
    core.identities.create_sender(a.account_id, "news@" + a.sender.split("@")[1])
    v = valid(core, "news@" + a.sender.split("@")[1])
    core.sending.send_sync(core.composer.request(a.account_id, v, SEND_EMAIL))  # fills the look-up cache
    req = core.composer.request(a.account_id, v, SEND_EMAIL, account=record(core, "a"))
    core.identities.delete_sender(a.account_id, "news@" + a.sender.split("@")[1])
    with pytest.raises(TencentError) as info:
        core.sending.send_sync(req)
    assert info.value.code == "FailedOperation.NotAuthenticatedSender"
