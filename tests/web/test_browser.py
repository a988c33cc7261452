"""The web UI in headless Chromium: the demo story end to end, the inbox, the console, and the
guarantee that captured HTML never runs script or loads remote content unasked."""

from __future__ import annotations

import re
import smtplib
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.clients import message, smtp_send

pw = pytest.importorskip("playwright.sync_api", reason="pip install playwright (test extra)")
expect = pw.expect


def send(
    server: Any,
    acct: dict[str, Any],
    subject: str,
    *,
    to: str = "you@example.com",
    html: str | None = None,
    attach: tuple[str, bytes] | None = None,
) -> None:
    msg = message(acct["sender"], [to], subject=subject, body="hi there")
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if attach is not None:
        msg.add_attachment(attach[1], maintype="application", subtype="pdf", filename=attach[0])
    smtp_send(server.endpoints.smtp_port, acct["sender"], acct["smtp_password"], msg)


def newest_id(server: Any, name: str) -> str:
    return str(server.admin("GET", f"/accounts/{name}/messages").json()["messages"][0]["id"])


def test_demo_story(server: Any, page: Any) -> None:
    """Send by SMTP, see it live, open it; past midnight with no money: banner and a refused send;
    top up: it resumes."""
    acct = server.new_account(free_quota=0)
    name = acct["name"]
    server.admin("POST", f"/accounts/{name}/clock/freeze")
    page.goto(f"{server.endpoints.http_url}/#/{name}/inbox")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    expect(page.locator("#count")).to_have_text("0 messages")
    page.evaluate("window.__samePage = true")

    send(server, acct, "Order #1 confirmed", html="<h1>Thanks for your order</h1><p>It ships today.</p>")
    rows = page.locator(".msg")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Order #1 confirmed")
    assert page.evaluate("window.__samePage") is True  # it arrived live, without a reload
    rows.locator("a").click()
    listed = server.admin("GET", f"/accounts/{name}/messages").json()["messages"][0]
    expect(page.locator(".message-id")).to_have_text(listed["id"])
    expect(page.locator(".sending-ip")).to_have_text(listed["sending_ip"])
    expect(page.locator(".delivery")).to_contain_text("you@example.com")
    expect(page.locator(".delivery")).to_contain_text("delivered")
    expect(page.frame_locator(".html-frame").locator("h1")).to_have_text("Thanks for your order")

    page.click("#nav-console")
    expect(page.locator("#today-units")).to_have_text("1")
    expect(page.locator("#today-cost")).to_have_text("0.000280 USD")
    expect(page.locator("#balance")).to_have_text("0.000000")
    banner = page.locator("#banner")
    expect(banner).to_be_hidden()
    page.click("#to-midnight")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Suspended: 0.000280 USD unpaid")
    state = server.state(name)
    expect(banner).to_contain_text(f"since {state['suspended_at'][:19].replace('T', ' ')}")
    expect(page.locator("#bills .pill.unpaid")).to_have_count(1)
    expect(page.locator("#account option:checked")).to_have_text(f"{name} (suspended)")

    with pytest.raises(smtplib.SMTPResponseException) as refused:
        send(server, acct, "Refused while suspended")
    assert (
        refused.value.smtp_code == 554 and b"FailedOperation.InsufficientBalance" in refused.value.smtp_error
    )

    page.fill("#topup input[name=amount]", "0.00028")
    page.click("#topup button")
    expect(banner).to_be_hidden()
    expect(page.locator("#bills .pill.paid")).to_have_count(1)
    expect(page.locator("#bills .pill.unpaid")).to_have_count(0)
    expect(page.locator("#unpaid")).to_have_text("0.000000 USD")
    expect(page.locator("#account option:checked")).to_have_text(name)

    send(server, acct, "Back in business")
    page.click("#nav-inbox")
    expect(page.locator(".msg")).to_have_count(2 + 3)  # and the notices: failed, suspended, resumed
    expect(page.locator(".msg").first).to_contain_text("Back in business")


