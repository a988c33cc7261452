"""Read a Tencent Cloud API 3.0 request off the wire (TC3 headers or a legacy v1 form): action, version,
region, credentials and parameters, with the real Tencent error codes for malformed input.

Pure functions: no web framework, no signature check (tencent_api.signing verifies what this module
parsed, from the exact bytes kept in ApiRequest), no clock.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

from emulator.errors import (
    AuthFailure,
    AuthFailureInvalidAuthorization,
    InvalidParameter,
    InvalidParameterValue,
    MissingParameter,
    TencentError,
    UnsupportedProtocol,
)

TC3_ALGORITHM = "TC3-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_V1_COMMON = (
    "Action Version Region Timestamp Nonce SecretId SignatureMethod Signature Token Language RequestClient"
)
V1_COMMON_PARAMS = frozenset(_V1_COMMON.split())
V1_SIGN_METHODS = {"HmacSHA1": hashlib.sha1, "HmacSHA256": hashlib.sha256}

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


def _missing(what: str) -> TencentError:
    return MissingParameter(f"The request is missing the required {what}.")


def unflatten(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Rebuild nested params from ``Name.0`` / ``Parent.Child`` keys (lists 0-based, no gaps)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.split(".")
        if any(p == "" for p in parts):
            raise InvalidParameter(f"Malformed parameter name `{key}`.")
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            existing = node.get(part)
            if last:
                if part in node:
                    raise InvalidParameter(
                        f"Parameter `{key}` is given twice or conflicts with a nested parameter."
                    )
                node[part] = value
            elif existing is None:
                child: dict[str, Any] = {}
                node[part] = child
                node = child
            elif isinstance(existing, dict):
                node = existing
            else:
                raise InvalidParameter(f"Parameter `{key}` conflicts with `{'.'.join(parts[: i + 1])}`.")
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
        raise InvalidParameter(f"Parameter `{prefix[:-1]}` mixes list indices and field names.")
    if not all(_INDEX_RE.match(k) for k in node):
        raise InvalidParameter(f"List indices of `{prefix[:-1]}` must not have leading zeros.")
    indices = sorted(int(k) for k in node)
    if indices != list(range(len(indices))):
        raise InvalidParameter(
            f"List `{prefix[:-1]}` must be numbered from 0 without gaps; got {indices[:10]}."
        )
    return [node[str(i)] for i in indices]


# --------------------------------------------------------------------------------------------- parsing


def _form_pairs(text: bytes | str, where: str) -> list[tuple[str, str]]:
    try:
        raw = text.decode("utf-8") if isinstance(text, bytes) else text
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidParameter(f"The {where} is not valid UTF-8 form encoding: {exc}.") from exc
    seen: set[str] = set()
    for k, _ in pairs:
        if k in seen:
            raise InvalidParameter(f"Parameter `{k}` is given more than once in the {where}.")
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
        raise InvalidParameter(f"The request body is not valid JSON: {exc}.") from exc
    except RecursionError:
        raise InvalidParameter("The request body is not valid JSON: it is nested too deeply.") from None
    if not isinstance(data, dict):
        raise InvalidParameter(f"The request body must be a JSON object, got {type(data).__name__}.")
    params: dict[str, Any] = checked_values(data) if wide else data  # checked_values raises, naming it
    return params


# Every integer parameter of ses 2020-10-02 is an id, a count, a code or an offset: 32 bits hold them all,
# and PostgreSQL's integer columns hold no more.
_INT_MAX = 2**31 - 1


def _check_text(where: str, text: str) -> None:
    if "\x00" in text:
        raise InvalidParameterValue(f"The parameter `{where}` contains a NUL character.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidParameterValue("A parameter is not valid Unicode text.") from None


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
            raise InvalidParameterValue(f"The parameter `{where}` is out of range (at most {_INT_MAX}).")
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
        raise InvalidParameter(f"`{name}` must be a Unix time in seconds, got `{value}`.")
    return int(value.strip())


def _bad_auth(detail: str) -> AuthFailure:
    return AuthFailureInvalidAuthorization(f"The Authorization header is invalid: {detail}.")


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
        raise UnsupportedProtocol(f"HTTP method {method} is not supported; use GET or POST.")
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
    raise AuthFailureInvalidAuthorization(
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
        raise InvalidParameterValue(f"SignatureMethod must be HmacSHA1 or HmacSHA256, got `{sign_method}`.")
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


__all__ = ["ApiRequest", "checked_values", "parse_api_request", "unflatten"]
