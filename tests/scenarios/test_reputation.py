"""Sender-domain reputation that moves (reference §7.2, docs/reputation.md): a simulated month, day by
day through the admin API's clock, sending with the official Python SDK and smtplib while fault rules
bounce, reject and complain; the level is read each day from ListEmailIdentities. Every figure below
is computed by hand in the comments."""

from __future__ import annotations

import json
import smtplib
from typing import Any

import pytest

from emulator.domain.addresses import domain_of
from tests.clients import message, smtp_send
from tests.conftest import Server
from tests.scenarios.test_batch import batch, setup_list, wait_task
from tests.tencent_api.ses_helpers import admin_ok, api, api_error, b64

START = "2027-03-01T10:00:00+08:00"  # 10:00 UTC+8 on a Monday: every test day starts here
RULES = {
    "*@bounce.example.net": "hard_bounce",
    "*@spam.example.net": "rejected",
    "*@complain.example.net": "spam_complaint",
}


@pytest.fixture
def account(server: Server) -> dict[str, Any]:
    """A fresh account whose free quota covers a month of these sends (no bills, no suspension)."""
    return server.new_account(free_quota=100_000)


def setup(server: Server, account: dict[str, Any], cap: bool = True) -> str:
    name = account["name"]
    admin_ok(server, "POST", f"/accounts/{name}/clock/freeze")
    admin_ok(server, "POST", f"/accounts/{name}/clock/advance", json={"to": START})
    if cap:
        admin_ok(server, "PATCH", f"/accounts/{name}/limits", json={"domain_daily_cap": {"enabled": True}})
    for pattern, outcome in RULES.items():
        admin_ok(
            server,
            "POST",
            f"/accounts/{name}/fault-rules",
            201,
            json={"pattern": pattern, "outcome": outcome},
        )
    return domain_of(account["sender"])


def next_day(server: Server, account: dict[str, Any]) -> None:
    admin_ok(server, "POST", f"/accounts/{account['name']}/clock/advance", json={"duration": "1d"})


def send_many(server: Server, account: dict[str, Any], n: int, mailbox: str, tag: str) -> None:
    """n recipients at <tag>-<i>@<mailbox>, 50 per SendEmail."""
    addrs = [f"{tag}-{i}@{mailbox}" for i in range(n)]
    for i in range(0, n, 50):
        params = {"FromEmailAddress": account["sender"], "Destination": addrs[i : i + 50], "Subject": "hi"}
        api(server, account, "SendEmail", **params, Simple={"Text": b64("Hello")})


def refused(server: Server, account: dict[str, Any], to: str) -> str:
    return api_error(
        server, account, "SendEmail", FromEmailAddress=account["sender"], Destination=[to], Subject="hi",
        Simple={"Text": b64("Hello")},
    )  # fmt: skip


def listed(server: Server, account: dict[str, Any], domain: str) -> dict[str, Any]:
    out = api(server, account, "ListEmailIdentities")
    row = next(r for r in out["EmailIdentities"] if r["IdentityName"] == domain)
    return {
        "level": row["CurrentReputationLevel"],
        "quota": row["DailyQuota"],
        "max_level": out["MaxReputationLevel"],
        "max_quota": out["MaxDailyQuota"],
    }


def level(server: Server, account: dict[str, Any], domain: str) -> int:
    got = listed(server, account, domain)
    admin = admin_ok(server, "GET", f"/accounts/{account['name']}/reputation/{domain}")
    assert admin["level"] == got["level"] and admin["daily_quota"] == got["quota"]
    return int(got["level"])


def history(server: Server, account: dict[str, Any], domain: str) -> list[dict[str, Any]]:
    rows = admin_ok(server, "GET", f"/accounts/{account['name']}/reputation/{domain}")["history"]
    return list(reversed(rows))  # oldest first