def test_captured_html_never_runs_script_nor_loads_remote_content_unasked(
    server: Any, account: dict[str, Any], page: Any
) -> None:
    probe = f"{server.endpoints.http_url}/ui/static/favicon.svg?probe-{uuid.uuid4().hex}"  # a real image
    html = (
        '<h1 id="t">Hello</h1><script>document.getElementById("t").textContent = "SCRIPT RAN"</script>'
        '<img src="x" onerror="document.body.append(\'HANDLER RAN\')">'
        f'<img src="{probe}"><a href="https://example.com/">a link</a>'
    )
    requested: list[str] = []  # responses only: a request CSP blocks never reaches the server
    page.on("response", lambda r: requested.append(r.url))
    send(server, account, "Tracking pixel", html=html)
    page.goto(f"{server.endpoints.http_url}/#/{account['name']}/inbox/{newest_id(server, account['name'])}")
    frame_el = page.locator(".html-frame")
    sandbox = frame_el.get_attribute("sandbox") or ""
    assert "allow-scripts" not in sandbox and "allow-same-origin" not in sandbox
    frame = page.frame_locator(".html-frame")
    expect(frame.locator("h1")).to_have_text("Hello")
    expect(frame.locator("body")).not_to_contain_text("RAN")
    page.wait_for_timeout(300)
    assert not [u for u in requested if "probe-" in u]
    with page.expect_response(lambda r: "probe-" in r.url):
        page.click("text=Load remote content")
    expect(frame.locator("h1")).to_have_text("Hello")
    expect(frame.locator("body")).not_to_contain_text("RAN")
    expect(page.locator(".notice")).to_contain_text("Remote content loaded")


def test_message_tabs_attachment_and_raw_download(server: Any, account: dict[str, Any], page: Any) -> None:
    send(
        server, account, "Invoice 7", html="<p>See attached</p>", attach=("invoice-7.pdf", b"%PDF-1.4 seven")
    )
    mid = newest_id(server, account["name"])
    page.goto(f"{server.endpoints.http_url}/#/{account['name']}/inbox/{mid}")
    page.click("[role=tab][data-tab=text]")
    expect(page.locator("pre.text")).to_contain_text("hi there")
    page.click("[role=tab][data-tab=headers]")
    expect(page.locator("table.headers")).to_contain_text("Invoice 7")
    page.click("[role=tab][data-tab=raw]")
    expect(page.locator("pre.raw")).to_contain_text('filename="invoice-7.pdf"')
    expect(page.locator(".attachments")).to_contain_text("invoice-7.pdf")
    expect(page.locator(".message-pane")).not_to_contain_text("null")
    with page.expect_download() as dl:
        page.click(".attachments button")
    assert dl.value.suggested_filename == "invoice-7.pdf"
    assert Path(dl.value.path()).read_bytes() == b"%PDF-1.4 seven"
    with page.expect_download() as eml:
        page.click("text=Download .eml")
    assert eml.value.suggested_filename == f"{mid}.eml"
    assert b"Subject: Invoice 7" in Path(eml.value.path()).read_bytes()


def test_search_and_delete(server: Any, account: dict[str, Any], page: Any) -> None:
    name = account["name"]
    for i, subject in enumerate(["Invoice March", "Welcome aboard", "Password reset"]):
        send(server, account, subject, to=f"user{i}@example.com")
    page.goto(f"{server.endpoints.http_url}/#/{name}/inbox")
    expect(page.locator(".msg")).to_have_count(3)
    page.fill("#search input[name=subject]", "invoice")
    page.click("#search button[type=submit]")
    expect(page.locator("#count")).to_have_text("1 message found")
    page.click("#search button[type=reset]")
    expect(page.locator(".msg")).to_have_count(3)
    page.fill("#search input[name=to]", "user2@")
    page.click("#search button[type=submit]")
    expect(page.locator("#count")).to_have_text("1 message found")
    expect(page.locator(".msg")).to_contain_text("Password reset")
    page.fill("#search input[name=to]", "")
    page.fill("#search input[name=since]", "2099-01-01T00:00:00")
    page.click("#search button[type=submit]")
    expect(page.locator("#count")).to_have_text("0 messages found")
    page.click("#search button[type=reset]")
    expect(page.locator(".msg")).to_have_count(3)

    page.locator(".msg a", has_text="Welcome aboard").click()
    page.click(".msg-head button.danger")  # the confirm() dialog is accepted by the fixture
    expect(page.locator(".msg")).to_have_count(2)
    expect(page.locator(".message-pane")).to_contain_text("Select a message")
    page.click("#delete-all")
    expect(page.locator("#count")).to_have_text("0 messages")
    assert server.admin("GET", f"/accounts/{name}/messages").json()["total"] == 0


