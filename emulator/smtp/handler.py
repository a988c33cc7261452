"""SMTP steps translated into service calls, and errors into replies. Steps that can finish without
waiting return their reply at once; the protocol awaits the others."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from emulator.domain import message_checks, mime_read
from emulator.domain.addresses import is_valid_email
from emulator.domain.messages import OutgoingMessage
from emulator.domain.metering import distinct_recipients
from emulator.domain.send_rules import envelope_recipient_refusal
from emulator.errors import EmulatorError, FailedOperationIncorrectEmail
from emulator.observability import record_smtp
from emulator.services.send_request import SendRequest
from emulator.smtp.replies import reply_for
from emulator.smtp.session import Envelope, Principal, Session

if TYPE_CHECKING:
    from emulator.services.core import Core

OK = "250 OK"


class Handler:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.auth_required = core.settings.smtp_auth == "required"

    async def check_login(self, login: bytes, password: bytes) -> Principal | None:
        try:
            address, pw = login.decode("utf-8"), password.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if not self.auth_required:
            return Principal(await asyncio.to_thread(self.core.accounts.owner_of_sender, address), address)
        found = await asyncio.to_thread(self.core.accounts.smtp_login, address, pw)
        return Principal(*found) if found else None

    def mail(
        self, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str | Coroutine[Any, Any, str]:
        """The reply, or (on a look-up cache miss) a coroutine that looks the sender up off the loop."""
        principal = session.principal
        claimed = principal.account_id if principal is not None and self.auth_required else None
        cached = self.core.accounts.cached_mail_from(claimed, address)
        if cached is not None:
            return self._accept_mail(session, envelope, address, options, cached)
        return self._mail_lookup(session, envelope, address, options, claimed)

    async def _mail_lookup(
        self, session: Session, envelope: Envelope, address: str, options: list[str], claimed: int | None
    ) -> str:
        try:
            account_id = await asyncio.to_thread(self.core.accounts.mail_from, claimed, address)
        except Exception as exc:  # noqa: BLE001 - every refusal becomes its SMTP reply
            record_smtp(self.core, exc=exc)
            return reply_for(exc)
        return self._accept_mail(session, envelope, address, options, account_id)

    @staticmethod
    def _accept_mail(
        session: Session, envelope: Envelope, address: str, options: list[str], account_id: int
    ) -> str:
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        session.account_id = account_id
        return OK

    def rcpt(self, envelope: Envelope, address: str, options: list[str]) -> str:
        refused = envelope_recipient_refusal(len(envelope.rcpt_tos), self.core.settings.max_recipients)
        if refused is not None:
            return reply_for(refused)
        if not is_valid_email(address):
            return reply_for(FailedOperationIncorrectEmail(f"{address!r} is not a valid address"))
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return OK

    async def data(self, session: Session, envelope: Envelope) -> str:
        raw = envelope.content
        fields = mime_read.header_fields(raw)  # read once for the checks, the summary and the search text
        subject, header_from, header_to = mime_read.summarize_headers(raw, fields)
        assert session.account_id is not None  # MAIL FROM succeeded
        refused = await self._check(session.account_id, raw, fields, subject)
        if refused is not None:
            record_smtp(self.core, exc=refused)
            return reply_for(refused)
        msg = OutgoingMessage(
            source="smtp",
            mail_from=envelope.mail_from or "",
            recipients=distinct_recipients(list(envelope.rcpt_tos)),
            raw=raw,
            subject=subject,
            header_from=header_from,
            header_to=header_to,
            search_text=mime_read.search_text(raw, fields=fields),
        )

        try:
            receipt = await self.core.sending.send(SendRequest(session.account_id, msg))
        except Exception as exc:  # noqa: BLE001
            record_smtp(self.core, exc=exc)
            return reply_for(exc)
        record_smtp(self.core, receipt)
        return f"250 2.0.0 Ok: queued as {receipt.message_id}"

    async def _check(
        self, account_id: int, raw: bytes, fields: dict[str, str], subject: str
    ) -> EmulatorError | None:
        """The account's SMTP message checks (domain.message_checks), when its switch is on; a multipart
        message is parsed off the event loop."""
        on = self.core.accounts.cached_smtp_checks(account_id)
        if on is None:
            on = await asyncio.to_thread(self.core.accounts.smtp_checks, account_id)
        if not on:
            return None
        if message_checks.needs_parse(fields):
            return await asyncio.to_thread(message_checks.smtp_message_refusal, raw, fields, subject)
        return message_checks.smtp_message_refusal(raw, fields, subject)
