"""The Tencent API through the official Python SDK against a real server (SQLite and PostgreSQL).

Every check goes over the wire: the SDK for the API, the admin mailbox API for what got stored, SMTP for
the password the API set. `server.core` is only used to create templates as test set-up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import smtplib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tests.clients import call, message, sdk, smtp_send
from tests.conftest import Server

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# ---------------------------------------------------------------------------------------------- helpers


def b64(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return base64.b64encode(data).decode("ascii")


def client_for(server: Server, account: dict[str, Any], secret_key: str | None = None, **profile: Any) -> Any:
    """An SDK client for the account; `unsignedPayload=True` is set on the built profile (not an
    init argument of ClientProfile)."""
    unsigned = profile.pop("unsignedPayload", False)
    key = account["secret_key"] if secret_key is None else secret_key
    client = sdk(server.endpoints.api_endpoint, account["secret_id"], key, **profile)
    client.profile.unsignedPayload = unsigned
    return client


def sdk_error(fn: Callable[[], Any]) -> TencentCloudSDKException:
    """Run an SDK call that must fail with an API error (code + RequestId), not a transport failure."""
    with pytest.raises(TencentCloudSDKException) as info:
        fn()
    exc = info.value
    assert exc.get_code() not in ("ServerNetworkError", "ClientNetworkError"), str(exc)
    assert exc.get_request_id() and UUID_RE.match(exc.get_request_id()), str(exc)
    assert exc.get_message(), str(exc)
    return exc


def usage(server: Server, account: dict[str, Any]) -> tuple[int, int]:
    """(free_left, number of stored messages) of the account, from the admin API."""
    free_left = server.state(account["name"])["free_left"]
    r = server.admin("GET", f"/accounts/{account['name']}/messages")
    assert r.status_code == 200, r.text
    return free_left, r.json()["total"]


def stored(server: Server, account: dict[str, Any], message_id: str) -> dict[str, Any]:
    r = server.admin("GET", f"/accounts/{account['name']}/messages/{message_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def headers_of(detail: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in detail["headers"]:
        out.setdefault(name.lower(), []).append(value)
    return out


def make_template(server: Server, account: dict[str, Any]) -> int:
    return int(
        server.core.templates.create(
            account["id"],
            "verify-code",
            "<p>Hi {{name}}, your code is <b>{{code}}</b></p>",
            "Hi {{name}}, your code is {{code}}",
        )
    )


def template_send(account: dict[str, Any], template_id: int, **over: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "FromEmailAddress": account["sender"],
        "Destination": ["user1@example.com"],
        "Subject": "Your code",
        "Template": {
            "TemplateID": template_id,
            "TemplateData": json.dumps({"name": "Ann", "code": "123456"}),
        },
    }
    params.update(over)
    return params


def freeze_day(server: Server, account: dict[str, Any]) -> str:
    """Freeze the account's clock (so no send straddles midnight) and return its day in UTC+8."""
    r = server.admin("POST", f"/accounts/{account['name']}/clock/freeze")
    assert r.status_code == 200 and r.json()["clock"]["frozen"], r.text
    return str(r.json()["clock"]["now"])[:10]  # the admin API shows account time in UTC+8


def message_id_re(app_id: str) -> re.Pattern[str]:
    return re.compile(rf"^qcloudses-30-{re.escape(app_id)}-date-(\d{{14}})-[A-Za-z0-9]+$")


# ---------------------------------------------------------------------------------------------- sending


