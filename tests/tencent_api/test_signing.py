"""Request parsing and signature checks, proven against 29 real SDK captures plus hand-signed edge cases."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.errors import AuthFailure, TencentError
from emulator.tencent_api.signing import (
    SIGNATURE_FAILURE_MESSAGES,
    canonical_request_hash,
    payload_hash,
    tc3_signature,
    utc_date,
    v1_signature,
    v1_string_to_sign,
    verify_signature,
)
from emulator.tencent_api.wire import ApiRequest, parse_api_request, unflatten

SECRET_ID = "AKIDFAKEEMULATOR0000000000000000000000"
SECRET_KEY = "FakeSecretKeyForEmulatorTests000"
WRONG_KEY = "FakeSecretKeyForEmulatorTests001"
TOKEN = "FakeSessionToken123"


def _captures_dir() -> Path | None:
    here = Path(__file__).resolve()
    for candidate in (
        here.parents[1] / "data" / "captures",
        here.parents[3] / "shared" / "reference" / "captures",
    ):
        if candidate.is_dir() and any(candidate.glob("*.json")):
            return candidate
    return None


CAPTURES_DIR = _captures_dir()
CAPTURE_FILES = sorted(p.name for p in CAPTURES_DIR.glob("*.json")) if CAPTURES_DIR else []
needs_captures = pytest.mark.skipif(
    CAPTURES_DIR is None, reason="no SDK captures in tests/data/captures nor ../shared/reference/captures"
)
per_capture = pytest.mark.parametrize("name", CAPTURE_FILES or ["<no captures>"])


# ------------------------------------------------------------------------------------------ capture helpers


def load(name: str) -> dict[str, Any]:
    if CAPTURES_DIR is None:
        pytest.skip("no SDK captures available")
    data: dict[str, Any] = json.loads((CAPTURES_DIR / name).read_text(encoding="utf-8"))
    return data


def parts(cap: dict[str, Any]) -> tuple[str, str, dict[str, str], bytes]:
    return cap["method"], cap["path"].partition("?")[2], dict(cap["headers"]), cap["body"].encode("utf-8")


def parse_capture(cap: dict[str, Any], **overrides: Any) -> ApiRequest:
    method, query, headers, body = parts(cap)
    return parse_api_request(
        overrides.get("method", method),
        overrides.get("query", query),
        overrides.get("headers", headers),
        overrides.get("body", body),
    )


def is_v1(cap: dict[str, Any]) -> bool:
    return not any(k.lower() == "authorization" for k, _ in cap["headers"])


def capture_timestamp(cap: dict[str, Any]) -> int:
    if not is_v1(cap):
        return int(next(v for k, v in cap["headers"] if k.lower() == "x-tc-timestamp"))
    m = re.search(r"(?:^|&)Timestamp=(\d+)", cap["body"] or cap["path"].partition("?")[2])
    assert m
    return int(m.group(1))


def flip_one_byte(text: str, is_json: bool) -> str:
    """Change one character of an action parameter's value so the request still parses."""
    if is_json:
        i = next(i for i, c in enumerate(text) if c.isdigit())
    else:
        first_value = text.index("=") + 1  # the first pair is always an action parameter in the captures
        i = next(i for i in range(first_value, len(text)) if text[i].isalnum())
    new = (
        "7"
        if text[i].isdigit() and text[i] != "7"
        else ("8" if text[i].isdigit() else ("q" if text[i] != "q" else "r"))
    )
    out = text[:i] + new + text[i + 1 :]
    assert len(out) == len(text) and sum(a != b for a, b in zip(out, text, strict=True)) == 1
    return out


def assert_code(excinfo: pytest.ExceptionInfo[Any], code: str) -> None:
    assert excinfo.value.tencent_code == code, (excinfo.value.tencent_code, excinfo.value.message)


# ------------------------------------------------------------------------------------------ every capture


@needs_captures
def test_all_29_captures_present() -> None:
    assert len(CAPTURE_FILES) == 29