def test_a_month_of_reputation(server: Server, account: dict[str, Any]) -> None:
    domain = setup(server, account)
    # day 1 (03-01): a new domain is level 1, 500 a day
    assert listed(server, account, domain) == {"level": 1, "quota": 500, "max_level": 1, "max_quota": 500}
    send_many(server, account, 350, "ok.example.net", "d1")  # 350 = 70 % of 500, all delivered
    assert level(server, account, domain) == 1  # no upgrade in the middle of the day
    next_day(server, account)
    # day 2 (03-02): upgraded at 00:00 → level 2, 1,000 a day
    assert listed(server, account, domain) == {"level": 2, "quota": 1000, "max_level": 2, "max_quota": 1000}
    send_many(server, account, 500, "ok.example.net", "d2")  # 50 % of 1,000: not enough to move
    next_day(server, account)
    # day 3: still 2; 700 = 70 % of 1,000, all delivered
    assert level(server, account, domain) == 2
    send_many(server, account, 700, "ok.example.net", "d3")
    next_day(server, account)
    # day 4: level 3 (2,000 a day); no mail today
    assert level(server, account, domain) == 3
    next_day(server, account)
    # day 5: still 3 (a day without mail is not evaluated). 34 hard bounces, then 267 delivered: 301 sends,
    # invalid 34/301 = 11.3 % > 11 % → the domain is blocked for the rest of the day
    assert level(server, account, domain) == 3
    send_many(server, account, 34, "bounce.example.net", "d5")
    send_many(server, account, 267, "ok.example.net", "d5")
    assert refused(server, account, "late@ok.example.net") == "FailedOperation.HighRejectionRate"
    today = admin_ok(server, "GET", f"/accounts/{account['name']}/reputation")
    assert [(d["domain"], d["blocked_today"], d["today_figures"]["sends"]) for d in today] == [
        (domain, True, 301)
    ]
    assert today[0]["today_figures"]["invalid"] == 34 and today[0]["today_figures"]["delivered"] == 267
    stats = api(
        server, account, "GetStatisticsReport", StartDate="2027-03-05", EndDate="2027-03-05", Domain=domain
    )
    assert (stats["OverallVolume"]["RequestCount"], stats["OverallVolume"]["DeliveredCount"]) == (301, 267)
    assert stats["OverallVolume"]["BounceCount"] == 34  # the refused send is not counted anywhere
    next_day(server, account)
    # day 6: downgraded to 2 (invalid 11.3 % > 9 %); the block is over. 397 delivered + 3 complaints:
    # 3/400 = 0.75 % > 0.5 % → downgrade again
    assert level(server, account, domain) == 2
    send_many(server, account, 397, "ok.example.net", "d6")
    send_many(server, account, 3, "complain.example.net", "d6")
    next_day(server, account)
    # day 7: level 1 again: 500 a day, the 501st is refused
    assert level(server, account, domain) == 1
    send_many(server, account, 500, "ok.example.net", "d7")
    assert refused(server, account, "one-more@ok.example.net") == "FailedOperation.ExceedSendLimit"
    next_day(server, account)
    # day 8: 500 ≥ 350, all delivered → level 2; the admin sets 4 for a test (5,000 a day at once)
    assert level(server, account, domain) == 2
    admin_ok(server, "PUT", f"/accounts/{account['name']}/reputation/{domain}", json={"level": 4})
    assert listed(server, account, domain) == {"level": 4, "quota": 5000, "max_level": 4, "max_quota": 5000}
    # days 9..31: no mail, the level holds every day
    for _day in range(9, 32):
        next_day(server, account)
        assert level(server, account, domain) == 4
    rows = history(server, account, domain)
    assert [
        (r["evaluated_day"], r["level_before"], r["level_after"], r["verdict"], r["blocked"]) for r in rows
    ] == [
        ("2027-03-01", 1, 2, "upgrade", False),
        ("2027-03-02", 2, 2, "hold", False),
        ("2027-03-03", 2, 3, "upgrade", False),
        ("2027-03-05", 3, 2, "downgrade", True),
        ("2027-03-06", 2, 1, "downgrade", False),
        ("2027-03-07", 1, 2, "upgrade", False),
        (None, 2, 4, "set", False),
    ]
    assert [r["effective_day"] for r in rows] == [
        "2027-03-02", "2027-03-03", "2027-03-04", "2027-03-06", "2027-03-07", "2027-03-08", "2027-03-08",
    ]  # fmt: skip
    assert rows[3]["figures"] == {
        "sends": 301, "delivered": 267, "invalid": 34, "spam_bounces": 0, "soft_bounces": 0,
        "deferred": 0, "complaints": 0, "opened": 0,
    }  # fmt: skip
    assert rows[4]["figures"]["complaints"] == 3 and rows[5]["figures"]["sends"] == 500


