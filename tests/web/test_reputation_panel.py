"""The console's reputation panel in headless Chromium: a domain's level, cap and today's figures, the
level an admin sets from the panel, and the history it shows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients import message, smtp_send

pw = pytest.importorskip("playwright.sync_api", reason="pip install playwright (test extra)")
expect = pw.expect


def test_the_panel_shows_levels_and_sets_one(server: Any, page: Any) -> None:
    acct = server.new_account()
    name, domain = acct["name"], acct["sender"].split("@")[1]
    server.admin("POST", f"/accounts/{name}/clock/freeze")
    server.admin("POST", f"/accounts/{name}/clock/advance", json={"to": "2031-05-07T10:00:00+08:00"})
    for i in range(4):  # 4 recipients, all delivered
        smtp_send(
            server.endpoints.smtp_port, acct["sender"], acct["smtp_password"],
            message(acct["sender"], [f"r{i}@example.com"]),
        )  # fmt: skip
    page.goto(f"{server.endpoints.http_url}/#/{name}/console")
    row = page.locator(f"#card-reputation tr[data-domain='{domain}']")
    expect(row.locator(".level")).to_have_text("1")
    expect(row).to_contain_text("500")
    expect(row.locator(".today")).to_contain_text("4 sent · delivered 100.0 %")

    row.locator("input").fill("5")
    row.locator("button", has_text="Set").click()
    expect(row.locator(".level")).to_have_text("5")
    expect(row).to_contain_text("10,000")
    row.locator("button", has_text="History").click()
    expect(page.locator(f"#card-reputation tr[data-history='{domain}']")).to_contain_text(
        "2031-05-07: set by an admin 1 → 5"
    )
    assert server.admin("GET", f"/accounts/{name}/reputation/{domain}").json()["level"] == 5


def test_a_refresh_that_shows_the_same_rows_keeps_them(server: Any, page: Any) -> None:
    """api.js replaceChanged, in the page: the panel's follow-up refreshes (after Set, the console's
    own) swap in copies only when something changed, so a click landing on a row is not lost."""
    page.goto(f"{server.endpoints.http_url}/")
    kept, replaced = page.evaluate(
        """async () => {
          const { h, replaceChanged } = await import("/ui/static/api.js");
          const body = h("tbody");
          const row = (level) => h("tr", { "data-domain": "d" }, h("td", { class: "level" }, level), h("button", {}, "History"));
          replaceChanged(body, [row("1")]);
          const first = body.firstChild;
          const same = replaceChanged(body, [row("1")]);
          const kept = !same && body.firstChild === first;
          const changed = replaceChanged(body, [row("5")]);
          return [kept, changed && body.firstChild !== first && body.textContent === "5History"];
        }"""
    )
    assert kept is True and replaced is True
