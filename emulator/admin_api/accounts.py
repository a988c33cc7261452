"""/admin/accounts: create (every credential), read state, top up, reset; clocks per account and global."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Response
from fastapi.responses import JSONResponse

from emulator.admin_api.deps import (
    CoreDep,
    GrantDep,
    parse_duration_us,
    parse_money_micro,
    parse_time_us,
    require_token,
)
from emulator.admin_api.errors import answers
from emulator.admin_api.schemas import (
    AccountClockPublic,
    AccountCreate,
    AccountPublic,
    AccountsBulkCreate,
    AccountsBulkCreated,
    ClockFreeze,
    ClockMove,
    ClockMovePublic,
    ClockSet,
    CredentialsPublic,
    TemplateStatusSet,
    TopUpCreate,
    iso,
)
from emulator.errors import FailedOperation, InvalidParameterValue, NotFound
from emulator.services.accounts import AccountState
from emulator.services.core import Core

router = APIRouter(prefix="/admin", tags=["accounts"], dependencies=[Depends(require_token)])


@router.post("/accounts", response_model=CredentialsPublic, status_code=201, responses=answers(400, 409))
async def create_account(body: AccountCreate, core: CoreDep) -> CredentialsPublic:
    """Create an account with every credential it needs (SecretId/SecretKey, a sender address and its
    SMTP password); each is generated unless given. 409 when the name or SecretId is taken."""
    creds = await asyncio.to_thread(
        core.accounts.create,
        body.name,
        secret_id=body.secret_id,
        secret_key=body.secret_key,
        sender=body.sender,
        smtp_password=body.smtp_password,
        free_quota=body.free_quota,
        profile=body.profile,
    )
    return CredentialsPublic.of(creds)


@router.post(
    "/accounts/bulk", response_model=AccountsBulkCreated, status_code=201, responses=answers(400, 409)
)
def create_accounts(body: AccountsBulkCreate, core: CoreDep) -> AccountsBulkCreated:
    """A test fleet: `count` accounts named <prefix>-1 .. <prefix>-<count>, generated credentials, one
    sender each, optionally a first top-up; written 500 per transaction. A taken name refuses it all."""
    micro = parse_money_micro(body.top_up, "top_up") if body.top_up is not None else 0
    if body.top_up is not None and micro <= 0:
        raise InvalidParameterValue("top_up: a top-up must be positive")
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
async def list_accounts(core: CoreDep, grant: GrantDep) -> list[AccountPublic]:
    """Every account's state (balance, free quota, suspension, clock), oldest first; a scoped token
    sees its own accounts only."""
    return [AccountPublic.of(s) for s in await asyncio.to_thread(core.accounts.list) if grant.sees(s.id)]


@router.get("/accounts/{account}", response_model=AccountPublic, responses=answers(404))
async def get_account(account: str, core: CoreDep) -> AccountPublic:
    """One account's state; `account` is its name or numeric id (so everywhere below)."""
    return AccountPublic.of(await asyncio.to_thread(core.accounts.state, account))


@router.post("/accounts/{account}/top-up", response_model=AccountPublic, responses=answers(400, 404))
async def top_up(account: str, body: TopUpCreate, core: CoreDep) -> AccountPublic:
    """Add money (positive): `amount` in USD as a decimal string ("12.50"; a JSON number only where
    exact) or `amount_micro`. Bills due by now are applied first; the top-up then pays unpaid bills
    oldest first and lifts an arrears suspension once nothing is owed."""
    if (body.amount is None) == (body.amount_micro is None):
        raise FailedOperation("give exactly one of amount (decimal USD string) or amount_micro")
    micro = body.amount_micro if body.amount_micro is not None else parse_money_micro(body.amount, "amount")
    return AccountPublic.of(await asyncio.to_thread(core.accounts.top_up, account, micro, body.note))


@router.post("/accounts/{account}/reset", response_model=AccountPublic, responses=answers(404))
def reset(account: str, core: CoreDep) -> AccountPublic:
    """Clear the account's mail and metering (captured messages, usage, free units used)."""
    return AccountPublic.of(core.accounts.reset(account))


@router.post(
    "/accounts/{account}/templates/{template_id}/status", status_code=204, responses=answers(400, 404)
)
def set_template_status(account: str, template_id: int, body: TemplateStatusSet, core: CoreDep) -> None:
    """Approve (0), hold for review (1) or reject (2) a template, as Tencent's review would."""
    aid = core.accounts.get_row(account).id
    core.templates.set_status(aid, template_id, body.status, body.reason)


# --- clocks ---------------------------------------------------------------------------------------


def _check(body: ClockMove) -> None:
    if sum(x is not None for x in (body.seconds, body.duration, body.to)) != 1:
        raise FailedOperation("give exactly one of seconds, duration or to")


def _delta_us(body: ClockMove) -> int:
    return body.seconds * 1_000_000 if body.seconds is not None else parse_duration_us(body.duration or "")


def _move(core: Core, account: str, body: ClockMove) -> list[AccountState]:
    _check(body)
    if body.key is not None:
        raise FailedOperation("key applies to the global move (/admin/clock/advance) only")
    if account and not body.wait:
        raise FailedOperation("wait applies to the global move (/admin/clock/advance) only")
    if body.to is not None:
        return [core.clocks.set_to(account, parse_time_us(body.to))]
    return [core.clocks.advance(account, _delta_us(body))]


def _move_all(core: Core, body: ClockMove) -> tuple[list[AccountState], list[str]]:
    _check(body)
    if body.to is not None:
        moved = core.clocks.set_all(parse_time_us(body.to), body.key)
        return moved.states, moved.left_ahead
    return core.clocks.advance_all(_delta_us(body), body.key), []


