"""The one way mail gets in (SMTP, SendEmail, batch tasks alike): meter and store in one transaction,
with group commit.

Front-ends hand over a `SendRequest` value (services.send_request); a single committer thread takes every
job queued meanwhile, runs them in one transaction (row-locking the accounts involved, in id order, so
metering stays exact across processes sharing PostgreSQL) through one policy chain: suspension, the
account's sender/template/Simple rules (Composer.under_lock), limits and blacklists (SendPolicies.checks),
metering, IP choice, recipient outcomes; and resolves each job's future with a `Receipt` or the refusal
only after the commit. The event loop never waits on the database, and concurrent sends share one commit.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.domain.accounts import suspension_refusal
from emulator.domain.clock import ClockState, beijing_day
from emulator.domain.messages import OutgoingMessage, new_message_id, pick_ip
from emulator.domain.metering import split_units
from emulator.domain.records import AccountRecord
from emulator.errors import EmulatorError, InsufficientBalance, InternalError, NotFound
from emulator.services.compose import Composer
from emulator.services.send_request import SendContext, SendRequest
from emulator.services.txn_scratch import forget_send_policy, send_policy
from emulator.storage import accounts_repo, mail_repo, tasks_repo
from emulator.storage.db import Tx

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.lookup_cache import LookupCache
    from emulator.services.notifier import Notifier
    from emulator.services.scheduler import Scheduler
    from emulator.services.search_indexer import SearchIndexer
    from emulator.storage.db import Database

log = logging.getLogger("emulator.sending")

MAX_BATCH = 512
IDLE_S = 0.05  # no send for this long: the committer does idle work (services.search_indexer)


SendCheck = Callable[[SendContext, OutgoingMessage], None]
"""A per-account policy (limits, blacklists): raises an EmulatorError to refuse one message, so nothing of
it is stored or metered."""
RecipientOutcome = Callable[[Tx, AccountRecord, str, int], "dict[str, Any] | None"]
"""(conn, account row, address, account time) -> recipient column overrides (delivery outcome rules)."""


@dataclass(slots=True)
class Receipt:
    message_id: str
    message_pk: int
    account_id: int
    recipients: int
    free_units: int
    paid_units: int
    account_time_us: int
    sending_ip: str


@dataclass
class _Job:
    request: SendRequest
    future: concurrent.futures.Future[Receipt] | asyncio.Future[Receipt]
    loop: asyncio.AbstractEventLoop | None = None  # set for asyncio futures


def _settle(results: list[tuple[asyncio.Future[Receipt], Receipt | BaseException]]) -> None:
    """Runs on the event loop: resolve a whole batch with one wake-up."""
    for fut, result in results:
        if fut.done():
            continue  # the client went away (cancelled)
        if isinstance(result, BaseException):
            fut.set_exception(result)
        else:
            fut.set_result(result)


AfterStore = Callable[[list[Receipt]], None]
"""Runs after the commit, outside the transaction (event callbacks); must not block."""


@dataclass(frozen=True)
class SendPolicies:
    """The send path's policies, in the order they apply; assembled once by the composition root."""

    checks: tuple[SendCheck, ...] = ()
    recipient_outcomes: tuple[RecipientOutcome, ...] = ()
    after_store: tuple[AfterStore, ...] = ()


