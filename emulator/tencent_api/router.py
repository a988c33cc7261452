"""POST / (and GET /?Action=...): the Tencent Cloud API 3.0 endpoint for service `ses`, version 2020-10-02,
and for service `billing`, version 2018-07-09 (tencent_api.billing, told apart by `billing.is_billing`).

Every answer is HTTP 200, `Content-Type: application/json` exactly (the Python SDK only parses errors
under that type), with a RequestId; errors use the real envelope and codes. Browser pages and content
types the SDKs never send are refused first (emulator.http_guard).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from emulator.domain.unique import unique_bits
from emulator.errors import (
    AuthFailureSecretIdNotFound,
    AuthFailureUnauthorizedOperation,
    EmulatorError,
    InvalidAction,
    InvalidParameter,
    MissingParameter,
    NoSuchVersion,
    RequestSizeLimitExceeded,
    UnsupportedOperation,
    UnsupportedRegion,
)
from emulator.http_guard import Guard, content_type_refusal
from emulator.logs import bind_request
from emulator.observability import record_api
from emulator.services.accounts import DEFAULT_ACCOUNT
from emulator.services.cam import ApiPrincipal
from emulator.services.lookup_cache import NotCached
from emulator.tencent_api import billing
from emulator.tencent_api.actions import ACTIONS, ALL_ACTIONS, Action
from emulator.tencent_api.context import ApiContext
from emulator.tencent_api.signing import verify_signature
from emulator.tencent_api.wire import ApiRequest, parse_api_request

if TYPE_CHECKING:
    from emulator.services.core import Core

log = logging.getLogger("emulator.api")

VERSION = "2020-10-02"
REGIONS = frozenset({"ap-guangzhou", "ap-hongkong", "ap-singapore"})
MAX_BODY = 10 * 1024 * 1024  # the TC3 POST limit
KNOWN_ACTIONS = ALL_ACTIONS | billing.ALL_ACTIONS  # metric labels stay bounded


def new_request_id() -> str:
    """A random (version 4, RFC 4122 variant) UUID, from domain.unique rather than uuid4()."""
    h = f"{unique_bits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False) builds one per call


def envelope_bytes(payload: dict[str, Any], request_id: str) -> bytes:
    return _ENCODER.encode({"Response": {**payload, "RequestId": request_id}}).encode()


def json_response(body: bytes) -> Response:
    return Response(body, status_code=200, media_type=None, headers={"Content-Type": "application/json"})


def is_api_request(request: Request) -> bool:
    """GET / is the web UI unless it carries an API action."""
    return request.method == "POST" or "x-tc-action" in request.headers or "Action" in request.query_params


BodyChunks = AsyncIterator[bytes]


async def _read_body(chunks: BodyChunks) -> bytes:
    """The body, refused as soon as it passes the limit: a chunked upload (no Content-Length) of any
    size is never held in memory whole."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > MAX_BODY:
            raise RequestSizeLimitExceeded(f"The request body exceeds {MAX_BODY} bytes.")
        parts.append(chunk)
    return b"".join(parts)


