"""Real clients pointed at a test server: the official Tencent SDK and smtplib."""

from __future__ import annotations

import json
import shutil
import smtplib
import ssl
import subprocess
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ses.v20201002 import models, ses_client


def sdk(
    endpoint: str, secret_id: str, secret_key: str, region: str = "ap-guangzhou", **profile: Any
) -> ses_client.SesClient:
    hp = HttpProfile(protocol="http", endpoint=endpoint, reqMethod=profile.pop("reqMethod", "POST"))
    return ses_client.SesClient(
        credential.Credential(secret_id, secret_key), region, ClientProfile(httpProfile=hp, **profile)
    )


def call(client: ses_client.SesClient, action: str, **params: Any) -> Any:
    req = getattr(models, f"{action}Request")()
    req.from_json_string(__import__("json").dumps(params))
    return getattr(client, action)(req)


def insecure_tls() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def message(
    sender: str, to: list[str], subject: str = "hello", body: str = "hi there", cc: list[str] | None = None
) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = ", ".join(to)
    if cc:
        m["Cc"] = ", ".join(cc)
    m["Subject"] = subject
    m.set_content(body)
    return m


def smtp_send(
    port: int,
    user: str | None,
    password: str | None,
    msg: EmailMessage,
    *,
    mode: str = "starttls",
    rcpts: list[str] | None = None,
) -> dict[str, Any]:
    """mode: starttls | implicit | plain. Returns sendmail's refused dict."""
    if mode == "implicit":
        client: smtplib.SMTP = smtplib.SMTP_SSL("127.0.0.1", port, context=insecure_tls(), timeout=30)
    else:
        client = smtplib.SMTP("127.0.0.1", port, timeout=30)
    with client:
        if mode == "starttls":
            client.starttls(context=insecure_tls())
        if user is not None and password is not None:
            client.login(user, password)
        return client.send_message(msg, to_addrs=rcpts)


NODE_DIR = Path(__file__).resolve().parent / "node"


def node_missing() -> str | None:
    """Why the official Node SDK (tests/node, `npm ci`) cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed: the Node SDK tests need it"
    if not (NODE_DIR / "node_modules" / "tencentcloud-sdk-nodejs").is_dir():
        return "tests/node/node_modules is missing: run `cd tests/node && npm ci` (make test does)"
    return None


def node_call(
    server: Any, account: dict[str, Any], action: str, *, spec: dict[str, Any] | None = None, **params: Any
) -> dict[str, Any]:
    """One action through tests/node/run.js (SES by default); `spec` adds its options (service, version,
    region, ...)."""
    full = {
        "endpoint": server.endpoints.api_endpoint,
        "secretId": account["secret_id"],
        "secretKey": account["secret_key"],
        **(spec or {}),
        "action": action,
        "params": params,
    }
    out = subprocess.run(
        ["node", "run.js", json.dumps(full)],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))
