"""Real clients pointed at a test server: the official Tencent SDK and smtplib."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
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
