"""Issue 9 §4: a server at log level debug never writes a secret: not the SecretKey of an account it
created, not an SMTP password (given at creation, changed by UpdateEmailSmtpPassWord, or sent in AUTH PLAIN
or AUTH LOGIN, plain or base64), not a request's TC3 signature, not a scoped access token (issued, used,
revoked, refused) nor its hash."""

from __future__ import annotations

import base64
import hashlib
import re
import smtplib
from pathlib import Path
from typing import Any

from tests.clients import insecure_tls
from tests.hardening.proc import ServerProc

NEW_PASSWORD = "Rotated2026Secret"


def test_debug_logs_carry_no_secret(tmp_path: Path) -> None:
    srv = ServerProc(tmp_path / "data", env={"SES_EMULATOR_LOG_LEVEL": "debug"})
    try:
        srv.start()
        acct: dict[str, Any] = srv.admin(
            "POST",
            "/accounts",
            json={"smtp_password": "Created2026Secret", "sender": "s@secret-test.example"},
        ).json()
        scoped = _scoped_token_used_and_revoked(srv, acct["name"])
        for action, params in (
            ("SendEmail", {"FromEmailAddress": acct["sender"], "Destination": ["r@example.com"], "Subject": "s",
                           "Simple": {"Text": "aGk="}}),
            ("ListEmailTemplates", {"Offset": 0, "Limit": 10}),
            ("GetEmailTemplate", {"TemplateID": 999}),  # an error answer too
        ):  # fmt: skip
            assert "RequestId" in srv.api(acct, action, **params)
        # the signature of a request the server refused (bad key) must not be logged either
        wrong = {**acct, "secret_key": "WrongKey" + acct["secret_key"][8:]}
        assert (
            srv.api(wrong, "ListEmailTemplates", Offset=0, Limit=10)["Error"]["Code"]
            == "AuthFailure.SignatureFailure"
        )
        with smtplib.SMTP("127.0.0.1", srv.smtp, timeout=15) as c:
            c.set_debuglevel(0)
            c.starttls(context=insecure_tls())
            c.ehlo()
            code, _ = c.docmd(
                "AUTH PLAIN " + base64.b64encode(f"\0{acct['sender']}\0WrongSecret2026x".encode()).decode()
            )
            assert code == 535
            c.login(acct["sender"], acct["smtp_password"])  # AUTH PLAIN
            c.sendmail(acct["sender"], ["r@example.com"], b"Subject: x\r\n\r\nx\r\n")
        with smtplib.SMTP_SSL("127.0.0.1", srv.smtps, context=insecure_tls(), timeout=15) as c:
            c.ehlo()
            c.esmtp_features["auth"] = "LOGIN"  # AUTH LOGIN: user and password in separate base64 lines
            c.login(acct["sender"], acct["smtp_password"])
        r = srv.api(acct, "UpdateEmailSmtpPassWord", EmailAddress=acct["sender"], Password=NEW_PASSWORD)
        assert "Error" not in r, r
        signatures = _signatures(srv, acct)
        cam_secrets = _cam_calls(srv, acct)
    finally:
        srv.stop()
    out = srv.output()
    assert "Tencent SES emulator is running" in out and "stopped" in out
    secrets = [acct["secret_key"], acct["smtp_password"], NEW_PASSWORD, "WrongSecret2026x", *signatures]
    secrets += [base64.b64encode(s.encode()).decode() for s in (acct["smtp_password"], NEW_PASSWORD)]
    secrets.append(base64.b64encode(f"\0{acct['sender']}\0{acct['smtp_password']}".encode()).decode())
    secrets += cam_secrets
    secrets += [scoped, hashlib.sha256(scoped.encode()).hexdigest()]  # a scoped access token, its hash
    leaked = [s for s in secrets if s in out]
    assert not leaked, f"secrets in the log: {leaked}\n{out[-3000:]}"
    print(f"\n[secrets] {len(secrets)} secrets absent from {len(out.splitlines())} log lines at debug level")


def _cam_calls(srv: ServerProc, acct: dict[str, Any]) -> list[str]:
    """A sub-user's key (allowed and denied calls) and temporary credentials (right and wrong token):
    their SecretKeys and the token must not show either."""
    import json

    from emulator.client import sign_headers

    policy = {"version": "2.0", "statement": [{"effect": "allow", "action": "ses:List*", "resource": "*"}]}
    user = srv.admin(
        "POST", f"/accounts/{acct['name']}/sub-users", json={"name": "u", "policy": policy}
    ).json()
    key = {"secret_id": user["keys"][0]["secret_id"], "secret_key": user["keys"][0]["secret_key"]}
    assert "Error" not in srv.api(key, "ListEmailTemplates", Offset=0, Limit=1)
    denied = srv.api(key, "GetEmailTemplate", TemplateID=1)
    assert denied["Error"]["Code"] == "AuthFailure.UnauthorizedOperation"
    cred = srv.admin("POST", f"/accounts/{acct['name']}/sessions", json={"sub_user": "u"}).json()[
        "Credentials"
    ]
    body = json.dumps({"Offset": 0, "Limit": 1}).encode()
    codes = []
    for token in (cred["Token"], cred["Token"][::-1]):
        headers = sign_headers(
            srv.endpoint,
            "ListEmailTemplates",
            body,
            cred["TmpSecretId"],
            cred["TmpSecretKey"],
            "ap-guangzhou",
        )
        assert srv.http_client is not None
        answer = srv.http_client.post("/", content=body, headers={**headers, "X-TC-Token": token}).json()
        codes.append(answer["Response"].get("Error", {}).get("Code"))
    assert codes == [None, "AuthFailure.TokenFailure"], codes
    return [key["secret_key"], cred["TmpSecretKey"], cred["Token"]]


def _signatures(srv: ServerProc, acct: dict[str, Any]) -> list[str]:
    """Sign a request the way every call above was signed, and send it: its signature must not show."""
    import json

    from emulator.client import sign_headers

    body = json.dumps({"Offset": 0, "Limit": 1}).encode()
    headers = sign_headers(
        srv.endpoint, "ListEmailTemplates", body, acct["secret_id"], acct["secret_key"], "ap-guangzhou"
    )
    assert srv.http_client is not None
    srv.http_client.post("/", content=body, headers=headers)
    return re.findall(r"Signature=([0-9a-f]{64})", headers["Authorization"])


def _scoped_token_used_and_revoked(srv: ServerProc, account: str) -> str:
    issued = srv.admin("POST", "/tokens", json={"accounts": [account], "access": "read"}).json()
    auth = {"Authorization": f"Bearer {issued['token']}"}
    assert srv.admin("GET", f"/accounts/{account}", headers=auth).status_code == 200
    assert srv.admin("GET", "/limits", headers=auth).status_code == 403
    srv.admin("DELETE", f"/tokens/{issued['id']}")
    assert srv.admin("GET", f"/accounts/{account}", headers=auth).status_code == 401
    return str(issued["token"])
