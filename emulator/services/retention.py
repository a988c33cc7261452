"""Retention: keep at most N messages per account and none older than D days (by the account's clock),
so a long-running instance under load does not grow without bound. Only captured mail goes: metering,
usage, bills and the ledger are never deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.storage import accounts_repo, mail_repo

if TYPE_CHECKING:
    from emulator.config import Settings
    from emulator.domain.clock import ClockSource
    from emulator.services.notifier import Notifier
    from emulator.storage.db import Database

DAY_US = 86_400 * 1_000_000


class RetentionService:
    def __init__(self, db: Database, clock: ClockSource, settings: Settings, notifier: Notifier) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.notifier = notifier

    @property
    def enabled(self) -> bool:
        s = self.settings
        return s.retention_max_messages is not None or s.retention_max_age_days is not None

    def enforce(self) -> int:
        """Delete what is past the limits; returns how many messages went."""
        if not self.enabled:
            return 0
        s = self.settings
        deleted = 0
        with self.db.read() as conn:
            accounts = accounts_repo.list_accounts(conn)
        for acct in accounts:
            with self.db.write() as conn:
                if s.retention_max_messages is not None:
                    deleted += mail_repo.keep_newest(conn, acct.id, s.retention_max_messages)
                if s.retention_max_age_days is not None:
                    cutoff = self.clock.of(acct).now_us() - s.retention_max_age_days * DAY_US
                    deleted += mail_repo.delete_before(conn, acct.id, cutoff)
        if deleted:
            self.notifier.publish()
        return deleted
