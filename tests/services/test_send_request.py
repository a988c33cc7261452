"""What a channel hands to the send pipeline is a plain frozen value (services.send_request): no callable
anywhere in it, so the committer runs only services code under the lock. A batch task's message is
rendered before the lock like SendEmail's, and linked to its task by the pipeline, only when stored."""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

import pytest
from sqlalchemy import select

from emulator.domain import mime_read
from emulator.domain.messages import OutgoingMessage
from emulator.domain.send_rules import SendEmailInput, validate_send
from emulator.errors import TencentError
from emulator.services.core import Core
from emulator.services.send_request import Action, Compose, SendRequest, TaskLink
from emulator.storage.api_tables import task_messages
from tests.services.conftest import at, eml


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def callables_in(value: Any, path: str = "request") -> list[str]:
    """Where in `value` (dataclasses, lists, tuples, dicts, through and through) a callable sits."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found: list[str] = []
        for f in dataclasses.fields(value):
            found += callables_in(getattr(value, f.name), f"{path}.{f.name}")
        return found
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in callables_in(v, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in callables_in(v, f"{path}[{k!r}]")]
    return [path] if callable(value) else []


def batch_params(sender: str, template_id: int) -> dict[str, Any]:
    return {
        "FromEmailAddress": sender,
        "Subject": "News for {{name}}",
        "ADLocation": 1,
        "Template": {"TemplateID": template_id, "TemplateData": '{"shop": "Acme"}'},
    }


def sendemail_request(core: Core, name: str, sender: str) -> SendRequest:
    """SendEmail's request, with the look-up cache filled first so that it renders before the lock."""
    acct = core.accounts.get_row(name)
    valid = validate_send(
        SendEmailInput(
            from_address=sender, subject="s", to=["x@example.com"], cc=[], bcc=[], simple_text_b64=b64("b")
        )
    )
    with core.db.read() as conn:
        core.composer.request(acct.id, valid, Action.SEND_EMAIL, acct, conn=conn)
    return core.composer.request(acct.id, valid, Action.SEND_EMAIL, core.accounts.get_row(name))


def test_every_channel_hands_over_a_frozen_value_without_callables(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T10:00")
    tid = core.templates.create(a.account_id, "t", None, "Hi {{name}} from {{shop}}")
    acct = core.accounts.get_row("a")
    api = sendemail_request(core, "a", a.sender)
    assert isinstance(api.content, Compose)
    assert api.content.early is not None  # rendered before the lock
    cold = core.composer.request(a.account_id, api.content.valid, Action.SEND_EMAIL)
    with core.db.read() as conn:
        task = core.batch.runner.request_for(
            a.account_id, batch_params(a.sender, tid), "r@example.com", '{"name": "R"}', 7, acct, conn
        )
    raw = eml("s", "x@example.com", "b", a.sender)
    smtp = SendRequest(a.account_id, OutgoingMessage("smtp", a.sender, ["x@example.com"], raw, subject="s"))
    for req in (api, cold, task, smtp):
        assert callables_in(req) == []
        with pytest.raises(dataclasses.FrozenInstanceError):
            req.account_id = 2  # type: ignore[misc]
    assert isinstance(task.content, Compose) and task.task == TaskLink(7)
    assert task.content.action is Action.BATCH_SEND_EMAIL


def test_a_batch_message_is_rendered_before_the_lock_and_linked_to_its_task_when_stored(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T10:00")
    tid = core.templates.create(a.account_id, "t", None, "Hi {{name}} from {{shop}}")
    params = batch_params(a.sender, tid)
    with core.db.read() as conn:  # what the runner does for each chunk of a task
        acct = core.accounts.get_row("a", conn)
        req = core.batch.runner.request_for(
            a.account_id, params, "r@example.com", '{"name": "R"}', 7, acct, conn
        )
    assert isinstance(req.content, Compose) and req.content.early is not None
    early = req.content.early.message
    assert early.subject == "(AD)News for R"
    assert (mime_read.parse_message(early.raw).text or "").strip() == "Hi R from Acme"
    r = core.sending.send_sync(req)
    assert r.message_id == early.message_id  # the early rendering is what was stored
    assert core.mailbox.raw(a.account_id, r.message_id) == early.raw
    with core.db.read() as conn:
        links = conn.execute(select(task_messages.c.message_id, task_messages.c.task_id)).all()
    assert [tuple(x) for x in links] == [(r.message_id, 7)]

    core.blacklists.create_custom(a.account_id, ["r@example.com"], None)  # refused by a later rule
    with core.db.read() as conn:
        req = core.batch.runner.request_for(
            a.account_id, params, "r@example.com", '{"name": "R"}', 8, core.accounts.get_row("a", conn), conn
        )
    with pytest.raises(TencentError) as info:
        core.sending.send_sync(req)
    assert info.value.code == "FailedOperation.EmailAddrInBlacklist"
    with core.db.read() as conn:  # nothing of a refused message is stored, its task link neither
        assert conn.execute(select(task_messages.c.task_id)).scalars().all() == [7]
