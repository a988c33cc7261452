"""The composition of services over one database and one wall clock. Front-ends receive a `Core`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, Row

from emulator.config import Settings
from emulator.domain.clock import Clock, ClockState, SystemWallClock, WallClock
from emulator.storage.db import create_schema, make_engine, writer


class Core:
    def __init__(
        self, settings: Settings, wall: WallClock | None = None, engine: Engine | None = None
    ) -> None:
        from emulator.services.accounts import AccountService
        from emulator.services.billing import BillingService
        from emulator.services.clocks import ClockService
        from emulator.services.identities import IdentityService
        from emulator.services.mailbox import MailboxService
        from emulator.services.notifier import Notifier
        from emulator.services.scheduler import Scheduler
        from emulator.services.sending import SendService
        from emulator.services.templates import TemplateService

        self.settings = settings
        self.wall: WallClock = wall or SystemWallClock()
        self.engine = engine or make_engine(
            settings.resolved_database_url(), synchronous=settings.sqlite_synchronous
        )
        self.writer = writer(self.engine)
        self.send_writer = self.writer.execution_options(send_batch=True)
        from emulator.services.lookup_cache import LookupCache

        self.cache = LookupCache()
        self.cache.watch(self.engine)
        create_schema(self.engine)
        self.notifier = Notifier()
        self.endpoints: Any = None  # set by bootstrap once the listeners are bound
        # Extension points of the sending transaction (see services.sending):
        #   send_checks(ctx, msg) raise an EmulatorError to refuse one message (nothing stored/metered);
        #   recipient_outcomes(conn, account_row, address, account_time_us) -> column overrides or None;
        #   after_store(receipts) runs after the commit, outside the transaction, and must not block.
        self.send_checks: list[Callable[[Any, Any], None]] = []
        self.recipient_outcomes: list[Callable[[Connection, Row[Any], str, int], dict[str, Any] | None]] = []
        self.after_store: list[Callable[[list[Any]], None]] = []
        self.accounts = AccountService(self)
        self.identities = IdentityService(self)
        self.templates = TemplateService(self)
        self.clocks = ClockService(self)
        self.sending = SendService(self)
        self.mailbox = MailboxService(self)
        self.billing = BillingService(self)
        self.scheduler = Scheduler(self)
        self.clocks.after_move.append(self.scheduler.run_due)
        from emulator.services.dedicated_ips import DedicatedIpService

        self.ips = DedicatedIpService(self)
        from emulator.services.retention import RetentionService

        self.retention = RetentionService(self)
        self.ips.ensure_stock()
        # --- issue 6: delivery outcomes, blacklists, sending limits (registered in this order) ---
        from emulator.services.blacklists import BlacklistService
        from emulator.services.limits import LimitService
        from emulator.services.outcomes import OutcomeService

        self.outcomes = OutcomeService(self)
        self.blacklists = BlacklistService(self)
        self.limits = LimitService(self)
        from emulator.services.receivers import ReceiverService
        from emulator.services.reports import ReportService

        self.receivers = ReceiverService(self)
        self.reports = ReportService(self)
        from emulator.services.callbacks import CallbackService

        self.callbacks = CallbackService(self)
        from emulator.services.batch import BatchService

        self.batch = BatchService(self)
        from emulator.services.billing_reports import BillingReports

        self.billing_reports = BillingReports(self.engine, self.accounts, self.scheduler, self.wall)

    def clock_of(self, account: Row[Any]) -> Clock:
        return Clock(ClockState(account.clock_offset_us, account.clock_frozen_us), self.wall)

    def close(self) -> None:
        self.sending.stop()
        self.callbacks.stop()  # issue 6: the callback worker and the batch sender
        self.batch.runner.stop()
        self.engine.dispose()
