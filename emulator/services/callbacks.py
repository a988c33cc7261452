"""Event callbacks (reference §7.3): an account-level URL and one per sender address (the sender's
wins). Every stored recipient's events (`domain.outcomes.events_of`) are POSTed as JSON, in order per
recipient, with retries and exponential back-off, by one background thread per process.

Sending never waits: the after-store hook only hands the receipts to the worker's in-memory inbox,
and only for accounts known to have a callback URL. The worker writes the events to the
`callback_events` table (the persistent queue: pending events survive a restart) and logs every
HTTP attempt in `callback_attempts`. A claimed event carries a lease, so a second process sharing the
database never posts it twice while the first is trying, and picks it up if the first dies.
Retries follow real time, not the account clock."""

from __future__ import annotations

import json
import logging
import queue
import re
import time
from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from emulator.domain import mime_read
from emulator.domain.outcomes import events_of, payload
from emulator.domain.records import AccountRecord
from emulator.domain.records.events import CallbackMessage
from emulator.errors import FailedOperation, NotFound
from emulator.services.background import BackgroundWorker
from emulator.storage import accounts_repo, callbacks_repo, mail_repo
from emulator.storage.db import Tx

if TYPE_CHECKING:
    import httpx

    from emulator.config import Settings
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.services.sending import Receipt
    from emulator.storage.db import Database

log = logging.getLogger("emulator.callbacks")

URL_REFRESH_S = 2.0
IDLE_POLL_S = 1.0
BATCH = 500
_LINK = re.compile(r"""https?://[^\s"'<>]+""")


def check_url(url: str | None) -> str | None:
    if url is None or url == "":
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise FailedOperation(f"callback url must be an http(s) URL with a host, got {url!r}")
    return url.strip()