def test_console_clock_ips_and_account_switcher(server: Any, page: Any) -> None:
    a, b = server.new_account(), server.new_account()
    server.admin("POST", f"/accounts/{a['name']}/clock/freeze")
    server.admin("POST", f"/accounts/{a['name']}/clock/advance", json={"to": "2031-01-15T10:00:00+08:00"})
    page.goto(f"{server.endpoints.http_url}/#/{a['name']}/console")
    clock = page.locator("#clock-now")
    expect(clock).to_have_text("2031-01-15 10:00:00 UTC+8")
    server.admin("POST", f"/accounts/{a['name']}/top-up", json={"amount": "2.5"})  # by someone else
    expect(page.locator("#balance")).to_have_text("2.500000")  # arrives through the live stream
    page.click("[data-advance='1h']")
    expect(clock).to_have_text("2031-01-15 11:00:00 UTC+8")
    page.click("[data-advance='1d']")
    expect(clock).to_have_text("2031-01-16 11:00:00 UTC+8")
    page.click("#to-billing")
    expect(clock).to_have_text("2031-02-01 08:00:00 UTC+8")
    page.fill("#clock-set input", "2031-02-03T09:30:00")
    page.click("#clock-set button")
    expect(clock).to_have_text("2031-02-03 09:30:00 UTC+8")
    page.fill("#clock-set input", "2031-01-01T00:00:00")
    page.click("#clock-set button")
    expect(page.locator("#toast")).to_contain_text("backwards")
    expect(clock).to_have_text("2031-02-03 09:30:00 UTC+8")
    page.click("#freeze")
    expect(page.locator("#clock-mode")).to_have_text("Following real time.")
    assert server.state(a["name"])["clock"]["frozen"] is False

    page.click("#ip-apply")
    ips = page.locator("#ips tbody tr")
    expect(ips).to_have_count(1)
    expect(page.locator("#ips-summary")).to_contain_text("applications in 2031-02: 1 of 3")
    status = ips.locator(".pill")
    expect(status).to_have_text(re.compile("enabled|pending"))
    if status.inner_text() == "enabled":
        ips.locator("button", has_text="disable").click()
        expect(status).to_have_text("disabled")
        ips.locator("button", has_text="enable").click()
        expect(status).to_have_text("enabled")

    page.select_option("#account", b["name"])
    expect(page).to_have_url(re.compile(f"#/{b['name']}/console$"))
    expect(page.locator("#ips tbody")).to_contain_text("None")


