"""/admin/accounts/{account}/reputation: each sender domain's reputation level, today's figures, its
history, and setting a level for test set-ups (docs/reputation.md)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from emulator.admin_api.deps import CoreDep, require_token
from emulator.admin_api.errors import answers
from emulator.admin_api.schemas import iso
from emulator.domain.records.reputation import ReputationHistoryRecord
from emulator.domain.reputation import MAX_LEVEL, DayStats, daily_quota
from emulator.services.reputation import DomainReputationView

router = APIRouter(prefix="/admin", tags=["reputation"], dependencies=[Depends(require_token)])


class DayFigures(BaseModel):
    sends: int = Field(description="recipients of stored mail from the domain (refused sends never count)")
    delivered: int
    invalid: int = Field(description="hard bounces and dropped recipients")
    spam_bounces: int = Field(description="recipients rejected by the recipient domain (SendStatus 1008)")
    soft_bounces: int
    deferred: int
    complaints: int
    opened: int


class DomainReputationPublic(BaseModel):
    domain: str
    level: int = Field(description="1..20; a new domain is 1")
    daily_quota: int = Field(description="the level's daily cap (reference §7.2)")
    max_level: int = MAX_LEVEL
    last_evaluated_day: str | None = Field(description="the last UTC+8 day whose sends were evaluated")
    today: str = Field(description="the account clock's UTC+8 day")
    today_figures: DayFigures
    blocked_today: bool = Field(description="the same-day block holds: sends answer HighRejectionRate")


class ReputationChangePublic(BaseModel):
    kind: str = Field(description="evaluation (at 00:00 UTC+8) | admin")
    evaluated_day: str | None = Field(description="the day whose sends were evaluated; null for admin")
    effective_day: str = Field(description="the UTC+8 day from which level_after applies")
    level_before: int
    level_after: int
    verdict: str = Field(description="upgrade | downgrade | hold | set")
    blocked: bool = Field(description="the evaluated day met the same-day block thresholds")
    figures: DayFigures
    account_time: str


class ReputationHistoryPublic(BaseModel):
    domain: str
    level: int
    daily_quota: int
    history: list[ReputationChangePublic] = Field(description="newest first")


class LevelSet(BaseModel):
    level: int = Field(ge=1, le=MAX_LEVEL, strict=True, description="1..20; applies at once")


def _figures(s: DayStats | ReputationHistoryRecord) -> DayFigures:
    return DayFigures(**{f: int(getattr(s, f)) for f in DayStats._fields})


def _domain(v: DomainReputationView) -> DomainReputationPublic:
    return DomainReputationPublic(
        domain=v.domain,
        level=v.level,
        daily_quota=v.daily_quota,
        last_evaluated_day=v.evaluated_day,
        today=v.today,
        today_figures=_figures(v.today_stats),
        blocked_today=v.blocked_today,
    )


@router.get(
    "/accounts/{account}/reputation", response_model=list[DomainReputationPublic], responses=answers(404)
)
def list_reputation(account: str, core: CoreDep) -> list[DomainReputationPublic]:
    """Every sender domain's level, cap and today's figures so far."""
    return [_domain(v) for v in core.reputation.overview(account)]


@router.get(
    "/accounts/{account}/reputation/{domain}",
    response_model=ReputationHistoryPublic,
    responses=answers(400, 404),
)
def domain_history(
    account: str, domain: str, core: CoreDep, limit: int = Query(400, ge=1, le=10_000)
) -> ReputationHistoryPublic:
    """The domain's level and its history: one row per evaluated day (its figures and verdict) and per
    admin change, newest first."""
    found, rows = core.reputation.history(account, domain, limit)
    return ReputationHistoryPublic(
        domain=found.domain,
        level=found.level,
        daily_quota=daily_quota(found.level),
        history=[
            ReputationChangePublic(
                kind=r.kind,
                evaluated_day=r.evaluated_day,
                effective_day=r.effective_day,
                level_before=r.level_before,
                level_after=r.level_after,
                verdict=r.verdict,
                blocked=bool(r.blocked),
                figures=_figures(r),
                account_time=iso(r.account_time_us) or "",
            )
            for r in rows
        ],
    )


@router.put(
    "/accounts/{account}/reputation/{domain}",
    response_model=ReputationHistoryPublic,
    responses=answers(400, 404),
)
def set_level(account: str, domain: str, body: LevelSet, core: CoreDep) -> ReputationHistoryPublic:
    """Set the domain's level now (e.g. {"level": 5} to test a 10,000-a-day cap); it applies at once and
    the next 00:00 evaluation starts from it."""
    core.reputation.set_level(account, domain, body.level)
    return domain_history(account, domain, core, 400)
