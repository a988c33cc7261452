"""Concurrent SMTP and Tencent API senders that remember exactly what the server acknowledged.

Every message carries a unique token as its Subject. A send is *acknowledged* when the client saw
SMTP `250 ... queued as <MessageId>` after DATA, or an API `MessageId`; anything else (the server died
mid-send) is *in flight*: it may or may not be stored, but never twice.
"""

from __future__ import annotations

import json
import re
import smtplib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from emulator.client import sign_headers
from tests.clients import insecure_tls
from tests.hardening.proc import ServerProc

QUEUED = re.compile(rb"queued as (\S+)")


@dataclass
class Ledger:
    """What the clients saw: token -> recipients count; token -> MessageId for acknowledged sends."""

    attempted: dict[str, int] = field(default_factory=dict)
    acked: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    tag: str = ""

    def attempt(self, token: str, recipients: int) -> None:
        with self.lock:
            self.attempted[token] = recipients

    def ack(self, token: str, message_id: str) -> None:
        with self.lock:
            self.acked[token] = message_id

    def acked_count(self) -> int:
        with self.lock:
            return len(self.acked)


def _rcpts(token: str, n: int) -> list[str]:
    return [f"{token}-{k}@example.com" for k in range(n)]


def smtp_worker(srv: ServerProc, acct: dict[str, Any], worker: int, book: Ledger) -> None:
    """One connection (STARTTLS + AUTH) sending message after message; reconnects until stopped."""
    j = 0
    while not book.stop.is_set():
        try:
            with smtplib.SMTP("127.0.0.1", srv.smtp, timeout=10) as c:
                c.starttls(context=insecure_tls())
                c.login(acct["sender"], acct["smtp_password"])
                while not book.stop.is_set():
                    token, n = f"{book.tag}s{worker}x{j}", 1 + j % 3
                    j += 1
                    body = (
                        f"From: {acct['sender']}\r\nTo: {token}-0@example.com\r\nSubject: {token}\r\n\r\n"
                        f"load {token}\r\n"
                    ).encode()
                    c.mail(acct["sender"])
                    for addr in _rcpts(token, n):
                        c.rcpt(addr)
                    book.attempt(token, n)
                    code, reply = c.data(body)
                    m = QUEUED.search(reply)
                    if code == 250 and m:
                        book.ack(token, m.group(1).decode())
        except (OSError, smtplib.SMTPException):
            time.sleep(0.05)


def api_worker(srv: ServerProc, acct: dict[str, Any], worker: int, book: Ledger) -> None:
    j = 0
    with httpx.Client(timeout=10) as http:
        while not book.stop.is_set():
            token, n = f"{book.tag}a{worker}x{j}", 1 + j % 3
            j += 1
            body = json.dumps(
                {
                    "FromEmailAddress": acct["sender"],
                    "Destination": _rcpts(token, n),
                    "Subject": token,
                    "Simple": {"Text": "bG9hZA=="},
                }
            ).encode()
            headers = sign_headers(
                srv.endpoint, "SendEmail", body, acct["secret_id"], acct["secret_key"], "ap-guangzhou"
            )
            book.attempt(token, n)
            try:
                data = http.post(srv.url + "/", content=body, headers=headers).json()["Response"]
            except (httpx.HTTPError, ValueError):
                time.sleep(0.05)
                continue
            if "MessageId" in data:
                book.ack(token, data["MessageId"])


def start_load(srv: ServerProc, acct: dict[str, Any], tag: str, smtp: int = 3, api: int = 3) -> Ledger:
    """Start the senders (tokens start with `tag`); `stop_load` ends them."""
    book = Ledger(tag=tag)
    book.threads = [threading.Thread(target=smtp_worker, args=(srv, acct, i, book)) for i in range(smtp)]
    book.threads += [threading.Thread(target=api_worker, args=(srv, acct, i, book)) for i in range(api)]
    for t in book.threads:
        t.daemon = True
        t.start()
    return book


def stop_load(book: Ledger) -> None:
    book.stop.set()
    for t in book.threads:
        t.join(30)
        assert not t.is_alive(), "a sender did not stop"


def all_messages(srv: ServerProc, account: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        r = srv.admin("GET", f"/accounts/{account}/messages", params={"offset": len(out), "limit": 500})
        assert r.status_code == 200, r.text
        page = r.json()["messages"]
        out += page
        if len(page) < 500:
            return out