def test_send_by_template_stores_mime_and_meters_distinct_recipients(
    server: Server, account: dict[str, Any]
) -> None:
    tid = make_template(server, account)
    free_before, count_before = usage(server, account)
    client = client_for(server, account)
    resp = call(
        client,
        "SendEmail",
        FromEmailAddress=f"Example Team <{account['sender']}>",
        Destination=["user1@example.com", "user2@example.com"],
        Cc=["cc@example.com", "user2@example.com"],  # user2 twice: billed once
        Bcc=["bcc@example.com"],
        ReplyToAddresses="support@example.com",
        Subject="Code for {{name}}",
        Template={"TemplateID": tid, "TemplateData": json.dumps({"name": "Ann", "code": "123456"})},
        TriggerType=1,
    )
    assert UUID_RE.match(resp.RequestId)
    m = message_id_re(account["app_id"]).match(resp.MessageId)
    assert m, resp.MessageId

    detail = stored(server, account, resp.MessageId)
    # the MessageId's date is the account time of the send, in UTC+8
    assert datetime.fromisoformat(detail["account_time"]).strftime("%Y%m%d%H%M%S") == m.group(1)
    assert detail["subject"] == "Code for Ann"
    assert sorted(r.lower() for r in detail["recipients"]) == [
        "bcc@example.com",
        "cc@example.com",
        "user1@example.com",
        "user2@example.com",
    ]
    hdrs = headers_of(detail)
    assert "bcc" not in hdrs, hdrs
    assert "cc@example.com" in hdrs["cc"][0]
    assert "user1@example.com" in hdrs["to"][0] and "user2@example.com" in hdrs["to"][0]
    assert "support@example.com" in hdrs["reply-to"][0]
    assert account["sender"] in hdrs["from"][0]
    assert detail["text"] is not None and "Hi Ann, your code is 123456" in detail["text"]
    assert detail["html"] is not None and "<b>123456</b>" in detail["html"]
    assert "{{" not in detail["text"] + detail["html"]

    free_after, count_after = usage(server, account)
    assert free_before - free_after == 4  # distinct recipients: user1, user2, cc, bcc
    assert count_after == count_before + 1


def test_send_simple_with_attachment_byte_exact(server: Server, account: dict[str, Any]) -> None:
    payload = bytes(range(256)) * 3 + b"\r\n\x00end"
    client = client_for(server, account)
    resp = call(
        client,
        "SendEmail",
        FromEmailAddress=account["sender"],
        Destination=["user1@example.com"],
        Subject="Hello with attachment",
        Simple={"Html": b64("<p>Hello <b>world</b> 你好</p>"), "Text": b64("Hello world 你好")},
        Attachments=[{"FileName": "report.pdf", "Content": b64(payload)}],
    )
    assert message_id_re(account["app_id"]).match(resp.MessageId), resp.MessageId
    detail = stored(server, account, resp.MessageId)
    assert detail["subject"] == "Hello with attachment"
    assert "你好" in (detail["html"] or "") and "Hello world 你好" in (detail["text"] or "")
    assert [(a["index"], a["filename"], a["size"]) for a in detail["attachments"]] == [
        (0, "report.pdf", len(payload))
    ]
    r = server.admin("GET", f"/accounts/{account['name']}/messages/{resp.MessageId}/attachments/0")
    assert r.status_code == 200
    assert r.content == payload


def test_get_send_email_status_one_row_per_recipient(server: Server, account: dict[str, Any]) -> None:
    tid = make_template(server, account)
    client = client_for(server, account)
    day = freeze_day(server, account)
    sent = call(
        client,
        "SendEmail",
        **template_send(
            account,
            tid,
            Destination=["a@example.com", "b@example.com"],
            Cc=["c@example.com"],
            Bcc=["d@example.com"],
        ),
    )
    other = call(client, "SendEmail", **template_send(account, tid, Destination=["e@example.com"]))

    rows = call(client, "GetSendEmailStatus", RequestDate=day, Offset=0, Limit=100, MessageId=sent.MessageId)
    statuses = rows.EmailStatusList
    assert sorted(s.ToEmailAddress for s in statuses) == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
    ]
    for s in statuses:
        assert s.MessageId == sent.MessageId
        assert s.FromEmailAddress == account["sender"]
        assert (s.SendStatus, s.DeliverStatus) == (0, 1)
        assert s.RequestTime > 0

    by_rcpt = call(
        client, "GetSendEmailStatus", RequestDate=day, Offset=0, Limit=10, ToEmailAddress="e@example.com"
    )
    assert [(s.MessageId, s.ToEmailAddress) for s in by_rcpt.EmailStatusList] == [
        (other.MessageId, "e@example.com")
    ]

    everything = call(client, "GetSendEmailStatus", RequestDate=day, Offset=0, Limit=100)
    assert len(everything.EmailStatusList) == 5
    page = call(client, "GetSendEmailStatus", RequestDate=day, Offset=3, Limit=100)
    assert len(page.EmailStatusList) == 2

    exc = sdk_error(lambda: call(client, "GetSendEmailStatus", RequestDate=day, Offset=0, Limit=101))
    assert exc.get_code() == "FailedOperation.InvalidLimit"


