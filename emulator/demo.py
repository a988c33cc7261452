"""The suspension story, told against a running server in plain words (behaviour §5):
new account → 1,000 free sends → one paid send → past midnight → suspended → refused sends (SMTP and
API, with their real replies) → a too-small top-up → the exact top-up → resumed → a send goes out.

Beside the sends, the balance poller of samples/billing_poller.py (written against the official billing
SDK, unmodified) watches the account through the Tencent Billing API and prints what a monitoring script
sees: the balance, OweAmount, the arrears alert (the suspension) and each recharge and deduction."""

from __future__ import annotations

import importlib.util
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from emulator.client import TencentApiError, TencentClient

POLLER_SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "billing_poller.py"
POLL_INTERVAL_S = 0.2
POLLER_PREFIX = "   [billing poller] "


class _Monitor:
    """The sample's BalancePoller on a thread, polling every POLL_INTERVAL_S while the story runs.
    A step that moves money holds it (`with monitor.step():`) and then polls once, so the poller's lines
    follow the step's own."""

    def __init__(self, poller: Any, echo: Callable[[str], None]) -> None:
        self._poller = poller
        self._echo = echo
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._failed = False
        self._thread = threading.Thread(target=self._run, name="billing-poller", daemon=True)

    def start(self) -> _Monitor:
        with self._lock:
            self._poll()
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(POLL_INTERVAL_S):
            with self._lock:
                self._poll()

    def _poll(self) -> None:
        try:
            self._poller.poll()
            self._failed = False
        except Exception as exc:  # a monitor reports and keeps going
            if not self._failed:
                self._echo(f"{POLLER_PREFIX}poll failed: {exc}")
            self._failed = True

    @contextmanager
    def step(self) -> Iterator[None]:
        with self._lock:
            yield
            self._poll()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)


class _NoMonitor:
    @contextmanager
    def step(self) -> Iterator[None]:
        yield

    def stop(self) -> None:
        pass


def _monitor(base_url: str, creds: dict[str, Any], echo: Callable[[str], None]) -> _Monitor | _NoMonitor:
    """Import samples/billing_poller.py (next to the package: a checkout, `make run`'s install) and
    point its poller at the new account."""
    if not POLLER_SAMPLE.is_file():
        echo(f"   (no billing poller: {POLLER_SAMPLE} is not installed beside the package)")
        return _NoMonitor()
    spec = importlib.util.spec_from_file_location("ses_emulator_billing_poller", POLLER_SAMPLE)
    if spec is None or spec.loader is None:
        return _NoMonitor()
    sample = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(sample)
    except ImportError as exc:  # the billing SDK is a main dependency; a hand-made install may lack it
        echo(f"   (no billing poller: {exc}; pip install tencentcloud-sdk-python-billing)")
        return _NoMonitor()
    client = sample.client(urlsplit(base_url).netloc, creds["secret_id"], creds["secret_key"])
    echo(
        f"   A balance poller ({POLLER_SAMPLE.parent.name}/{POLLER_SAMPLE.name}, official billing SDK) "
        f"calls DescribeAccountBalance and DescribeBillList every {POLL_INTERVAL_S} s:"
    )
    return _Monitor(sample.BalancePoller(client, lambda line: echo(POLLER_PREFIX + line)), echo).start()


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
    # sandbox whatever the server's default profile: the story sends 1,000 mails in a second, past a
    # production account's level-1 domain cap (500 a day) and API rate (docs/profiles.md)
    creds = ok(admin.post("/accounts", json={"profile": "sandbox"}))
    name = creds["name"]
    echo(f"1. New account {name!r}: SecretId {creds['secret_id']}, sender {creds['sender']}.")
    state = ok(admin.post(f"/accounts/{name}/clock/freeze"))
    echo(f"   Its clock is frozen at {state['clock']['now']} so the story runs on demand.")
    monitor = _monitor(base_url, creds, echo)
    try:
        _story(base_url, admin, ok, info, creds, monitor, echo)
    finally:
        monitor.stop()
    echo(f"Done in {time.monotonic() - t0:.1f} s.")


def _story(
    base_url: str,
    admin: httpx.Client,
    ok: Callable[[httpx.Response], Any],
    info: dict[str, Any],
    creds: dict[str, Any],
    monitor: _Monitor | _NoMonitor,
    echo: Callable[[str], None],
) -> None:
    name = creds["name"]
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

    with monitor.step():
        smtp("paid@example.com")
        state = ok(admin.get(f"/accounts/{name}"))
        echo(
            f"3. One more email by SMTP: paid units {state['paid_units']} (0.00028 USD), balance {state['balance']} USD."
        )

    with monitor.step():
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

    with monitor.step():
        state = ok(admin.post(f"/accounts/{name}/top-up", json={"amount": "0.0001"}))
        echo(
            f"7. Top-up of 0.0001 USD: balance {state['balance']}, still suspended: {state['suspended']} "
            f"(the bill is paid in full or not at all)."
        )
    with monitor.step():
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