class TencentApi:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.guard = Guard(core.settings)  # browser-origin defence (emulator.http_guard)

    async def handle(self, request: Request) -> Response:
        try:
            body = await self.answer(
                request.method, request.url.query, request.headers, request.stream(), request.url.path
            )
        except ClientDisconnect:
            return Response(status_code=204)  # nobody is left to read an answer; nothing was done
        return json_response(body)

    async def answer(
        self, method: str, raw_query: str, headers: Mapping[str, str], chunks: BodyChunks, path: str
    ) -> bytes:
        """One API call, from the HTTP request's parts to the JSON body of its (always 200) answer."""
        return await self._answer(method, raw_query, headers, path, None, chunks)

    async def answer_body(
        self, method: str, raw_query: str, headers: Mapping[str, str], body: bytes | None
    ) -> bytes:
        """The same, for a body read whole by the caller (tencent_api.http_protocol); None: it passed
        MAX_BODY and was not kept. `headers`: lower-case names, stripped values."""
        return await self._answer(method, raw_query, headers, "/", body, None)

    async def _answer(
        self,
        method: str,
        raw_query: str,
        headers: Mapping[str, str],
        path: str,
        body: bytes | None,
        chunks: BodyChunks | None,
    ) -> bytes:
        request_id = new_request_id()
        bind_request(request_id)
        req: ApiRequest | None = None
        try:
            if (refused := self.guard.api_refusal(method, headers)) is not None:
                raise AuthFailureUnauthorizedOperation(refused)
            if (refused := content_type_refusal(method, headers)) is not None:
                raise InvalidParameter(refused)
            length = int(headers.get("content-length") or 0)
            if length > MAX_BODY or (body is None and chunks is None):
                raise RequestSizeLimitExceeded(f"The request body exceeds {MAX_BODY} bytes.")
            if body is None:
                assert chunks is not None
                body = await _read_body(chunks)
            req = parse_api_request(method, raw_query, headers, body, path=path, normalized=chunks is None)
            api, who = await self._authenticate(req, request_id)
            is_billing = billing.is_billing(req)
            action = billing.target(req) if is_billing else self._check_target(req)
            if who is not None and who.restricted:  # CAM: a sub-user's or a session's policy
                service = billing.SERVICE if is_billing else "ses"
                self.core.cam.authorize(
                    who, f"{service}:{req.action}", req.region or "", request_id, req.language
                )
            if self.core.limits.api_rate_on(api.account):  # off unless switched on
                await asyncio.to_thread(self.core.limits.check_api_rate, api.account, req.action or "")
            result = await action(api, req.params)
            record_api(self.core, req.action, True, result=result)
            return envelope_bytes(result, request_id)
        except ClientDisconnect:
            raise
        except EmulatorError as exc:
            record_api(
                self.core, req.action if req else None, bool(req and req.action in KNOWN_ACTIONS), exc=exc
            )
            return envelope_bytes({"Error": {"Code": exc.tencent_code, "Message": exc.message}}, request_id)
        except Exception as exc:
            record_api(
                self.core, req.action if req else None, bool(req and req.action in KNOWN_ACTIONS), exc=exc
            )
            log.exception("internal error in Tencent API request %s", request_id)
            return envelope_bytes(
                {"Error": {"Code": "InternalError", "Message": "An internal error occurred; try again."}},
                request_id,
            )

    async def _authenticate(self, req: ApiRequest, request_id: str) -> tuple[ApiContext, ApiPrincipal | None]:
        """The caller's account and identity (services.cam: an account's key, a sub-user's, a session's)."""
        s = self.core.settings
        who: ApiPrincipal | None = None
        if req.secret_id:
            cached = self.core.cam.cached_principal(req.secret_id)  # no thread hop on a hit
            if isinstance(cached, NotCached):
                who = await asyncio.to_thread(self.core.cam.principal, req.secret_id)
            else:
                who = cached
        if s.signature_check == "relaxed":  # no signature or token check; a sub-user's policy still applies
            if who is None:
                account = await asyncio.to_thread(self.core.accounts.get_row, DEFAULT_ACCOUNT)
                return ApiContext(self.core, account, request_id, req.form_encoded, req.language), None
        else:
            if who is None:
                raise AuthFailureSecretIdNotFound(
                    "The SecretId is not found, please ensure that your SecretId is correct.",
                )
            verify_signature(
                req, who.secret_key, self.core.clock.wall.now_us() // 1_000_000, s.signature_max_skew_s
            )
            self.core.cam.check_token(who, req.token, req.language)
        return ApiContext(self.core, who.account, request_id, req.form_encoded, req.language), who

    def _check_target(self, req: ApiRequest) -> Action:
        if req.version != VERSION:
            raise NoSuchVersion(f"The API version `{req.version}` does not exist for ses; use {VERSION}.")
        if req.action not in ALL_ACTIONS:
            raise InvalidAction(f"The action `{req.action}` does not exist.")
        if req.action not in ACTIONS:
            raise UnsupportedOperation(f"The action `{req.action}` is not emulated yet.")
        if not req.region:
            raise MissingParameter("The request is missing a required parameter `Region`.")
        if req.region not in REGIONS:
            raise UnsupportedRegion("The action not support this region.")
        return ACTIONS[req.action]
