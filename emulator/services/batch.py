"""BatchSendEmail tasks (TaskType 1 now, 2 at a time, 3 every N hours) and ListSendTasks.

A task's life, on its account's clock:
    1 pending ──(start time; the scheduler's event)──▶ 5 sending ──(list done)──▶ 10 done
                                                         │  ▲                   (periodic: back to 1)
                        (ExceedSendLimit: daily cap)     ▼  │ (00:00 UTC+8 next day)
                                                     6 paused for today
    5 sending ──(account suspended)──▶ 7 error ("余额不足")
The scheduler only flips states (inside its transaction); `BatchRunner` sends, one message per valid
list address, through `SendService` like SendEmail (metered, checked, outcomes, callbacks).
A periodic cycle that falls due while the previous one is still sending is queued (`runs_pending`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from emulator.domain.addresses import parse_from
from emulator.domain.dates import parse_time
from emulator.domain.records.tasks import SendTaskRecord
from emulator.errors import (
    InvalidParameterValue,
    InvalidParameterValueBeginTimeBeforeNow,
    InvalidParameterValueTemplateNotExist,
    MissingParameterCycleParamNecessary,
    MissingParameterSendParamNecessary,
    MissingParameterTimedParamNecessary,
    OperationDeniedReceiverNotExist,
    OperationDeniedReceiverStatusError,
    OperationDeniedSendAddressStatusError,
    OperationDeniedTemplateStatusError,
    TencentError,
)
from emulator.services.batch_events import HOUR_US, PENDING, SENDING
from emulator.services.batch_runner import BatchRunner
from emulator.services.compose import Refusals, account_may_send
from emulator.storage import receivers_repo, tasks_repo

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.services.lookup_cache import LookupCache
    from emulator.storage.db import Database


# BatchSendEmail's codes at task creation for the account-dependent send rules (compose.account_may_send)
CREATE_REFUSALS = Refusals(
    no_sender=lambda s: OperationDeniedSendAddressStatusError(
        f"{s} is not a sender address of this account."
    ),
    bad_template=lambda _tid, status: (
        InvalidParameterValueTemplateNotExist("The template does not exist.")
        if status is None
        else OperationDeniedTemplateStatusError("The template is not approved.")
    ),
)


def _begin(value: str | None, missing: type[TencentError], now_us: int) -> int:
    if not value:
        raise missing("BeginTime is required for this TaskType.")
    try:
        begin = parse_time(value)
    except ValueError:
        raise InvalidParameterValue("BeginTime must be YYYY-MM-DD HH:MM:SS (UTC+8).") from None
    if begin < now_us - 60_000_000:  # a minute of grace for the request's own travel time
        raise InvalidParameterValueBeginTimeBeforeNow("BeginTime is in the past.")
    return begin


class BatchService:
    def __init__(
        self,
        db: Database,
        clock: ClockSource,
        cache: LookupCache,
        accounts: AccountService,
        runner: BatchRunner,
    ) -> None:
        self.db = db
        self.cache = cache
        self.clock = clock
        self.accounts = accounts
        self.runner = runner

    def create(self, account_id: int, params: dict[str, Any]) -> int:
        """Validate a BatchSendEmail request (already type-checked) and store the task."""
        task_type = params["TaskType"]
        if task_type not in (1, 2, 3):
            raise InvalidParameterValue("TaskType must be 1 (now), 2 (scheduled) or 3 (periodic).")
        if params.get("Attachments"):
            raise InvalidParameterValue("BatchSendEmail does not support Attachments yet.")
        if params.get("ADLocation") not in (None, 0, 1, 2):
            raise InvalidParameterValue("ADLocation must be 0, 1 or 2.")
        template = params.get("Template")
        if not template and not params.get("Simple"):
            raise MissingParameterSendParamNecessary("Template (or Simple) is required.")
        _alias, sender = parse_from(params["FromEmailAddress"])
        with self.db.write() as conn:
            acct = self.accounts.get_row(account_id, conn)
            now = self.clock.of(acct).now_us()
            template_id = int(template["TemplateID"]) if template else None
            account_may_send(self.cache, conn, acct, sender, template_id, CREATE_REFUSALS)
            rid = params["ReceiverId"]
            rec = receivers_repo.get_receiver(conn, account_id, rid)
            if rec is None:
                raise OperationDeniedReceiverNotExist(f"Recipient list {rid} does not exist.")
            count = receivers_repo.valid_count(conn, rec.id)
            if count == 0:
                raise OperationDeniedReceiverStatusError("The recipient list has no valid addresses yet.")
            first = receivers_repo.details_after(conn, rec.id, 0, 1)[0]
            self.runner.request_for(acct.id, params, first.email, first.template_data)  # its own errors, now
            next_us: int | None = None
            status = SENDING
            if task_type == 2:
                next_us = _begin(
                    (params.get("TimedParam") or {}).get("BeginTime"),
                    MissingParameterTimedParamNecessary,
                    now,
                )
                status = PENDING
            elif task_type == 3:
                cycle = params.get("CycleParam") or {}
                next_us = _begin(cycle.get("BeginTime"), MissingParameterCycleParamNecessary, now)
                if not isinstance(cycle.get("IntervalTime"), int) or cycle["IntervalTime"] < 1:
                    raise MissingParameterCycleParamNecessary("IntervalTime (hours, ≥ 1) is required.")
                status = PENDING
            if next_us is not None and next_us <= now:  # due already: start now (the scheduler is past it)
                cycle = params.get("CycleParam") or {}
                periodic = task_type == 3 and cycle.get("TermCycle") != 1
                status, next_us = (
                    SENDING,
                    (next_us + int(cycle["IntervalTime"]) * HOUR_US if periodic else None),
                )
            task_id = tasks_repo.insert_task(
                conn,
                account_id=account_id,
                receiver_id=rec.id,
                receivers_name=rec.name,
                task_type=task_type,
                status=status,
                request_json=json.dumps(params, ensure_ascii=False),
                request_count=count if status == SENDING else 0,
                send_count=0,
                cache_count=count if status == SENDING else 0,
                cursor=0,
                next_us=next_us,
                runs_pending=0,
                lease_wall_us=0,
                err_msg="",
                created_us=now,
                updated_us=now,
            )
        self.runner.wake()
        return task_id

    def list_tasks(
        self,
        account_id: int,
        status: int | None,
        receiver_id: int | None,
        task_type: int | None,
        offset: int,
        limit: int,
    ) -> tuple[list[SendTaskRecord], int]:
        if status not in (None, 1, 5, 6, 7, 10):
            raise InvalidParameterValue("Status must be 1, 5, 6, 7 or 10.")
        if task_type not in (None, 1, 2, 3):
            raise InvalidParameterValue("TaskType must be 1, 2 or 3.")
        with self.db.read() as conn:
            return tasks_repo.list_tasks(conn, account_id, status, receiver_id, task_type, offset, limit)