# ---------------------------------------------------------------------------------------------- refusals


def test_refused_send_emails_change_nothing(server: Server, account: dict[str, Any]) -> None:
    tid = make_template(server, account)
    client = client_for(server, account)
    before = usage(server, account)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("FailedOperation.InvalidTemplateID", template_send(account, 987654)),
        (
            "FailedOperation.NotAuthenticatedSender",
            template_send(account, tid, FromEmailAddress="nobody@mail.example.com"),
        ),
        (
            "FailedOperation.TooManyRecipients",
            template_send(account, tid, Destination=[f"user{i}@example.com" for i in range(51)]),
        ),
    ]
    for code, params in cases:
        exc = sdk_error(lambda params=params: call(client, "SendEmail", **params))  # type: ignore[misc]
        assert exc.get_code() == code, (code, str(exc))
        assert usage(server, account) == before, code

    bad_clients = [
        (
            "AuthFailure.SecretIdNotFound",
            sdk(
                server.endpoints.api_endpoint, "AKIDNOSUCHKEY000000000000000000000000", account["secret_key"]
            ),
        ),
        (
            "AuthFailure.SignatureFailure",
            sdk(server.endpoints.api_endpoint, account["secret_id"], account["secret_key"] + "x"),
        ),
        ("UnsupportedRegion", client_for(server, account, region="ap-beijing")),
    ]
    for code, bad in bad_clients:
        exc = sdk_error(lambda bad=bad: call(bad, "SendEmail", **template_send(account, tid)))  # type: ignore[misc]
        assert exc.get_code() == code, (code, str(exc))
        assert usage(server, account) == before, code

    # and the same request is accepted once it is right: the refusals were about the broken part
    ok = call(client, "SendEmail", **template_send(account, tid))
    assert ok.MessageId
    assert usage(server, account) == (before[0] - 1, before[1] + 1)


def test_every_action_of_the_version_is_emulated() -> None:
    from tencentcloud.ses.v20201002 import ses_client

    from emulator.tencent_api.actions import ACTIONS, ALL_ACTIONS

    sdk_actions = {n for n in vars(ses_client.SesClient) if n[0].isupper()}
    assert len(ALL_ACTIONS) == 36 and sdk_actions >= ALL_ACTIONS
    assert set(ACTIONS) == set(ALL_ACTIONS)


def test_sign_in_errors_on_read_actions(server: Server, account: dict[str, Any]) -> None:
    endpoint = server.endpoints.api_endpoint
    exc = sdk_error(
        lambda: call(
            sdk(endpoint, "AKIDNOSUCHKEY000000000000000000000000", "x" * 32),
            "ListEmailTemplates",
            Limit=10,
            Offset=0,
        )
    )
    assert exc.get_code() == "AuthFailure.SecretIdNotFound"
    exc = sdk_error(
        lambda: call(
            sdk(endpoint, account["secret_id"], "Wrong" + account["secret_key"][5:]),
            "ListEmailTemplates",
            Limit=10,
            Offset=0,
        )
    )
    assert exc.get_code() == "AuthFailure.SignatureFailure"


# ---------------------------------------------------------------------------------------------- templates


