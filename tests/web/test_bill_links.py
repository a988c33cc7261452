"""The console links each bill to its Billing API rows (issue 16 §3): GET .../bills/{id}/billing-api answers
exactly what the official billing SDK reads back with the request it names, and the bills view in
Chromium shows it (BillId, DescribeBillDetail row, DescribeBillList deduction and recharge, OweAmount)
without ever calling the Tencent API from the browser."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.billing_api.helpers import advance_to, billing, call, frozen_account, send, top_up
from tests.clients import message, smtp_send
from tests.conftest import Server


def links(server: Server, a: dict[str, Any], bill_id: int, **params: str) -> dict[str, Any]:
    r = server.admin("GET", f"/accounts/{a['name']}/bills/{bill_id}/billing-api", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def bill_of(server: Server, a: dict[str, Any], period: str) -> dict[str, Any]:
    [bill] = [b for b in server.admin("GET", f"/accounts/{a['name']}/bills").json() if b["period"] == period]
    return dict(bill)


def sdk_reads(client: Any, shown: dict[str, Any]) -> dict[str, Any]:
    """The row the SDK answers to the request the link names (by BillId among a transaction list)."""
    out = call(client, shown["action"], **shown["request"])
    if shown["action"] == "DescribeBillDetail":
        [row] = out["DetailSet"]
        return dict(row)
    if shown["action"] == "DescribeBillList":
        [row] = [t for t in out["TransactionList"] if t["BillId"] == shown["row"]["BillId"]]
        return dict(row)
    return {k: v for k, v in out.items() if k != "RequestId"}


def test_each_kind_of_bill_links_to_the_rows_the_sdk_reads(server: Server) -> None:
    """A zero bill (free mail only), a bill paid late by a top-up, a bill deducted when issued."""
    a = frozen_account(server, "2031-03-10T12:00:00+08:00", free_quota=2)
    client = billing(server, a)
    send(server, a, 2, tag="free-")
    advance_to(server, a, "2031-03-11T12:00:00+08:00")
    send(server, a, 1, tag="late-")
    advance_to(server, a, "2031-03-12T12:00:00+08:00")  # unpaid: suspended
    late = bill_of(server, a, "2031-03-11")

    unpaid = links(server, a, late["id"])
    assert (unpaid["status"], unpaid["transactions"]) == ("unpaid", [])
    assert "OweAmount" in unpaid["note"]
    assert unpaid["bill_detail"]["row"]["PayTime"] == ""
    assert unpaid["account_balance"]["row"]["OweAmount"] == 1
    assert sdk_reads(client, unpaid["account_balance"]) == unpaid["account_balance"]["row"]
    assert sdk_reads(client, unpaid["bill_detail"]) == unpaid["bill_detail"]["row"]

    top_up(server, a, "1")  # pays the bill of the 11th: a recharge, then its deduction
    send(server, a, 1, tag="paid-")
    advance_to(server, a, "2031-03-13T12:00:00+08:00")  # deducted at 00:00

    zero = links(server, a, bill_of(server, a, "2031-03-10")["id"])
    assert (zero["status"], zero["transactions"], zero["account_balance"]) == ("paid", [], None)
    assert "zero bill" in zero["note"]
    assert zero["bill_detail"]["request"] == {
        "Month": "2031-03",
        "PeriodType": "byUsedTime",
        "Offset": 0,
        "Limit": 1,
    }

    settled = links(server, a, late["id"])
    assert settled["BillId"] == unpaid["BillId"] == settled["bill_detail"]["row"]["BillId"]
    assert re.fullmatch(r"2031031202\d{22}", settled["BillId"])  # issued on the 12th, tag 02
    recharge, deduction = settled["transactions"]
    assert (recharge["role"], recharge["row"]["ActionType"], recharge["row"]["Amount"]) == (
        "recharge",
        "recharge",
        100,
    )
    assert (deduction["role"], deduction["row"]["ActionType"], deduction["row"]["Amount"]) == (
        "deduction",
        "deduct",
        -1,
    )
    assert deduction["row"]["BillId"] == settled["BillId"] != recharge["row"]["BillId"]
    assert deduction["row"]["OperationTime"] == recharge["row"]["OperationTime"]
    assert settled["account_balance"] is None and settled["bill_detail"]["request"]["Offset"] == 1

    charged = links(server, a, bill_of(server, a, "2031-03-12")["id"])
    [only] = charged["transactions"]
    assert (only["role"], only["row"]["DeductMode"], only["row"]["OperationTime"][:19]) == (
        "deduction",
        "hourd",
        "2031-03-13 00:00:00",
    )
    assert only["request"]["StartTime"] == "2031-03-13 00:00:00"
    assert "Deducted when issued" in charged["note"]

    for shown in (zero, settled, charged):
        assert sdk_reads(client, shown["bill_detail"]) == shown["bill_detail"]["row"]
        for t in shown["transactions"]:
            assert sdk_reads(client, t) == t["row"]

    english = links(server, a, late["id"], language="en-US")
    assert english["bill_detail"]["row"]["ActionTypeName"] == "Pay-as-you-go daily settlement"
    assert (
        sdk_reads(billing(server, a, language="en-US"), english["bill_detail"])
        == english["bill_detail"]["row"]
    )


def test_unknown_bill_and_bad_language(server: Server, account: dict[str, Any]) -> None:
    r = server.admin("GET", f"/accounts/{account['name']}/bills/999999999/billing-api")
    assert (r.status_code, r.json()["code"]) == (404, "ResourceNotFound")
    r = server.admin("GET", "/accounts/no-such-account/bills/1/billing-api")
    assert r.status_code == 404
    r = server.admin("GET", f"/accounts/{account['name']}/bills/1/billing-api", params={"language": "fr"})
    assert (r.status_code, r.json()["code"]) == (400, "InvalidParameterValue")


# ------------------------------------------------------------------------------------------ Chromium


def test_bills_view_shows_each_bill_in_the_billing_api(server: Server, page: Any) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect  # `page` has skipped without it
    a = frozen_account(server, "2031-04-20T12:00:00+08:00", free_quota=0)
    name = a["name"]
    tencent_calls: list[str] = []  # the page must never call the Tencent API (it would need the key)

    def watch(r: Any) -> None:
        if (r.method == "POST" and r.url.rstrip("/") == server.endpoints.http_url) or "Action=" in r.url:
            tencent_calls.append(r.url)

    page.on("request", watch)
    smtp_send(
        server.endpoints.smtp_port,
        a["sender"],
        a["smtp_password"],
        message(a["sender"], ["you@example.com"], subject="one paid email", body="hi"),
    )
    page.goto(f"{server.endpoints.http_url}/#/{name}/console")
    expect(page.locator("#clock-now")).to_have_text("2031-04-20 12:00:00 UTC+8")
    page.click("#to-midnight")
    bill = page.locator("#bills tr[data-bill]")
    expect(bill.locator(".pill.unpaid")).to_have_count(1)
    expect(page.locator("#bills tr.bill-api")).to_have_count(0)

    bill.locator(".bill-api-toggle").click()
    shown = page.locator("#bills tr.bill-api")
    expect(shown).to_have_count(1)
    client = billing(server, a)
    [detail] = call(client, "DescribeBillDetail", Month="2031-04", Offset=0, Limit=1)["DetailSet"]
    expect(shown.locator(".bill-id")).to_have_text(detail["BillId"])
    expect(shown.locator(".api-note")).to_contain_text("Unpaid")
    expect(shown.locator("[data-role=bill] .api-head")).to_contain_text("DescribeBillDetail")
    expect(shown.locator("[data-role=bill] [data-field=ActionType]")).to_have_text("postpay_deduct_d")
    expect(shown.locator("[data-role=bill] [data-field='RealCost (USD)']")).to_have_text("0.00028000")
    balance = shown.locator("[data-role=balance]")
    expect(balance.locator(".api-head")).to_contain_text("DescribeAccountBalance")
    owe = call(client, "DescribeAccountBalance")["OweAmount"]
    expect(balance.locator("[data-field='OweAmount (cents)']")).to_have_text(str(owe))
    expect(shown.locator("[data-role=deduction]")).to_have_count(0)

    page.fill("#topup input[name=amount]", "1")
    page.click("#topup button")
    expect(bill.locator(".pill.paid")).to_have_count(1)
    # still expanded after the redraw, now with the recharge and the deduction DescribeBillList lists
    deduction = shown.locator("[data-role=deduction]")
    expect(deduction.locator("[data-field=BillId]")).to_have_text(detail["BillId"])
    expect(deduction.locator("[data-field='Amount (cents)']")).to_have_text("-1")
    expect(deduction.locator("[data-field='Balance (cents)']")).to_have_text("99")
    expect(shown.locator("[data-role=recharge] [data-field='Amount (cents)']")).to_have_text("100")
    expect(shown.locator("[data-role=balance]")).to_have_count(0)
    listed = call(
        client,
        "DescribeBillList",
        StartTime="2031-04-21 00:00:00",
        EndTime="2031-04-21 23:59:59",
        Offset=0,
        Limit=10,
    )["TransactionList"]
    assert detail["BillId"] in [t["BillId"] for t in listed if t["ActionType"] == "deduct"]

    shown.locator(".bill-api-lang").select_option("en-US")
    expect(shown.locator("[data-role=bill] [data-field=ActionTypeName]")).to_have_text(
        "Pay-as-you-go daily settlement"
    )
    shown.locator("[data-role=bill] summary").click()
    expect(shown.locator("[data-role=bill] pre")).to_contain_text('"ComponentSet"')

    page.set_viewport_size({"width": 390, "height": 800})  # a phone: the rows scroll inside the card
    expect(shown.locator("[data-role=deduction]")).to_be_visible()
    width = page.evaluate(  # the page's width with only this card shown
        """() => {
          window.__shown = [...document.querySelectorAll('.card:not(#card-bills), .topbar')].filter((c) => !c.hidden);
          for (const c of window.__shown) c.hidden = true;
          return document.documentElement.scrollWidth;
        }"""
    )
    assert width <= 390
    page.evaluate("() => window.__shown.forEach((c) => (c.hidden = false))")

    bill.locator(".bill-api-toggle").click()
    expect(page.locator("#bills tr.bill-api")).to_have_count(0)
    assert tencent_calls == []
