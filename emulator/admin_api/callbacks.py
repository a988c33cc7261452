"""/admin/accounts/{account}/callback, .../senders/{address}/callback and the delivery log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from emulator.admin_api.deps import CoreDep, require_token
from emulator.admin_api.errors import answers
from emulator.admin_api.schemas import AdminRequest, iso

router = APIRouter(prefix="/admin", tags=["event callbacks"], dependencies=[Depends(require_token)])


class CallbackSet(AdminRequest):
    url: str | None = Field(description="http(s) URL the events are POSTed to; null removes it")


class CallbackConfigPublic(BaseModel):
    url: str | None = Field(description="account-level URL")
    senders: dict[str, str] = Field(description="sender address -> URL (wins over the account URL)")


class DeliveryAttemptPublic(BaseModel):
    id: int
    event_id: int
    attempt: int = Field(description="1 for the first try of an event, 2 for its first retry, ...")
    url: str
    event: str
    email: str | None
    message_id: str | None
    status_code: int | None = Field(description="HTTP status; null when the request failed")
    ok: bool
    error: str
    duration_ms: int
    at: str | None = Field(description="real time of the attempt, ISO 8601 UTC+8")
    event_status: str = Field(description="pending (will retry) | delivered | failed (gave up)")
    payload: dict[str, Any]


class CallbackEventPublic(BaseModel):
    id: int
    event: str
    url: str
    status: str
    attempts: int
    next_attempt_at: str | None
    payload: dict[str, Any]


@router.get("/accounts/{account}/callback", response_model=CallbackConfigPublic, responses=answers(404))
def get_callback(account: str, core: CoreDep) -> dict[str, Any]:
    """Where the account's delivery events are POSTed: its own URL and the per-sender ones."""
    return core.callbacks.config(account)


@router.put("/accounts/{account}/callback", response_model=CallbackConfigPublic, responses=answers(400, 404))
def set_callback(account: str, body: CallbackSet, core: CoreDep) -> dict[str, Any]:
    """Set (an http(s) URL) or remove (null) the account-level callback URL."""
    return core.callbacks.set_url(account, body.url)


@router.put(
    "/accounts/{account}/senders/{address}/callback",
    response_model=CallbackConfigPublic,
    responses=answers(400, 404),
)
def set_sender_callback(account: str, address: str, body: CallbackSet, core: CoreDep) -> dict[str, Any]:
    """Set or remove one sender address's callback URL (it wins over the account's); 404 for an
    address that is not a sender of the account."""
    return core.callbacks.set_url(account, body.url, sender=address)


@router.get(
    "/accounts/{account}/callbacks/deliveries",
    response_model=list[DeliveryAttemptPublic],
    responses=answers(400, 404),
)
def deliveries(
    account: str, core: CoreDep, offset: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000)
) -> list[dict[str, Any]]:
    """Every HTTP attempt, newest first."""
    rows = core.callbacks.deliveries(account, offset, limit)
    return [{**r, "at": iso(r.pop("at_us"))} for r in rows]


@router.get(
    "/accounts/{account}/callbacks/events",
    response_model=list[CallbackEventPublic],
    responses=answers(400, 404),
)
def events(
    account: str, core: CoreDep, offset: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000)
) -> list[dict[str, Any]]:
    """The callback queue: one row per event, newest first."""
    rows = core.callbacks.events(account, offset, limit)
    return [{**r, "next_attempt_at": iso(r.pop("next_attempt_us"))} for r in rows]
