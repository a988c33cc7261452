"""The batch-task state changes the scheduler runs on an account's clock: a scheduled task starts, a
periodic one's next cycle is due, a paused one resumes at the new day. The sending itself is
`batch_runner`'s."""

from __future__ import annotations

import json

from emulator.domain.records import AccountRecord
from emulator.domain.records.tasks import SendTaskRecord
from emulator.services.scheduler import Change
from emulator.storage import receivers_repo, tasks_repo
from emulator.storage.db import Tx

PENDING, SENDING, PAUSED, ERROR, DONE = 1, 5, 6, 7, 10
HOUR_US = 3_600_000_000
MAX_CYCLE_EVENTS = 1000


def interval_of(task: SendTaskRecord) -> int | None:
    """A periodic task's cycle length, else None."""
    if task.task_type != 3:
        return None
    cycle = json.loads(task.request_json).get("CycleParam") or {}
    if cycle.get("TermCycle") == 1:
        return None
    return int(cycle["IntervalTime"]) * HOUR_US


class BatchEvents:
    def next_due_by_account(self, conn: Tx) -> dict[int, int]:
        return tasks_repo.next_due_by_account(conn)

    def due(self, conn: Tx, acct: AccountRecord, after_us: int, until_us: int) -> list[tuple[int, Change]]:
        out: list[tuple[int, Change]] = []
        for task in tasks_repo.due_tasks(conn, acct.id, after_us, until_us):
            at = task.next_us
            assert at is not None  # due_tasks only returns tasks with a next time
            interval = interval_of(task)
            n = 0
            while at <= until_us and n < MAX_CYCLE_EVENTS:
                out.append((at, self._event(task.id, at)))
                if interval is None or task.status == PAUSED:
                    break
                at += interval
                n += 1
        return out

    def _event(self, task_id: int, at_us: int) -> Change:
        def run(conn: Tx) -> None:
            task = tasks_repo.get_task(conn, task_id)
            if task is None:
                return
            interval = interval_of(task)
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