def test_template_actions_round_trip(server: Server, account: dict[str, Any]) -> None:
    client = client_for(server, account)
    html, text = "<p>Hello {{name}} — 你好</p>", "Hello {{name}} — 你好"
    created = call(
        client,
        "CreateEmailTemplate",
        TemplateName="welcome",
        TemplateContent={"Html": b64(html), "Text": b64(text)},
    )
    tid = created.TemplateID
    assert isinstance(tid, int) and tid > 0
    second = call(
        client, "CreateEmailTemplate", TemplateName="text-only", TemplateContent={"Text": b64("plain {{x}}")}
    )
    assert second.TemplateID != tid

    got = call(client, "GetEmailTemplate", TemplateID=tid)
    assert got.TemplateName == "welcome"
    assert got.TemplateStatus == 0
    assert got.TemplateContent.Html == b64(html) and got.TemplateContent.Text == b64(text)
    assert base64.b64decode(got.TemplateContent.Html).decode("utf-8") == html

    listed = call(client, "ListEmailTemplates", Limit=10, Offset=0)
    assert listed.TotalCount == 2
    assert {(t.TemplateID, t.TemplateName, t.TemplateStatus) for t in listed.TemplatesMetadata} == {
        (tid, "welcome", 0),
        (second.TemplateID, "text-only", 0),
    }
    assert all(t.CreatedTimestamp > 0 for t in listed.TemplatesMetadata)
    one = call(client, "ListEmailTemplates", Limit=1, Offset=1)
    assert one.TotalCount == 2 and len(one.TemplatesMetadata) == 1

    call(
        client,
        "UpdateEmailTemplate",
        TemplateID=tid,
        TemplateName="welcome-v2",
        TemplateContent={"Html": b64("<p>v2 {{name}}</p>")},
    )
    got = call(client, "GetEmailTemplate", TemplateID=tid)
    assert got.TemplateName == "welcome-v2"
    assert base64.b64decode(got.TemplateContent.Html).decode() == "<p>v2 {{name}}</p>"

    # the updated template is what SendEmail renders
    sent = call(
        client,
        "SendEmail",
        **template_send(account, tid, Template={"TemplateID": tid, "TemplateData": '{"name": "Bo"}'}),
    )
    assert "v2 Bo" in (stored(server, account, sent.MessageId)["html"] or "")

    call(client, "DeleteEmailTemplate", TemplateID=tid)
    exc = sdk_error(lambda: call(client, "GetEmailTemplate", TemplateID=tid))
    assert exc.get_code() == "InvalidParameterValue.TemplateNotExist"
    assert call(client, "ListEmailTemplates", Limit=10, Offset=0).TotalCount == 1
    exc = sdk_error(lambda: call(client, "ListEmailTemplates", Limit=101, Offset=0))
    assert exc.get_code() == "FailedOperation.InvalidLimit"


# ---------------------------------------------------------------------------------------------- identities


def test_identity_and_address_actions(server: Server, account: dict[str, Any]) -> None:
    client = client_for(server, account)
    domain = "news.example.org"
    created = call(client, "CreateEmailIdentity", EmailIdentity=domain)
    assert created.IdentityType == "DOMAIN"
    assert created.VerifiedForSendingStatus is True
    assert any(a.Type == "TXT" and "spf1" in a.ExpectedValue for a in created.Attributes)
    exc = sdk_error(lambda: call(client, "CreateEmailIdentity", EmailIdentity=domain))
    assert exc.get_code() == "InvalidParameterValue.RepeatCreation"

    got = call(client, "GetEmailIdentity", EmailIdentity=domain)
    assert got.IdentityType == "DOMAIN" and got.VerifiedForSendingStatus is True
    listed = call(client, "ListEmailIdentities")
    names = {i.IdentityName for i in listed.EmailIdentities}
    assert names == {domain, account["sender"].split("@")[1]}
    assert listed.Total == 2

    address = f"hello@{domain}"
    call(client, "CreateEmailAddress", EmailAddress=address, EmailSenderName="Hello Team")
    senders = {s.EmailAddress: s for s in call(client, "ListEmailAddress").EmailSenders}
    assert set(senders) == {account["sender"], address}
    assert senders[address].EmailSenderName == "Hello Team"
    assert senders[address].SmtpPwdType == 0
    assert senders[account["sender"]].SmtpPwdType == 1

    exc = sdk_error(lambda: call(client, "DeleteEmailIdentity", EmailIdentity=domain))
    assert exc.get_code() == "OperationDenied.SenderWithDomainIsNotEmpty"
    assert call(client, "GetEmailIdentity", EmailIdentity=domain).IdentityType == "DOMAIN"  # still there

    # the new address can send by API
    tid = make_template(server, account)
    assert call(client, "SendEmail", **template_send(account, tid, FromEmailAddress=address)).MessageId

    call(client, "DeleteEmailAddress", EmailAddress=address)
    assert {s.EmailAddress for s in call(client, "ListEmailAddress").EmailSenders} == {account["sender"]}
    exc = sdk_error(
        lambda: call(client, "SendEmail", **template_send(account, tid, FromEmailAddress=address))
    )
    assert exc.get_code() == "FailedOperation.NotAuthenticatedSender"

    call(client, "DeleteEmailIdentity", EmailIdentity=domain)
    exc = sdk_error(lambda: call(client, "GetEmailIdentity", EmailIdentity=domain))
    assert exc.get_code() == "InvalidParameterValue.NotExistDomain"
    assert {i.IdentityName for i in call(client, "ListEmailIdentities").EmailIdentities} == {
        account["sender"].split("@")[1]
    }


