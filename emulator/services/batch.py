"""BatchSendEmail tasks (TaskType 1 now, 2 at a time, 3 every N hours) and ListSendTasks.

A task's life, on its account's clock:
    1 pending ──(start time; the scheduler's event)──▶ 5 sending ──(list done)──▶ 10 done
                                                         │  ▲                   (periodic: back to 1)
                        (ExceedSendLimit: daily cap)     ▼  │ (00:00 UTC+8 next day)
                                                     6 paused for today
    5 sending ──(account suspended)──▶ 7 error ("余额不足")
The scheduler only flips states (inside its transaction); `BatchRunner` sends, one message per valid
list address, through `core.sending` like SendEmail (metered, checked, outcomes, callbacks).
A periodic cycle that falls due while the previous one is still sending is queued (`runs_pending`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row

from emulator.domain.addresses import parse_from
from emulator.domain.dates import parse_time
from emulator.errors import (
    FailedOperationWithOutPermission,
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
from emulator.services.batch_runner import BatchRunner, build_prepare
from emulator.storage import accounts_repo, receivers_repo, tasks_repo

if TYPE_CHECKING:
    from emulator.services.core import Core

PENDING, SENDING, PAUSED, ERROR, DONE = 1, 5, 6, 7, 10
HOUR_US = 3_600_000_000
MAX_CYCLE_EVENTS = 1000


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
    def __init__(self, core: Core) -> None:

        self.core = core
        self.runner = BatchRunner(core)
        core.scheduler.extra_events.append(self._due_events)
        core.scheduler.due_hints.append(tasks_repo.next_due_by_account)
        core.clocks.after_move.append(lambda _aid: self.runner.wake())

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
        with self.core.writer.begin() as conn:
            acct = self.core.accounts.get_row(account_id, conn)
            now = self.core.clock_of(acct).now_us()
            if accounts_repo.get_sender(conn, account_id, sender) is None:
                raise OperationDeniedSendAddressStatusError(
                    f"{sender} is not a sender address of this account.",
                )
            if template:
                tpl = accounts_repo.get_template(conn, account_id, int(template["TemplateID"]))
                if tpl is None:
                    raise InvalidParameterValueTemplateNotExist("The template does not exist.")
                if tpl.status != 0:
                    raise OperationDeniedTemplateStatusError("The template is not approved.")
            elif not acct.simple_allowed:
                raise FailedOperationWithOutPermission("This account may only send with templates.")
            rid = params["ReceiverId"]
            rec = receivers_repo.get_receiver(conn, account_id, rid)
            if rec is None:
                raise OperationDeniedReceiverNotExist(f"Recipient list {rid} does not exist.")
            count = receivers_repo.valid_count(conn, rec.id)
            if count == 0:
                raise OperationDeniedReceiverStatusError("The recipient list has no valid addresses yet.")
            first = receivers_repo.details_after(conn, rec.id, 0, 1)[0]
            build_prepare(
                self.core, params, first.email, first.template_data
            )  # the request's own errors, now
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
    ) -> tuple[list[Row[Any]], int]:
        if status not in (None, 1, 5, 6, 7, 10):
            raise InvalidParameterValue("Status must be 1, 5, 6, 7 or 10.")
        if task_type not in (None, 1, 2, 3):
            raise InvalidParameterValue("TaskType must be 1, 2 or 3.")
        with self.core.engine.connect() as conn:
            return tasks_repo.list_tasks(conn, account_id, status, receiver_id, task_type, offset, limit)

    # --- scheduler: state changes at start / cycle / resume times ---------------------------------
    def _due_events(
        self, conn: Connection, acct: Row[Any], after_us: int, until_us: int
    ) -> list[tuple[int, Any]]:
        out: list[tuple[int, Any]] = []
        for task in tasks_repo.due_tasks(conn, acct.id, after_us, until_us):
            at = int(task.next_us)
            interval = self._interval(task)
            n = 0
            while at <= until_us and n < MAX_CYCLE_EVENTS:
                out.append((at, self._event(task.id, at)))
                if interval is None or task.status == PAUSED:
                    break
                at += interval
                n += 1
        return out

    @staticmethod
    def _interval(task: Row[Any]) -> int | None:
        if task.task_type != 3:
            return None
        cycle = json.loads(task.request_json).get("CycleParam") or {}
        if cycle.get("TermCycle") == 1:
            return None
        return int(cycle["IntervalTime"]) * HOUR_US

    def _event(self, task_id: int, at_us: int) -> Any:
        def run(conn: Connection) -> None:
            task = tasks_repo.get_task(conn, task_id)
            if task is None:
                return
            interval = self._interval(task)
            nxt = at_us + interval if interval is not None else None
            if task.status == PAUSED:  # a new day: the cap is reset
                tasks_repo.update_task(
                    conn,
                    task_id,
                    status=SENDING,
                    next_us=nxt if task.task_type == 3 else None,
                    updated_us=at_us,
                )
            elif task.status == PENDING:
                count = receivers_repo.valid_count(conn, task.receiver_id)
                tasks_repo.update_task(
                    conn,
                    task_id,
                    status=SENDING,
                    cursor=0,
                    request_count=count,
                    send_count=0,
                    cache_count=count,
                    next_us=nxt,
                    updated_us=at_us,
                )
            elif task.status == SENDING and interval is not None:
                tasks_repo.update_task(
                    conn, task_id, runs_pending=task.runs_pending + 1, next_us=nxt, updated_us=at_us
                )

        return run
