"""Shared dependencies: the Core, the admin token check, time parsing."""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from emulator.domain.clock import from_datetime
from emulator.domain.money import parse_usd_input
from emulator.errors import FailedOperation, InvalidParameterValue
from emulator.services.core import Core


def get_core(request: Request) -> Core:
    core: Core = request.app.state.core
    return core


def require_token(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_admin_token: Annotated[str | None, Header()] = None,
) -> None:
    token = get_core(request).settings.admin_token
    if not token:
        return
    given = x_admin_token or (
        authorization[7:] if authorization and authorization.startswith("Bearer ") else None
    )
    if not given or not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(
            401,
            detail={
                "code": "Unauthorized",
                "message": "admin token required (Authorization: Bearer <token>)",
            },
        )


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
