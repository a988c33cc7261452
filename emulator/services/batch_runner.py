"""Sends the messages of batch tasks in state 5 (sending), on a background thread: one message per
valid list address, in list order, through `SendService` (so every send is metered, checked against
blacklists and limits, gets its outcome and its callbacks, exactly like SendEmail).

Per address: sent → SendCount+1; ExceedSendLimit (a daily cap) or HighRejectionRate (the sender domain's
same-day block, docs/reputation.md) → the task pauses (6) until 00:00 UTC+8 and resumes at that address; a suspended account → the task stops with error 7 ("余额不足");
any other refusal (blacklist, frequency limit, bad template data) skips that address."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from emulator.domain.clock import beijing_midnight_after
from emulator.domain.records import AccountRecord
from emulator.domain.records.tasks import ReceiverDetailRecord, SendTaskRecord
from emulator.domain.send_rules import SendEmailInput, ValidSend, validate_send
from emulator.errors import (
    EmulatorError,
    FailedOperationExceedSendLimit,
    FailedOperationHighRejectionRate,
    FailedOperationWrongContentJson,
    InsufficientBalance,
)
from emulator.services.background import BackgroundWorker
from emulator.services.batch_events import DONE, ERROR, PAUSED, PENDING
from emulator.services.compose import Composer
from emulator.services.send_request import Action, SendRequest, TaskLink
from emulator.storage import accounts_repo, receivers_repo, tasks_repo

if TYPE_CHECKING:
    from emulator.config import Settings
    from emulator.domain.clock import ClockSource
    from emulator.services.sending import SendService
    from emulator.storage.db import Database, Tx

log = logging.getLogger("emulator.batch")

CHUNK = 50
LEASE_US = 60_000_000
POLL_S = 1.0
AD_TAG = "(AD)"


def subject_with_ad(subject: str, location: int | None) -> str:
    if location == 1:
        return f"{AD_TAG}{subject}"
    if location == 2:
        return f"{subject}{AD_TAG}"
    return subject


def _valid_send(max_bytes: int, params: dict[str, Any], email: str, data: str | None) -> ValidSend:
    """The SendEmail request of one list address, checked; raises the same errors SendEmail would."""
    template = params.get("Template") or None
    simple = params.get("Simple") or {}
    variables: dict[str, Any] = {}
    for source in (template.get("TemplateData") if template else None, data):
        try:
            parsed = json.loads(source or "{}")
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise FailedOperationWrongContentJson("TemplateData must be a JSON object.")
        variables.update(parsed)
    return validate_send(
        SendEmailInput(
            from_address=params["FromEmailAddress"],
            subject=subject_with_ad(params["Subject"], params.get("ADLocation")),
            to=[email],
            cc=[],
            bcc=[],
            reply_to=params.get("ReplyToAddresses"),
            template_id=int(template["TemplateID"]) if template else None,
            template_data=json.dumps(variables) if template else None,
            simple_html_b64=None if template else simple.get("Html"),
            simple_text_b64=None if template else simple.get("Text"),
            unsubscribe=params.get("Unsubscribe"),
        ),
        max_bytes,
    )


class BatchRunner(BackgroundWorker):
    thread_name = "ses-batch"

    def __init__(
        self,
        db: Database,
        clock: ClockSource,
        settings: Settings,
        sending: SendService,
        composer: Composer,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.sending = sending
        self.composer = composer
        super().__init__()
        with db.read() as conn:
            if tasks_repo.has_active(conn):
                self.start()

    def request_for(
        self,
        account_id: int,
        params: dict[str, Any],
        email: str,
        data: str | None,
        task_id: int | None = None,
        account: AccountRecord | None = None,
        conn: Tx | None = None,
    ) -> SendRequest:
        """The SendEmail request of one list address; raises the same errors SendEmail would. With the
        account's record (and a read transaction to fill the look-up cache from) it is rendered now, off
        the committer's lock."""
        valid = _valid_send(self.settings.max_message_bytes, params, email, data)
        task = TaskLink(task_id) if task_id is not None else None
        return self.composer.request(account_id, valid, Action.BATCH_SEND_EMAIL, account, task, conn)

    def wake(self) -> None:
        self.start()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            busy = False
            try:
                with self.db.read() as conn:
                    ids = tasks_repo.sending_task_ids(conn)
                for task_id in ids:
                    if self._stop.is_set():
                        break
                    busy = self._step(task_id) or busy
            except Exception:
                log.exception("batch runner pass failed")
            if not busy:
                self._wake.wait(POLL_S)
                self._wake.clear()

    def _step(self, task_id: int) -> bool:
        """Send the next chunk of one task; True if it did anything."""
        with self.db.write() as conn:
            if not tasks_repo.claim(conn, task_id, self.clock.wall_us(), LEASE_US):
                return False
            task = tasks_repo.get_task(conn, task_id)
            assert task is not None
            details = receivers_repo.details_after(conn, task.receiver_id, task.cursor, CHUNK)
        if not details:
            self._finish(task)
            return True
        params = json.loads(task.request_json)
        requests: list[SendRequest | EmulatorError] = []
        with self.db.read() as conn:  # rendered here, on this thread: the committer only checks and stores
            account = accounts_repo.account_by_id(conn, task.account_id)
            for d in details:
                try:
                    requests.append(
                        self.request_for(
                            task.account_id, params, d.email, d.template_data, task.id, account, conn
                        )
                    )
                except EmulatorError as exc:
                    requests.append(exc)
        futures: list[tuple[ReceiverDetailRecord, Any]] = [
            (d, r if isinstance(r, EmulatorError) else self.sending.submit(r))
            for d, r in zip(details, requests, strict=True)
        ]
        cursor, sent, handled, state = task.cursor, 0, 0, None
        for d, fut in futures:
            outcome: Any = fut
            if not isinstance(fut, EmulatorError):
                try:
                    outcome = fut.result()
                except EmulatorError as exc:
                    outcome = exc
            if state is not None:
                continue  # paused or stopped: later results no longer move the cursor
            if isinstance(outcome, (FailedOperationExceedSendLimit, FailedOperationHighRejectionRate)):
                state = (PAUSED, outcome.message)
                continue
            if isinstance(outcome, InsufficientBalance):
                state = (ERROR, "余额不足 (insufficient balance): " + outcome.message)
                continue
            cursor, handled = d.id, handled + 1
            if not isinstance(outcome, EmulatorError):
                sent += 1
            else:
                log.info("batch task %s skipped %s: %s", task.id, d.email, outcome.tencent_code)
        self._advance(task, cursor, sent, handled, state)
        return True

    def _advance(
        self, task: SendTaskRecord, cursor: int, sent: int, handled: int, state: tuple[int, str] | None
    ) -> None:
        with self.db.write() as conn:
            acct = accounts_repo.account_by_id(conn, task.account_id)
            now = self.clock.of(acct).now_us() if acct is not None else task.updated_us
            values: dict[str, Any] = {
                "cursor": cursor,
                "send_count": task.send_count + sent,
                "cache_count": max(task.cache_count - handled, 0),
                "updated_us": now,
                "lease_wall_us": 0,
            }
            if state is not None:
                values.update(status=state[0], err_msg=state[1])
                if state[0] == PAUSED:
                    values["next_us"] = beijing_midnight_after(now)
            tasks_repo.update_task(conn, task.id, **values)

    def _finish(self, task: SendTaskRecord) -> None:
        with self.db.write() as conn:
            acct = accounts_repo.account_by_id(conn, task.account_id)
            now = self.clock.of(acct).now_us() if acct is not None else task.updated_us
            values: dict[str, Any] = {"lease_wall_us": 0, "updated_us": now, "cache_count": 0}
            if task.runs_pending > 0:
                count = receivers_repo.valid_count(conn, task.receiver_id)
                values.update(
                    runs_pending=task.runs_pending - 1,
                    cursor=0,
                    request_count=count,
                    send_count=0,
                    cache_count=count,
                )
            elif task.task_type == 3 and task.next_us is not None:
                values.update(status=PENDING)
            else:
                values.update(status=DONE)
            tasks_repo.update_task(conn, task.id, **values)
