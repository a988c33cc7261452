"""Screenshots of the inbox and the console for the README (docs/screenshots/), from a believable week
of an account: mail every day, the free quota running out, daily bills, and a suspension.

The pages are always rendered and checked; the PNGs are written to docs/screenshots/ when missing or
when SES_EMULATOR_UPDATE_SCREENSHOTS=1 (MessageIds are random, so a rerun would always differ), else to
the test's temporary directory.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from emulator.domain.clock import BEIJING, FixedWallClock, from_datetime
from tests.clients import message, smtp_send

pw = pytest.importorskip("playwright.sync_api", reason="pip install playwright (test extra)")
expect = pw.expect

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
START = datetime(2026, 6, 1, 9, 0, tzinfo=BEIJING)
NAMES = ["alice", "bob", "chen.wei", "dana", "erik", "fatima", "li.na", "marco", "priya", "sam"]
SUBJECTS = [
    "Welcome to Acme, {n}!",
    "Your order #{o} is confirmed",
    "Your verification code is 48{o}",
    "Your order #{o} has shipped",
    "Reset your Acme password",
    "Your May invoice is ready",
]
ORDER_HTML = """<div style="font-family:Arial,sans-serif;max-width:560px;margin:auto;color:#222">
<div style="background:#0b6bcb;color:#fff;padding:18px 24px;border-radius:8px 8px 0 0">
<h1 style="margin:0;font-size:22px">Acme Shop</h1></div>
<div style="border:1px solid #e2e7ee;border-top:0;padding:20px 24px;border-radius:0 0 8px 8px">
<h2 style="margin-top:0">Your order #1042 has shipped</h2>
<p>Hi Alice, good news: your parcel left our warehouse today and should arrive on Thursday.</p>
<table style="width:100%;border-collapse:collapse;margin:16px 0">
<tr><td style="padding:6px 0;border-bottom:1px solid #eee">Trail running shoes (42)</td>
<td style="text-align:right;border-bottom:1px solid #eee">89.00 USD</td></tr>
<tr><td style="padding:6px 0;border-bottom:1px solid #eee">Merino socks, 3 pairs</td>
<td style="text-align:right;border-bottom:1px solid #eee">24.00 USD</td></tr>
<tr><td style="padding:6px 0"><b>Total</b></td><td style="text-align:right"><b>113.00 USD</b></td></tr>
</table>
<p><a href="https://shop.example.com/track/1042" style="background:#0b6bcb;color:#fff;padding:10px 16px;
border-radius:6px;text-decoration:none">Track your parcel</a></p>
<p style="color:#888;font-size:12px">Your invoice is attached.</p></div></div>"""


def _save(page: Any, name: str, tmp: Path, **kw: Any) -> Path:
    target = DOCS / name
    if target.exists() and os.environ.get("SES_EMULATOR_UPDATE_SCREENSHOTS") != "1":
        target = tmp / name
    target.parent.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    page.screenshot(path=str(target), **kw)
    assert target.stat().st_size > 10_000
    return target


def test_screenshots(make_server: Any, browser: Any, tmp_path: Path) -> None:
    srv = make_server("sqlite", wall=FixedWallClock(from_datetime(START)))
    acct = srv.new_account(name="acme-shop", sender="orders@acme-shop.example", free_quota=20)
    name = acct["name"]
    srv.admin("POST", f"/accounts/{name}/clock/freeze")
    srv.admin("POST", f"/accounts/{name}/top-up", json={"amount": "0.003", "note": "card ending 4242"})

    def at(day: int, minute: int) -> None:
        when = START + timedelta(days=day, minutes=minute)
        r = srv.admin("POST", f"/accounts/{name}/clock/advance", json={"to": when.isoformat()})
        assert r.status_code == 200, r.text

    order = 1000
    for day, count in enumerate([6, 9, 8, 5, 3]):
        if day == 1:
            assert srv.admin("POST", f"/accounts/{name}/ips").status_code == 201
        for j in range(count):
            at(day, 41 * j)
            order += 1
            who = NAMES[(day * 3 + j) % len(NAMES)]
            subject = SUBJECTS[(day + j) % len(SUBJECTS)].format(n=who.split(".")[0].title(), o=order)
            msg = message(acct["sender"], [f"{who}@example.com"], subject=subject, body=f"Hello {who}!")
            smtp_send(srv.endpoints.smtp_port, acct["sender"], acct["smtp_password"], msg)
    at(4, 400)
    msg = message(
        acct["sender"],
        ["alice@example.com"],
        subject="Your order #1042 has shipped",
        body="Hi Alice, your parcel left our warehouse today.",
        cc=["orders-archive@acme-shop.example"],
    )
    msg.add_alternative(ORDER_HTML, subtype="html")
    msg.add_attachment(
        b"%PDF-1.4\n% invoice 1042\n" * 40, maintype="application", subtype="pdf", filename="invoice-1042.pdf"
    )
    smtp_send(srv.endpoints.smtp_port, acct["sender"], acct["smtp_password"], msg)
    at(5, 150)  # past midnight: the day's bill cannot be paid
    assert srv.state(name)["suspended"] is True
    newest = srv.admin("GET", f"/accounts/{name}/messages?source=smtp").json()["messages"][0]["id"]

    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="UTC")
    page = ctx.new_page()
    try:
        page.goto(f"{srv.endpoints.http_url}/#/{name}/inbox/{newest}")
        expect(page.locator("#live")).to_have_class("live on")
        expect(page.frame_locator(".html-frame").locator("h2")).to_have_text("Your order #1042 has shipped")
        expect(page.locator(".msg")).to_have_count(32 + 2)  # and the owner's two notices (docs/notices.md)
        _save(page, "inbox.png", tmp_path)

        page.click("#nav-console")
        expect(page.locator("#banner")).to_contain_text("Suspended")
        expect(page.locator("#chart-usage .day rect.paid")).to_have_count(3)
        expect(page.locator("#ips tbody .pill")).to_have_text("enabled")
        _save(page, "console.png", tmp_path, full_page=True)
    finally:
        ctx.close()
