"""The suspension story, told against a running server in plain words (behaviour §5):
new account → 1,000 free sends → one paid send → past midnight → suspended → refused sends (SMTP and
API, with their real replies) → a too-small top-up → the exact top-up → resumed → a send goes out."""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx

from emulator.client import TencentApiError, TencentClient


class _Api:
    """The official Python SDK when installed (what apps use), else the built-in signed client."""

    def __init__(self, base_url: str, creds: dict[str, Any]) -> None:
        self.kind = "built-in client"
        self._sdk: Any = None
        try:
            from tencentcloud.common import credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.ses.v20201002 import ses_client

            hp = HttpProfile(protocol="http", endpoint=urlsplit(base_url).netloc)
            self._sdk = ses_client.SesClient(
                credential.Credential(creds["secret_id"], creds["secret_key"]),
                "ap-guangzhou",
                ClientProfile(httpProfile=hp),
            )
            self.kind = "official tencentcloud SDK"
        except ImportError:
            self._client = TencentClient(base_url, creds["secret_id"], creds["secret_key"])

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        if self._sdk is None:
            return self._client.call(action, **params)
        import json

        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.ses.v20201002 import models

        req = getattr(models, f"{action}Request")()
        req.from_json_string(json.dumps(params))
        try:
            return dict(json.loads(getattr(self._sdk, action)(req).to_json_string()))
        except TencentCloudSDKException as exc:
            raise TencentApiError(exc.get_code(), exc.get_message(), exc.get_request_id() or "") from None


def run(
    base_url: str = "http://127.0.0.1:8025", token: str | None = None, echo: Callable[[str], None] = print
) -> None:
    t0 = time.monotonic()
    admin = httpx.Client(
        base_url=base_url.rstrip("/") + "/admin",
        timeout=60,
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )

    def ok(r: httpx.Response) -> Any:
        if r.status_code >= 400:
            raise SystemExit(f"admin API error {r.status_code}: {r.text}")
        return r.json()

    info = ok(admin.get("/info"))
    creds = ok(admin.post("/accounts", json={}))
    name = creds["name"]
    echo(f"1. New account {name!r}: SecretId {creds['secret_id']}, sender {creds['sender']}.")
    state = ok(admin.post(f"/accounts/{name}/clock/freeze"))
    echo(f"   Its clock is frozen at {state['clock']['now']} so the story runs on demand.")

    api = _Api(base_url, creds)
    tid = api.call(
        "CreateEmailTemplate", TemplateName="demo", TemplateContent={"Text": "SGVsbG8ge3tuYW1lfX0h"}
    )["TemplateID"]
    for batch in range(20):
        api.call(
            "SendEmail",
            FromEmailAddress=creds["sender"],
            Subject="Welcome",
            Destination=[f"user{batch * 50 + i}@example.com" for i in range(50)],
            Template={"TemplateID": tid, "TemplateData": '{"name":"friend"}'},
        )
    state = ok(admin.get(f"/accounts/{name}"))
    echo(
        f"2. Sent 1,000 emails with the {api.kind} (20 SendEmail calls × 50 recipients): free quota left {state['free_left']}."
    )

    smtp_port = info["smtps_port"]

    def smtp(to: str) -> str:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = creds["sender"], to, "Hello"
        msg.set_content("hello")
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        with smtplib.SMTP_SSL(info["host"], smtp_port, context=ctx, timeout=30) as c:
            c.login(creds["sender"], creds["smtp_password"])
            c.send_message(msg)
        return "250 accepted"

    smtp("paid@example.com")
    state = ok(admin.get(f"/accounts/{name}"))
    echo(
        f"3. One more email by SMTP: paid units {state['paid_units']} (0.00028 USD), balance {state['balance']} USD."
    )

    now = datetime.fromisoformat(state["clock"]["now"])
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=1, microsecond=0)
    state = ok(admin.post(f"/accounts/{name}/clock/advance", json={"to": midnight.isoformat()}))
    bill = ok(admin.get(f"/accounts/{name}/bills"))[-1]
    echo(
        f"4. Clock moved past midnight to {state['clock']['now']}: bill for {bill['period']}, "
        f"{bill['units']} × {bill['unit_price']} = {bill['amount']} USD, {bill['status']}."
    )
    echo(
        f"   Suspended: {state['suspended']} (reason {state['suspended_reason']}, since {state['suspended_at']})."
    )

    try:
        smtp("refused@example.com")
        echo("5. UNEXPECTED: the SMTP send was accepted")
    except smtplib.SMTPResponseException as exc:
        err = exc.smtp_error.decode() if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        echo(f"5. SMTP send refused: {exc.smtp_code} {err}")
    try:
        api.call(
            "SendEmail",
            FromEmailAddress=creds["sender"],
            Subject="x",
            Destination=["refused@example.com"],
            Template={"TemplateID": tid, "TemplateData": "{}"},
        )
        echo("6. UNEXPECTED: the API send was accepted")
    except TencentApiError as exc:
        echo(f"6. SendEmail refused ({api.kind}): {exc.code}: {exc.message}")

    state = ok(admin.post(f"/accounts/{name}/top-up", json={"amount": "0.0001"}))
    echo(
        f"7. Top-up of 0.0001 USD: balance {state['balance']}, still suspended: {state['suspended']} "
        f"(the bill is paid in full or not at all)."
    )
    state = ok(admin.post(f"/accounts/{name}/top-up", json={"amount": "0.00018"}))
    echo(
        f"8. Top-up of 0.00018 USD: the bill is paid, balance {state['balance']}, suspended: {state['suspended']}."
    )
    out = api.call(
        "SendEmail",
        FromEmailAddress=creds["sender"],
        Subject="Back",
        Destination=["back@example.com"],
        Template={"TemplateID": tid, "TemplateData": '{"name":"again"}'},
    )
    echo(f"9. Sending works again: MessageId {out['MessageId']}.")
    echo(f"Done in {time.monotonic() - t0:.1f} s.")
