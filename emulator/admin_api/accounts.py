"""/admin/accounts: create (every credential), read state, top up, reset; clocks per account and global."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from emulator.admin_api.deps import CoreDep, parse_duration_us, parse_time_us, require_token
from emulator.admin_api.schemas import (
    AccountCreate,
    AccountPublic,
    AccountsBulkCreate,
    AccountsBulkCreated,
    ClockMove,
    ClockMovePublic,
    CredentialsPublic,
    TemplateStatusSet,
    TopUpCreate,
)
from emulator.domain.money import parse_usd
from emulator.errors import FailedOperation, NotFound
from emulator.services.accounts import AccountState
from emulator.services.core import Core

router = APIRouter(prefix="/admin", tags=["accounts"], dependencies=[Depends(require_token)])


@router.post("/accounts", response_model=CredentialsPublic, status_code=201)
def create_account(body: AccountCreate, core: CoreDep) -> CredentialsPublic:
    creds = core.accounts.create(
        body.name,
        secret_id=body.secret_id,
        secret_key=body.secret_key,
        sender=body.sender,
        smtp_password=body.smtp_password,
        free_quota=body.free_quota,
    )
    return CredentialsPublic.of(creds)


@router.post("/accounts/bulk", response_model=AccountsBulkCreated, status_code=201)
def create_accounts(body: AccountsBulkCreate, core: CoreDep) -> AccountsBulkCreated:
    """A test fleet: `count` accounts named <prefix>-1 .. <prefix>-<count>, generated credentials, one
    sender each, optionally a first top-up; written 500 per transaction. A taken name refuses it all."""
    try:
        micro = parse_usd(body.top_up) if body.top_up is not None else 0
    except ValueError as exc:
        raise FailedOperation(str(exc)) from None
    made = core.accounts.create_many(
        body.count,
        body.prefix,
        first=body.first,
        sender=body.sender,
        free_quota=body.free_quota,
        top_up_micro=micro,
    )
    return AccountsBulkCreated(created=len(made), accounts=[CredentialsPublic.of(c) for c in made])


@router.get("/accounts", response_model=list[AccountPublic])
def list_accounts(core: CoreDep) -> list[AccountPublic]:
    return [AccountPublic.of(s) for s in core.accounts.list()]


@router.get("/accounts/{account}", response_model=AccountPublic)
def get_account(account: str, core: CoreDep) -> AccountPublic:
    return AccountPublic.of(core.accounts.state(account))


@router.post("/accounts/{account}/top-up", response_model=AccountPublic)
def top_up(account: str, body: TopUpCreate, core: CoreDep) -> AccountPublic:
    if (body.amount is None) == (body.amount_micro is None):
        raise FailedOperation("give exactly one of amount (decimal USD string) or amount_micro")
    try:
        micro = body.amount_micro if body.amount_micro is not None else parse_usd(body.amount or "")
    except ValueError as exc:
        raise FailedOperation(str(exc)) from None
    return AccountPublic.of(core.accounts.top_up(account, micro, body.note))


@router.post("/accounts/{account}/reset", response_model=AccountPublic)
def reset(account: str, core: CoreDep) -> AccountPublic:
    return AccountPublic.of(core.accounts.reset(account))


@router.post("/accounts/{account}/templates/{template_id}/status", status_code=204)
def set_template_status(account: str, template_id: int, body: TemplateStatusSet, core: CoreDep) -> None:
    aid = core.accounts.get_row(account).id
    core.templates.set_status(aid, template_id, body.status, body.reason)


# --- clocks ---------------------------------------------------------------------------------------


def _move(core: Core, account: str | None, body: ClockMove) -> list[AccountState]:
    given = [x is not None for x in (body.seconds, body.duration, body.to)]
    if sum(given) != 1:
        raise FailedOperation("give exactly one of seconds, duration or to")
    if account and body.key is not None:
        raise FailedOperation("key applies to the global move (/admin/clock/advance) only")
    if account and not body.wait:
        raise FailedOperation("wait applies to the global move (/admin/clock/advance) only")
    if body.to is not None:
        target = parse_time_us(body.to)
        return [core.clocks.set_to(account, target)] if account else core.clocks.set_all(target, body.key)
    delta = body.seconds * 1_000_000 if body.seconds is not None else parse_duration_us(body.duration or "")
    return [core.clocks.advance(account, delta)] if account else core.clocks.advance_all(delta, body.key)


@router.get("/accounts/{account}/clock", response_model=AccountPublic, tags=["clock"])
def get_clock(account: str, core: CoreDep) -> AccountPublic:
    return AccountPublic.of(core.accounts.state(account))


@router.post("/accounts/{account}/clock/advance", response_model=AccountPublic, tags=["clock"])
async def advance_clock(account: str, body: ClockMove, core: CoreDep) -> AccountPublic:
    return AccountPublic.of((await asyncio.to_thread(_move, core, account, body))[0])


@router.post("/accounts/{account}/clock/freeze", response_model=AccountPublic, tags=["clock"])
def freeze_clock(account: str, core: CoreDep) -> AccountPublic:
    return AccountPublic.of(core.clocks.freeze(account))


@router.post("/accounts/{account}/clock/resume", response_model=AccountPublic, tags=["clock"])
def resume_clock(account: str, core: CoreDep) -> AccountPublic:
    return AccountPublic.of(core.clocks.resume(account))


def _start_move(core: Core, body: ClockMove) -> ClockMovePublic:
    given = [x is not None for x in (body.seconds, body.duration, body.to)]
    if sum(given) != 1:
        raise FailedOperation("give exactly one of seconds, duration or to")
    if body.to is not None:
        return ClockMovePublic.of(core.clocks.start_set_all(parse_time_us(body.to), body.key))
    delta = body.seconds * 1_000_000 if body.seconds is not None else parse_duration_us(body.duration or "")
    return ClockMovePublic.of(core.clocks.start_advance_all(delta, body.key))


@router.post(
    "/clock/advance",
    response_model=list[AccountPublic],
    tags=["clock"],
    responses={202: {"model": ClockMovePublic, "description": "recorded; finishing in the background"}},
)
async def advance_all(body: ClockMove, core: CoreDep) -> list[AccountPublic] | JSONResponse:
    """Every account to one instant, recorded before any clock moves (a crash part-way is finished at
    start-up). Duration: the latest account clock plus it; accounts already past that stay. Give a `key`
    to make a retry after a lost answer safe. With `"wait": false` the answer is 202 and the move as soon
    as it is recorded; it finishes in the background (GET /admin/clock/moves/{id})."""
    if not body.wait:
        move = await asyncio.to_thread(_start_move, core, body)
        return JSONResponse(move.model_dump(), status_code=202)
    return [AccountPublic.of(s) for s in await asyncio.to_thread(_move, core, None, body)]


@router.get("/clock/moves/{move_id}", response_model=ClockMovePublic, tags=["clock"])
def get_move(move_id: int, core: CoreDep) -> ClockMovePublic:
    """A global move: its target, whether it is done, and how many accounts it has moved so far."""
    status = core.clocks.move_status(move_id) if 0 <= move_id < 2**63 else None
    if status is None:
        raise NotFound(f"no clock move {move_id}")
    return ClockMovePublic.of(status)


@router.post("/clock/freeze", response_model=list[AccountPublic], tags=["clock"])
def freeze_all(core: CoreDep) -> list[AccountPublic]:
    return [AccountPublic.of(s) for s in core.clocks.freeze_all()]


@router.post("/clock/resume", response_model=list[AccountPublic], tags=["clock"])
def resume_all(core: CoreDep) -> list[AccountPublic]:
    return [AccountPublic.of(s) for s in core.clocks.resume_all()]
