"""SMTP sessions driven command by command (smtplib's docmd and raw sends), and the account's mail state
that a refused command must leave alone."""

from __future__ import annotations

import base64
import smtplib
from typing import Any

from tests.clients import insecure_tls
from tests.conftest import Server


def session(
    port: int, acct: dict[str, Any] | None = None, *, tls: str = "starttls", ehlo: bool = True
) -> smtplib.SMTP:
    """Connected, EHLO'd, encrypted (tls: starttls | implicit | none) and, given an account, logged in."""
    if tls == "implicit":
        c: smtplib.SMTP = smtplib.SMTP_SSL("127.0.0.1", port, context=insecure_tls(), timeout=15)
    else:
        c = smtplib.SMTP("127.0.0.1", port, timeout=15)
    if not ehlo:
        return c
    c.ehlo()
    if tls == "starttls":
        c.starttls(context=insecure_tls())
        c.ehlo()
    if acct is not None:
        c.login(acct["sender"], acct["smtp_password"])
    return c


def plain_auth(login: str, password: str) -> str:
    return "AUTH PLAIN " + base64.b64encode(f"\0{login}\0{password}".encode()).decode()


def mail_state(server: Server, acct: dict[str, Any]) -> dict[str, Any]:
    name = acct["name"]
    state = server.state(name)
    state.pop("clock")
    msgs = server.admin("GET", f"/accounts/{name}/messages", params={"limit": 500}).json()
    usage = server.admin("GET", f"/accounts/{name}/usage").json()
    return {"state": state, "messages": [m["id"] for m in msgs["messages"]], "usage": usage}


def body(acct: dict[str, Any], subject: str = "hello", extra: bytes = b"") -> bytes:
    return f"From: {acct['sender']}\r\nTo: r@example.com\r\nSubject: {subject}\r\n\r\nhi\r\n".encode() + extra