def test_update_smtp_password_then_smtp_login(server: Server, account: dict[str, Any]) -> None:
    client = client_for(server, account)
    domain = "smtp.example.org"
    address = f"mailer@{domain}"
    call(client, "CreateEmailIdentity", EmailIdentity=domain)
    call(client, "CreateEmailAddress", EmailAddress=address)
    port = server.endpoints.smtp_port
    msg = message(address, ["user1@example.com"], subject="via smtp")

    new_password = "NewSmtpPass2468"
    call(client, "UpdateEmailSmtpPassWord", EmailAddress=address, Password=new_password)
    assert {s.EmailAddress: s.SmtpPwdType for s in call(client, "ListEmailAddress").EmailSenders}[
        address
    ] == 1
    _, count_before = usage(server, account)
    assert smtp_send(port, address, new_password, msg, mode="starttls") == {}
    listed = server.admin(
        "GET", f"/accounts/{account['name']}/messages", params={"subject": "via smtp"}
    ).json()
    assert listed["total"] == 1 and listed["messages"][0]["mail_from"] == address
    assert usage(server, account)[1] == count_before + 1

    with pytest.raises(smtplib.SMTPAuthenticationError):
        smtp_send(port, address, "WrongSmtpPass2468", msg, mode="starttls")

    exc = sdk_error(
        lambda: call(client, "UpdateEmailSmtpPassWord", EmailAddress=address, Password=new_password)
    )
    assert exc.get_code() == "OperationDenied.RepeatPassWord"
    exc = sdk_error(lambda: call(client, "UpdateEmailSmtpPassWord", EmailAddress=address, Password="short"))
    assert exc.get_code() == "InvalidParameterValue.InvalidSmtpPassWord"
    exc = sdk_error(
        lambda: call(
            client, "UpdateEmailSmtpPassWord", EmailAddress=f"ghost@{domain}", Password="Another1357Pass"
        )
    )
    assert exc.get_code() == "InvalidParameterValue.NoSuchSender"
    # the refused updates left the password as it was
    assert smtp_send(port, address, new_password, msg, mode="starttls") == {}


# ---------------------------------------------------------------------------------------------- request forms


@pytest.mark.parametrize(
    "profile",
    [
        {"reqMethod": "GET"},
        {"signMethod": "HmacSHA256"},
        {"signMethod": "HmacSHA1"},
        {"unsignedPayload": True},
        {"reqMethod": "GET", "unsignedPayload": True},
    ],
    ids=["GET-TC3", "v1-HmacSHA256", "v1-HmacSHA1", "TC3-unsigned-payload", "GET-TC3-unsigned-payload"],
)
def test_get_form_v1_and_unsigned_payload_signatures(
    server: Server, account: dict[str, Any], profile: dict[str, Any]
) -> None:
    tid = make_template(server, account)
    client = client_for(server, account, **profile)
    listed = call(client, "ListEmailTemplates", Limit=10, Offset=0)
    assert listed.TotalCount == 1
    assert [(t.TemplateID, t.TemplateName) for t in listed.TemplatesMetadata] == [(tid, "verify-code")]

    free_before, count_before = usage(server, account)
    resp = call(
        client,
        "SendEmail",
        **template_send(
            account,
            tid,
            FromEmailAddress=f"Example Team <{account['sender']}>",
            Destination=["user1@example.com", "user2@example.com"],
            Cc=["cc@example.com"],
            Subject="Code {{code}}",
        ),
    )
    assert message_id_re(account["app_id"]).match(resp.MessageId), resp.MessageId
    detail = stored(server, account, resp.MessageId)
    assert detail["subject"] == "Code 123456"
    assert sorted(detail["recipients"]) == ["cc@example.com", "user1@example.com", "user2@example.com"]
    assert "Hi Ann, your code is 123456" in (detail["text"] or "")
    assert usage(server, account) == (free_before - 3, count_before + 1)

    # the signature really is checked in this form too
    bad = client_for(server, account, secret_key=account["secret_key"][:-1] + "#", **profile)
    exc = sdk_error(lambda: call(bad, "ListEmailTemplates", Limit=10, Offset=0))
    assert exc.get_code() == "AuthFailure.SignatureFailure"


