"""Turning a validated send (SendEmail, or one address of a BatchSendEmail task) into the message to
store: the account-dependent checks (sender, template state, Simple permission), checked inside the
sending transaction, and the MIME, rendered before it where it can be. One place for both paths; only
the refusal codes differ (Tencent answers SendEmail and BatchSendEmail with different codes for the same
problem)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from emulator.domain import mime_read, mime_render
from emulator.domain.clock import ClockState
from emulator.domain.messages import OutgoingMessage, new_message_id
from emulator.domain.records import AccountRecord, TemplateRecord
from emulator.domain.send_rules import ValidSend, check_size, fill_template
from emulator.errors import (
    FailedOperationInvalidTemplateID,
    FailedOperationNotAuthenticatedSender,
    FailedOperationWithOutPermission,
    OperationDeniedSendAddressStatusError,
    OperationDeniedTemplateStatusError,
    TencentError,
)
from emulator.services.lookup_cache import NOT_CACHED
from emulator.services.send_request import Action, Compose, Rendering, SendContext, SendRequest, TaskLink
from emulator.storage import accounts_repo
from emulator.storage.db import Tx

T = TypeVar("T")

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
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
BATCH_SEND = Refusals(  # a task's message, when the account changed since the task was created
    no_sender=lambda s: OperationDeniedSendAddressStatusError(f"{s} is no longer a sender address."),
    bad_template=lambda _tid, _status: OperationDeniedTemplateStatusError(
        "The template is missing or not approved."
    ),
)
REFUSALS = {Action.SEND_EMAIL: SEND_EMAIL, Action.BATCH_SEND_EMAIL: BATCH_SEND}


def account_may_send(
    cache: LookupCache,
    conn: Tx | None,
    account: AccountRecord,
    sender: str,
    template_id: int | None,
    refusals: Refusals,
) -> TemplateRecord | None:
    """The account-dependent send rules, in the order they are answered: the sender is one of the
    account's addresses; the template exists and is approved, or else the account may send simple
    bodies. Returns the template (None for a simple body). With `conn` None it reads the look-up cache
    only and raises NotCachedYet where it would have to read the database."""
    senders = _cached(
        cache, conn, ("senders", account.id), lambda c: accounts_repo.sender_addresses(c, account.id)
    )
    if sender.lower() not in senders:
        raise refusals.no_sender(sender)
    if template_id is None:
        if not account.simple_allowed:
            raise FailedOperationWithOutPermission("This account may only send with templates.")
        return None
    tpl: TemplateRecord | None = _cached(
        cache,
        conn,
        ("template", account.id, template_id),
        lambda c: accounts_repo.get_template(c, account.id, template_id),
    )
    if tpl is None or tpl.status != 0:
        raise refusals.bad_template(template_id, None if tpl is None else tpl.status)
    return tpl


class NotCachedYet(Exception):
    """A look-up the cache does not hold (account_may_send without a connection)."""


def _cached(cache: LookupCache, conn: Tx | None, key: tuple[Any, ...], load: Callable[[Tx], T]) -> T:
    if conn is None:
        value = cache.peek(key)
        if value is NOT_CACHED:
            raise NotCachedYet(key)
        return value  # type: ignore[no-any-return]
    return cache.get(key, lambda: load(conn))


class Composer:
    """Builds the send request of a SendEmail or a batch-task send, and composes it under the lock. Given
    the sending account's record (as the front-end holds it), the template is looked up and the MIME
    rendered at once, outside the sending transaction, so the committer's lock covers only the rules and
    the inserts (issue 18: a short serial section). Under the lock, `under_lock` checks the
    account-dependent rules again on the locked row and uses that rendering, unless the account's clock
    was moved meanwhile (then the Date header and MessageId would show the old time) or the template
    edited: then it renders again with the locked clock."""

    def __init__(self, clock: ClockSource, cache: LookupCache, max_message_bytes: int) -> None:
        self.clock = clock
        self.cache = cache
        self.max_bytes = max_message_bytes

    def request(
        self,
        account_id: int,
        v: ValidSend,
        action: Action,
        account: AccountRecord | None = None,
        task: TaskLink | None = None,
        conn: Tx | None = None,
    ) -> SendRequest:
        """The request for SendService. With `account` (the sender's record) the MIME is rendered now,
        from the look-up cache, or, given `conn` (never on the event loop), reading through it."""
        early = self._render_early(v, account, conn) if account is not None else None
        return SendRequest(account_id, Compose(v, action, early), task)

    def under_lock(self, ctx: SendContext, compose: Compose) -> OutgoingMessage:
        """The message to store for the locked account row in `ctx`: the sender, template and Simple
        rules checked on that row, and the early rendering if it still holds. Raises the refusal."""
        v = compose.valid
        tpl = account_may_send(
            self.cache, ctx.conn, ctx.account, v.sender, v.template_id, REFUSALS[compose.action]
        )
        early = compose.early
        if (
            early is not None
            and early.clock == _clock_of(ctx.account)
            and early.template == _template_key(tpl)
        ):
            return early.message
        return _compose(v, tpl, self.max_bytes, ctx.message_id, ctx.now_us)

    def _render_early(self, v: ValidSend, account: AccountRecord, conn: Tx | None) -> Rendering | None:
        """The message and what it was made with, or None where only the transaction can decide: a
        refusal (answered there, after the suspension check, in the usual order), or a look-up not cached
        yet (the transaction reads it, and the next send finds it cached)."""
        try:  # without `conn`, from the look-up cache only: the event loop never waits on the database
            tpl = account_may_send(self.cache, conn, account, v.sender, v.template_id, SEND_EMAIL)
        except (TencentError, NotCachedYet):
            return None
        clock = _clock_of(account)
        now_us = clock.now_us(self.clock.wall_us())
        message_id = new_message_id(account.app_id, now_us)
        try:
            msg = _compose(v, tpl, self.max_bytes, message_id, now_us)
        except TencentError:
            return None
        return Rendering(clock, _template_key(tpl), msg)


def _clock_of(account: AccountRecord) -> ClockState:
    return ClockState(account.clock_offset_us, account.clock_frozen_us)


def _template_key(tpl: TemplateRecord | None) -> tuple[int, int] | None:
    """What the rendering depends on of the template: its row (edits replace it) and its id."""
    return None if tpl is None else (tpl.id, hash((tpl.html, tpl.text)))


def _compose(
    v: ValidSend, tpl: TemplateRecord | None, max_bytes: int, message_id: str, now_us: int
) -> OutgoingMessage:
    html, text = v.html, v.text
    if tpl is not None:
        html = fill_template(tpl.html, v.variables) if tpl.html else None
        text = fill_template(tpl.text, v.variables) if tpl.text else None
        check_size(html, text, v.attachments, max_bytes)
    raw = mime_render.render_message(
        v,
        html=html,
        text=text,
        message_id_header=f"<{message_id}@qcloudmail.com>",
        date_us=now_us,
        x_headers={"X-SES-Emulator-MessageId": message_id},
    )
    subj, hfrom, hto = mime_render.rendered_summary(v, raw)
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
        message_id=message_id,
    )
