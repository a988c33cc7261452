"""Mailbox API: filters, paging, one message, raw, attachments, delete, wait; always within one account."""

from __future__ import annotations

import threading
import time
from email.message import EmailMessage
from typing import Any

from tests.clients import message, smtp_send


def _send(server: Any, acct: dict[str, Any], msg: EmailMessage) -> None:
    smtp_send(server.endpoints.smtp_port, acct["sender"], acct["smtp_password"], msg)


def _list(server: Any, acct: dict[str, Any], **params: Any) -> dict[str, Any]:
    r = server.admin("GET", f"/accounts/{acct['name']}/messages", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_filters_and_paging(server: Any, account: dict[str, Any]) -> None:
    for i in range(5):
        _send(
            server,
            account,
            message(account["sender"], [f"user{i}@example.com"], subject=f"Order {i}", body=f"body word{i}"),
        )
    assert _list(server, account)["total"] == 5
    assert [m["subject"] for m in _list(server, account, to="user3@")["messages"]] == ["Order 3"]
    assert _list(server, account, subject="order")["total"] == 5
    assert [m["subject"] for m in _list(server, account, text="WORD4")["messages"]] == ["Order 4"]
    assert _list(server, account, source="api")["total"] == 0
    page = _list(server, account, offset=1, limit=2)
    assert [m["subject"] for m in page["messages"]] == ["Order 3", "Order 2"]  # newest first
    assert _list(server, account, text="100%_")["total"] == 0  # LIKE wildcards are literal


def test_message_raw_attachment_and_delete(server: Any, account: dict[str, Any]) -> None:
    msg = message(account["sender"], ["x@example.com"], subject="Invoice")
    msg.add_alternative("<p>Hello <b>there</b></p>", subtype="html")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="invoice.pdf")
    _send(server, account, msg)
    mid = _list(server, account)["messages"][0]["id"]
    detail = server.admin("GET", f"/accounts/{account['name']}/messages/{mid}").json()
    assert detail["subject"] == "Invoice"
    assert "Hello" in detail["html"] and detail["text"].strip() == "hi there"
    assert detail["attachments"][0]["filename"] == "invoice.pdf"
    assert (
        detail["delivery"][0]["address"] == "x@example.com" and detail["delivery"][0]["deliver_status"] == 1
    )
    assert detail["sending_ip"]
    raw = server.admin("GET", f"/accounts/{account['name']}/messages/{mid}/raw")
    assert raw.headers["content-type"] == "message/rfc822" and b"Subject: Invoice" in raw.content
    att = server.admin("GET", f"/accounts/{account['name']}/messages/{mid}/attachments/0")
    assert att.content == b"%PDF-1.4 fake" and att.headers["content-disposition"].startswith("attachment")
    assert server.admin("GET", f"/accounts/{account['name']}/messages/{mid}/attachments/5").status_code == 404
    assert server.admin("DELETE", f"/accounts/{account['name']}/messages/{mid}").json() == {"deleted": 1}
    assert server.admin("GET", f"/accounts/{account['name']}/messages/{mid}").status_code == 404
    # metering is never deleted with mail
    assert server.state(account["name"])["free_used"] == 1


def test_delete_all(server: Any, account: dict[str, Any]) -> None:
    for i in range(3):
        _send(server, account, message(account["sender"], [f"u{i}@example.com"]))
    assert server.admin("DELETE", f"/accounts/{account['name']}/messages").json() == {"deleted": 3}
    assert _list(server, account)["total"] == 0


def test_accounts_are_isolated(server: Any, account: dict[str, Any]) -> None:
    other = server.new_account()
    _send(server, account, message(account["sender"], ["x@example.com"]))
    mid = _list(server, account)["messages"][0]["id"]
    assert _list(server, other)["total"] == 0
    assert server.admin("GET", f"/accounts/{other['name']}/messages/{mid}").status_code == 404
    assert server.admin("DELETE", f"/accounts/{other['name']}/messages/{mid}").status_code == 404
    assert _list(server, account)["total"] == 1


def test_wait_returns_when_mail_arrives(server: Any, account: dict[str, Any]) -> None:
    def later() -> None:
        time.sleep(0.5)
        _send(server, account, message(account["sender"], ["late@example.com"], subject="Your code"))

    t = threading.Thread(target=later)
    t.start()
    start = time.monotonic()
    r = server.admin(
        "GET", f"/accounts/{account['name']}/messages/wait", params={"to": "late@", "timeout": 20}
    )
    t.join()
    assert r.status_code == 200, r.text
    assert r.json()["subject"] == "Your code"
    assert time.monotonic() - start < 15


def test_wait_times_out_with_408(server: Any, account: dict[str, Any]) -> None:
    r = server.admin(
        "GET", f"/accounts/{account['name']}/messages/wait", params={"to": "nobody@", "timeout": 0.3}
    )
    assert r.status_code == 408 and r.json()["code"] == "Timeout"


def test_bad_filter_is_a_clear_error(server: Any, account: dict[str, Any]) -> None:
    r = server.admin("GET", f"/accounts/{account['name']}/messages", params={"since": "yesterday"})
    assert r.status_code == 400 and "ISO 8601" in r.json()["message"]
    r = server.admin("GET", f"/accounts/{account['name']}/messages", params={"limit": 0})
    assert r.status_code == 400 and r.json()["code"] == "InvalidParameterValue"
