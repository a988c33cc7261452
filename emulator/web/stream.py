"""GET /admin/accounts/{account}/messages/stream: server-sent events for the live UI.

Events: `messages` ({"total", "newest"}) whenever the account's mailbox changes and `account` (the
/admin/accounts/{a} body) whenever its money, quota, suspension or frozen clock changes. Woken by the
in-process notifier and re-checked against the database every POLL_S, so mail stored by another
process (a shared PostgreSQL) shows up too. Each stream ends after STREAM_S and the client reconnects
(its first events carry the full state again): a server shutdown never waits on an open browser tab
for longer than that.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from emulator.admin_api.deps import CoreDep, require_token
from emulator.admin_api.errors import answers
from emulator.admin_api.schemas import AccountPublic
from emulator.domain.messages import MailFilter
from emulator.errors import NotFound
from emulator.services.core import Core

POLL_S = 1.0
MIN_GAP_S = 0.1  # coalesce bursts of commits into one check
STREAM_S = 5.0

router = APIRouter(tags=["mailbox"], dependencies=[Depends(require_token)])


def _snapshot(core: Core, account_id: int, account: str) -> tuple[dict[str, Any], dict[str, Any]]:
    items, total = core.mailbox.list(account_id, MailFilter(), 0, 1)
    mail = {"total": total, "newest": items[0]["id"] if items else None}
    return mail, AccountPublic.of(core.accounts.state(account)).model_dump()


def _account_key(state: dict[str, Any]) -> str:
    """A clock that follows real time changes every second; that alone is not news."""
    clock = state["clock"]
    steady = {**state, "clock": clock if clock["frozen"] else {"frozen": False}}
    return json.dumps(steady, sort_keys=True)


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def events(core: Core, account_id: int, account: str, lifetime_s: float) -> AsyncIterator[str]:
    deadline = time.monotonic() + lifetime_s
    last_mail: dict[str, Any] | None = None
    last_key = ""
    yield "retry: 1000\n\n"
    while True:
        try:
            mail, state = await asyncio.to_thread(_snapshot, core, account_id, account)
        except NotFound:
            return
        if mail != last_mail:
            last_mail = mail
            yield _event("messages", mail)
        key = _account_key(state)
        if key != last_key:
            last_key = key
            yield _event("account", state)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        await core.notifier.wait(min(POLL_S, remaining))
        await asyncio.sleep(MIN_GAP_S)


@router.get(
    "/admin/accounts/{account}/messages/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **answers(404)},
)
async def message_stream(account: str, core: CoreDep) -> StreamingResponse:
    """Live mailbox and account changes as server-sent events (`messages`, `account`)."""
    row = await asyncio.to_thread(core.accounts.get_row, account)
    return StreamingResponse(
        events(core, row.id, account, STREAM_S),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