@needs_captures
@per_capture
def test_capture_accepted_at_its_timestamp(name: str) -> None:
    cap = load(name)
    req = parse_capture(cap)
    ts = capture_timestamp(cap)
    assert req.timestamp == ts
    assert req.secret_id == SECRET_ID
    assert req.scheme == ("V1" if is_v1(cap) else "TC3")
    for now in (ts, ts - 300, ts + 300):
        verify_signature(req, SECRET_KEY, now_s=now)


@needs_captures
@per_capture
def test_capture_rejects_one_changed_byte(name: str) -> None:
    cap = load(name)
    method, query, headers, body = parts(cap)
    if method == "GET":
        req = parse_api_request(method, flip_one_byte(query, is_json=False), headers, body)
    else:
        req = parse_api_request(method, query, headers, flip_one_byte(cap["body"], not is_v1(cap)).encode())
    with pytest.raises(AuthFailure) as ei:
        verify_signature(req, SECRET_KEY, now_s=capture_timestamp(cap))
    assert_code(ei, "AuthFailure.SignatureFailure")


@needs_captures
@per_capture
def test_capture_rejects_wrong_key(name: str) -> None:
    cap = load(name)
    with pytest.raises(AuthFailure) as ei:
        verify_signature(parse_capture(cap), WRONG_KEY, now_s=capture_timestamp(cap))
    assert_code(ei, "AuthFailure.SignatureFailure")


@needs_captures
@per_capture
@pytest.mark.parametrize("delta", [301, -301])
def test_capture_expired_when_now_is_301s_away(name: str, delta: int) -> None:
    cap = load(name)
    with pytest.raises(AuthFailure) as ei:
        verify_signature(parse_capture(cap), SECRET_KEY, now_s=capture_timestamp(cap) + delta)
    assert_code(ei, "AuthFailure.SignatureExpire")


@needs_captures
@per_capture
def test_capture_rejects_timestamp_changed_by_one_second(name: str) -> None:
    cap = load(name)
    ts = capture_timestamp(cap)
    method, query, headers, body = parts(cap)
    if is_v1(cap):
        new_body = cap["body"].replace(f"Timestamp={ts}", f"Timestamp={ts + 1}")
        assert new_body != cap["body"]
        req = parse_api_request(method, query, headers, new_body.encode())
    else:
        headers = {k: (str(ts + 1) if k.lower() == "x-tc-timestamp" else v) for k, v in headers.items()}
        req = parse_api_request(method, query, headers, body)
    assert req.timestamp == ts + 1
    with pytest.raises(AuthFailure) as ei:
        verify_signature(req, SECRET_KEY, now_s=ts)
    assert_code(ei, "AuthFailure.SignatureFailure")


@needs_captures
@per_capture
def test_capture_params_and_common_fields(name: str) -> None:
    cap = load(name)
    req = parse_capture(cap)
    assert req.method == cap["method"]
    assert req.version == "2020-10-02"
    assert req.region in {"ap-guangzhou", "ap-hongkong"}
    assert req.form_encoded == (is_v1(cap) or cap["method"] == "GET")
    assert not set(req.params) & {"Action", "Signature", "SecretId", "Timestamp", "Nonce", "Version"}
    if req.action == "SendEmail":
        dest = req.params["Destination"]
        assert isinstance(dest, list) and dest and all("@" in d for d in dest)
        assert dest[0] == "user1@example.com"
        if "attachment" in name:
            assert req.params["Attachments"] == [{"FileName": "report.txt", "Content": "bGluZTEKbGluZTIK"}]
            assert set(req.params["Simple"]) == {"Html", "Text"}
        else:
            tid = req.params["Template"]["TemplateID"]
            assert tid == ("100091" if req.form_encoded else 100091)
            assert json.loads(req.params["Template"]["TemplateData"])["code"] in {"1", "123456"}


@needs_captures
def test_sendemail_template_full_payload() -> None:
    req = parse_capture(load("py-SendEmail-template.json"))
    p = req.params
    assert p["Destination"] == ["user1@example.com", "user2@example.com"]
    assert p["Cc"] == ["cc@example.com"] and p["Bcc"] == ["bcc@example.com"]
    assert p["Template"] == {"TemplateID": 100091, "TemplateData": '{"code": "123456"}'}
    assert (p["Unsubscribe"], p["TriggerType"], p["ReplyToAddresses"]) == ("0", 1, "support@example.com")
    assert req.language == "zh-CN" and req.token is None