class SendService:
    def __init__(
        self,
        db: Database,
        clock: ClockSource,
        cache: LookupCache,
        notifier: Notifier,
        scheduler: Scheduler,
        policies: SendPolicies,
        composer: Composer,
        indexer: SearchIndexer | None = None,
    ) -> None:
        self.db = db
        self.composer = composer
        self.clock = clock
        self.cache = cache
        self.notifier = notifier
        self.scheduler = scheduler
        self.policies = policies
        self.indexer = indexer  # between commits, on this thread: services.search_indexer
        self.metered = [0, 0]  # free and paid recipients metered by this process (for /metrics)
        # the serial section, for /metrics: messages committed, nanoseconds inside their transactions
        # (BEGIN to COMMIT done: SQLite's write lock, PostgreSQL's account row locks, are held that long),
        # of that, nanoseconds before COMMIT (the statements; the rest is the commit's flush), the
        # transactions (group commits), and the committer thread's CPU nanoseconds inside them (the rest
        # of the held time it waits: for the disk, the database server, or the core it shares)
        self.held = [0, 0, 0, 0, 0]
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._settled_in_batch = False
        self._conn: Tx | None = None  # owned by the committer thread

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:  # every send calls this: no lock once running
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ses-committer", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=30)

    # --- API ---------------------------------------------------------------------------------------
    def submit(self, request: SendRequest) -> concurrent.futures.Future[Receipt]:
        """For callers outside an event loop."""
        self.start()
        future: concurrent.futures.Future[Receipt] = concurrent.futures.Future()
        self._queue.put(_Job(request, future))
        return future

    async def send(self, request: SendRequest) -> Receipt:
        self.start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Receipt] = loop.create_future()
        self._queue.put(_Job(request, future, loop))
        return await future

    def send_sync(self, request: SendRequest) -> Receipt:
        return self.submit(request).result()

    def _resolve(self, results: list[tuple[_Job, Receipt | BaseException]]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Any, Receipt | BaseException]]] = defaultdict(
            list
        )
        for job, result in results:
            if job.loop is not None:
                by_loop[job.loop].append((job.future, result))
            elif isinstance(result, BaseException):
                job.future.set_exception(result)
            else:
                job.future.set_result(result)
        for loop, items in by_loop.items():
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle, items)

    # --- committer -------------------------------------------------------------------------------
    def _run(self) -> None:
        indexer = self.indexer
        while True:
            try:
                if indexer is not None and indexer.wanted(busy=False):
                    first = self._queue.get(timeout=IDLE_S)
                else:
                    first = self._queue.get()
            except queue.Empty:  # no send for IDLE_S: index some of what was stored
                self._index_step()
                continue
            if first is None:
                break
            jobs = [first]
            stop = self._take(jobs)
            stop = self._commit(jobs, gather=not stop) or stop
            if stop:
                break
            if indexer is not None and indexer.wanted(busy=True):
                self._index_step()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _take(self, jobs: list[_Job]) -> bool:
        """Add what is queued to `jobs`, up to MAX_BATCH; True if the stop sentinel came with it."""
        while len(jobs) < MAX_BATCH:
            try:
                nxt = self._queue.get_nowait()
            except queue.Empty:
                return False
            if nxt is None:
                return True
            jobs.append(nxt)
        return False

    def _index_step(self) -> None:
        assert self.indexer is not None
        try:
            with self.db.turn():
                self.indexer.step(self._connection())
        except Exception:  # logged by the indexer; a broken connection is replaced
            if self._conn is not None and self._conn.invalidated:
                self._conn.close()
                self._conn = None

    def _connection(self) -> Tx:
        """The committer keeps one connection: a pool check-out and reset per batch cost as much as the
        batch's own statements. A broken one (database restarted) is replaced on the next batch."""
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            if conn is not None:
                conn.close()
            conn = self._conn = self.db.send_writer.connect()
        return conn

    def _commit(self, jobs: list[_Job], gather: bool = False) -> bool:
        """Store `jobs` in one transaction. `gather`: once the write turn is ours, take in what queued
        while another process held it (storage.write_turn), so contended turns carry bigger batches
        and fewer fsyncs per message. Returns True if the stop sentinel was taken in."""
        stop = False
        try:
            conn = self._connection()
            forms = _stored_forms(conn, jobs)
            with self.db.turn():
                if gather:
                    known = len(jobs)
                    stop = self._take(jobs)
                    forms.update(_stored_forms(conn, jobs[known:]))
                began, cpu = time.perf_counter_ns(), time.thread_time_ns()
                with conn.begin():
                    outcomes = self._process(conn, jobs, forms)
                    worked = time.perf_counter_ns()
                done, cpu = time.perf_counter_ns(), time.thread_time_ns() - cpu
            self.held[0] += len(jobs)
            self.held[1] += done - began
            self.held[2] += worked - began
            self.held[3] += 1
            self.held[4] += cpu
        except Exception:
            if self._conn is not None and self._conn.invalidated:
                self._conn.close()
                self._conn = None
            if len(jobs) > 1:  # isolate the culprit: the others still get their own commit
                for job in jobs:
                    self._commit([job])
                return stop
            log.exception("storing a message failed")
            self._resolve([(jobs[0], InternalError("the message could not be stored; try again"))])
            return stop
        if self._settled_in_batch:  # bills may have suspended an account: drop cached "may send"
            self._settled_in_batch = False
            self.cache.clear()
        self._resolve(list(zip(jobs, outcomes, strict=True)))
        if any(isinstance(o, Receipt) for o in outcomes):
            self.notifier.publish()
            receipts = [o for o in outcomes if isinstance(o, Receipt)]
            if self.indexer is not None:
                self.indexer.stored(len(receipts))
            self.metered[0] += sum(r.free_units for r in receipts)
            self.metered[1] += sum(r.paid_units for r in receipts)
            for hook in self.policies.after_store:
                try:
                    hook(receipts)
                except Exception:
                    log.exception("after-store hook failed")
        return stop

    def _process(
        self, conn: Tx, jobs: list[_Job], forms: dict[int, mail_repo.StoredForm]
    ) -> list[Receipt | EmulatorError]:
        accounts = accounts_repo.lock_accounts(conn, list({j.request.account_id for j in jobs}))
        wall_us = self.clock.wall_us()
        now_of: dict[int, int] = {}  # each account's clock reading for the whole batch
        for aid, locked in list(accounts.items()):
            # A midnight (or 1st 08:00) passed since the scheduler's last tick: settle first, so a send a
            # moment after a failed deduction is refused, as the suspension happened "at that moment".
            acct_now = now_of[aid] = ClockState(locked.clock_offset_us, locked.clock_frozen_us).now_us(
                wall_us
            )
            # An applied IP's lead time ended since: the same, so the send goes out through it.
            if self.scheduler.send_due(locked, acct_now, send_policy(conn, aid).next_ready_us):
                self.scheduler.apply_due(conn, locked, acct_now)
                accounts[aid] = accounts_repo.lock_accounts(conn, [aid])[aid]
                forget_send_policy(conn, aid)
                self._settled_in_batch = True
        free_left = {aid: a.free_quota - a.free_used for aid, a in accounts.items()}
        outcomes: list[Receipt | EmulatorError] = []
        staged: list[tuple[dict[str, Any], list[str], Receipt]] = []
        for job in jobs:
            req = job.request
            acct = accounts.get(req.account_id)
            if acct is None:
                outcomes.append(NotFound(f"account {req.account_id} does not exist"))
                continue
            if acct.suspended_reason:
                outcomes.append(suspension_refusal(acct.suspended_reason))
                continue
            now_us = now_of[acct.id]
            message_id = new_message_id(acct.app_id, now_us)
            ctx = SendContext(conn, acct, now_us, message_id)
            try:
                content = req.content
                msg = (
                    content
                    if isinstance(content, OutgoingMessage)
                    else self.composer.under_lock(ctx, content)
                )
                for check in self.policies.checks:
                    check(ctx, msg)
            except EmulatorError as exc:
                outcomes.append(exc)
                continue
            units = split_units(free_left[acct.id], len(msg.recipients))
            free_left[acct.id] -= units.free
            message_id = msg.message_id or message_id
            if req.task is not None:  # in this transaction: callbacks always see the message's task
                tasks_repo.link_message(conn, message_id, req.task.task_id)
            ip = pick_ip(send_policy(conn, acct.id).ips, message_id)  # read once per transaction
            receipt = Receipt(
                message_id=message_id,
                message_pk=0,
                account_id=acct.id,
                recipients=len(msg.recipients),
                free_units=units.free,
                paid_units=units.paid,
                account_time_us=now_us,
                sending_ip=ip,
            )
            form = forms.get(id(msg)) or mail_repo.stored_form(
                conn, msg.raw, msg.search_text, msg.recipients
            )  # composed under the lock: packed here
            row = {
                "account_id": acct.id,
                "message_id": message_id,
                "source": msg.source,
                "mail_from": msg.mail_from,
                "recipients_json": form.recipients_json,
                "header_from": msg.header_from,
                "header_to": msg.header_to,
                "subject": msg.subject,
                "search_text": form.search_text,
                "size": form.size,
                "raw": form.raw,
                "sending_ip": ip,
                "template_id": msg.template_id,
                "account_time_us": now_us,
                "real_time_us": wall_us,
                "free_units": units.free,
                "paid_units": units.paid,
            }
            staged.append((row, msg.recipients, receipt))
            outcomes.append(receipt)
        if not staged:
            return outcomes
        pks = mail_repo.insert_messages(conn, [s[0] for s in staged], packed=True)
        recipient_rows: list[dict[str, Any]] = []
        usage: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
        free_spent: dict[int, int] = defaultdict(int)
        for (_row, rcpts, receipt), pk in zip(staged, pks, strict=True):
            day = beijing_day(receipt.account_time_us)
            for addr in rcpts:
                row = {
                    "message_pk": pk,
                    "account_id": receipt.account_id,
                    "address": addr,
                    "request_day": day,
                    "request_us": receipt.account_time_us,
                    "deliver_us": receipt.account_time_us,
                }
                for outcome in self.policies.recipient_outcomes:
                    row.update(
                        outcome(conn, accounts[receipt.account_id], addr, receipt.account_time_us) or {}
                    )
                recipient_rows.append(row)
            key = (receipt.account_id, day)
            usage[key][0] += receipt.free_units
            usage[key][1] += receipt.paid_units
            free_spent[receipt.account_id] += receipt.free_units
            receipt.message_pk = pk
        mail_repo.insert_recipients(conn, recipient_rows)
        mail_repo.add_usage_many(conn, [(a, d, f, p) for (a, d), (f, p) in sorted(usage.items())])
        accounts_repo.add_free_used_many(conn, [(aid, spent) for aid, spent in free_spent.items() if spent])
        return outcomes


def _stored_forms(conn: Tx, jobs: list[_Job]) -> dict[int, mail_repo.StoredForm]:
    """The stored form of every message already made (SMTP's, an early-rendered SendEmail's), by the
    message object's id, before the transaction begins."""
    out: dict[int, mail_repo.StoredForm] = {}
    for job in jobs:
        content = job.request.content
        if isinstance(content, OutgoingMessage):
            msg: OutgoingMessage | None = content
        else:
            msg = content.early.message if content.early is not None else None
        if msg is not None:
            out[id(msg)] = mail_repo.stored_form(conn, msg.raw, msg.search_text, msg.recipients)
    return out


__all__ = ["Receipt", "SendContext", "SendPolicies", "SendRequest", "SendService", "InsufficientBalance"]