class CallbackService(BackgroundWorker):
    thread_name = "ses-callbacks"

    def __init__(
        self, db: Database, clock: ClockSource, settings: Settings, accounts: AccountService
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.accounts = accounts
        self._inbox: queue.SimpleQueue[list[Receipt]] = queue.SimpleQueue()
        super().__init__()
        with db.read() as conn:
            self._with_urls = callbacks_repo.accounts_with_urls(conn)
            backlog = callbacks_repo.has_pending(conn)
        self._urls_at = time.monotonic()
        if self._with_urls or backlog:
            self.start()

    # --- configuration (admin API) -------------------------------------------------------------
    def config(self, ref: int | str) -> dict[str, Any]:
        with self.db.read() as conn:
            acct = self.accounts.get_row(ref, conn)
            urls = callbacks_repo.urls_of(conn, acct.id)
        return {"url": urls.pop("", None), "senders": dict(sorted(urls.items()))}

    def set_url(self, ref: int | str, url: str | None, sender: str | None = None) -> dict[str, Any]:
        url = check_url(url)
        with self.db.write() as conn:
            acct = self.accounts.get_row(ref, conn)
            key = ""
            if sender is not None:
                row = accounts_repo.get_sender(conn, acct.id, sender.strip())
                if row is None:
                    raise NotFound(f"no sender address {sender!r} in this account")
                key = row.address.lower()
            callbacks_repo.set_url(conn, acct.id, key, url)
            with_urls = callbacks_repo.accounts_with_urls(conn)
        with self._lock:
            self._with_urls = with_urls
        if with_urls:
            self.start()
        return self.config(acct.id)

    def deliveries(self, ref: int | str, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            acct = self.accounts.get_row(ref, conn)
            rows = callbacks_repo.attempts(conn, acct.id, offset, limit)
        out = []
        for r in rows:
            body = json.loads(r.payload_json)
            out.append(
                {
                    "id": r.id,
                    "event_id": r.event_id,
                    "attempt": r.attempt,
                    "url": r.url,
                    "event": r.event,
                    "email": body.get("email"),
                    "message_id": body.get("bulkId"),
                    "status_code": r.status_code,
                    "ok": r.status_code is not None and 200 <= r.status_code < 300,
                    "error": r.error,
                    "duration_ms": r.duration_ms,
                    "at_us": r.wall_us,
                    "event_status": r.event_status,
                    "payload": body,
                }
            )
        return out

    def events(self, ref: int | str, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            acct = self.accounts.get_row(ref, conn)
            rows = callbacks_repo.events(conn, acct.id, offset, limit)
        return [
            {
                "id": r.id,
                "event": r.event,
                "url": r.url,
                "status": r.status,
                "attempts": r.attempts,
                "next_attempt_us": r.next_wall_us if r.status == "pending" else None,
                "payload": json.loads(r.payload_json),
            }
            for r in rows
        ]

    # --- after-store hook (committer thread: must not block) -------------------------------------
    def on_stored(self, receipts: list[Receipt]) -> None:
        with self._lock:
            wanted = [r for r in receipts if r.account_id in self._with_urls]
        if wanted:
            self._inbox.put(wanted)
            self._wake.set()

    # --- worker --------------------------------------------------------------------------------
    def stop_timeout_s(self) -> float:
        return self.settings.callback_timeout_s + 5

    def _run(self) -> None:
        # imported by the worker, which starts only once an account has a callback URL: a server without
        # one never pays httpx's import (~0.1 s of every start)
        import httpx

        s = self.settings
        with httpx.Client(timeout=s.callback_timeout_s, trust_env=False) as client:
            while not self._stop.is_set():
                delay = IDLE_POLL_S
                try:
                    self._refresh_urls()
                    self._persist_inbox()
                    delay = self._deliver_due(client)
                except Exception:
                    log.exception("callback worker pass failed")
                self._wake.wait(timeout=delay)
                self._wake.clear()

    def _refresh_urls(self) -> None:
        """Other processes sharing the database may have set URLs."""
        if time.monotonic() - self._urls_at < URL_REFRESH_S:
            return
        with self.db.read() as conn:
            with_urls = callbacks_repo.accounts_with_urls(conn)
        with self._lock:
            self._with_urls = with_urls
        self._urls_at = time.monotonic()

    def _persist_inbox(self) -> None:
        receipts: list[Receipt] = []
        while True:
            try:
                receipts.extend(self._inbox.get_nowait())
            except queue.Empty:
                break
        if not receipts:
            return
        now = self.clock.wall_us()
        with self.db.write() as conn:
            rows: list[dict[str, Any]] = []
            urls: dict[int, dict[str, str]] = {}
            accounts: dict[int, AccountRecord | None] = {}
            msgs = callbacks_repo.messages_by_pk(conn, sorted({r.message_pk for r in receipts}))
            for msg in msgs:
                aid = msg.account_id
                if aid not in urls:
                    urls[aid] = callbacks_repo.urls_of(conn, aid)
                    accounts[aid] = accounts_repo.account_by_id(conn, aid)
                url = urls[aid].get(msg.mail_from.lower()) or urls[aid].get("")
                acct = accounts[aid]
                if url is None or acct is None:
                    continue
                rows.extend(self._events_for(conn, msg, acct, url, now))
            callbacks_repo.insert_events(conn, rows)

    def _events_for(
        self, conn: Tx, msg: CallbackMessage, acct: AccountRecord, url: str, now: int
    ) -> list[dict[str, Any]]:
        parsed = mime_read.parse_message(bytes(msg.raw))
        link = mime_first_link(parsed.html or parsed.text or "")
        subject = raw_subject(bytes(msg.raw))
        task_id = callbacks_repo.task_of(conn, msg.message_id)
        out = []
        for rcpt in mail_repo.recipients_of(conn, msg.id):
            flags = {
                "opened": bool(rcpt.opened),
                "clicked": bool(rcpt.clicked),
                "unsubscribed": bool(rcpt.unsubscribed),
                "complained": bool(rcpt.complained),
            }
            for ev in events_of(rcpt.send_status, rcpt.deliver_status, rcpt.deliver_message, flags):
                body = payload(
                    ev,
                    email=rcpt.address,
                    bulk_id=msg.message_id,
                    timestamp=(rcpt.deliver_us or rcpt.request_us) // 1_000_000,
                    app_id=acct.app_id,
                    mail_from=msg.mail_from,
                    template_id=msg.template_id,
                    subject=subject,
                    message_id_header=parsed.message_id,
                    task_id=task_id,
                    link=link,
                )
                out.append(
                    {
                        "account_id": msg.account_id,
                        "stream": f"{msg.message_id}|{rcpt.address}",
                        "url": url,
                        "event": ev.event,
                        "payload_json": json.dumps(body, ensure_ascii=False),
                        "status": "pending",
                        "attempts": 0,
                        "next_wall_us": now,
                        "created_wall_us": now,
                    }
                )
        return out

    def _deliver_due(self, client: httpx.Client) -> float:
        """Post every due event, in id order per recipient; the seconds until the next one is due."""
        s = self.settings
        now = self.clock.wall_us()
        lease = int((s.callback_timeout_s + 5) * 1_000_000)
        with self.db.read() as conn:
            rows = callbacks_repo.pending(conn, BATCH)
        blocked: set[str] = set()
        next_due: int | None = None
        progressed = False
        for row in rows:
            if self._stop.is_set():
                break
            if row.stream in blocked:
                continue
            blocked.add(row.stream)  # later events of this recipient wait for this one
            if row.next_wall_us > now:
                next_due = row.next_wall_us if next_due is None else min(next_due, row.next_wall_us)
                continue
            with self.db.write() as conn:
                if not callbacks_repo.claim(conn, row.id, now, lease):
                    continue
            attempt = row.attempts + 1
            status, error, ms = self._post(client, row.url, row.payload_json)
            ok = status is not None and 200 <= status < 300
            at = self.clock.wall_us()
            with self.db.write() as conn:
                callbacks_repo.log_attempt(
                    conn,
                    event_id=row.id,
                    account_id=row.account_id,
                    attempt=attempt,
                    url=row.url,
                    status_code=status,
                    error=error,
                    duration_ms=ms,
                    wall_us=at,
                )
                if ok:
                    callbacks_repo.finish(conn, row.id, status="delivered")
                elif attempt >= s.callback_max_attempts:
                    callbacks_repo.finish(conn, row.id, status="failed")
                else:
                    backoff = min(s.callback_retry_base_s * 2 ** (attempt - 1), s.callback_retry_max_s)
                    due = at + int(backoff * 1_000_000)
                    callbacks_repo.finish(conn, row.id, next_wall_us=due)
                    next_due = due if next_due is None else min(next_due, due)
            progressed = True
            if ok or attempt >= s.callback_max_attempts:
                blocked.discard(row.stream)
        if progressed and len(rows) == BATCH:
            return 0.0
        if next_due is None:
            return IDLE_POLL_S
        return max(0.0, min(IDLE_POLL_S, (next_due - self.clock.wall_us()) / 1_000_000))

    @staticmethod
    def _post(client: httpx.Client, url: str, body: str) -> tuple[int | None, str, int]:
        import httpx

        started = time.monotonic()
        try:
            resp = client.post(url, content=body.encode(), headers={"Content-Type": "application/json"})
            status: int | None = resp.status_code
            error = "" if 200 <= resp.status_code < 300 else f"HTTP {resp.status_code}"
        except httpx.HTTPError as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"[:500]
        return status, error, int((time.monotonic() - started) * 1000)


def mime_first_link(body: str) -> str:
    m = _LINK.search(body)
    return m.group(0) if m else ""


def raw_subject(raw: bytes) -> str:
    """The Subject header as sent (MIME-encoded when not ASCII), as Tencent reports it."""
    return str(BytesHeaderParser().parsebytes(raw).get("Subject", ""))