@needs_captures
def test_v1_form_params_unflattened_and_common_removed() -> None:
    req = parse_capture(load("py-SendEmail-template-sigv1-HmacSHA256.json"))
    assert req.scheme == "V1" and req.sign_method == "HmacSHA256" and req.action == "SendEmail"
    assert req.params["FromEmailAddress"] == "Example Team <noreply@mail.example.com>"
    assert req.params["Destination"] == ["user1@example.com", "user2@example.com"]
    assert req.params["Template"] == {"TemplateID": "100091", "TemplateData": '{"code": "123456"}'}
    assert "Language" not in req.params and "RequestClient" not in req.params


@needs_captures
def test_get_query_params() -> None:
    req = parse_capture(load("py-ListEmailTemplates-GET-tc3.json"))
    assert (req.method, req.action, req.params) == (
        "GET",
        "ListEmailTemplates",
        {"Limit": "10", "Offset": "0"},
    )


@needs_captures
def test_token_language_region_capture() -> None:
    req = parse_capture(load("py-SendEmail-template-token-en-US-hongkong.json"))
    assert (req.token, req.language, req.region) == (TOKEN, "en-US", "ap-hongkong")


@needs_captures
def test_node_scope_service_comes_from_credential() -> None:
    req = parse_capture(load("node-SendEmail-template.json"))
    assert req.credential_service == "127" and req.language == "zh-CN"


@needs_captures
@pytest.mark.parametrize("language", ["zh-CN", "en-US"])
def test_signature_failure_message_follows_language(language: str) -> None:
    cap = load("py-SendEmail-template.json")
    _, query, headers, body = parts(cap)
    req = parse_api_request("POST", query, {**headers, "X-TC-Language": language}, body)
    with pytest.raises(AuthFailure) as ei:
        verify_signature(req, WRONG_KEY, now_s=req.timestamp)
    assert ei.value.message == SIGNATURE_FAILURE_MESSAGES[language]


@needs_captures
def test_header_names_are_case_insensitive() -> None:
    cap = load("py-SendEmail-template.json")
    _, query, headers, body = parts(cap)
    req = parse_api_request("post", query, {k.upper(): v for k, v in headers.items()}, body)
    verify_signature(req, SECRET_KEY, now_s=req.timestamp)


@needs_captures
def test_post_ignores_query_string() -> None:
    cap = load("py-ListEmailTemplates.json")
    _, _, headers, body = parts(cap)
    req = parse_api_request("POST", "Limit=99", headers, body)
    assert req.params == {"Limit": 10, "Offset": 0}
    verify_signature(req, SECRET_KEY, now_s=req.timestamp)


# ------------------------------------------------------------------------------------------ hand-signed


TS = 1_795_781_580
HOST = "127.0.0.1:18924"


