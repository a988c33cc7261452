"""The web UI on a server that requires a token, in headless Chromium: it asks for one (a sign-in form,
no data before), refuses a wrong one, and with a token scoped to one account lists only that account,
shows its inbox live and never the other account's mail, reads the console and is told a change is
refused; signing out asks again."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.clients import message, smtp_send
from tests.conftest import Server

pw = pytest.importorskip("playwright.sync_api", reason="pip install playwright (test extra)")
expect = pw.expect

ADMIN = "web-access-admin-5e0c"
AUTH = {"Authorization": f"Bearer {ADMIN}"}


def _send(srv: Server, acct: dict[str, Any], subject: str) -> None:
    smtp_send(srv.endpoints.smtp_port, acct["sender"], acct["smtp_password"],
              message(acct["sender"], ["r@example.com"], subject=subject))  # fmt: skip


def test_the_ui_asks_for_a_token_and_lists_only_its_accounts(make_server: Any, page: Any) -> None:
    srv: Server = make_server("sqlite", admin_token=ADMIN)
    a = srv.admin("POST", "/accounts", json={"name": "ui-team-a"}, headers=AUTH).json()
    b = srv.admin("POST", "/accounts", json={"name": "ui-team-b"}, headers=AUTH).json()
    _send(srv, a, "mail of A")
    _send(srv, b, "mail of B")
    body = {"accounts": ["ui-team-a"], "access": "read", "name": "team A"}
    scoped = srv.admin("POST", "/tokens", json=body, headers=AUTH).json()["token"]

    page.goto(f"{srv.endpoints.http_url}/#/ui-team-b/inbox")
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#account option")).to_have_count(0)  # nothing listed before signing in
    page.fill("#login-token", "sesemu_not-a-real-token")
    page.click("#login-form button")
    expect(page.locator("#login-error")).to_contain_text("refused")

    page.fill("#login-token", scoped)
    page.click("#login-form button")  # not remembered: this tab only
    expect(page).to_have_url(re.compile("#/ui-team-a/inbox$"))  # B was asked for: A is all it may see
    options = page.locator("#account option")
    expect(options).to_have_count(1)
    expect(options).to_have_text(["ui-team-a"])
    expect(page.locator(".msg")).to_have_count(1)
    expect(page.locator(".msg")).to_contain_text("mail of A")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    _send(srv, a, "second of A")  # live, through the token-checked stream
    expect(page.locator(".msg")).to_have_count(2)
    expect(page.locator("#messages")).not_to_contain_text("mail of B")
    expect(page.locator("#token-summary")).to_have_text("Token: team A (read)")
    expect(page.locator("#new-account-form")).to_be_hidden()
    stored = page.evaluate("[sessionStorage.getItem('ses-emulator.admin-token'), "
                           "localStorage.getItem('ses-emulator.admin-token')]")  # fmt: skip
    assert stored == [scoped, None]

    page.click("#nav-console")  # every panel of the console reads with a read token
    expect(page.locator("#chart-usage svg")).to_be_visible()
    expect(page.locator("#card-limits")).to_be_visible()
    expect(page.locator("#toast.error")).to_be_hidden()
    page.click("button[data-advance='1h']")  # a change: refused, and said so
    expect(page.locator("#toast")).to_contain_text("read-only")

    page.click("#token-box summary")
    page.click("#sign-out")
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#login-token", ADMIN)
    page.check("#login-remember")
    page.click("#login-form button")
    expect(page.locator("#account option")).to_have_count(3)  # the admin token: every account
    expect(page.locator("#token-summary")).to_have_text("Admin token")
    page.reload()  # remembered: no sign-in form
    expect(page.locator("#chart-usage svg")).to_be_visible()
    expect(page.locator("#login-form")).to_have_count(0)
    assert page.evaluate("localStorage.getItem('ses-emulator.admin-token')") == ADMIN
