"""Shared dependencies: the Core, the token check (admin and scoped tokens, docs/access.md), time parsing."""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from typing import Annotated, NoReturn

from fastapi import Depends, Header, HTTPException, Request

from emulator.domain import access
from emulator.domain.clock import from_datetime
from emulator.domain.money import parse_usd_input
from emulator.errors import FailedOperation, InvalidParameterValue
from emulator.services.core import Core


def get_core(request: Request) -> Core:
    core: Core = request.app.state.core
    return core


# Routes without an {account} a scoped token may call (GET only); each shows only the token's accounts.
SCOPED_GLOBAL_ROUTES = frozenset(
    {("GET", "/admin/accounts"), ("GET", "/admin/info"), ("GET", "/admin/whoami")}
)


def _refuse(status: int, code: str, message: str) -> NoReturn:
    raise HTTPException(status, detail={"code": code, "message": message})


def require_token(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_admin_token: Annotated[str | None, Header()] = None,
) -> access.Grant:
    """Every /admin route's guard (a router-level dependency): who the caller is (the admin token, a
    scoped token, or, with no admin token configured, any caller without a token) and whether that
    caller may use this route on this account with this method (domain.access). 401: no token or an
    unknown one; 403: a token without the account, or a read-only token on a mutating method. Routes
    call it again through `GrantDep` (FastAPI caches it per request) to filter what they list."""
    core = get_core(request)
    admin_token = core.settings.admin_token
    given = x_admin_token or (
        authorization[7:] if authorization and authorization.startswith("Bearer ") else None
    )
    if not given:
        if admin_token:
            _refuse(401, "Unauthorized", "admin or access token required (Authorization: Bearer <token>)")
        return access.ADMIN  # no admin token configured: the local default, open to every caller
    if admin_token and hmac.compare_digest(given.encode(), admin_token.encode()):
        return access.ADMIN
    grant = core.access.grant_of(given)
    if grant is None:
        _refuse(401, "Unauthorized", "unknown or revoked token (Authorization: Bearer <token>)")
    ref = request.path_params.get("account")
    if ref is None:
        route = request.scope.get("route")
        if (request.method, getattr(route, "path", request.url.path)) not in SCOPED_GLOBAL_ROUTES:
            _refuse(403, "Forbidden", access.admin_only_refusal(grant) or "")
    else:
        why = access.scope_refusal(grant, core.access.account_id(ref), ref)
        if why:
            _refuse(403, "Forbidden", why)
    why = access.write_refusal(grant, request.method)
    if why:
        _refuse(403, "Forbidden", why)
    return grant


GrantDep = Annotated[access.Grant, Depends(require_token)]
CoreDep = Annotated[Core, Depends(get_core)]

_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration_us(text: str) -> int:
    """'1d2h30m' / '90s' / '2w' -> microseconds."""
    m = _DURATION.match(text.strip()) if text else None
    if not m or not any(m.groups()):
        raise FailedOperation(f"not a duration: {text!r} (use e.g. '1d', '2h30m', '90s')")
    w, d, h, mi, s = (int(g or 0) for g in m.groups())
    return ((((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s) * 1_000_000


def parse_time_us(text: str) -> int:
    """ISO 8601 with an offset ('2026-01-06T00:00:01+08:00'); a bare time is read as UTC+8."""
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise FailedOperation(f"not an ISO 8601 time: {text!r}") from None
    if dt.tzinfo is None:
        from emulator.domain.clock import BEIJING

        dt = dt.replace(tzinfo=BEIJING)
    return from_datetime(dt)


def parse_money_micro(value: object, field: str, *, allow_negative: bool = False) -> int:
    """Money in an admin request (domain.money.parse_usd_input: a plain decimal string, or a JSON number
    only where exact) -> micro-USD; InvalidParameterValue naming the field otherwise."""
    try:
        return parse_usd_input(value, allow_negative=allow_negative)
    except ValueError as exc:
        raise InvalidParameterValue(f"{field}: {exc}") from None
