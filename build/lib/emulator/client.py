"""A small TC3-signed Tencent API client (httpx), for the CLI, the demo and the benchmarks. Apps should
use the official SDK; this exists so the emulator's own tools need no extra package."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from emulator.tencent_api.signing import canonical_request_hash, payload_hash, tc3_signature, utc_date


class TencentApiError(Exception):
    def __init__(self, code: str, message: str, request_id: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.request_id = code, message, request_id


def sign_headers(
    host: str,
    action: str,
    body: bytes,
    secret_id: str,
    secret_key: str,
    region: str,
    timestamp: int | None = None,
    version: str = "2020-10-02",
) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    ctype = "application/json"
    req_hash = canonical_request_hash(
        "POST", "/", "", [("content-type", ctype), ("host", host)], payload_hash(body)
    )
    date = utc_date(ts)
    sig = tc3_signature(secret_key, date, "ses", str(ts), req_hash)
    return {
        "Content-Type": ctype,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Version": version,
        "X-TC-Timestamp": str(ts),
        "X-TC-Region": region,
        "Authorization": f"TC3-HMAC-SHA256 Credential={secret_id}/{date}/ses/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={sig}",
    }


class TencentClient:
    def __init__(self, base_url: str, secret_id: str, secret_key: str, region: str = "ap-guangzhou") -> None:
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc
        self.secret_id, self.secret_key, self.region = secret_id, secret_key, region
        self.http = httpx.Client(timeout=60)

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        body = json.dumps(params).encode()
        headers = sign_headers(self.host, action, body, self.secret_id, self.secret_key, self.region)
        data = self.http.post(self.base_url + "/", content=body, headers=headers).json()["Response"]
        if "Error" in data:
            raise TencentApiError(data["Error"]["Code"], data["Error"]["Message"], data["RequestId"])
        return dict(data)

    def close(self) -> None:
        self.http.close()
