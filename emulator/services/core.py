"""The composition root of the services: `build_core` makes every service with its named, typed
collaborators, in dependency order, and assembles the send path's policies; `Core` is what front-ends
receive. Services never see `Core` (nothing under services/ imports this module)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.config import Settings
from emulator.domain.clock import ClockSource, SystemWallClock, WallClock
from emulator.services.access import AccessService
from emulator.services.accounts import AccountService
from emulator.services.batch import BatchService
from emulator.services.batch_events import BatchEvents
from emulator.services.batch_runner import BatchRunner
from emulator.services.billing import BillingService
from emulator.services.billing_reports import BillingReports
from emulator.services.blacklists import BlacklistService
from emulator.services.callbacks import CallbackService
from emulator.services.cam import CamService
from emulator.services.clocks import ClockService
from emulator.services.compose import Composer
from emulator.services.dedicated_ips import DedicatedIpService
from emulator.services.identities import IdentityService
from emulator.services.ip_events import IpEvents
from emulator.services.limits import LimitService
from emulator.services.lookup_cache import LookupCache
from emulator.services.mailbox import MailboxService
from emulator.services.notice_recorder import NoticeRecorder
from emulator.services.notices import NoticeService
from emulator.services.notifier import Notifier
from emulator.services.operations import OperationsService
from emulator.services.outcomes import OutcomeService
from emulator.services.receivers import ReceiverService
from emulator.services.reports import ReportService
from emulator.services.reputation import ReputationEvents, ReputationService
from emulator.services.retention import RetentionService
from emulator.services.scheduler import Scheduler
from emulator.services.search_indexer import SearchIndexer
from emulator.services.sending import SendPolicies, SendService
from emulator.services.settlement import Settlement
from emulator.services.snapshots import SnapshotService
from emulator.services.templates import TemplateService
from emulator.storage.db import Database, create_schema, make_engine


@dataclass(eq=False)
class Core:
    """The services of one database and one wall clock, as the front-ends call them."""

    settings: Settings
    db: Database
    clock: ClockSource
    cache: LookupCache
    notifier: Notifier
    composer: Composer
    accounts: AccountService
    identities: IdentityService
    templates: TemplateService
    scheduler: Scheduler
    clocks: ClockService
    sending: SendService
    mailbox: MailboxService
    billing: BillingService
    ips: DedicatedIpService
    retention: RetentionService
    outcomes: OutcomeService
    blacklists: BlacklistService
    limits: LimitService
    receivers: ReceiverService
    reports: ReportService
    callbacks: CallbackService
    batch: BatchService
    ops: OperationsService
    billing_reports: BillingReports
    notices: NoticeService
    snapshots: SnapshotService
    reputation: ReputationService
    cam: CamService
    access: AccessService
    endpoints: Any = field(default=None)  # set by bootstrap once the listeners are bound

    def close(self) -> None:
        self.sending.stop()
        self.callbacks.stop()
        self.batch.runner.stop()
        self.db.dispose()


def build_core(settings: Settings, wall: WallClock | None = None) -> Core:
    """Every service over one database (created or upgraded here) and one wall clock."""
    engine = make_engine(settings.resolved_database_url(), synchronous=settings.sqlite_synchronous)
    create_schema(engine)
    db = Database(engine)
    clock = ClockSource(wall or SystemWallClock())
    cache = LookupCache()
    db.after_write_commit(cache.clear)
    notifier = Notifier()
    composer = Composer(clock, cache, settings.max_message_bytes)

    ip_events = IpEvents(settings.dedicated_ip_month_micro)
    notice_recorder = NoticeRecorder(clock)
    settlement = Settlement(notice_recorder)  # bills paid or failed, top-ups: their notices go with them
    reputation_events = ReputationEvents(clock)  # each 00:00: the finished day's domain reputation
    scheduler = Scheduler(
        db,
        clock,
        settings,
        sources=(ip_events, BatchEvents(), reputation_events),
        ip_bill=ip_events,
        settlement=settlement,
        after_settlement=(reputation_events.close_batch,),
    )
    accounts = AccountService(db, clock, settings, cache, scheduler, settlement)
    limits = LimitService(db, clock, accounts)
    blacklists = BlacklistService(db, clock, accounts)
    outcomes = OutcomeService(db, clock, accounts)
    callbacks = CallbackService(db, clock, settings, accounts)
    sending = SendService(
        db,
        clock,
        cache,
        notifier,
        scheduler,
        SendPolicies(
            checks=(limits.check, blacklists.check),  # the order the refusals are answered in
            recipient_outcomes=(outcomes.recipient_outcome,),
            after_store=(callbacks.on_stored,),
        ),
        composer,  # the sender/template/Simple rules and the MIME, under the lock (Composer.under_lock)
        indexer=SearchIndexer(),  # SQLite: every filter; PostgreSQL: `text` (storage.search_pg_text)
    )
    runner = BatchRunner(db, clock, settings, sending, composer)
    scheduler.batch_accounts = settings.settle_batch_accounts
    ips = DedicatedIpService(db, clock, settings, accounts, scheduler)
    ips.ensure_stock()
    return Core(
        settings=settings,
        db=db,
        clock=clock,
        cache=cache,
        notifier=notifier,
        composer=composer,
        accounts=accounts,
        identities=IdentityService(db, clock),
        templates=TemplateService(db, clock, settings),
        scheduler=scheduler,
        clocks=ClockService(db, clock, accounts, scheduler, after_move=(lambda _aid: runner.wake(),)),
        sending=sending,
        mailbox=MailboxService(db, clock, notifier),
        billing=BillingService(db, clock, settings, accounts),
        ips=ips,
        retention=RetentionService(db, clock, settings, notifier),
        outcomes=outcomes,
        blacklists=blacklists,
        limits=limits,
        receivers=ReceiverService(db, clock, accounts),
        reports=ReportService(db),
        callbacks=callbacks,
        batch=BatchService(db, clock, cache, accounts, runner),
        ops=OperationsService(db),
        billing_reports=BillingReports(db, clock, accounts, scheduler),
        notices=NoticeService(db, clock, accounts, scheduler, notice_recorder),
        snapshots=SnapshotService(db, clock, accounts),
        reputation=ReputationService(db, clock, accounts, reputation_events),
        cam=CamService(db, clock, cache, accounts),
        access=AccessService(db, clock, cache, accounts),
    )