def tc3_headers(
    body: bytes,
    *,
    method: str = "POST",
    query: str = "",
    ts: int = TS,
    service: str = "ses",
    content_type: str = "application/json",
    signed_host: str = HOST,
    extra: dict[str, str] | None = None,
    lower_extra: bool = True,
    unsigned: bool = False,
    scope_date: str | None = None,
) -> dict[str, str]:
    extra = extra or {}
    headers = {
        "Content-Type": content_type,
        "Host": HOST,
        "X-TC-Action": "SendEmail",
        "X-TC-Timestamp": str(ts),
        "X-TC-Version": "2020-10-02",
        "X-TC-Region": "ap-guangzhou",
        **extra,
    }
    if unsigned:
        headers["X-TC-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    signed = [("content-type", content_type), ("host", signed_host)]
    signed += [(k.lower(), v.lower() if lower_extra else v) for k, v in extra.items()]
    hashed = "UNSIGNED-PAYLOAD" if unsigned else payload_hash(body if method == "POST" else b"")
    date = scope_date or utc_date(ts)
    sig = tc3_signature(
        SECRET_KEY, date, service, str(ts), canonical_request_hash(method, "/", query, signed, hashed)
    )
    headers["Authorization"] = (
        f"TC3-HMAC-SHA256 Credential={SECRET_ID}/{date}/{service}/tc3_request, "
        f"SignedHeaders={';'.join(n for n, _ in signed)}, Signature={sig}"
    )
    return headers


def v1_params(
    params: dict[str, str],
    *,
    method: str = "POST",
    sign_method: str | None = "HmacSHA256",
    host: str = HOST,
    underscore_as_dot: bool = False,
) -> dict[str, str]:
    full = {
        **params,
        "Action": "SendEmail",
        "Nonce": "42",
        "Timestamp": str(TS),
        "Version": "2020-10-02",
        "Region": "ap-guangzhou",
        "SecretId": SECRET_ID,
    }
    if sign_method:
        full["SignatureMethod"] = sign_method
    pairs = [(k.replace("_", ".") if underscore_as_dot else k, v) for k, v in full.items()]
    full["Signature"] = v1_signature(
        SECRET_KEY, v1_string_to_sign(method, host, "/", pairs), sign_method or "HmacSHA1"
    )
    return full


def ok(req: ApiRequest, key: str = SECRET_KEY) -> None:
    verify_signature(req, key, now_s=TS)


def fails(req: ApiRequest, code: str = "AuthFailure.SignatureFailure") -> None:
    with pytest.raises(AuthFailure) as ei:
        verify_signature(req, SECRET_KEY, now_s=TS)
    assert_code(ei, code)


BODY = b'{"Destination": ["a@example.com"]}'
FORM = "application/x-www-form-urlencoded"


def test_official_worked_example_hashes() -> None:
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    assert payload_hash(payload) == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    headers = [
        ("content-type", "application/json; charset=utf-8"),
        ("host", "cvm.tencentcloudapi.com"),
        ("x-tc-action", "describeinstances"),
    ]
    assert canonical_request_hash("POST", "/", "", headers, payload_hash(payload)) == (
        "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
    )
    assert utc_date(1551113065) == "2019-02-25"


def test_unsigned_payload_accepted_and_required() -> None:
    headers = tc3_headers(BODY, unsigned=True)
    ok(parse_api_request("POST", "", headers, BODY))
    del headers["X-TC-Content-SHA256"]
    fails(parse_api_request("POST", "", headers, BODY))


@pytest.mark.parametrize("lower_extra", [True, False])
def test_extra_signed_header_value_lowercased_or_exact(lower_extra: bool) -> None:
    headers = tc3_headers(BODY, extra={"X-TC-Action": "SendEmail"}, lower_extra=lower_extra)
    assert "SignedHeaders=content-type;host;x-tc-action," in headers["Authorization"]
    ok(parse_api_request("POST", "", headers, BODY))
    fails(parse_api_request("POST", "", {**headers, "X-TC-Action": "ListEmailTemplates"}, BODY))


def test_extra_header_lowercased_with_mixed_case_content_type() -> None:
    ct = "Application/JSON; charset=UTF-8"
    headers = tc3_headers(BODY, content_type=ct, extra={"X-TC-Action": "SendEmail"})  # extra values lowered
    ok(parse_api_request("POST", "", headers, BODY))


def test_charset_content_type_and_host_without_port() -> None:
    ct = "application/json; charset=utf-8"
    ok(parse_api_request("POST", "", tc3_headers(BODY, content_type=ct, signed_host="127.0.0.1"), BODY))
    fails(parse_api_request("POST", "", tc3_headers(BODY, signed_host="10.0.0.1"), BODY))


def test_scope_date_must_match_timestamp_date() -> None:
    fails(parse_api_request("POST", "", tc3_headers(BODY, scope_date="2026-11-28"), BODY))


def test_tc3_form_post_and_get_with_nested_params() -> None:
    form = "Destination.0=a%40example.com&Attachments.0.FileName=r.txt&Attachments.0.Content=eA%3D%3D"
    req = parse_api_request("POST", "", tc3_headers(form.encode(), content_type=FORM), form.encode())
    assert req.form_encoded and req.params == {
        "Destination": ["a@example.com"],
        "Attachments": [{"FileName": "r.txt", "Content": "eA=="}],
    }
    ok(req)
    req = parse_api_request(
        "GET", form, tc3_headers(b"", method="GET", query=form, content_type=FORM), b"ignored"
    )
    assert req.params["Attachments"][0]["FileName"] == "r.txt"
    ok(req)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_v1_default_hmacsha1_and_get(method: str) -> None:
    params = v1_params({"Destination.0": "a b@example.com"}, method=method, sign_method=None)
    encoded = urlencode(params)
    headers = {"Host": HOST, "Content-Type": FORM}
    req = (
        parse_api_request("POST", "", headers, encoded.encode())
        if method == "POST"
        else parse_api_request("GET", encoded, headers, b"")
    )
    assert req.sign_method == "HmacSHA1" and req.params == {"Destination": ["a b@example.com"]}
    ok(req)


def test_v1_python_underscore_quirk() -> None:
    params = v1_params({"Some_Field": "x"}, underscore_as_dot=True)
    req = parse_api_request("POST", "", {"Host": HOST, "Content-Type": FORM}, urlencode(params).encode())
    assert req.params == {"Some_Field": "x"}
    ok(req)


def test_v1_host_without_port_and_wrong_key() -> None:
    body = urlencode(v1_params({"Subject": "hi"}, host="127.0.0.1")).encode()
    req = parse_api_request("POST", "", {"Host": HOST, "Content-Type": FORM}, body)
    ok(req)
    with pytest.raises(AuthFailure) as ei:
        verify_signature(req, WRONG_KEY, now_s=TS)
    assert_code(ei, "AuthFailure.SignatureFailure")


# ------------------------------------------------------------------------------------------ parse errors


def parse_error(
    method: str, query: str, headers: dict[str, str], body: bytes
) -> pytest.ExceptionInfo[TencentError]:
    with pytest.raises(TencentError) as ei:
        parse_api_request(method, query, headers, body)
    return ei


@pytest.mark.parametrize("method", ["PUT", "DELETE", "HEAD", "PATCH"])
def test_unsupported_method(method: str) -> None:
    assert_code(parse_error(method, "", tc3_headers(BODY), BODY), "UnsupportedProtocol")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'"x"', "JSON object"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_bad_json_body(body: bytes, fragment: str) -> None:
    ei = parse_error("POST", "", tc3_headers(body), body)
    assert_code(ei, "InvalidParameter")
    assert fragment in ei.value.message


def test_missing_authorization() -> None:
    headers = tc3_headers(BODY)
    del headers["Authorization"]
    ei = parse_error("POST", "", headers, BODY)
    assert isinstance(ei.value, AuthFailure)
    assert_code(ei, "AuthFailure.InvalidAuthorization")
    assert_code(parse_error("GET", "Limit=1", {"Host": HOST}, b""), "AuthFailure.InvalidAuthorization")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda a: a.replace("TC3-HMAC-SHA256", "HMAC-SHA256"),
        lambda a: a.replace("SignedHeaders=content-type;host", "SignedHeaders=host"),
        lambda a: a.replace("SignedHeaders=content-type;host", "SignedHeaders=content-type"),
        lambda a: a.replace(
            "SignedHeaders=content-type;host", "SignedHeaders=content-type;host;x-tc-missing"
        ),
        lambda a: a.replace("/tc3_request", "/tc4_request"),
        lambda a: a.replace(f"Credential={SECRET_ID}/", "Credential="),
        lambda a: a.replace(utc_date(TS), "27-11-2026"),
        lambda a: a.split(", Signature=")[0],
        lambda a: a.replace("Signature=", "Signature=zz"),
        lambda a: "Basic dXNlcjpwYXNz",
    ],
)
def test_malformed_authorization(mutate: Any) -> None:
    headers = tc3_headers(BODY)
    headers["Authorization"] = mutate(headers["Authorization"])
    ei = parse_error("POST", "", headers, BODY)
    assert isinstance(ei.value, AuthFailure)
    assert_code(ei, "AuthFailure.InvalidAuthorization")


