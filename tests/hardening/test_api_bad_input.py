"""Issue 9 §3, Tencent API: every malformed request gets Tencent's own error envelope (HTTP 200,
application/json, Response.Error {Code, Message}, RequestId) with a specific code — never InternalError —
and changes nothing the account owns."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from tests.conftest import Server
from tests.hardening.raw_api import RawApi, error_code, response_of, snapshot


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def send(sender: str, **over: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "FromEmailAddress": sender,
        "Destination": ["to@example.com"],
        "Subject": "hello",
        "Simple": {"Text": b64("hi")},
    }
    for key, value in over.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params


def attach(name: str, content: str = b64("data")) -> list[dict[str, str]]:
    return [{"FileName": name, "Content": content}]


def tpl(tid: int, data: str, subject: str = "hi {{name}}") -> dict[str, Any]:
    return {"Template": {"TemplateID": tid, "TemplateData": data}, "Simple": None, "Subject": subject}


# (id, action, params -> (sender, template id) -> body params or raw bytes, expected code)
BODY_CASES: list[tuple[str, str, Any, str]] = [
    ("json-truncated", "SendEmail", lambda s, t: b'{"FromEmailAddress": ', "InvalidParameter"),
    ("json-array", "SendEmail", lambda s, t: b"[1, 2]", "InvalidParameter"),
    ("json-string", "SendEmail", lambda s, t: b'"SendEmail"', "InvalidParameter"),
    ("json-not-utf8", "SendEmail", lambda s, t: b'{"Subject": "\xff\xfe"}', "InvalidParameter"),
    ("json-nested-deeply", "SendEmail", lambda s, t: b"[" * 100_000, "InvalidParameter"),
    ("json-objects-nested-deeply", "SendEmail", lambda s, t: b'{"a":' * 50_000, "InvalidParameter"),
    ("json-lone-surrogate", "SendEmail", lambda s, t: b'{"Subject": "a\\ud800"}', "InvalidParameterValue"),
    ("json-duplicate-nul-key", "SendEmail", lambda s, t: b'{"Sub\\u0000ject": "x"}', "InvalidParameterValue"),
    ("nul-in-subject", "SendEmail", lambda s, t: send(s, Subject="a\x00b"), "InvalidParameterValue"),
    ("nul-in-template-name", "CreateEmailTemplate",
     lambda s, t: {"TemplateName": "a\x00", "TemplateContent": {"Text": b64("x")}}, "InvalidParameterValue"),
    ("int-beyond-32-bits", "GetEmailTemplate", lambda s, t: {"TemplateID": 2**40}, "InvalidParameterValue"),
    ("int-beyond-64-bits", "GetEmailTemplate", lambda s, t: {"TemplateID": 10**30}, "InvalidParameterValue"),
    ("offset-beyond-64-bits", "ListEmailTemplates",
     lambda s, t: {"Offset": 10**30, "Limit": 10}, "InvalidParameterValue"),
    ("float-for-int", "GetEmailTemplate", lambda s, t: {"TemplateID": 1.5}, "InvalidParameter"),
    ("nan-for-int", "GetEmailTemplate", lambda s, t: b'{"TemplateID": NaN}', "InvalidParameter"),
    ("string-for-int", "GetEmailTemplate", lambda s, t: {"TemplateID": str(t)}, "InvalidParameter"),
    ("bool-for-int", "SendEmail", lambda s, t: send(s, TriggerType=True), "InvalidParameter"),
    ("string-for-list", "SendEmail", lambda s, t: send(s, Destination="to@example.com"), "InvalidParameter"),
    ("number-for-string", "SendEmail", lambda s, t: send(s, Subject=42), "InvalidParameter"),
    ("list-for-object", "SendEmail", lambda s, t: send(s, Simple=[b64("x")]), "InvalidParameter"),
    ("object-for-list", "SendEmail", lambda s, t: send(s, Attachments={"FileName": "a.txt"}), "InvalidParameter"),
    ("null-for-required", "SendEmail", lambda s, t: send(s, Subject=None) | {"Subject": None}, "InvalidParameter"),
    ("missing-subject", "SendEmail", lambda s, t: send(s, Subject=None), "MissingParameter"),
    ("missing-from", "SendEmail", lambda s, t: send(s, FromEmailAddress=None), "MissingParameter"),
    ("missing-nested", "SendEmail", lambda s, t: send(s, **tpl(t, "{}")) | {"Template": {"TemplateID": t}},
     "MissingParameter"),
    ("empty-body", "SendEmail", lambda s, t: b"", "MissingParameter"),
    ("extra-field", "SendEmail", lambda s, t: send(s, Priority="high"), "UnknownParameter"),
    ("extra-nested-field", "SendEmail", lambda s, t: send(s, Simple={"Text": b64("x"), "Js": "1"}),
     "UnknownParameter"),
    ("base64-invalid", "SendEmail", lambda s, t: send(s, Simple={"Text": "not base64!"}),
     "InvalidParameterValue.EmailContentIsWrong"),
    ("base64-unpadded", "SendEmail", lambda s, t: send(s, Simple={"Html": "aGk"}),
     "InvalidParameterValue.EmailContentIsWrong"),
    ("base64-not-utf8", "SendEmail", lambda s, t: send(s, Simple={"Text": "//79"}),
     "InvalidParameterValue.EmailContentIsWrong"),
    ("base64-invalid-attachment", "SendEmail", lambda s, t: send(s, Attachments=attach("a.txt", "@@@")),
     "InvalidParameterValue.AttachContentIsWrong"),
    ("base64-invalid-template", "CreateEmailTemplate",
     lambda s, t: {"TemplateName": "t", "TemplateContent": {"Html": "%%%"}},
     "InvalidParameterValue.TemplateContentIsWrong"),
    ("templatedata-not-json", "SendEmail", lambda s, t: send(s, **tpl(t, "{name: x")),
     "FailedOperation.WrongContentJson"),
    ("templatedata-array", "SendEmail", lambda s, t: send(s, **tpl(t, "[1]")), "FailedOperation.WrongContentJson"),
    ("templatedata-nested", "SendEmail", lambda s, t: send(s, **tpl(t, '{"name": {"a": 1}}')),
     "FailedOperation.WrongContentJson"),
    ("templatedata-html", "SendEmail", lambda s, t: send(s, **tpl(t, '{"name": "<script>x</script>"}')),
     "InvalidParameterValue.InValidTemplateData"),
    ("crlf-in-subject", "SendEmail", lambda s, t: send(s, Subject="hi\r\nBcc: victim@example.com"),
     "InvalidParameterValue"),
    ("lf-in-subject", "SendEmail", lambda s, t: send(s, Subject="hi\nX-Evil: 1"), "InvalidParameterValue"),
    ("u2028-in-subject", "SendEmail", lambda s, t: send(s, Subject="hi\u2028X-Evil: 1"), "InvalidParameterValue"),
    ("crlf-in-from", "SendEmail", lambda s, t: send(s, FromEmailAddress=f"{s}\r\nBcc: victim@example.com"),
     "InvalidParameterValue"),
    ("crlf-in-reply-to", "SendEmail", lambda s, t: send(s, ReplyToAddresses="a@example.com\r\nBcc: v@x.com"),
     "InvalidParameterValue"),
    ("crlf-in-header-from", "SendEmail", lambda s, t: send(s, HeaderFrom="a@example.com\r\nX: 1"),
     "InvalidParameterValue"),
    ("crlf-in-smtp-headers", "SendEmail", lambda s, t: send(s, SmtpHeaders='{"X-Tag": "a\\r\\nBcc: v@x.com"}'),
     "InvalidParameterValue"),
    ("crlf-in-filename", "SendEmail", lambda s, t: send(s, Attachments=attach("a.txt\r\nX-Evil: 1")),
     "InvalidParameterValue"),
    ("crlf-via-templatedata-subject", "SendEmail",
     lambda s, t: send(s, **tpl(t, '{"name": "x\\r\\nBcc: victim@example.com"}')), "InvalidParameterValue"),
    ("filename-parent-dir", "SendEmail", lambda s, t: send(s, Attachments=attach("../../etc/passwd")),
     "FailedOperation.InvalidAttachName"),
    ("filename-slash", "SendEmail", lambda s, t: send(s, Attachments=attach("dir/a.txt")),
     "FailedOperation.InvalidAttachName"),
    ("filename-backslash", "SendEmail", lambda s, t: send(s, Attachments=attach("..\\..\\a.txt")),
     "FailedOperation.InvalidAttachName"),
    ("filename-drive", "SendEmail", lambda s, t: send(s, Attachments=attach("C:a.txt")),
     "FailedOperation.InvalidAttachName"),
    ("filename-dots", "SendEmail", lambda s, t: send(s, Attachments=attach("..")), "FailedOperation.InvalidAttachName"),
    ("filename-executable", "SendEmail", lambda s, t: send(s, Attachments=attach("a.exe")),
     "FailedOperation.InvalidAttachName"),
    ("filename-empty", "SendEmail", lambda s, t: send(s, Attachments=attach("")), "FailedOperation.InvalidAttachName"),
    ("bad-recipient", "SendEmail", lambda s, t: send(s, Destination=["not-an-address"]), "FailedOperation.IncorrectEmail"),
    ("too-many-recipients", "SendEmail", lambda s, t: send(s, Destination=[f"r{i}@example.com" for i in range(51)]),
     "FailedOperation.TooManyRecipients"),
    ("unknown-template", "SendEmail", lambda s, t: send(s, **tpl(t + 999, "{}")), "FailedOperation.InvalidTemplateID"),
    ("other-sender", "SendEmail", lambda s, t: send(s, FromEmailAddress="someone@else.example"),
     "FailedOperation.NotAuthenticatedSender"),
]  # fmt: skip


@pytest.fixture
def api(server: Server, account: dict[str, Any]) -> RawApi:
    raw = RawApi(server, account)
    tid = raw.ok("CreateEmailTemplate", TemplateName="t", TemplateContent={"Text": b64("hi {{name}}")})
    account["template_id"] = tid["TemplateID"]
    return raw


@pytest.mark.parametrize(("case", "action", "make", "code"), BODY_CASES, ids=[c[0] for c in BODY_CASES])
def test_bad_body_is_refused_with_its_code_and_changes_nothing(
    server: Server, api: RawApi, case: str, action: str, make: Any, code: str
) -> None:
    before = snapshot(server, api)
    got = error_code(api.call(action, make(api.acct["sender"], api.acct["template_id"])))
    assert got == code, f"{case}: {got}"
    assert snapshot(server, api) == before


def _tamper(api: RawApi, mutate: Any, action: str = "SendEmail") -> dict[str, Any]:
    body = json.dumps(send(api.acct["sender"])).encode()
    headers = api.headers(action, body)
    body, headers = mutate(api, body, headers)
    return response_of(api.post(body, headers))


def _without(*names: str) -> Any:
    return lambda api, b, h: (b, {k: v for k, v in h.items() if k not in names})


def _with(**values: str) -> Any:
    return lambda api, b, h: (b, {**h, **{k.replace("_", "-"): v for k, v in values.items()}})


def _signed(action: str = "SendEmail", skew_s: int = 0, **kw: Any) -> Any:
    return lambda api, b, h: (b, api.headers(action, b, timestamp=int(time.time()) + skew_s, **kw))


def _flip_signature(api: RawApi, b: bytes, h: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    sig = h["Authorization"][-64:]
    return b, {**h, "Authorization": h["Authorization"][:-64] + sig[::-1]}


HEADER_CASES: list[tuple[str, Any, str]] = [
    ("no-authorization", _without("Authorization"), "AuthFailure.InvalidAuthorization"),
    ("bearer-authorization", _with(Authorization="Bearer abc"), "AuthFailure.InvalidAuthorization"),
    ("garbage-authorization", _with(Authorization="TC3-HMAC-SHA256 ???,,, Signature="), "AuthFailure.InvalidAuthorization"),
    ("credential-malformed", _with(Authorization="TC3-HMAC-SHA256 Credential=AKID/x, SignedHeaders=content-type;host, "
                                   "Signature=00"), "AuthFailure.InvalidAuthorization"),
    ("signed-headers-without-host", lambda api, b, h: (b, {**h, "Authorization": h["Authorization"].replace(
        "SignedHeaders=content-type;host", "SignedHeaders=content-type")}), "AuthFailure.InvalidAuthorization"),
    ("signature-altered", _flip_signature, "AuthFailure.SignatureFailure"),
    ("signed-with-another-key", _signed(secret_key="x" * 32), "AuthFailure.SignatureFailure"),
    ("body-changed-after-signing", lambda api, b, h: (b.replace(b"hello", b"HELLO"), h), "AuthFailure.SignatureFailure"),
    ("unknown-secret-id", _signed(secret_id="AKIDunknown000000000000000000000000"), "AuthFailure.SecretIdNotFound"),
    ("stale-timestamp-replayed", _signed(skew_s=-600),
     "AuthFailure.SignatureExpire"),
    ("future-timestamp", _signed(skew_s=600), "AuthFailure.SignatureExpire"),
    ("timestamp-not-a-number", _with(X_TC_Timestamp="yesterday"), "InvalidParameter"),
    ("no-action", _without("X-TC-Action"), "MissingParameter"),
    ("unknown-action", _signed(action="SendEmails"), "InvalidAction"),
    ("unknown-version", _signed(version="2019-01-01"), "NoSuchVersion"),
    ("no-version", _without("X-TC-Version"), "NoSuchVersion"),
    ("unknown-region", _signed(region="mars-north-1"), "UnsupportedRegion"),
    ("no-region", _without("X-TC-Region"), "MissingParameter"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "mutate", "code"), HEADER_CASES, ids=[c[0] for c in HEADER_CASES])
def test_bad_envelope_is_refused_with_its_code_and_changes_nothing(
    server: Server, api: RawApi, case: str, mutate: Any, code: str
) -> None:
    before = snapshot(server, api)
    assert error_code(_tamper(api, mutate)) == code, case
    assert snapshot(server, api) == before
