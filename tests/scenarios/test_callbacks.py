"""Event callbacks received by a real HTTP server: fields and order, sender-level URLs, retries with
back-off, an unreachable URL never blocking a send, and the delivery log."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import Server
from tests.tencent_api.ses_helpers import admin_ok, api, b64, eventually, send


class Receiver:
    """A real HTTP server recording JSON bodies; answers 500 to the first `fail_first` requests."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.requests = 0
        self.fail_first = fail_first
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.lock:
                    outer.requests += 1
                    fail = outer.requests <= outer.fail_first
                    if not fail:
                        assert self.headers.get("Content-Type") == "application/json"
                        outer.bodies.append(json.loads(body))
                self.send_response(500 if fail else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/ses-events"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def events(self, email: str) -> list[str]:
        with self.lock:
            return [b["event"] for b in self.bodies if b["email"] == email]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def rule(server: Server, account: dict[str, Any], pattern: str, outcome: str) -> None:
    admin_ok(
        server,
        "POST",
        f"/accounts/{account['name']}/fault-rules",
        201,
        json={"pattern": pattern, "outcome": outcome},
    )


def test_events_are_posted_with_tencent_fields_in_order(
    server: Server, account: dict[str, Any], receiver: Receiver
) -> None:
    name = account["name"]
    cfg = admin_ok(server, "PUT", f"/accounts/{name}/callback", json={"url": receiver.url})
    assert cfg == {"url": receiver.url, "senders": {}}
    rule(server, account, "click@*", "click")
    rule(server, account, "gone@*", "hard_bounce")
    rule(server, account, "full@*", "soft_bounce")
    rule(server, account, "spam@*", "spam_complaint")
    rule(server, account, "later@*", "deferred")
    rule(server, account, "bye@*", "unsubscribe")
    rule(server, account, "drop@*", "dropped")
    to = [
        "ok@example.com",
        "click@example.com",
        "gone@example.com",
        "full@example.com",
        "spam@example.com",
        "later@example.com",
        "bye@example.com",
        "drop@example.com",
    ]
    mid = send(server, account, to, subject="Welcome")
    expected = {
        "ok@example.com": ["delivered"],
        "click@example.com": ["delivered", "open", "click"],
        "gone@example.com": ["bounce"],
        "full@example.com": ["bounce"],
        "spam@example.com": ["delivered", "spamreport"],
        "later@example.com": ["deferred"],
        "bye@example.com": ["delivered", "open", "unsubscribe"],
        "drop@example.com": ["dropped"],
    }

    def all_arrived() -> None:
        assert {e: receiver.events(e) for e in to} == expected

    eventually(all_arrived)
    by = {(b["email"], b["event"]): b for b in receiver.bodies}
    ok = by[("ok@example.com", "delivered")]
    sender = account["sender"]
    assert ok | {"timestamp": 0, "sentTimestamp": 0} == {
        "event": "delivered",
        "email": "ok@example.com",
        "bulkId": mid,
        "timestamp": 0,
        "reason": "",
        "username": account["app_id"],
        "from": sender,
        "fromDomain": sender.split("@")[1],
        "templateId": 0,
        "subject": "Welcome",
        "messageId": f"<{mid}@qcloudmail.com>",
        "sentTimestamp": 0,
        "eventid": 1,
    }
    assert isinstance(ok["timestamp"], int) and abs(ok["timestamp"] - time.time()) < 3600 * 24 * 400
    click = by[("click@example.com", "click")]
    assert click["eventid"] == 5 and click["link"] == "https://example.com/welcome" and click["useragent"]
    assert by[("click@example.com", "open")]["eventid"] == 4
    gone = by[("gone@example.com", "bounce")]
    assert (gone["bounceType"], gone["eventid"]) == ("hard_bounce", 3) and gone["reason"].startswith(
        "551 5.1.1"
    )
    assert by[("full@example.com", "bounce")]["bounceType"] == "soft_bounce"
    assert by[("spam@example.com", "spamreport")]["eventid"] == 6
    assert by[("later@example.com", "deferred")]["eventid"] == 8
    assert by[("bye@example.com", "unsubscribe")]["eventid"] == 7
    assert by[("drop@example.com", "dropped")]["eventid"] == 2

    def logged() -> list[dict[str, Any]]:  # the attempt is logged just after the receiver answered
        log = admin_ok(server, "GET", f"/accounts/{name}/callbacks/deliveries")
        assert len(log) == len(receiver.bodies)
        return list(log)

    log = eventually(logged)
    assert all(a["ok"] and a["status_code"] == 200 for a in log)
    assert {a["event_status"] for a in log} == {"delivered"} and log[0]["payload"]["bulkId"] == mid


def test_template_id_in_events_and_sender_url_wins(
    server: Server, account: dict[str, Any], receiver: Receiver
) -> None:
    other = Receiver()
    try:
        name = account["name"]
        api(server, account, "CreateEmailAddress", EmailAddress="alerts@" + account["sender"].split("@")[1])
        alerts = "alerts@" + account["sender"].split("@")[1]
        admin_ok(server, "PUT", f"/accounts/{name}/callback", json={"url": receiver.url})
        cfg = admin_ok(server, "PUT", f"/accounts/{name}/senders/{alerts}/callback", json={"url": other.url})
        assert cfg == {"url": receiver.url, "senders": {alerts.lower(): other.url}}
        tid = api(
            server,
            account,
            "CreateEmailTemplate",
            TemplateName="t",
            TemplateContent={"Text": b64("Hi {{n}}")},
        )["TemplateID"]
        send(
            server,
            account,
            ["a@example.com"],
            FromEmailAddress=alerts,
            Simple=None,
            Template={"TemplateID": tid, "TemplateData": '{"n": "A"}'},
        )
        send(server, account, ["b@example.com"])
        eventually(lambda: (assert_events(other, "a@example.com"), assert_events(receiver, "b@example.com")))
        assert other.bodies[0]["templateId"] == tid and other.bodies[0]["from"] == alerts
        assert receiver.events("a@example.com") == [] and other.events("b@example.com") == []
        # removing the sender URL sends its events to the account URL again
        admin_ok(server, "PUT", f"/accounts/{name}/senders/{alerts}/callback", json={"url": None})
        send(server, account, ["c@example.com"], FromEmailAddress=alerts)
        eventually(lambda: assert_events(receiver, "c@example.com"))
        assert (
            server.admin(
                "PUT", f"/accounts/{name}/senders/nobody@example.com/callback", json={"url": other.url}
            ).status_code
            == 404
        )
        assert (
            server.admin("PUT", f"/accounts/{name}/callback", json={"url": "ftp://example.com/x"}).status_code
            == 400
        )
        assert admin_ok(server, "PUT", f"/accounts/{name}/callback", json={"url": None}) == {
            "url": None,
            "senders": {},
        }
    finally:
        other.close()


def assert_events(r: Receiver, email: str) -> None:
    assert r.events(email) == ["delivered"]


def test_retries_with_back_off_keep_the_order(make_server: Any) -> None:
    srv = make_server("sqlite", callback_retry_base_s=0.1, callback_max_attempts=5)
    acct = srv.new_account()
    recv = Receiver(fail_first=2)
    try:
        admin_ok(srv, "PUT", f"/accounts/{acct['name']}/callback", json={"url": recv.url})
        rule(srv, acct, "c@*", "click")
        send(srv, acct, ["c@example.com"])

        def arrived() -> None:
            assert recv.events("c@example.com") == ["delivered", "open", "click"], recv.bodies

        eventually(arrived)

        def logged() -> list[dict[str, Any]]:
            log = list(reversed(admin_ok(srv, "GET", f"/accounts/{acct['name']}/callbacks/deliveries")))
            assert [(a["event"], a["attempt"], a["status_code"]) for a in log] == [
                ("delivered", 1, 500),
                ("delivered", 2, 500),
                ("delivered", 3, 200),
                ("open", 1, 200),
                ("click", 1, 200),
            ]
            return log

        log = eventually(logged)
        assert log[0]["error"] == "HTTP 500" and not log[0]["ok"]
    finally:
        recv.close()


def test_an_unreachable_url_never_blocks_sending_and_is_given_up(make_server: Any) -> None:
    srv = make_server("sqlite", callback_retry_base_s=0.05, callback_max_attempts=3, callback_timeout_s=1.0)
    acct = srv.new_account()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/x"
    admin_ok(srv, "PUT", f"/accounts/{acct['name']}/callback", json={"url": dead})
    started = time.monotonic()
    for i in range(5):
        send(srv, acct, [f"u{i}@example.com"])
    assert time.monotonic() - started < 5

    def gave_up() -> None:
        events = admin_ok(srv, "GET", f"/accounts/{acct['name']}/callbacks/events")
        assert len(events) == 5 and {e["status"] for e in events} == {"failed"}, events
        assert {e["attempts"] for e in events} == {3}

    eventually(gave_up, timeout=20)
    log = admin_ok(srv, "GET", f"/accounts/{acct['name']}/callbacks/deliveries")
    assert len(log) == 15 and all(a["status_code"] is None and a["error"] for a in log)


def test_batch_mail_events_carry_the_task_id(
    server: Server, account: dict[str, Any], receiver: Receiver
) -> None:
    admin_ok(server, "PUT", f"/accounts/{account['name']}/callback", json={"url": receiver.url})
    tid = api(server, account, "CreateEmailTemplate", TemplateName="t", TemplateContent={"Text": b64("Hi")})[
        "TemplateID"
    ]
    rid = api(server, account, "CreateReceiver", ReceiversName="cb")["ReceiverId"]
    api(server, account, "CreateReceiverDetail", ReceiverId=rid, Emails=["t1@example.com", "t2@example.com"])
    task_id = api(
        server,
        account,
        "BatchSendEmail",
        FromEmailAddress=account["sender"],
        ReceiverId=rid,
        Subject="s",
        TaskType=1,
        Template={"TemplateID": tid, "TemplateData": "{}"},
    )["TaskId"]

    def arrived() -> None:
        assert sorted(b["email"] for b in receiver.bodies) == ["t1@example.com", "t2@example.com"]

    eventually(arrived)
    assert {b["taskId"] for b in receiver.bodies} == {task_id}
    assert {b["templateId"] for b in receiver.bodies} == {tid}
