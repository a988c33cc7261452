"""Reading captured mail, always within one account: list/search, one message, raw, attachments,
delete, and `wait` (block until a matching message arrives)."""

from __future__ import annotations

import asyncio
import builtins
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.domain import mime_read
from emulator.domain.clock import beijing_day
from emulator.domain.dates import check_status_day
from emulator.domain.messages import MailFilter
from emulator.domain.records.mail import EmailStatus, MessageListing, MessageRecord
from emulator.errors import NotFound
from emulator.storage import accounts_repo, mail_repo

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.notifier import Notifier
    from emulator.storage.db import Database

POLL_S = 0.5  # waiters re-check the database this often (mail stored by other processes)


@dataclass(frozen=True)
class RecipientStatus:
    address: str
    send_status: int
    deliver_status: int
    deliver_us: int | None
    deliver_message: str
    opened: bool
    clicked: bool
    unsubscribed: bool
    complained: bool


def summary(row: MessageRecord | MessageListing) -> dict[str, Any]:
    return {
        "id": row.message_id,
        "source": row.source,
        "mail_from": row.mail_from,
        "recipients": json.loads(row.recipients_json),
        "from": row.header_from,
        "to": row.header_to,
        "subject": row.subject,
        "size": row.size,
        "sending_ip": row.sending_ip,
        "template_id": row.template_id,
        "account_time_us": row.account_time_us,
        "real_time_us": row.real_time_us,
        "free_units": row.free_units,
        "paid_units": row.paid_units,
    }


class MailboxService:
    def __init__(self, db: Database, clock: ClockSource, notifier: Notifier) -> None:
        self.db = db
        self.clock = clock
        self.notifier = notifier

    def list(
        self, account_id: int, f: MailFilter, offset: int = 0, limit: int = 50, before: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Matches newest first and their total. `before` (keyset paging: the id of the last message of
        the previous page) starts after that message, at the same cost at any depth; `offset` skips
        matches (from the newest, or from `before`)."""
        with self.db.read() as conn:
            before_pk = None
            if before is not None:
                before_pk = mail_repo.message_pk(conn, account_id, before)
                if before_pk is None:
                    raise NotFound(f"no message {before!r} in this account (before=)")
            rows, total = mail_repo.list_messages(conn, account_id, f, offset, limit, before_pk)
        return [summary(r) for r in rows], total

    def _row(self, account_id: int, message_id: str) -> MessageRecord:
        with self.db.read() as conn:
            row = mail_repo.get_message(conn, account_id, message_id)
        if row is None:
            raise NotFound(f"no message {message_id!r} in this account")
        return row

    def get(
        self, account_id: int, message_id: str
    ) -> tuple[dict[str, Any], mime_read.ParsedMessage, builtins.list[RecipientStatus]]:
        row = self._row(account_id, message_id)
        with self.db.read() as conn:
            rcpts = mail_repo.recipients_of(conn, row.id)
        statuses = [
            RecipientStatus(
                r.address,
                r.send_status,
                r.deliver_status,
                r.deliver_us,
                r.deliver_message,
                r.opened,
                r.clicked,
                r.unsubscribed,
                r.complained,
            )
            for r in rcpts
        ]
        return summary(row), mime_read.parse_message(bytes(row.raw)), statuses

    def raw(self, account_id: int, message_id: str) -> bytes:
        return bytes(self._row(account_id, message_id).raw)

    def attachment(self, account_id: int, message_id: str, index: int) -> tuple[str, str, bytes]:
        raw = self.raw(account_id, message_id)
        try:
            return mime_read.attachment(raw, index)
        except (IndexError, KeyError, ValueError):
            raise NotFound(f"message {message_id!r} has no attachment {index}") from None

    def delete(self, account_id: int, message_id: str | None = None) -> int:
        with self.db.write() as conn:
            n = mail_repo.delete_messages(conn, account_id, message_id)
        if message_id is not None and n == 0:
            raise NotFound(f"no message {message_id!r} in this account")
        return n

    def _first(self, account_id: int, f: MailFilter) -> dict[str, Any] | None:
        with self.db.read() as conn:
            row = mail_repo.first_match(conn, account_id, f)
        return summary(row) if row is not None else None

    async def wait(self, account_id: int, f: MailFilter, timeout_s: float) -> dict[str, Any] | None:
        """The first matching message (oldest first), waiting up to
        `timeout_s` for one to arrive; None on timeout."""
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while True:
            found = await asyncio.to_thread(self._first, account_id, f)
            remaining = deadline - time.monotonic()
            if found is not None or remaining <= 0:
                return found
            await self.notifier.wait(min(remaining, POLL_S))

    def statuses(
        self, account_id: int, day: str, message_id: str | None, to: str | None, offset: int, limit: int
    ) -> builtins.list[EmailStatus]:
        """GetSendEmailStatus: one Beijing day of recipient statuses, within the status window."""
        with self.db.read() as conn:
            account = accounts_repo.account_by_id(conn, account_id)
            if account is not None:
                check_status_day(day, beijing_day(self.clock.of(account).now_us()))
            return mail_repo.status_rows(conn, account_id, day, message_id, to, offset, limit)
