"""/admin: fault rules (delivery outcomes) and sending limits, per account and global."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response
from pydantic import BaseModel, Field

from emulator.admin_api.deps import CoreDep, require_token
from emulator.admin_api.errors import answers
from emulator.admin_api.schemas import AdminRequest, iso
from emulator.domain.outcomes import OUTCOMES
from emulator.domain.records.policy import FaultRuleRecord

router = APIRouter(prefix="/admin", tags=["outcomes and limits"], dependencies=[Depends(require_token)])


class FaultRuleCreate(AdminRequest):
    pattern: str = Field(
        description="case-insensitive glob on the recipient address, e.g. *@bounce.example.com"
    )
    outcome: str = Field(description=" | ".join(OUTCOMES))


class FaultRulePublic(BaseModel):
    id: int
    pattern: str
    outcome: str
    created_at: str


def _rule(row: FaultRuleRecord) -> FaultRulePublic:
    return FaultRulePublic(
        id=row.id, pattern=row.pattern, outcome=row.outcome, created_at=iso(row.created_us) or ""
    )


@router.get("/accounts/{account}/fault-rules", response_model=list[FaultRulePublic], responses=answers(404))
def list_rules(account: str, core: CoreDep) -> list[FaultRulePublic]:
    """Rules in the order they apply: the first matching rule decides a recipient's outcome."""
    return [_rule(r) for r in core.outcomes.list_rules(account)]


@router.post(
    "/accounts/{account}/fault-rules",
    response_model=FaultRulePublic,
    status_code=201,
    responses=answers(400, 404),
)
def add_rule(account: str, body: FaultRuleCreate, core: CoreDep) -> FaultRulePublic:
    """Add a rule at the end: recipients matching `pattern` get `outcome` (bounce, deferral, open, ...)."""
    return _rule(core.outcomes.add_rule(account, body.pattern, body.outcome))


@router.delete("/accounts/{account}/fault-rules/{rule_id}", status_code=204, responses=answers(400, 404))
def delete_rule(account: str, rule_id: int, core: CoreDep) -> Response:
    """Delete one rule."""
    core.outcomes.delete_rule(account, rule_id)
    return Response(status_code=204)


@router.delete("/accounts/{account}/fault-rules", status_code=204, responses=answers(404))
def clear_rules(account: str, core: CoreDep) -> Response:
    """Delete every rule of the account: every recipient is delivered again."""
    core.outcomes.clear_rules(account)
    return Response(status_code=204)


class RecipientHourly(BaseModel):
    enabled: bool
    limit: int


class ApiRate(BaseModel):
    enabled: bool
    per_second: int


class DomainDailyCap(BaseModel):
    enabled: bool


class DailyTotal(BaseModel):
    enabled: bool
    limit: int


class LimitsPublic(BaseModel):
    recipient_hourly: RecipientHourly
    api_rate: ApiRate
    domain_daily_cap: DomainDailyCap
    daily_total: DailyTotal


class AccountLimitsPublic(LimitsPublic):
    simple_sending: bool = Field(
        description="false: SendEmail answers FailedOperation.WithOutPermission for Simple"
    )
    smtp_checks: bool = Field(
        False,
        description="true: SMTP refuses messages that break Tencent's header, MIME and size rules "
        "(docs/profiles.md)",
    )
    profile: str = Field("sandbox", description="the profile the account was created with (read-only)")


_PATCH_DOC = (
    'Any subset, e.g. {"recipient_hourly": {"enabled": true}}; null removes a setting so the '
    "global default (or the built-in one) shows through."
)


@router.get("/accounts/{account}/limits", response_model=AccountLimitsPublic, responses=answers(404))
def get_account_limits(account: str, core: CoreDep) -> dict[str, Any]:
    """The sending limits in force for the account (its settings over the global ones over the built-in)."""
    return core.limits.get_account(account)


@router.patch("/accounts/{account}/limits", response_model=AccountLimitsPublic, responses=answers(400, 404))
def patch_account_limits(
    account: str, core: CoreDep, body: Annotated[dict[str, Any], Body(description=_PATCH_DOC)]
) -> dict[str, Any]:
    """Change some of the account's limits (and `simple_sending`); the rest stay."""
    return core.limits.patch_account(account, body)


@router.get("/limits", response_model=LimitsPublic)
def get_global_limits(core: CoreDep) -> dict[str, Any]:
    """The global sending limits (every account without a setting of its own)."""
    return core.limits.get_global()


@router.patch("/limits", response_model=LimitsPublic, responses=answers(400))
def patch_global_limits(
    core: CoreDep, body: Annotated[dict[str, Any], Body(description=_PATCH_DOC)]
) -> dict[str, Any]:
    """Change some of the global limits; the rest stay."""
    return core.limits.patch_global(body)
