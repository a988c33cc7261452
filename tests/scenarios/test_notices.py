"""Account notices (docs/notices.md) on real servers, SQLite and PostgreSQL, with real clients: the official
SES SDK sends, the admin API moves clocks and tops up, the mailbox API (list, wait, the live stream) shows
the notice mails, and a real local HTTP server is the account's webhook.

Worked figures, by hand (price 280 micro-USD per paid email, free quota 1,000):
  arrears: balance 0, 1,001 recipients on 5 January 2031 = 1 paid email = 280 micro-USD. At 00:00 UTC+8
  on 6 January the bill cannot be paid: a deduction-failed notice (amount 0.000280 USD, shown 0.01 USD:
  money owed rounds up to the cent) and a suspension notice (unpaid 0.01 USD, balance 0.00 USD).
  Top-up 5.00 USD pays it: 5,000,000 - 280 = 4,999,720 micro-USD, shown 4.99 USD (money held rounds
  down), and a resumption notice.
  low balance (free quota 0, threshold 0.50 USD): top-up 0.60; 501 emails = 140,280 -> 459,720 < 500,000:
  one warning (shown 0.45 USD); 50 more = 14,000 -> 445,720: still below, no warning; top-up 0.10 ->
  545,720: at or above, re-armed; 200 emails = 56,000 -> 489,720: the second warning (0.48 USD)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator.bootstrap import Emulator
from emulator.config import Settings
from tests.billing_api.helpers import advance_to, frozen_account, send, top_up
from tests.conftest import PgSchema, Server, require_pg
from tests.scenarios.test_callbacks import Receiver
from tests.tencent_api.ses_helpers import admin_ok

MIDNIGHT_0106 = int(datetime.fromisoformat("2031-01-06T00:00:00+08:00").timestamp())


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def notices(server: Server, name: str, **params: Any) -> list[dict[str, Any]]:
    return list(admin_ok(server, "GET", f"/accounts/{name}/notices", params=params))


def notice_mail(server: Server, name: str) -> list[dict[str, Any]]:
    return list(
        admin_ok(server, "GET", f"/accounts/{name}/messages", params={"source": "notice"})["messages"]
    )


def wait_for(server: Server, name: str, **filters: Any) -> dict[str, Any]:
    r = server.admin("GET", f"/accounts/{name}/messages/wait", params={"timeout": 10, **filters})
    assert r.status_code == 200, r.text
    return dict(r.json())


def text_of(server: Server, name: str, message_id: str) -> str:
    return str(admin_ok(server, "GET", f"/accounts/{name}/messages/{message_id}")["text"])


def notice_events(receiver: Receiver) -> list[dict[str, Any]]:
    """The webhook bodies of notices (SES's own delivery events may be posted beside them)."""
    with receiver.lock:
        return [b for b in receiver.bodies if b["event"] == "notice"]


def until(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def first_stream_event(server: Server, name: str, event: str) -> dict[str, Any]:
    with server.http.stream("GET", f"/admin/accounts/{name}/messages/stream") as r:
        current = None
        for line in r.iter_lines():
            if line.startswith("event:"):
                current = line[6:].strip()
            elif line.startswith("data:") and current == event:
                return dict(json.loads(line[5:]))
    raise AssertionError(f"no {event} event")


def test_arrears_suspension_and_resumption_notices(server: Server, receiver: Receiver) -> None:
    a = frozen_account(server, "2031-01-05T10:00:00+08:00")
    name = a["name"]
    owner = "owner@" + a["sender"].split("@")[1]  # the default: the first sender's domain
    assert admin_ok(server, "GET", f"/accounts/{name}/notices/settings") == {
        "address": owner,
        "address_is_default": True,
        "default_address": owner,
        "low_balance_threshold": None,
        "low_balance_threshold_micro": None,
        "low_balance_below": False,
    }
    send(server, a, 1001)
    assert notices(server, name) == []
    # the account's webhook, set after the sends (their SES delivery events are not this test's)
    admin_ok(server, "PUT", f"/accounts/{name}/callback", json={"url": receiver.url})

    advance_to(server, a, "2031-01-06T00:00:01+08:00")
    found = wait_for(server, name, to=owner, subject="停服通知", source="notice")
    assert (found["source"], found["recipients"], found["free_units"], found["paid_units"]) == (
        "notice",
        [owner],
        0,
        0,
    )
    assert found["account_time"].startswith("2031-01-06T00:00:00")
    assert "noreply@notice.ses-emulator.local" in found["from"]

    suspended, failed = notices(server, name)  # newest first
    [bill] = admin_ok(server, "GET", f"/accounts/{name}/bills")
    assert (failed["kind"], failed["bill_id"], failed["unpaid_micro"], failed["balance_micro"]) == (
        "deduction_failed",
        bill["id"],
        280,
        0,
    )
    assert (suspended["kind"], suspended["unpaid_micro"], suspended["address"]) == ("suspended", 280, owner)
    assert suspended["message_id"] == found["id"]
    assert suspended["subject"].startswith("【腾讯云】停服通知")
    text = text_of(server, name, failed["message_id"])
    assert "账单：邮件推送 2031-01-05 按量计费日结（1 封 × 0.00028 USD/封）" in text
    assert "账单金额：0.01 USD（精确金额 0.000280 USD）" in text
    assert "账户余额：0.00 USD（精确金额 0.000000 USD）" in text
    assert "Amount: 0.01 USD (exactly 0.000280 USD)" in text
    assert "2031-01-06 00:00:00 (UTC+8)" in text
    text = text_of(server, name, suspended["message_id"])
    assert "FailedOperation.InsufficientBalance" in text and "待支付金额合计：0.01 USD" in text

    # the webhook: one JSON event per notice, in order, with the SES callbacks' retries and log
    until(lambda: len(notice_events(receiver)) == 2, "two webhook events")
    first, second = notice_events(receiver)
    assert [first["noticeType"], second["noticeType"]] == ["deduction_failed", "suspended"]
    assert first == {
        "event": "notice",
        "noticeType": "deduction_failed",
        "noticeId": failed["id"],
        "email": owner,
        "bulkId": failed["message_id"],
        "subject": failed["subject"],
        "timestamp": MIDNIGHT_0106,
        "username": a["app_id"],
        "accountName": name,
        "balance": "0.000000",
        "balanceMicro": 0,
        "unpaid": "0.000280",
        "unpaidMicro": 280,
        "unpaidBills": 1,
        "bill": {
            "id": bill["id"],
            "kind": "usage",
            "period": "2031-01-05",
            "units": 1,
            "amount": "0.000280",
            "amountMicro": 280,
        },
        "threshold": None,
        "thresholdMicro": None,
    }
    until(
        lambda: [n["webhook"] for n in notices(server, name)] == [{"status": "delivered", "attempts": 1}] * 2,
        "the events marked delivered",
    )
    log = admin_ok(server, "GET", f"/accounts/{name}/callbacks/deliveries")
    assert [(d["event"], d["email"], d["ok"]) for d in log] == [("notice", owner, True)] * 2

    # notices are not metered, billed or counted: usage, quota and the send statistics are the sends'
    state = server.state(name)
    assert (state["free_used"], state["paid_units"], state["unpaid_micro"]) == (1000, 1, 280)
    usage = admin_ok(server, "GET", f"/accounts/{name}/usage")
    assert [(u["day"], u["free_units"], u["paid_units"]) for u in usage] == [("2031-01-05", 1000, 1)]
    listing = admin_ok(server, "GET", f"/accounts/{name}/messages")
    assert listing["total"] == 21 + 2  # 1,001 recipients in 21 SendEmail calls, and the two notices
    assert first_stream_event(server, name, "messages") == {"total": 23, "newest": suspended["message_id"]}

    # top up: the bill is paid, the account resumes, and the owner is told
    assert not top_up(server, a, "5.00")["suspended"]
    resumed = wait_for(server, name, to=owner, subject="服务恢复通知")
    kinds = [n["kind"] for n in notices(server, name)]
    assert kinds == ["resumed", "suspended", "deduction_failed"]
    text = text_of(server, name, resumed["id"])
    assert (
        "账户余额：4.99 USD（精确金额 4.999720 USD）" in text
        and "Balance: 4.99 USD (exactly 4.999720 USD)" in text
    )
    until(lambda: len(notice_events(receiver)) == 3, "the third webhook event")
    third = notice_events(receiver)[2]
    assert (third["noticeType"], third["balanceMicro"], third["unpaidMicro"], third["unpaidBills"]) == (
        "resumed",
        4_999_720,
        0,
        0,
    )
    assert notices(server, name, kind="resumed")[0]["message_id"] == resumed["id"]


def test_low_balance_warning_once_per_crossing(server: Server) -> None:
    a = frozen_account(server, "2031-02-03T10:00:00+08:00", free_quota=0)
    name = a["name"]
    top_up(server, a, "0.60")
    got = admin_ok(
        server,
        "PUT",
        f"/accounts/{name}/notices/settings",
        json={"low_balance_threshold": "0.50", "address": "billing@example.com"},
    )
    assert (got["address"], got["low_balance_threshold_micro"], got["low_balance_below"]) == (
        "billing@example.com",
        500_000,
        False,
    )
    assert notices(server, name) == []  # 0.60 is not below 0.50

    send(server, a, 501)
    advance_to(server, a, "2031-02-04T00:00:00+08:00")  # 501 × 280 = 140,280 -> 459,720
    [warning] = notices(server, name)
    assert (warning["kind"], warning["balance_micro"], warning["threshold_micro"], warning["address"]) == (
        "low_balance",
        459_720,
        500_000,
        "billing@example.com",
    )
    mail = wait_for(server, name, to="billing@example.com", subject="余额预警")
    assert mail["id"] == warning["message_id"] and mail["account_time"].startswith("2031-02-04T00:00:00")
    text = text_of(server, name, mail["id"])
    assert "账户余额：0.45 USD（精确金额 0.459720 USD）" in text and "预警阈值：0.50 USD" in text

    send(server, a, 50, tag="s")
    advance_to(server, a, "2031-02-05T00:00:00+08:00")  # 14,000 more -> 445,720: still below
    assert len(notices(server, name)) == 1
    assert admin_ok(server, "GET", f"/accounts/{name}/notices/settings")["low_balance_below"] is True

    top_up(server, a, "0.10")  # 545,720: at or above the threshold again, re-armed, nothing to say
    assert len(notices(server, name)) == 1
    assert admin_ok(server, "GET", f"/accounts/{name}/notices/settings")["low_balance_below"] is False

    send(server, a, 200, tag="t")
    advance_to(server, a, "2031-02-06T00:00:00+08:00")  # 56,000 -> 489,720: the second crossing
    second, first = notices(server, name)
    assert (second["kind"], second["balance_micro"], first["id"]) == ("low_balance", 489_720, warning["id"])
    assert "账户余额：0.48 USD（精确金额 0.489720 USD）" in text_of(server, name, second["message_id"])
    state = server.state(name)
    assert (state["balance_micro"], state["suspended"]) == (489_720, False)
    assert [b["status"] for b in admin_ok(server, "GET", f"/accounts/{name}/bills")] == ["paid"] * 3


# --------------------------------------------------------------------------- restarts, two servers


def serve(data: Path, database_url: str, **over: Any) -> Server:
    data.mkdir(exist_ok=True)
    settings = Settings(
        host="127.0.0.1",
        smtp_port=0,
        smtps_port=0,
        http_port=0,
        data_dir=data,
        database_url=database_url,
        **{"scheduler_interval_s": 0.2, **over},
    )
    em = Emulator(settings)
    return Server(em, em.start_in_thread())


def stop(srv: Server) -> None:
    srv.close()
    srv.emulator.stop_thread()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    require_pg()
    schema = PgSchema()
    yield schema.url
    schema.drop()


def test_a_restart_neither_repeats_nor_loses_a_notice(tmp_path: Path, database_url: str) -> None:
    """The first server records the notices and fails the first webhook attempt (a retry is due in 3 s);
    it stops. The second, on the same database, runs the account's due events again at start-up and on
    a clock move (nothing is billed twice, so nothing is noticed twice) and delivers the pending events,
    each once."""
    receiver = Receiver(fail_first=1)
    s1 = serve(tmp_path / "one", database_url, callback_retry_base_s=3)
    try:
        a = frozen_account(s1, "2031-01-05T10:00:00+08:00")
        name = a["name"]
        send(s1, a, 1001)
        admin_ok(s1, "PUT", f"/accounts/{name}/callback", json={"url": receiver.url})
        advance_to(s1, a, "2031-01-06T00:00:01+08:00")
        assert [n["kind"] for n in notices(s1, name)] == ["suspended", "deduction_failed"]
        until(lambda: receiver.requests >= 1, "the first (failing) webhook attempt")
    finally:
        stop(s1)
    assert receiver.bodies == []  # the one attempt so far failed

    s2 = serve(tmp_path / "two", database_url, callback_retry_base_s=3)
    try:
        advance_to(s2, a, "2031-01-08T00:00:01+08:00")  # two more midnights: nothing to bill
        until(
            lambda: [b["noticeType"] for b in notice_events(receiver)] == ["deduction_failed", "suspended"],
            "both events delivered after the restart",
            timeout=20,
        )
        time.sleep(1)
        assert len(notice_events(receiver)) == 2 and receiver.bodies == notice_events(receiver)
        assert [n["kind"] for n in notices(s2, name)] == ["suspended", "deduction_failed"]
        assert len(notice_mail(s2, name)) == 2
        assert [n["webhook"]["status"] for n in notices(s2, name)] == ["delivered", "delivered"]
    finally:
        stop(s2)
        receiver.close()


def test_two_servers_on_one_postgresql_notice_once(tmp_path: Path) -> None:
    """Both servers' schedulers tick every 50 ms and the second one keeps sending while the accounts'
    running clocks pass 00:00: each account's bill is issued once, so each gets exactly one
    deduction-failed and one suspension notice, one mail each and one webhook event each (both servers
    run the callback worker on the shared queue)."""
    require_pg()
    schema = PgSchema()
    receiver = Receiver()
    s1 = s2 = None
    try:
        s1 = serve(tmp_path / "one", schema.url, scheduler_interval_s=0.05)
        accounts = [s1.new_account() for _ in range(3)]
        for a in accounts:
            advance_to(s1, a, "2031-01-05T23:00:00+08:00")  # running clocks (not frozen)
            send(s1, a, 1001)
            admin_ok(s1, "PUT", f"/accounts/{a['name']}/callback", json={"url": receiver.url})
        s2 = serve(tmp_path / "two", schema.url, scheduler_interval_s=0.05)  # its callback worker starts
        for a in accounts:
            advance_to(s1, a, "2031-01-05T23:59:59+08:00")
        stop_sending = threading.Event()

        def keep_sending() -> None:  # the committer of s2 settles the midnight it sees first, too
            while not stop_sending.is_set():
                for a in accounts:
                    with contextlib.suppress(TencentCloudSDKException):  # refused once suspended
                        send(s2, a, 1, tag=f"late{time.monotonic_ns()}-")

        sender = threading.Thread(target=keep_sending)
        sender.start()
        try:
            until(lambda: all(s1.state(a["name"])["suspended"] for a in accounts), "suspensions", timeout=15)
            time.sleep(1)
        finally:
            stop_sending.set()
            sender.join(30)
        for a in accounts:
            for srv in (s1, s2):
                got = notices(srv, a["name"])
                assert [n["kind"] for n in got] == ["suspended", "deduction_failed"], got
                assert len(notice_mail(srv, a["name"])) == 2
            [bill] = admin_ok(s1, "GET", f"/accounts/{a['name']}/bills")
            assert got[1]["bill_id"] == bill["id"] and got[0]["unpaid_micro"] == bill["amount_micro"]
        until(lambda: len(notice_events(receiver)) == 2 * len(accounts), "every webhook event", timeout=15)
        time.sleep(1.5)
        assert len(notice_events(receiver)) == 2 * len(accounts)
        ids = [b["noticeId"] for b in notice_events(receiver)]
        assert len(set(ids)) == len(ids)
    finally:
        for srv in (s1, s2):
            if srv is not None:
                stop(srv)
        receiver.close()
        schema.drop()


def test_notices_follow_the_mailbox_and_reset(server: Server) -> None:
    """A notice mail is ordinary captured mail: it can be deleted (the notice itself stays listed);
    an account reset clears both, keeps the settings and re-arms the warning."""
    a = frozen_account(server, "2031-03-01T10:00:00+08:00")
    name = a["name"]
    admin_ok(server, "PUT", f"/accounts/{name}/notices/settings", json={"low_balance_threshold_micro": 1})
    [warning] = notices(server, name)  # balance 0 < 1 micro-USD: at once
    assert warning["kind"] == "low_balance"
    assert server.admin("DELETE", f"/accounts/{name}/messages/{warning['message_id']}").status_code == 200
    assert notice_mail(server, name) == [] and len(notices(server, name)) == 1
    admin_ok(server, "POST", f"/accounts/{name}/reset")
    assert notices(server, name) == []
    got = admin_ok(server, "GET", f"/accounts/{name}/notices/settings")
    assert (got["low_balance_threshold_micro"], got["low_balance_below"]) == (1, False)