def test_optional_panels_follow_the_api(server: Any, account: dict[str, Any], page: Any) -> None:
    """Fault rules and limits show when the server has those endpoints and hide when it answers 404."""
    name = account["name"]
    faults = server.admin("GET", f"/accounts/{name}/fault-rules").status_code
    limits = server.admin("GET", f"/accounts/{name}/limits").status_code
    page.goto(f"{server.endpoints.http_url}/#/{name}/console")
    expect(page.locator("#ips-summary")).to_contain_text("Stock left")
    if faults == 404:
        expect(page.locator("#card-faults")).to_be_hidden()
    else:
        expect(page.locator("#card-faults")).to_be_visible()
        page.fill("#fault-form input[name=pattern]", "*@bounce.example.com")
        page.select_option("#fault-form select", "hard_bounce")
        page.click("#fault-form button")
        expect(page.locator("#faults")).to_contain_text("*@bounce.example.com")
        items = server.admin("GET", f"/accounts/{name}/fault-rules").json()
        assert "*@bounce.example.com" in str(items)
        page.locator("#faults button", has_text="delete").click()
        expect(page.locator("#faults")).not_to_contain_text("*@bounce.example.com")
    if limits == 404:
        expect(page.locator("#card-limits")).to_be_hidden()
    else:
        expect(page.locator("#card-limits")).to_be_visible()
        box = page.locator("[data-limit=recipient_hourly]")
        before = server.admin("GET", f"/accounts/{name}/limits").json()["recipient_hourly"]["enabled"]
        box.click()
        expect(box).to_be_checked(checked=not before)
        page.wait_for_function("() => !document.querySelector('#toast:not([hidden]).error')")
        deadline = time.monotonic() + 10  # the PATCH is sent on change; wait until the server has it
        while server.admin("GET", f"/accounts/{name}/limits").json()["recipient_hourly"]["enabled"] is before:
            assert time.monotonic() < deadline, "the limit switch never reached the server"
            time.sleep(0.1)


def test_console_shows_the_profile_and_flips_the_smtp_checks(server: Any, page: Any) -> None:
    """A production account's limits card names its profile and switches its SMTP message checks."""
    name = server.new_account(profile="production")["name"]
    page.goto(f"{server.endpoints.http_url}/#/{name}/console")
    expect(page.locator("[data-profile=production]")).to_contain_text("Created as a production account")
    box = page.locator("[data-limit=smtp_checks]")
    expect(box).to_be_checked()
    expect(page.locator("[data-limit=simple_sending]")).not_to_be_checked()
    box.click()
    deadline = time.monotonic() + 10  # the PATCH is sent on change; wait until the server has it
    while server.admin("GET", f"/accounts/{name}/limits").json()["smtp_checks"] is True:
        assert time.monotonic() < deadline, "the smtp_checks switch never reached the server"
        time.sleep(0.1)
    assert server.state(name)["profile"] == "production"


def test_admin_token_is_asked_for_and_remembered(make_server: Any, page: Any) -> None:
    srv = make_server("sqlite", admin_token="web-ui-token")
    page.goto(srv.endpoints.http_url + "/")
    expect(page.locator("#login-form")).to_be_visible()  # the sign-in form (tests/web/test_access_login.py)
    page.fill("#login-token", "web-ui-token")
    page.check("#login-remember")
    page.click("#login-form button")
    expect(page).to_have_url(re.compile("#/default/inbox$"))
    expect(page.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    page.reload()
    expect(page.locator("#count")).to_have_text(re.compile(r"\d+ messages?"))


def test_narrow_screen_shows_list_or_message(server: Any, account: dict[str, Any], page: Any) -> None:
    send(server, account, "Small screens")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{server.endpoints.http_url}/#/{account['name']}/inbox")
    page.locator(".msg a", has_text="Small screens").click()
    # generous: under `make test`'s parallel workers Chromium shares two cores with the servers
    expect(page.locator(".msg-subject")).to_have_text("Small screens", timeout=20_000)
    expect(page.locator(".list-pane")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("button.back")
    expect(page.locator(".list-pane")).to_be_visible()
    expect(page.locator(".message-pane")).to_be_hidden()
    page.click("#nav-console")
    expect(page.locator("#chart-usage svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_create_an_account_from_the_page(server: Any, page: Any) -> None:
    name = f"ui-{uuid.uuid4().hex[:8]}"
    page.goto(f"{server.endpoints.http_url}/")
    expect(page).to_have_url(re.compile("#/default/inbox$"))
    page.click("#token-box summary")
    page.fill("#new-account-name", name)
    page.fill("#new-account-quota", "5")
    page.click("#new-account-form button")
    expect(page).to_have_url(re.compile(f"#/{name}/console$"))
    expect(page.locator("#toast")).to_contain_text("SMTP password")
    expect(page.locator("#quota-text")).to_have_text("5 of 5")
    assert server.state(name)["free_quota"] == 5