def test_levels_move_with_the_cap_off_and_spam_bounces_block_over_smtp(
    server: Server, account: dict[str, Any]
) -> None:
    """The level moves whether or not the cap is enforced; the same-day block (spam bounces > 15 %)
    answers over SMTP in Tencent's 554 form."""
    domain = setup(server, account, cap=False)
    send_many(server, account, 600, "ok.example.net", "a")  # over the cap: not enforced, still counted
    next_day(server, account)
    assert level(server, account, domain) == 2  # 600 ≥ 350, all delivered
    admin_ok(
        server, "PATCH", f"/accounts/{account['name']}/limits", json={"domain_daily_cap": {"enabled": True}}
    )
    # 256 delivered + 46 rejected (spam bounce) = 302 sends over smtplib: 46/302 = 15.2 % > 15 %
    port, user, pw = server.endpoints.smtp_port, account["sender"], account["smtp_password"]
    for i in range(0, 256, 50):
        smtp_send(port, user, pw, message(user, [f"s{j}@ok.example.net" for j in range(i, min(i + 50, 256))]))
    smtp_send(port, user, pw, message(user, [f"s{j}@spam.example.net" for j in range(46)]))
    with pytest.raises(smtplib.SMTPDataError) as info:
        smtp_send(port, user, pw, message(user, ["late@ok.example.net"]))
    assert info.value.smtp_code == 554 and b"##SES-response-json" in info.value.smtp_error
    assert b"FailedOperation.HighRejectionRate" in info.value.smtp_error
    next_day(server, account)
    assert level(server, account, domain) == 1  # spam bounces 15.2 % > 5 % → down one step
    r = history(server, account, domain)[-1]
    assert (r["figures"]["sends"], r["figures"]["spam_bounces"], r["blocked"]) == (302, 46, True)
    smtp_send(port, user, pw, message(user, ["fresh@ok.example.net"]))  # a new day: no block


def test_a_batch_task_pauses_at_the_domain_cap_and_resumes_the_next_day(
    server: Server, account: dict[str, Any]
) -> None:
    domain = setup(server, account)
    send_many(server, account, 450, "ok.example.net", "pre")  # 450 of today's 500
    tid, rid = setup_list(server, account, 60)
    task_id = batch(server, account, tid, rid)
    t = wait_task(server, account, task_id, TaskStatus=6, SendCount=50, CacheCount=10)  # paused at 500
    assert "reputation level 1" in t["ErrMsg"]
    next_day(server, account)
    assert level(server, account, domain) == 2  # 500 sends, all delivered
    wait_task(server, account, task_id, TaskStatus=10, SendCount=60, CacheCount=0)


def test_admin_level_refusals_change_nothing(server: Server, account: dict[str, Any]) -> None:
    domain = setup(server, account)
    path = f"/accounts/{account['name']}/reputation/{domain}"
    for bad in ({"level": 0}, {"level": 21}, {"level": "5"}, {"level": True}, {}, {"level": 2.5}):
        r = server.admin("PUT", path, json=bad)
        assert r.status_code == 400, (bad, r.text)  # the admin API's validation answer (docs/admin-api.md)
        assert r.json()["code"] in ("InvalidParameter", "InvalidParameterValue", "MissingParameter")
        assert "level" in r.json()["message"]
    r = server.admin("PUT", f"/accounts/{account['name']}/reputation/nope.example.org", json={"level": 3})
    assert r.status_code == 404 and r.json()["code"] == "ResourceNotFound"
    assert admin_ok(server, "GET", path)["history"] == [] and level(server, account, domain) == 1
    assert admin_ok(server, "PUT", path, json={"level": 20})["daily_quota"] == 1_000_000
    assert listed(server, account, domain)["max_quota"] == 1_000_000


def test_each_day_is_evaluated_once_even_if_asked_again(server: Server, account: dict[str, Any]) -> None:
    """The boundary step is idempotent: running it again over days already evaluated changes nothing,
    and the database refuses a second history row for a domain's day."""
    domain = setup(server, account)
    send_many(server, account, 400, "ok.example.net", "x")
    next_day(server, account)
    core = server.core
    acct = core.accounts.get_row(account["name"])
    now = core.clock.of(acct).now_us()
    with core.db.write() as conn:
        assert core.reputation.events.close_days(conn, [(acct.id, now - 3 * 86_400_000_000, now)]) == 0
    assert [r["evaluated_day"] for r in history(server, account, domain)] == ["2027-03-01"]
    assert level(server, account, domain) == 2
    assert json.dumps(history(server, account, domain)[0]["figures"]) == json.dumps(
        {"sends": 400, "delivered": 400, "invalid": 0, "spam_bounces": 0, "soft_bounces": 0,
         "deferred": 0, "complaints": 0, "opened": 0}
    )  # fmt: skip
