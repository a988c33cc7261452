"""/admin/accounts/{account}/messages: list/search, one message, raw .eml, attachments, delete, wait."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from emulator.admin_api.deps import CoreDep, parse_time_us, require_token
from emulator.admin_api.errors import answers
from emulator.admin_api.schemas import (
    AttachmentPublic,
    Deleted,
    MessageDetail,
    MessageList,
    MessageSummary,
    RecipientStatusPublic,
    iso,
)
from emulator.domain.messages import MailFilter
from emulator.errors import FailedOperation

router = APIRouter(
    prefix="/admin/accounts/{account}/messages", tags=["mailbox"], dependencies=[Depends(require_token)]
)

MAX_WAIT_S = 300


def _summary(d: dict[str, Any]) -> MessageSummary:
    return MessageSummary(
        id=d["id"],
        source=d["source"],
        mail_from=d["mail_from"],
        recipients=d["recipients"],
        subject=d["subject"],
        to=d["to"],
        **{"from": d["from"]},
        size=d["size"],
        sending_ip=d["sending_ip"],
        template_id=d["template_id"],
        account_time=iso(d["account_time_us"]) or "",
        real_time=iso(d["real_time_us"]) or "",
        free_units=d["free_units"],
        paid_units=d["paid_units"],
    )


def _filter(
    to: str | None,
    sender: str | None,
    subject: str | None,
    text: str | None,
    since: str | None,
    until: str | None,
    source: str | None,
) -> MailFilter:
    if source not in (None, "smtp", "api", "notice"):
        raise FailedOperation("source must be 'smtp', 'api' or 'notice'")
    return MailFilter(
        to=to,
        sender=sender,
        subject=subject,
        text=text.lower() if text else None,
        since_us=parse_time_us(since) if since else None,
        until_us=parse_time_us(until) if until else None,
        source=source,
    )


class Filters:
    def __init__(
        self,
        to: Annotated[str | None, Query(description="recipient contains")] = None,
        sender: Annotated[str | None, Query(alias="from", description="sender contains")] = None,
        subject: Annotated[str | None, Query(description="subject contains")] = None,
        text: Annotated[str | None, Query(description="subject or body text contains")] = None,
        since: Annotated[str | None, Query(description="account time ≥ (ISO 8601)")] = None,
        until: Annotated[str | None, Query(description="account time ≤ (ISO 8601)")] = None,
        source: Annotated[
            str | None, Query(description="smtp | api | notice (account notices, docs/notices.md)")
        ] = None,
    ) -> None:
        self.value = _filter(to, sender, subject, text, since, until, source)


FiltersDep = Annotated[Filters, Depends()]


@router.get("", response_model=MessageList, responses=answers(400, 404))
async def list_messages(
    account: str,
    core: CoreDep,
    filters: FiltersDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[
        str | None,
        Query(description="keyset paging: the id of the previous page's last message (cheap at any depth)"),
    ] = None,
) -> MessageList:
    """Captured mail, newest first, filtered (every filter is a case-insensitive 'contains' but the
    times), a page at a time."""

    def page() -> tuple[list[dict[str, Any]], int]:
        return core.mailbox.list(core.accounts.get_row(account).id, filters.value, offset, limit, before)

    items, total = await asyncio.to_thread(page)
    return MessageList(total=total, offset=offset, limit=limit, messages=[_summary(d) for d in items])


@router.get("/wait", response_model=MessageSummary, responses=answers(400, 404, 408))
async def wait_for_message(
    account: str,
    core: CoreDep,
    filters: FiltersDep,
    timeout: Annotated[float, Query(ge=0, le=MAX_WAIT_S, description="seconds")] = 10.0,
) -> Any:
    """Long-poll: the first message matching the filters (one already captured, or the next to arrive)
    within `timeout` seconds; 408 Timeout otherwise."""
    aid = (await asyncio.to_thread(core.accounts.get_row, account)).id
    found = await core.mailbox.wait(aid, filters.value, timeout)
    if found is None:
        from fastapi.responses import JSONResponse

        return JSONResponse({"code": "Timeout", "message": f"no matching message within {timeout} s"}, 408)
    return _summary(found)


@router.get("/{message_id}", response_model=MessageDetail, responses=answers(404))
async def get_message(account: str, message_id: str, core: CoreDep) -> MessageDetail:
    """One message parsed: headers, text and HTML bodies, attachments, each recipient's delivery status."""
    d, parsed, statuses = await asyncio.to_thread(
        lambda: core.mailbox.get(core.accounts.get_row(account).id, message_id)
    )
    return MessageDetail(
        **_summary(d).model_dump(by_alias=True),
        headers=parsed.headers,
        text=parsed.text,
        html=parsed.html,
        parse_error=parsed.parse_error,
        attachments=[AttachmentPublic(**a.__dict__) for a in parsed.attachments],
        delivery=[
            RecipientStatusPublic(
                address=s.address,
                send_status=s.send_status,
                deliver_status=s.deliver_status,
                deliver_time=iso(s.deliver_us),
                deliver_message=s.deliver_message,
                opened=s.opened,
                clicked=s.clicked,
                unsubscribed=s.unsubscribed,
                complained=s.complained,
            )
            for s in statuses
        ],
    )


@router.get(
    "/{message_id}/raw",
    response_class=Response,
    responses={200: {"content": {"message/rfc822": {}}}, **answers(404)},
)
def get_raw(account: str, message_id: str, core: CoreDep) -> Response:
    """The message exactly as received, as a .eml download."""
    aid = core.accounts.get_row(account).id
    return Response(
        core.mailbox.raw(aid, message_id),
        media_type="message/rfc822",
        headers={
            "Content-Disposition": f'attachment; filename="{message_id}.eml"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/{message_id}/attachments/{index}", response_class=Response, responses=answers(400, 404))
def get_attachment(account: str, message_id: str, index: int, core: CoreDep) -> Response:
    """One attachment's bytes (0-based `index`), always as a download."""
    aid = core.accounts.get_row(account).id
    filename, _ctype, data = core.mailbox.attachment(aid, message_id, index)
    # always a download: captured attachments must never render inline (e.g. HTML)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": attachment_disposition(filename),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.delete("/{message_id}", response_model=Deleted, responses=answers(404))
def delete_message(account: str, message_id: str, core: CoreDep) -> Deleted:
    """Delete one captured message (`deleted`: 1); 404 when it is not there."""
    aid = core.accounts.get_row(account).id
    return Deleted(deleted=core.mailbox.delete(aid, message_id))


@router.delete("", response_model=Deleted, responses=answers(404))
def delete_all(account: str, core: CoreDep) -> Deleted:
    """Delete every captured message of the account; `deleted` says how many."""
    aid = core.accounts.get_row(account).id
    return Deleted(deleted=core.mailbox.delete(aid))


def attachment_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact one (RFC 6266 / RFC 5987): a name outside
    Latin-1 (e.g. 发票.pdf) made the header unencodable and the download a 500."""
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "_" for ch in filename) or "attachment"
    exact = quote(filename.encode("utf-8", "replace"), safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"
