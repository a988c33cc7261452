"""/metrics, /readyz and /healthz on a real server (SQLite and PostgreSQL): counters move by exactly what
the real clients did."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tests.clients import call, message, sdk, smtp_send
from tests.conftest import Server


def scrape(server: Server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = server.http.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out = {}
    for fam in text_string_to_metric_families(r.text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def delta(before: dict[Any, float], after: dict[Any, float], name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_health_and_readiness(server: Server) -> None:
    assert server.http.get("/healthz").json()["status"] == "ok"
    ready = server.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == server.core.db.engine.dialect.name


def test_send_outcomes_metering_and_sessions(server: Server, account: dict[str, Any]) -> None:
    server.admin("POST", f"/accounts/{account['name']}/reset")
    before = scrape(server)
    msg = message(account["sender"], ["a@example.com", "b@example.com"])
    smtp_send(server.endpoints.smtp_port, account["sender"], account["smtp_password"], msg)
    smtp_send(server.endpoints.smtps_port, account["sender"], account["smtp_password"], msg, mode="implicit")
    client = sdk(server.endpoints.api_endpoint, account["secret_id"], account["secret_key"])
    simple = {"Text": base64.b64encode(b"hi").decode()}
    call(client, "SendEmail", FromEmailAddress=account["sender"], Destination=["c@example.com"],
         Subject="s", Simple=simple)  # fmt: skip
    with pytest.raises(TencentCloudSDKException):
        call(client, "SendEmail", FromEmailAddress="nobody@elsewhere.example", Destination=["c@example.com"],
             Subject="s", Simple=simple)  # fmt: skip
    server.admin("POST", f"/accounts/{account['name']}/suspend")
    with pytest.raises(Exception, match="InsufficientBalance"):
        smtp_send(server.endpoints.smtp_port, account["sender"], account["smtp_password"], msg)
    after = scrape(server)
    m = "ses_emulator_messages_total"
    assert delta(before, after, m, source="smtp", outcome="accepted", code="") == 2
    assert delta(before, after, m, source="api", outcome="accepted", code="") == 1
    refused_api = {k: v for k, v in after.items() if k[0] == m and ("outcome", "refused") in k[1]}
    assert any(("source", "api") in k[1] for k in refused_api)
    assert (
        delta(before, after, m, source="smtp", outcome="refused", code="FailedOperation.InsufficientBalance")
        == 1
    )
    assert delta(before, after, "ses_emulator_recipients_metered_total", kind="free") == 5
    # the committer's serial section: at least the 3 accepted messages went through its transactions
    assert delta(before, after, "ses_emulator_send_transaction_messages_total") >= 3
    assert (
        1
        <= delta(before, after, "ses_emulator_send_transactions_total")
        <= delta(before, after, "ses_emulator_send_transaction_messages_total")
    )
    for phase in ("statements", "commit"):
        assert delta(before, after, "ses_emulator_send_transaction_seconds_total", phase=phase) > 0
    held = sum(
        delta(before, after, "ses_emulator_send_transaction_seconds_total", phase=phase)
        for phase in ("statements", "commit")
    )
    assert 0 < delta(before, after, "ses_emulator_send_transaction_cpu_seconds_total") <= held
    assert delta(before, after, "ses_emulator_api_requests_total", action="SendEmail", code="OK") == 1
    assert delta(before, after, "ses_emulator_smtp_sessions_total", listener="smtp") == 2
    assert delta(before, after, "ses_emulator_smtp_sessions_total", listener="smtps") == 1
    assert delta(before, after, "ses_emulator_accounts", state="manual") == 1
    hist = "ses_emulator_http_request_duration_seconds_count"
    assert delta(before, after, hist, method="POST", route="/") == 2
    assert delta(before, after, hist, method="POST", route="/admin/accounts/{account}/suspend") == 1


def test_paid_units_bills_and_arrears(server: Server) -> None:
    acct = server.new_account(free_quota=1)
    name = acct["name"]
    server.admin("POST", f"/accounts/{name}/clock/advance", json={"to": "2033-05-05T12:00:00+08:00"})
    before = scrape(server)
    msg = message(acct["sender"], ["a@example.com", "b@example.com", "c@example.com"])
    smtp_send(server.endpoints.smtp_port, acct["sender"], acct["smtp_password"], msg)
    server.admin("POST", f"/accounts/{name}/clock/advance", json={"to": "2033-05-06T00:00:01+08:00"})
    after = scrape(server)
    assert delta(before, after, "ses_emulator_recipients_metered_total", kind="free") == 1
    assert delta(before, after, "ses_emulator_recipients_metered_total", kind="paid") == 2
    assert delta(before, after, "ses_emulator_bills", kind="usage", status="unpaid") == 1
    assert delta(before, after, "ses_emulator_bills_amount_micro_usd", kind="usage", status="unpaid") == 560
    assert delta(before, after, "ses_emulator_accounts", state="arrears") == 1
    server.admin("POST", f"/accounts/{name}/top-up", json={"amount": "1"})
    final = scrape(server)
    assert delta(after, final, "ses_emulator_accounts", state="arrears") == -1
    assert delta(after, final, "ses_emulator_bills", kind="usage", status="paid") == 1


def test_readyz_fails_when_the_database_does_not_answer(make_server) -> None:  # type: ignore[no-untyped-def]
    srv = make_server("sqlite")
    good = srv.core.db.engine
    srv.core.db.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none", pool_pre_ping=True)
    try:
        r = srv.http.get("/readyz")
        assert r.status_code == 503 and r.json()["status"] == "unavailable"
        assert srv.http.get("/healthz").status_code == 200  # the process still serves
    finally:
        srv.core.db.engine.dispose()
        srv.core.db.engine = good
    assert srv.http.get("/readyz").status_code == 200
