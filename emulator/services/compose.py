"""Turning a validated send (SendEmail, or one address of a BatchSendEmail task) into the message to
store: the account-dependent checks (sender, template state, Simple permission) and the MIME, inside the
sending transaction. One place for both paths; only the refusal codes differ (Tencent answers
SendEmail and BatchSendEmail with different codes for the same problem)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emulator.domain import mime_read, mime_render
from emulator.domain.messages import OutgoingMessage
from emulator.domain.records import AccountRecord, TemplateRecord
from emulator.domain.send_rules import ValidSend, check_size, fill_template
from emulator.errors import (
    FailedOperationInvalidTemplateID,
    FailedOperationNotAuthenticatedSender,
    FailedOperationWithOutPermission,
    TencentError,
)
from emulator.services.sending import Prepare, SendContext
from emulator.storage import accounts_repo
from emulator.storage.db import Tx

if TYPE_CHECKING:
    from emulator.services.lookup_cache import LookupCache


@dataclass(frozen=True)
class Refusals:
    """The codes a caller answers with when the sender or the template cannot be used."""

    no_sender: Callable[[str], TencentError]
    bad_template: Callable[[int, int | None], TencentError]  # (template id, status or None if missing)


SEND_EMAIL = Refusals(
    no_sender=lambda s: FailedOperationNotAuthenticatedSender(
        f"{s} is not a sender address of this account (CreateEmailAddress first).",
    ),
    bad_template=lambda tid, status: FailedOperationInvalidTemplateID(
        f"Template {tid} does not exist."
        if status is None
        else f"Template {tid} is not approved (status {status}).",
    ),
)


def account_may_send(
    cache: LookupCache,
    conn: Tx,
    account: AccountRecord,
    sender: str,
    template_id: int | None,
    refusals: Refusals,
) -> TemplateRecord | None:
    """The account-dependent send rules, in the order they are answered: the sender is one of the
    account's addresses; the template exists and is approved, or else the account may send simple
    bodies. Returns the template (None for a simple body)."""
    senders = cache.get(("senders", account.id), lambda: accounts_repo.sender_addresses(conn, account.id))
    if sender.lower() not in senders:
        raise refusals.no_sender(sender)
    if template_id is None:
        if not account.simple_allowed:
            raise FailedOperationWithOutPermission("This account may only send with templates.")
        return None
    tpl: TemplateRecord | None = cache.get(
        ("template", account.id, template_id),
        lambda: accounts_repo.get_template(conn, account.id, template_id),
    )
    if tpl is None or tpl.status != 0:
        raise refusals.bad_template(template_id, None if tpl is None else tpl.status)
    return tpl


class Composer:
    def __init__(self, cache: LookupCache, max_message_bytes: int) -> None:
        self.cache = cache
        self.max_bytes = max_message_bytes

    def prepare(
        self, v: ValidSend, refusals: Refusals, also: Callable[[SendContext], None] | None = None
    ) -> Prepare:
        """The `prepare` step for SendService; `also` runs inside the same transaction (e.g. task links)."""
        return _prepare(self.cache, self.max_bytes, v, refusals, also)


def _prepare(
    cache: LookupCache,
    max_bytes: int,
    v: ValidSend,
    refusals: Refusals,
    also: Callable[[SendContext], None] | None,
) -> Prepare:

    def prepare(ctx: SendContext) -> OutgoingMessage:
        tpl = account_may_send(cache, ctx.conn, ctx.account, v.sender, v.template_id, refusals)
        html, text = v.html, v.text
        if tpl is not None:
            html = fill_template(tpl.html, v.variables) if tpl.html else None
            text = fill_template(tpl.text, v.variables) if tpl.text else None
            check_size(html, text, v.attachments, max_bytes)
        raw = mime_render.render_message(
            v,
            html=html,
            text=text,
            message_id_header=f"<{ctx.message_id}@qcloudmail.com>",
            date_us=ctx.now_us,
            x_headers={"X-SES-Emulator-MessageId": ctx.message_id},
        )
        subj, hfrom, hto = mime_render.rendered_summary(v, raw)
        if also is not None:
            also(ctx)
        return OutgoingMessage(
            source="api",
            mail_from=v.sender,
            recipients=v.recipients,
            raw=raw,
            subject=subj,
            header_from=hfrom,
            header_to=hto,
            search_text=mime_read.search_text_of(subj, text, html),  # known parts: no need to re-parse
            template_id=v.template_id,
            message_id=ctx.message_id,
        )

    return prepare
