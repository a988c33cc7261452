"""The one way mail gets in (SMTP and API alike): meter and store in one transaction, with group commit.

Front-ends hand over a `prepare` function; a single committer thread takes every job queued meanwhile,
runs them in one transaction (row-locking the accounts involved, so metering stays exact across
processes sharing PostgreSQL), and resolves each job's future only after the commit. The event loop
never waits on the database, and concurrent sends share one commit.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row

from emulator.domain.clock import ClockState, beijing_day
from emulator.domain.messages import OutgoingMessage, new_message_id
from emulator.domain.metering import split_units
from emulator.errors import EmulatorError, InsufficientBalance, InternalError, NotFound
from emulator.storage import accounts_repo, mail_repo

if TYPE_CHECKING:
    from emulator.services.core import Core

log = logging.getLogger("emulator.sending")

MAX_BATCH = 512


@dataclass
class SendContext:
    """What a `prepare` function may use, inside the sending transaction."""

    conn: Connection
    account: Row[Any]
    now_us: int
    message_id: str


Prepare = Callable[[SendContext], OutgoingMessage]


@dataclass(frozen=True)
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
    account_id: int
    prepare: Prepare
    future: concurrent.futures.Future[Receipt]


class SendService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
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
    def submit(self, account_id: int, prepare: Prepare) -> concurrent.futures.Future[Receipt]:
        self.start()
        job = _Job(account_id, prepare, concurrent.futures.Future())
        self._queue.put(job)
        return job.future

    async def send(self, account_id: int, prepare: Prepare) -> Receipt:
        return await asyncio.wrap_future(self.submit(account_id, prepare))

    def send_sync(self, account_id: int, prepare: Prepare) -> Receipt:
        return self.submit(account_id, prepare).result()

    # --- committer -------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            stop = False
            while len(jobs) < MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                jobs.append(nxt)
            self._commit(jobs)
            if stop:
                return

    def _commit(self, jobs: list[_Job]) -> None:
        try:
            with self.core.writer.begin() as conn:
                outcomes = self._process(conn, jobs)
        except Exception:
            if len(jobs) > 1:  # isolate the culprit: the others still get their own commit
                for job in jobs:
                    self._commit([job])
                return
            log.exception("storing a message failed")
            jobs[0].future.set_exception(InternalError("the message could not be stored; try again"))
            return
        stored = False
        for job, outcome in zip(jobs, outcomes, strict=True):
            if isinstance(outcome, Receipt):
                stored = True
                job.future.set_result(outcome)
            else:
                job.future.set_exception(outcome)
        if stored:
            self.core.notifier.publish()
            receipts = [o for o in outcomes if isinstance(o, Receipt)]
            for hook in self.core.after_store:  # e.g. event callbacks; must not block
                try:
                    hook(receipts)
                except Exception:
                    log.exception("after-store hook failed")

    def _process(self, conn: Connection, jobs: list[_Job]) -> list[Receipt | EmulatorError]:
        accounts = accounts_repo.lock_accounts(conn, list({j.account_id for j in jobs}))
        free_left = {aid: row.free_quota - row.free_used for aid, row in accounts.items()}
        wall_us = self.core.wall.now_us()
        outcomes: list[Receipt | EmulatorError] = []
        staged: list[tuple[int, dict[str, Any], list[str], Receipt]] = []
        for job in jobs:
            acct = accounts.get(job.account_id)
            if acct is None:
                outcomes.append(NotFound(f"account {job.account_id} does not exist"))
                continue
            if acct.suspended_reason:
                outcomes.append(self.core.accounts.suspension_error(acct))
                continue
            now_us = ClockState(acct.clock_offset_us, acct.clock_frozen_us).now_us(wall_us)
            message_id = new_message_id(acct.app_id, now_us)
            ctx = SendContext(conn, acct, now_us, message_id)
            try:
                msg = job.prepare(ctx)
                for check in self.core.send_checks:  # per-account policies: limits, blacklists, ...
                    check(ctx, msg)
            except EmulatorError as exc:
                outcomes.append(exc)
                continue
            units = split_units(free_left[acct.id], len(msg.recipients))
            free_left[acct.id] -= units.free
            message_id = msg.message_id or message_id
            ip = self.core.sending_ip(conn, acct, message_id)
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
            row = {
                "account_id": acct.id,
                "message_id": message_id,
                "source": msg.source,
                "mail_from": msg.mail_from,
                "recipients_json": json.dumps(msg.recipients),
                "header_from": msg.header_from,
                "header_to": msg.header_to,
                "subject": msg.subject,
                "search_text": msg.search_text,
                "size": len(msg.raw),
                "raw": msg.raw,
                "sending_ip": ip,
                "template_id": msg.template_id,
                "account_time_us": now_us,
                "real_time_us": wall_us,
                "free_units": units.free,
                "paid_units": units.paid,
            }
            staged.append((len(outcomes), row, msg.recipients, receipt))
            outcomes.append(receipt)
        if not staged:
            return outcomes
        pks = mail_repo.insert_messages(conn, [s[1] for s in staged])
        recipient_rows: list[dict[str, Any]] = []
        usage: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
        free_spent: dict[int, int] = defaultdict(int)
        for (pos, _row, rcpts, receipt), pk in zip(staged, pks, strict=True):
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
                for outcome in self.core.recipient_outcomes:  # delivery outcome rules may override
                    row.update(
                        outcome(conn, accounts[receipt.account_id], addr, receipt.account_time_us) or {}
                    )
                recipient_rows.append(row)
            key = (receipt.account_id, day)
            usage[key][0] += receipt.free_units
            usage[key][1] += receipt.paid_units
            free_spent[receipt.account_id] += receipt.free_units
            outcomes[pos] = Receipt(**{**receipt.__dict__, "message_pk": pk})
        mail_repo.insert_recipients(conn, recipient_rows)
        for (aid, day), (free, paid) in sorted(usage.items()):
            mail_repo.add_usage(conn, aid, day, free, paid)
        for aid, spent in free_spent.items():
            if spent:
                accounts_repo.add_free_used(conn, aid, spent)
        return outcomes


__all__ = ["Prepare", "Receipt", "SendContext", "SendService", "InsufficientBalance"]
