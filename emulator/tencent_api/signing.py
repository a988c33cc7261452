"""Authenticate Tencent Cloud API 3.0 requests (TC3-HMAC-SHA256 and legacy v1) parsed by tencent_api.wire.

Pure functions: no web framework, no clock (callers pass ``now_s``), so the exact signing rules can be
tested against the real SDK captures. Verification hashes the bytes received, never a re-serialisation,
and tolerates the SDK quirks documented in the reference (Node signs the scope service from the
endpoint's first label and the host without its port; Python v1 signs ``_`` in keys as ``.``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime

from emulator.errors import AuthFailure, AuthFailureSignatureExpire, AuthFailureSignatureFailure
from emulator.tencent_api.wire import TC3_ALGORITHM, UNSIGNED_PAYLOAD, V1_SIGN_METHODS, ApiRequest

SIGNATURE_FAILURE_MESSAGES = {
    "en-US": "The provided credentials could not be validated. Please check your signature is correct.",
    "zh-CN": "请求签名验证失败，请检查您的签名计算是否正确。",
}


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
    return AuthFailureSignatureFailure(SIGNATURE_FAILURE_MESSAGES[req.language])


def verify_signature(req: ApiRequest, secret_key: str, now_s: int, max_skew_s: int = 300) -> None:
    """Raise AuthFailure.SignatureExpire / .SignatureFailure unless ``req`` is fresh and signed by the key."""
    if abs(now_s - req.timestamp) > max_skew_s:
        raise AuthFailureSignatureExpire(
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
    "SIGNATURE_FAILURE_MESSAGES",
    "canonical_request",
    "canonical_request_hash",
    "payload_hash",
    "tc3_signature",
    "utc_date",
    "v1_signature",
    "v1_string_to_sign",
    "verify_signature",
]