def test_missing_action_and_timestamp() -> None:
    headers = tc3_headers(BODY)
    assert_code(
        parse_error("POST", "", {k: v for k, v in headers.items() if k != "X-TC-Action"}, BODY),
        "MissingParameter",
    )
    assert_code(
        parse_error("POST", "", {k: v for k, v in headers.items() if k != "X-TC-Timestamp"}, BODY),
        "MissingParameter",
    )
    assert_code(parse_error("POST", "", {**headers, "X-TC-Timestamp": "17957x"}, BODY), "InvalidParameter")
    assert_code(parse_error("POST", "", {**headers, "X-TC-Timestamp": "-5"}, BODY), "InvalidParameter")


def test_v1_missing_and_bad_common_params() -> None:
    h = {"Host": HOST, "Content-Type": FORM}
    base = v1_params({"Subject": "x"})
    for drop, code in [
        ("Action", "MissingParameter"),
        ("Timestamp", "MissingParameter"),
        ("SecretId", "MissingParameter"),
    ]:
        body = urlencode({k: v for k, v in base.items() if k != drop}).encode()
        assert_code(parse_error("POST", "", h, body), code)
    assert_code(
        parse_error("POST", "", h, urlencode({**base, "Timestamp": "soon"}).encode()), "InvalidParameter"
    )
    assert_code(
        parse_error("POST", "", h, urlencode({**base, "SignatureMethod": "MD5"}).encode()),
        "InvalidParameterValue",
    )


