"""The console's notices panel in headless Chromium: a suspension (no money, one paid email, past 00:00
UTC+8) shows its notices live, each linked to its mail in the inbox; the settings form changes the
notification address and the low-balance threshold."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients import message, smtp_send

pw = pytest.importorskip("playwright.sync_api", reason="pip install playwright (test extra)")
expect = pw.expect


def test_the_panel_shows_a_suspension_notice(server: Any, page: Any) -> None:
    acct = server.new_account(free_quota=0)
    name = acct["name"]
    server.admin("POST", f"/accounts/{name}/clock/freeze")
    server.admin("POST", f"/accounts/{name}/clock/advance", json={"to": "2031-04-07T10:00:00+08:00"})
    smtp_send(
        server.endpoints.smtp_port,
        acct["sender"],
        acct["smtp_password"],
        message(acct["sender"], ["x@example.com"]),
    )
    page.goto(f"{server.endpoints.http_url}/#/{name}/console")
    panel = page.locator("#card-notices")
    owner = "owner@" + acct["sender"].split("@")[1]
    expect(panel.locator("#notices-to")).to_have_text(f"To {owner} (default) · low-balance warning off")
    expect(panel.locator("tbody")).to_contain_text("None yet")

    page.click("#to-midnight")  # 1 paid email, 0 balance: the deduction fails, the account is suspended
    expect(page.locator("#banner")).to_be_visible()
    rows = panel.locator("tr.notice")
    expect(rows).to_have_count(2)
    suspended = panel.locator("tr.notice.suspended")
    expect(suspended).to_contain_text("Suspended")
    expect(suspended).to_contain_text("【腾讯云】停服通知")
    expect(suspended).to_contain_text("2031-04-08 00:00:00")
    expect(panel.locator("tr.notice.deduction_failed")).to_contain_text("欠费通知")

    [notice] = server.admin("GET", f"/accounts/{name}/notices", params={"kind": "suspended"}).json()
    suspended.locator("a").click()
    expect(page).to_have_url(f"{server.endpoints.http_url}/#/{name}/inbox/{notice['message_id']}")
    expect(page.locator(".message-id")).to_have_text(notice["message_id"])
    expect(page.locator(".msg-subject")).to_contain_text("停服通知")

    page.click("#nav-console")
    page.fill("#notice-settings input[name=address]", "finance@example.com")
    page.fill("#notice-settings input[name=threshold]", "1.00")
    page.click("#notice-settings button")
    expect(panel.locator("#notices-to")).to_have_text(
        "To finance@example.com · low-balance warning below 1.000000 USD (below now)"
    )
    expect(panel.locator("tr.notice.low_balance")).to_contain_text("余额预警")  # 0.00 is below 1.00: at once
    got = server.admin("GET", f"/accounts/{name}/notices/settings").json()
    assert (got["address"], got["low_balance_threshold_micro"]) == ("finance@example.com", 1_000_000)