@router.get(
    "/accounts/{account}/clock", response_model=AccountClockPublic, tags=["clock"], responses=answers(404)
)
def get_clock(account: str, core: CoreDep) -> AccountClockPublic:
    """The account's clock: its time, frozen or running, and how far it is from real time."""
    v = core.clocks.view(account)
    return AccountClockPublic(
        account=v.account,
        now=iso(v.now_us) or "",
        now_us=v.now_us,
        frozen=v.frozen,
        state="frozen" if v.frozen else "running",
        rate=0 if v.frozen else 1,
        real_now=iso(v.wall_us) or "",
        ahead_us=v.now_us - v.wall_us,
    )


@router.post(
    "/accounts/{account}/clock/advance",
    response_model=AccountPublic,
    tags=["clock"],
    responses=answers(400, 404),
)
async def advance_clock(account: str, body: ClockMove, core: CoreDep) -> AccountPublic:
    """Move the clock forward by `seconds` or a `duration` ("1d2h"), or to a time (`to`); every event
    that falls due on the way (bills, settlements, IPs ready, scheduled sends) runs, in time order."""
    return AccountPublic.of((await asyncio.to_thread(_move, core, account, body))[0])


@router.post(
    "/accounts/{account}/clock/set", response_model=AccountPublic, tags=["clock"], responses=answers(400, 404)
)
async def set_clock(account: str, body: ClockSet, core: CoreDep) -> AccountPublic:
    """Set the clock to a time (`to`), never earlier than it shows; frozen stays frozen (at `to`). The
    events due on the way run, as with advance."""
    target = parse_time_us(body.to)
    return AccountPublic.of(await asyncio.to_thread(core.clocks.set_to, account, target))


@router.post(
    "/accounts/{account}/clock/freeze",
    response_model=AccountPublic,
    tags=["clock"],
    responses=answers(400, 404),
)
async def freeze_clock(
    account: str, core: CoreDep, body: Annotated[ClockFreeze | None, Body()] = None
) -> AccountPublic:
    """Stop the clock following real time: where it stands, or showing `at` (not before now; the events
    due on the way run). The body is optional."""
    at = parse_time_us(body.at) if body is not None and body.at is not None else None
    return AccountPublic.of(await asyncio.to_thread(core.clocks.freeze, account, at))


@router.post(
    "/accounts/{account}/clock/resume", response_model=AccountPublic, tags=["clock"], responses=answers(404)
)
async def resume_clock(account: str, core: CoreDep) -> AccountPublic:
    """Let a frozen clock follow real time again, from the time it shows (no jump)."""
    return AccountPublic.of(await asyncio.to_thread(core.clocks.resume, account))


LEFT_AHEAD_HEADER = "X-Clock-Left-Ahead"


def _start_move(core: Core, body: ClockMove) -> ClockMovePublic:
    _check(body)
    if body.to is not None:
        return ClockMovePublic.of(core.clocks.start_set_all(parse_time_us(body.to), body.key))
    return ClockMovePublic.of(core.clocks.start_advance_all(_delta_us(body), body.key))


@router.post(
    "/clock/advance",
    response_model=list[AccountPublic],
    tags=["clock"],
    responses={
        **answers(400),
        200: {
            "headers": {
                LEFT_AHEAD_HEADER: {
                    "description": "with `to`: the accounts already past it, left where they were "
                    "(comma-separated names; absent when none)",
                    "schema": {"type": "string"},
                }
            }
        },
        202: {
            "model": ClockMovePublic,
            "description": 'with `"wait": false`: recorded; finishing in the background',
        },
    },
)
async def advance_all(
    body: ClockMove, core: CoreDep, response: Response
) -> list[AccountPublic] | JSONResponse:
    """Every account to one instant, recorded before any clock moves (a crash part-way is finished at
    start-up). `to`: every clock up to that time; accounts already past it stay where they are and are
    named in the X-Clock-Left-Ahead header. `seconds`/`duration`: the latest account clock plus it.
    Give a `key` to make a retry after a lost answer safe. With `"wait": false` the answer is 202 and
    the move as soon as it is recorded; it finishes in the background (GET /admin/clock/moves/{id})."""
    if not body.wait:
        move = await asyncio.to_thread(_start_move, core, body)
        return JSONResponse(move.model_dump(), status_code=202)
    states, left = await asyncio.to_thread(_move_all, core, body)
    if left:
        response.headers[LEFT_AHEAD_HEADER] = ",".join(left)
    return [AccountPublic.of(s) for s in states]


@router.get(
    "/clock/moves/{move_id}", response_model=ClockMovePublic, tags=["clock"], responses=answers(400, 404)
)
def get_move(move_id: int, core: CoreDep) -> ClockMovePublic:
    """A global move: its target, whether it is done, and how many accounts it has moved so far."""
    status = core.clocks.move_status(move_id) if 0 <= move_id < 2**63 else None
    if status is None:
        raise NotFound(f"no clock move {move_id}")
    return ClockMovePublic.of(status)


@router.post("/clock/freeze", response_model=list[AccountPublic], tags=["clock"])
def freeze_all(core: CoreDep) -> list[AccountPublic]:
    """Freeze every account's clock where it stands."""
    return [AccountPublic.of(s) for s in core.clocks.freeze_all()]


@router.post("/clock/resume", response_model=list[AccountPublic], tags=["clock"])
def resume_all(core: CoreDep) -> list[AccountPublic]:
    """Let every frozen clock follow real time again, each from the time it shows."""
    return [AccountPublic.of(s) for s in core.clocks.resume_all()]
