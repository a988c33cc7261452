"""Issue 9 §4, accounts are isolated over SMTP and in the admin/mailbox API: one account's SMTP password
never sends as another, and another account's ids under an account's path are never found."""

from __future__ import annotations

import base64
import smtplib
import uuid
from typing import Any

import pytest

from tests.conftest import Server
from tests.hardening.raw_api import RawApi, snapshot
from tests.hardening.smtp_raw import body, plain_auth, session


def _pair(server: Server) -> tuple[dict[str, Any], dict[str, Any]]:
    tag = uuid.uuid4().hex[:8]
    return server.new_account(sender=f"a@{tag}-a.example"), server.new_account(sender=f"b@{tag}-b.example")


def _ids(server: Server, acct: dict[str, Any]) -> list[str]:
    msgs = server.admin("GET", f"/accounts/{acct['name']}/messages", params={"limit": 500}).json()["messages"]
    return [m["id"] for m in msgs]


def test_smtp_password_of_one_account_never_sends_as_another(server: Server) -> None:
    a, b = _pair(server)
    port = server.endpoints.smtp_port
    with session(port) as c:
        assert c.docmd(plain_auth(a["sender"], b["smtp_password"]))[0] == 535
        assert c.docmd(plain_auth(b["sender"], a["smtp_password"]))[0] == 535
        assert c.docmd(f"MAIL FROM:<{a['sender']}>")[0] == 530
    with session(port, a) as c:  # logged in as A: B's sender is refused
        code, reply = c.docmd(f"MAIL FROM:<{b['sender']}>")
        assert code == 554 and b"NotAuthenticatedSender" in reply
        with pytest.raises(smtplib.SMTPSenderRefused):
            c.sendmail(b["sender"], ["r@example.com"], body(b))
        c.sendmail(a["sender"], ["r@example.com"], body(a, "A's own"))
    assert _ids(server, b) == [] and len(_ids(server, a)) == 1


def test_a_shared_sender_address_sends_for_the_account_whose_password_was_given(server: Server) -> None:
    shared = f"shared@{uuid.uuid4().hex[:8]}.example"
    c_acct, d_acct = server.new_account(sender=shared), server.new_account(sender=shared)
    for who in (c_acct, d_acct):
        with session(server.endpoints.smtp_port, who) as c:
            c.sendmail(shared, ["r@example.com"], body(who, f"from {who['name']}"))
    for who in (c_acct, d_acct):
        subjects = [
            m["subject"] for m in server.admin("GET", f"/accounts/{who['name']}/messages").json()["messages"]
        ]
        assert subjects == [f"from {who['name']}"]


def test_admin_paths_never_reach_another_accounts_things(server: Server) -> None:
    a, b = _pair(server)
    api_a = RawApi(server, a)
    tid = api_a.ok("CreateEmailTemplate", TemplateName="t", TemplateContent={"Text": "aGk="})["TemplateID"]
    mid = api_a.ok(
        "SendEmail", FromEmailAddress=a["sender"], Destination=["r@example.com"], Subject="A's secret subject",
        Simple={"Html": base64.b64encode(b"<p>secret</p>").decode()},
        Attachments=[{"FileName": "secret.txt", "Content": base64.b64encode(b"secret").decode()}],
    )["MessageId"]  # fmt: skip
    ip = server.admin("POST", f"/accounts/{a['name']}/ips")
    assert ip.status_code == 201, ip.text
    rule = server.admin(
        "POST",
        f"/accounts/{a['name']}/fault-rules",
        json={"pattern": "*@x.example", "outcome": "hard_bounce"},
    )
    assert rule.status_code == 201, rule.text
    preview = server.admin("GET", f"/accounts/{a['name']}/messages/{mid}/preview").json()["url"]
    before = snapshot(server, api_a)
    before_ips = server.admin("GET", f"/accounts/{a['name']}/ips").json()
    before_rules = server.admin("GET", f"/accounts/{a['name']}/fault-rules").json()
    B = f"/accounts/{b['name']}"
    ip_id, rule_id = ip.json()["id"], rule.json()["id"]
    tried = [
        ("GET", f"{B}/messages/{mid}", None), ("GET", f"{B}/messages/{mid}/raw", None),
        ("GET", f"{B}/messages/{mid}/attachments/0", None), ("GET", f"{B}/messages/{mid}/preview", None),
        ("DELETE", f"{B}/messages/{mid}", None), ("POST", f"{B}/ips/{ip_id}/disable", None),
        ("POST", f"{B}/ips/{ip_id}/release", None), ("POST", f"{B}/ips/{ip_id}/enable", None),
        ("DELETE", f"{B}/fault-rules/{rule_id}", None),
        ("POST", f"{B}/templates/{tid}/status", {"status": 2}),
        ("PUT", f"{B}/senders/{a['sender']}/callback", {"url": "http://127.0.0.1:9/steal"}),
    ]  # fmt: skip
    for method, path, json in tried:
        r = server.admin(method, path, json=json)
        assert r.status_code in (400, 404), f"{method} {path}: {r.status_code} {r.text}"
        assert set(r.json()) == {"code", "message"} and "secret" not in r.text
    # B's own listings, searches and reports show nothing of A's
    for path, params in (
        (f"{B}/messages", {}), (f"{B}/messages", {"text": "secret"}), (f"{B}/messages", {"to": "r@example.com"}),
        (f"{B}/messages", {"from": a["sender"]}), (f"{B}/ips", {}), (f"{B}/fault-rules", {}), (f"{B}/usage", {}),
        (f"{B}/bills", {}), (f"{B}/callbacks/events", {}), (f"{B}/callbacks/deliveries", {}), (f"{B}/callback", {}),
    ):  # fmt: skip
        r = server.admin("GET", path, params=params)
        assert (
            r.status_code == 200
            and mid not in r.text
            and a["sender"] not in r.text
            and "secret" not in r.text
        ), r.text
    assert server.admin("GET", f"{B}/messages").json()["total"] == 0
    # a preview URL is signed for its account and message: moving it to B's path is refused
    assert server.http.get(preview.replace(f"/{a['name']}/", f"/{b['name']}/")).status_code == 403
    assert server.http.get(preview).status_code == 200
    assert snapshot(server, api_a) == before
    assert server.admin("GET", f"/accounts/{a['name']}/ips").json() == before_ips
    assert server.admin("GET", f"/accounts/{a['name']}/fault-rules").json() == before_rules
    print(f"\n[isolation-admin] {len(tried)} cross-account admin calls, 11 listings")