# ---------------------------------------------------------------------------------------------- raw HTTP


def _tc3_headers(account: dict[str, Any], host: str, action: str, body: bytes) -> dict[str, str]:
    """TC3-HMAC-SHA256 written out here from the reference (§2.1), independent of the product code."""
    ts = int(time.time())
    date = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")
    ctype = "application/json"
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{ctype}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/ses/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{ts}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    k = mac(mac(mac(("TC3" + account["secret_key"]).encode(), date), "ses"), "tc3_request")
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": ctype,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Timestamp": str(ts),
        "X-TC-Version": "2020-10-02",
        "X-TC-Region": "ap-guangzhou",
        "Authorization": f"TC3-HMAC-SHA256 Credential={account['secret_id']}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={sig}",
    }


def test_raw_http_error_envelopes(server: Server, account: dict[str, Any]) -> None:
    host = server.endpoints.api_endpoint
    with httpx.Client(base_url=server.endpoints.http_url, timeout=30) as http:

        def post(action: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
            r = http.post("/", content=body, headers=headers)
            assert r.status_code == 200, r.text
            assert r.headers["content-type"] == "application/json"
            data = r.json()
            assert set(data) == {"Response"}
            assert UUID_RE.match(data["Response"]["RequestId"]), data
            return dict(data["Response"])

        # control: a well-signed request from this hand-written signer is accepted
        good = b'{"Limit": 10, "Offset": 0}'
        ok = post("ListEmailTemplates", good, _tc3_headers(account, host, "ListEmailTemplates", good))
        assert "Error" not in ok and ok["TotalCount"] == 0

        bad_json = b'{"Limit": 10, "Offset": '
        resp = post(
            "ListEmailTemplates", bad_json, _tc3_headers(account, host, "ListEmailTemplates", bad_json)
        )
        assert resp["Error"]["Code"] == "InvalidParameter", resp

        unsigned = _tc3_headers(account, host, "ListEmailTemplates", good)
        del unsigned["Authorization"]
        resp = post("ListEmailTemplates", good, unsigned)
        assert resp["Error"]["Code"] == "AuthFailure.InvalidAuthorization", resp

        garbled = {**_tc3_headers(account, host, "ListEmailTemplates", good), "Authorization": "Bearer abc"}
        resp = post("ListEmailTemplates", good, garbled)
        assert resp["Error"]["Code"] == "AuthFailure.InvalidAuthorization", resp

        tampered = b'{"Limit": 10, "Offset": 1}'
        resp = post("ListEmailTemplates", tampered, _tc3_headers(account, host, "ListEmailTemplates", good))
        assert resp["Error"]["Code"] == "AuthFailure.SignatureFailure", resp
        assert isinstance(resp["Error"]["Message"], str) and resp["Error"]["Message"]

        send = json.dumps(
            {
                "FromEmailAddress": account["sender"],
                "Destination": ["u@example.com"],
                "Subject": "s",
                "Template": {"TemplateID": 424242, "TemplateData": "{}"},
            }
        ).encode()
        resp = post("SendEmail", send, _tc3_headers(account, host, "SendEmail", send))
        assert resp["Error"]["Code"] == "FailedOperation.InvalidTemplateID", resp
