"""Parse and authenticate Tencent Cloud API 3.0 requests (TC3-HMAC-SHA256 and legacy v1).

Pure functions: no web framework, no clock (callers pass ``now_s``), so the exact wire rules can be
tested against the real SDK captures. Verification hashes the bytes received, never a re-serialisation,
and tolerates the SDK quirks documented in the reference (Node signs the scope service from the
endpoint's first label and the host without its port; Python v1 signs ``_`` in keys as ``.``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qsl

from emulator.errors import AuthFailure, TencentError

TC3_ALGORITHM = "TC3-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_V1_COMMON = (
    "Action Version Region Timestamp Nonce SecretId SignatureMethod Signature Token Language RequestClient"
)
V1_COMMON_PARAMS = frozenset(_V1_COMMON.split())
V1_SIGN_METHODS = {"HmacSHA1": hashlib.sha1, "HmacSHA256": hashlib.sha256}

SIGNATURE_FAILURE_MESSAGES = {
    "en-US": "The provided credentials could not be validated. Please check your signature is correct.",
    "zh-CN": "请求签名验证失败，请检查您的签名计算是否正确。",
}

_AUTH_RE = re.compile(
    r"^TC3-HMAC-SHA256\s+Credential=(?P<cred>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<sig>[0-9A-Fa-f]+)\s*$"
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INDEX_RE = re.compile(r"^(0|[1-9][0-9]*)$")


@dataclass(slots=True)
class ApiRequest:
    """One API call as received; the private fields keep exactly what verification needs. (Not frozen:
    a frozen dataclass of this size costs microseconds per request to build, and nothing changes it.)"""

    method: str
    action: str | None
    version: str | None
    region: str | None
    language: str
    token: str | None
    secret_id: str | None
    params: dict[str, Any]
    form_encoded: bool
    scheme: Literal["TC3", "V1"] = "TC3"
    path: str = "/"
    timestamp: int = 0
    timestamp_raw: str = ""
    host: str = ""
    # TC3
    credential_date: str = ""
    credential_service: str = ""
    signed_headers: tuple[tuple[str, str], ...] = ()
    canonical_query: str = ""
    unsigned_payload: bool = False
    payload: bytes = field(default=b"", repr=False)
    # both: the client's signature (TC3 lower-case hex, v1 base64)
    signature: str = field(default="", repr=False)
    # v1
    sign_method: str = "HmacSHA1"
    v1_pairs: tuple[tuple[str, str], ...] = field(default=(), repr=False)


# --------------------------------------------------------------------------------------------- helpers


def payload_hash(body: bytes) -> str:
    """HashedRequestPayload: lower-case hex SHA-256 of the exact body bytes."""
    return hashlib.sha256(body).hexdigest()


def canonical_request(
    method: str, path: str, query: str, headers: Sequence[tuple[str, str]], hashed_payload: str
) -> str:
    """TC3 CanonicalRequest; ``headers`` are (lower-case name, value) in SignedHeaders order."""
    canonical_headers = "".join(f"{name}:{value}\n" for name, value in headers)
    signed = ";".join(name for name, _ in headers)
    return "\n".join([method, path, query, canonical_headers, signed, hashed_payload])


def canonical_request_hash(
    method: str, path: str, query: str, headers: Sequence[tuple[str, str]], hashed_payload: str
) -> str:
    """Hex SHA-256 of the canonical request (the last line of the TC3 StringToSign)."""
    text = canonical_request(method, path, query, headers, hashed_payload)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def utc_date(timestamp: int) -> str:
    """UTC calendar date (YYYY-MM-DD) of a Unix timestamp: the TC3 scope date."""
    return _utc_day(timestamp // 86400)


@functools.lru_cache(maxsize=64)
def _utc_day(day: int) -> str:
    return datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")


def tc3_signature(secret_key: str, date: str, service: str, timestamp: str, request_hash: str) -> str:
    """TC3 key chain and final HMAC; returns the lower-case hex signature."""
    string_to_sign = f"{TC3_ALGORITHM}\n{timestamp}\n{date}/{service}/tc3_request\n{request_hash}"
    # hmac.digest: OpenSSL's one-shot HMAC, without building an hmac.HMAC object per request
    return hmac.digest(
        _signing_key(secret_key, date, service), string_to_sign.encode("utf-8"), "sha256"
    ).hex()


@functools.lru_cache(maxsize=1024)
def _signing_key(secret_key: str, date: str, service: str) -> bytes:
    """The TC3 key chain: the same for every request of a key on one UTC day."""

    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    return _hmac(_hmac(_hmac(("TC3" + secret_key).encode("utf-8"), date), service), "tc3_request")


def v1_string_to_sign(method: str, host: str, path: str, pairs: Iterable[tuple[str, str]]) -> str:
    """``<METHOD><host><path>?k=v&...`` with keys sorted and raw (decoded) values."""
    joined = "&".join(f"{k}={v}" for k, v in sorted(pairs, key=lambda kv: kv[0]))
    return f"{method}{host}{path}?{joined}"


def v1_signature(secret_key: str, string_to_sign: str, sign_method: str = "HmacSHA1") -> str:
    """Base64 HMAC-SHA1/SHA256 of the v1 string to sign."""
    digest = hmac.new(
        secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), V1_SIGN_METHODS[sign_method]
    )
    return base64.b64encode(digest.digest()).decode("ascii")


def _invalid(message: str) -> TencentError:
    return TencentError("InvalidParameter", message)


def _missing(what: str) -> TencentError:
    return TencentError("MissingParameter", f"The request is missing the required {what}.")


def unflatten(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Rebuild nested params from ``Name.0`` / ``Parent.Child`` keys (lists 0-based, no gaps)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.split(".")
        if any(p == "" for p in parts):
            raise _invalid(f"Malformed parameter name `{key}`.")
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            existing = node.get(part)
            if last:
                if part in node:
                    raise _invalid(f"Parameter `{key}` is given twice or conflicts with a nested parameter.")
                node[part] = value
            elif existing is None:
                child: dict[str, Any] = {}
                node[part] = child
                node = child
            elif isinstance(existing, dict):
                node = existing
            else:
                raise _invalid(f"Parameter `{key}` conflicts with `{'.'.join(parts[: i + 1])}`.")
    nested: dict[str, Any] = _listify(root, "")
    return nested


def _listify(node: dict[str, Any], prefix: str) -> Any:
    """Turn dicts whose keys are all indices into lists; reject mixes and gaps."""
    for k, v in node.items():
        if isinstance(v, dict):
            node[k] = _listify(v, f"{prefix}{k}.")
    if not prefix or not node:
        return node
    is_index = [k.isascii() and k.isdigit() for k in node]
    if not any(is_index):
        return node
    if not all(is_index):
        raise _invalid(f"Parameter `{prefix[:-1]}` mixes list indices and field names.")
    if not all(_INDEX_RE.match(k) for k in node):
        raise _invalid(f"List indices of `{prefix[:-1]}` must not have leading zeros.")
    indices = sorted(int(k) for k in node)
    if indices != list(range(len(indices))):
        raise _invalid(f"List `{prefix[:-1]}` must be numbered from 0 without gaps; got {indices[:10]}.")
    return [node[str(i)] for i in indices]


# --------------------------------------------------------------------------------------------- parsing


def _form_pairs(text: bytes | str, where: str) -> list[tuple[str, str]]:
    try:
        raw = text.decode("utf-8") if isinstance(text, bytes) else text
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise _invalid(f"The {where} is not valid UTF-8 form encoding: {exc}.") from exc
    seen: set[str] = set()
    for k, _ in pairs:
        if k in seen:
            raise _invalid(f"Parameter `{k}` is given more than once in the {where}.")
        seen.add(k)
    return pairs


def _json_params(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}  # tolerated: an action without parameters may come with an empty body
    wide = False
    try:
        text = body.decode("utf-8")
        try:
            data = _DECODER.decode(text)
        except _OutOfRange:
            data, wide = json.loads(text), True
    except (UnicodeDecodeError, ValueError) as exc:
        raise _invalid(f"The request body is not valid JSON: {exc}.") from exc
    except RecursionError:
        raise _invalid("The request body is not valid JSON: it is nested too deeply.") from None
    if not isinstance(data, dict):
        raise _invalid(f"The request body must be a JSON object, got {type(data).__name__}.")
    params: dict[str, Any] = checked_values(data) if wide else data  # checked_values raises, naming it
    return params


# Every integer parameter of ses 2020-10-02 is an id, a count, a code or an offset: 32 bits hold them all,
# and PostgreSQL's integer columns hold no more.
_INT_MAX = 2**31 - 1


def _check_text(where: str, text: str) -> None:
    if "\x00" in text:
        raise TencentError("InvalidParameterValue", f"The parameter `{where}` contains a NUL character.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise TencentError("InvalidParameterValue", "A parameter is not valid Unicode text.") from None


# In a JSON body a NUL or a lone surrogate can only come from a \u escape (raw control characters are
# invalid JSON), and integers are seen by json's parse_int hook: a body with neither needs no walk.
class _OutOfRange(Exception):
    pass


def _int32(text: str) -> int:
    value = int(text)
    if -_INT_MAX <= value <= _INT_MAX:
        return value
    raise _OutOfRange


_DECODER = json.JSONDecoder(parse_int=_int32)  # built once: json.loads(..., parse_int=) builds one per call


def checked_values(params: dict[str, Any]) -> dict[str, Any]:
    """Refuse names and values no Tencent parameter can hold and no database column can store: NUL
    characters, lone surrogates (``"\\ud800"`` in JSON) and integers beyond 32 bits. Iterative: bodies
    may nest deeply."""
    stack: list[tuple[str, Any]] = [("", params)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            _check_text(where, value)
        elif isinstance(value, int) and not isinstance(value, bool) and not -_INT_MAX <= value <= _INT_MAX:
            raise TencentError(
                "InvalidParameterValue", f"The parameter `{where}` is out of range (at most {_INT_MAX})."
            )
        elif isinstance(value, dict):
            for k, v in value.items():
                _check_text(f"{where}{k!r}", k)
                stack.append((f"{where}.{k}" if where else k, v))
        elif isinstance(value, list):
            stack.extend((f"{where}.{i}", v) for i, v in enumerate(value))
    return params


def _language(value: str | None) -> str:
    return "en-US" if (value or "").strip().lower() == "en-us" else "zh-CN"


def _timestamp(value: str | None, name: str) -> int:
    if value is None or value.strip() == "":
        raise _missing(f"`{name}`")
    if not value.strip().isdigit() or not value.strip().isascii():
        raise TencentError("InvalidParameter", f"`{name}` must be a Unix time in seconds, got `{value}`.")
    return int(value.strip())


def _bad_auth(detail: str) -> AuthFailure:
    return AuthFailure("AuthFailure.InvalidAuthorization", f"The Authorization header is invalid: {detail}.")


def parse_api_request(
    method: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    path: str = "/",
    normalized: bool = False,
) -> ApiRequest:
    """Turn one HTTP request into an ApiRequest; raises the real Tencent codes for malformed input.
    `normalized`: `headers` is a dict with lower-case names and stripped values already."""
    method = method.upper()
    if method not in ("GET", "POST"):
        raise TencentError("UnsupportedProtocol", f"HTTP method {method} is not supported; use GET or POST.")
    hdrs = (
        headers
        if normalized and isinstance(headers, dict)
        else {k.lower(): v.strip() for k, v in headers.items()}
    )
    content_type = hdrs.get("content-type", "")
    is_form_body = content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"
    form_source: bytes | str | None = raw_query if method == "GET" else (body if is_form_body else None)
    form = (
        _form_pairs(form_source, "query string" if method == "GET" else "request body")
        if form_source is not None
        else None
    )
    if hdrs.get("authorization"):
        return _parse_tc3(method, path, raw_query, hdrs, body, form)
    if form is not None and any(k == "Signature" for k, _ in form):
        return _parse_v1(method, path, hdrs, form)
    raise AuthFailure(
        "AuthFailure.InvalidAuthorization",
        "The request carries neither an Authorization header (TC3-HMAC-SHA256) nor a v1 Signature parameter.",
    )


def _parse_tc3(
    method: str,
    path: str,
    raw_query: str,
    hdrs: dict[str, str],
    body: bytes,
    form: list[tuple[str, str]] | None,
) -> ApiRequest:
    m = _AUTH_RE.match(hdrs["authorization"])
    if not m:
        raise _bad_auth(
            "expected `TC3-HMAC-SHA256 Credential=<SecretId>/<YYYY-MM-DD>/<service>/tc3_request, "
            "SignedHeaders=content-type;host, Signature=<hex>`"
        )
    cred = m["cred"].split("/")
    if len(cred) != 4 or cred[3] != "tc3_request" or not (cred[0] and cred[2] and _DATE_RE.match(cred[1])):
        raise _bad_auth("Credential must be `<SecretId>/<YYYY-MM-DD>/<service>/tc3_request`")
    names = [n.strip().lower() for n in m["signed"].split(";")]
    if "content-type" not in names or "host" not in names:
        raise _bad_auth("SignedHeaders must include content-type and host")
    missing = [n for n in names if n not in hdrs]
    if missing:
        raise _bad_auth(f"signed header(s) {', '.join(missing)} not present in the request")
    action = hdrs.get("x-tc-action") or None
    if action is None:
        raise _missing("header `X-TC-Action`")
    ts = _timestamp(hdrs.get("x-tc-timestamp"), "X-TC-Timestamp")
    if form is not None:
        params = checked_values(unflatten(form))
    else:
        params = _json_params(body)
        if b"\\u" in body:
            checked_values(params)
    return ApiRequest(
        method=method,
        action=action,
        version=hdrs.get("x-tc-version") or None,
        region=hdrs.get("x-tc-region") or None,
        language=_language(hdrs.get("x-tc-language")),
        token=hdrs.get("x-tc-token") or None,
        secret_id=cred[0],
        params=params,
        form_encoded=form is not None,
        scheme="TC3",
        path=path,
        timestamp=ts,
        timestamp_raw=hdrs["x-tc-timestamp"],
        host=hdrs.get("host", ""),
        credential_date=cred[1],
        credential_service=cred[2],
        signed_headers=tuple((n, hdrs[n]) for n in names),
        canonical_query=raw_query if method == "GET" else "",
        unsigned_payload=hdrs.get("x-tc-content-sha256", "") == UNSIGNED_PAYLOAD,
        payload=body if method == "POST" else b"",
        signature=m["sig"].lower(),
    )


def _parse_v1(method: str, path: str, hdrs: dict[str, str], form: list[tuple[str, str]]) -> ApiRequest:
    values = dict(form)
    action = values.get("Action") or None
    if action is None:
        raise _missing("parameter `Action`")
    ts = _timestamp(values.get("Timestamp"), "Timestamp")
    if not values.get("SecretId"):
        raise _missing("parameter `SecretId`")
    sign_method = values.get("SignatureMethod") or "HmacSHA1"
    if sign_method not in V1_SIGN_METHODS:
        raise TencentError(
            "InvalidParameterValue", f"SignatureMethod must be HmacSHA1 or HmacSHA256, got `{sign_method}`."
        )
    params = checked_values(unflatten((k, v) for k, v in form if k not in V1_COMMON_PARAMS))
    return ApiRequest(
        method=method,
        action=action,
        version=values.get("Version") or None,
        region=values.get("Region") or None,
        language=_language(values.get("Language")),
        token=values.get("Token") or None,
        secret_id=values["SecretId"],
        params=params,
        form_encoded=True,
        scheme="V1",
        path=path,
        timestamp=ts,
        timestamp_raw=values["Timestamp"],
        host=hdrs.get("host", ""),
        signature=values["Signature"].replace(" ", "+"),  # a raw `+` in base64 decodes to a space
        sign_method=sign_method,
        v1_pairs=tuple((k, v) for k, v in form if k != "Signature"),
    )


# --------------------------------------------------------------------------------------------- verifying


def _host_variants(host: str) -> list[str]:
    """The Host header as sent, then without ``:port`` (Node signs URL.hostname)."""
    out = [host]
    if host.startswith("["):  # IPv6 literal: [::1]:8080
        bare = host[: host.find("]") + 1] if "]" in host else host
    else:
        bare = host.rsplit(":", 1)[0] if ":" in host else host
    if bare and bare != host:
        out.append(bare)
    return out


def _signature_failure(req: ApiRequest) -> AuthFailure:
    return AuthFailure("AuthFailure.SignatureFailure", SIGNATURE_FAILURE_MESSAGES[req.language])


def verify_signature(req: ApiRequest, secret_key: str, now_s: int, max_skew_s: int = 300) -> None:
    """Raise AuthFailure.SignatureExpire / .SignatureFailure unless ``req`` is fresh and signed by the key."""
    if abs(now_s - req.timestamp) > max_skew_s:
        raise AuthFailure(
            "AuthFailure.SignatureExpire",
            f"Signature expired: the request timestamp {req.timestamp} is {req.timestamp - now_s:+d} s from "
            f"server time {now_s}; it must be within {max_skew_s} s. Check that your clock is synchronised.",
        )
    candidates = _tc3_candidates(req, secret_key) if req.scheme == "TC3" else _v1_candidates(req, secret_key)
    provided = req.signature.encode("ascii", "replace")
    # Each comparison is constant-time; the candidates are the ways real SDKs canonicalise, most common
    # first, so a correct request usually costs one signature (stopping early tells a caller only which
    # of the documented variants matched, nothing about the key).
    if not any(hmac.compare_digest(c.encode("ascii"), provided) for c in candidates):
        raise _signature_failure(req)


def _tc3_candidates(req: ApiRequest, secret_key: str) -> Iterator[str]:
    try:
        if utc_date(req.timestamp) != req.credential_date:
            return
    except (OverflowError, OSError, ValueError):
        return
    if req.unsigned_payload:
        # The official SDKs (Python `_get_tc3_signature`, Go `sha256hex("UNSIGNED-PAYLOAD")`) hash the
        # literal; the reference text says the literal itself is the payload hash. Accept either.
        hashes = [payload_hash(UNSIGNED_PAYLOAD.encode("ascii")), UNSIGNED_PAYLOAD]
    else:
        hashes = [payload_hash(req.payload)]

    def sign(headers: Sequence[tuple[str, str]], hashed: str) -> str:
        return tc3_signature(
            secret_key,
            req.credential_date,
            req.credential_service,
            req.timestamp_raw,
            canonical_request_hash(req.method, req.path, req.canonical_query, headers, hashed),
        )

    # the headers exactly as received: what the SDKs sign
    yield sign(req.signed_headers, hashes[0])
    tried = {(req.signed_headers, hashes[0])}
    for hashed in hashes:
        for host in _host_variants(req.host):
            exact = tuple((n, host if n == "host" else v) for n, v in req.signed_headers)
            # the docs' example lower-cases the extra headers' values (x-tc-action:describeinstances)
            lowered = tuple((n, v if n in ("content-type", "host") else v.lower()) for n, v in exact)
            for headers in (exact, lowered, tuple((n, v.lower()) for n, v in exact)):
                if (headers, hashed) not in tried:
                    tried.add((headers, hashed))
                    yield sign(headers, hashed)


def _v1_candidates(req: ApiRequest, secret_key: str) -> Iterator[str]:
    key_sets = [req.v1_pairs]
    if any("_" in k for k, _ in req.v1_pairs):  # Python SDK signs `_` in names as `.`
        key_sets.append(tuple((k.replace("_", "."), v) for k, v in req.v1_pairs))
    for host in _host_variants(req.host):
        for pairs in key_sets:
            yield v1_signature(
                secret_key, v1_string_to_sign(req.method, host, req.path, pairs), req.sign_method
            )


__all__ = [
    "ApiRequest",
    "SIGNATURE_FAILURE_MESSAGES",
    "canonical_request",
    "canonical_request_hash",
    "parse_api_request",
    "payload_hash",
    "tc3_signature",
    "unflatten",
    "utc_date",
    "v1_signature",
    "v1_string_to_sign",
    "verify_signature",
]