def test_expired_checked_with_max_skew() -> None:
    req = parse_api_request("POST", "", tc3_headers(BODY), BODY)
    verify_signature(req, SECRET_KEY, now_s=TS + 10, max_skew_s=10)
    with pytest.raises(AuthFailure) as ei:
        verify_signature(req, SECRET_KEY, now_s=TS + 11, max_skew_s=10)
    assert_code(ei, "AuthFailure.SignatureExpire")


# ------------------------------------------------------------------------------------------ unflatten


def test_unflatten_nested() -> None:
    pairs = [
        ("A.0", "x"),
        ("A.1", "y"),
        ("P.C", "1"),
        ("L.1.F", "b"),
        ("L.0.F", "a"),
        ("L.0.G.0", "g"),
        ("S", ""),
    ]
    assert unflatten(pairs) == {
        "A": ["x", "y"],
        "P": {"C": "1"},
        "L": [{"F": "a", "G": ["g"]}, {"F": "b"}],
        "S": "",
    }


@pytest.mark.parametrize(
    "pairs",
    [
        [("A.0", "x"), ("A.2", "z")],  # gap
        [("A.1", "x")],  # does not start at 0
        [("A.0", "x"), ("A.B", "y")],  # index and name mixed
        [("A", "x"), ("A.0", "y")],  # scalar then nested
        [("A.0", "y"), ("A", "x")],  # nested then scalar
        [("A..B", "x")],  # empty segment
        [("A.", "x")],
        [("A.01", "x")],  # non-canonical index
        [("A.99999999999", "x")],  # huge gap, must not allocate
    ],
)
def test_unflatten_rejects(pairs: list[tuple[str, str]]) -> None:
    with pytest.raises(TencentError) as ei:
        unflatten(pairs)
    assert_code(ei, "InvalidParameter")


def test_duplicate_form_key_rejected() -> None:
    body = b"Destination.0=a&Destination.0=b"
    assert_code(parse_error("POST", "", tc3_headers(body, content_type=FORM), body), "InvalidParameter")
    assert_code(
        parse_error("GET", "Limit=1&Limit=2", tc3_headers(b"", method="GET", query="Limit=1&Limit=2"), b""),
        "InvalidParameter",
    )


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in flatten(v, f"{prefix}{k}.")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in flatten(v, f"{prefix}{i}.")]
    return [(prefix[:-1], value)]


_names = st.from_regex(r"[A-Z][A-Za-z]{0,8}", fullmatch=True)
_trees = st.recursive(
    st.text(max_size=5),
    lambda inner: (
        st.lists(inner, min_size=1, max_size=3) | st.dictionaries(_names, inner, min_size=1, max_size=3)
    ),
    max_leaves=12,
)


@given(st.dictionaries(_names, _trees, max_size=4))
def test_unflatten_inverts_sdk_flattening(params: dict[str, Any]) -> None:
    assert unflatten(flatten(params)) == params
