"""/admin/accounts/{account}/ips (apply, list, enable, disable, release) and /admin/ips/stock."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from emulator.admin_api.deps import CoreDep, require_token
from emulator.admin_api.errors import answers
from emulator.admin_api.schemas import AdminRequest, iso
from emulator.domain.dedicated_ips import MAX_APPLICATIONS_PER_MONTH
from emulator.domain.records.billing import DedicatedIpRecord, IpIntervalRecord
from emulator.services.core import Core

router = APIRouter(prefix="/admin", tags=["dedicated IPs"], dependencies=[Depends(require_token)])


class EnabledPeriodPublic(BaseModel):
    start: str = Field(description="account time it was enabled (ISO 8601, UTC+8)")
    end: str | None = Field(description="account time it was disabled or released; null while enabled")


class DedicatedIpPublic(BaseModel):
    id: int
    ip: str | None = Field(description="null while pending")
    status: str = Field(description="pending | enabled | disabled | released")
    application_month: str
    applied_at: str
    ready_at: str | None
    enabled_at: str | None = Field(description="the last enable")
    disabled_at: str | None = Field(description="the last disable (or release while enabled)")
    enabled_periods: list[EnabledPeriodPublic] = Field(
        description="every period it was enabled, oldest first (what the monthly fee is prorated on)"
    )


class IpOverviewPublic(BaseModel):
    month: str
    applications_this_month: int
    limit_per_month: int
    stock_left: int
    ips: list[DedicatedIpPublic]


class StockPublic(BaseModel):
    stock_left: int


class StockCreate(AdminRequest):
    count: int = Field(ge=1, le=1000)


def _ip(r: DedicatedIpRecord, periods: dict[int, list[IpIntervalRecord]]) -> DedicatedIpPublic:
    return DedicatedIpPublic(
        id=r.id,
        ip=r.ip,
        status=r.status,
        application_month=r.application_month,
        applied_at=iso(r.applied_us) or "",
        ready_at=iso(r.ready_us),
        enabled_at=iso(r.enabled_us),
        disabled_at=iso(r.disabled_us),
        enabled_periods=[
            EnabledPeriodPublic(start=iso(p.start_us) or "", end=iso(p.end_us)) for p in periods.get(r.id, [])
        ],
    )


def _one(core: Core, account: str, r: DedicatedIpRecord) -> DedicatedIpPublic:
    return _ip(r, core.ips.periods(account))


@router.get("/accounts/{account}/ips", response_model=IpOverviewPublic, responses=answers(404))
def list_ips(account: str, core: CoreDep) -> IpOverviewPublic:
    """The account's dedicated IPs with their enabled periods, this month's applications and the stock."""
    o = core.ips.overview(account)
    return IpOverviewPublic(
        month=o.month,
        applications_this_month=o.applications_this_month,
        limit_per_month=MAX_APPLICATIONS_PER_MONTH,
        stock_left=o.stock_left,
        ips=[_ip(r, o.periods) for r in o.ips],
    )


@router.post(
    "/accounts/{account}/ips", response_model=DedicatedIpPublic, status_code=201, responses=answers(404, 429)
)
def apply_ip(account: str, core: CoreDep) -> DedicatedIpPublic:
    """Apply for a dedicated IP: enabled at once from the stock, else pending until its lead time has
    passed on the account's clock. 429 past three applications in a calendar month (UTC+8)."""
    return _one(core, account, core.ips.apply(account))


_IP_ERRORS = answers(400, 404, 409)


@router.post(
    "/accounts/{account}/ips/{ip_id}/disable", response_model=DedicatedIpPublic, responses=_IP_ERRORS
)
def disable_ip(account: str, ip_id: int, core: CoreDep) -> DedicatedIpPublic:
    """Stop sending through an enabled IP (its enabled period ends; 409 unless enabled)."""
    return _one(core, account, core.ips.disable(account, ip_id))


@router.post("/accounts/{account}/ips/{ip_id}/enable", response_model=DedicatedIpPublic, responses=_IP_ERRORS)
def enable_ip(account: str, ip_id: int, core: CoreDep) -> DedicatedIpPublic:
    """Send through a disabled IP again (a new enabled period starts; 409 unless disabled)."""
    return _one(core, account, core.ips.enable(account, ip_id))


@router.post(
    "/accounts/{account}/ips/{ip_id}/release", response_model=DedicatedIpPublic, responses=_IP_ERRORS
)
def release_ip(account: str, ip_id: int, core: CoreDep) -> DedicatedIpPublic:
    """Give the IP back to the stock (its period ends if enabled; 409 when already released)."""
    return _one(core, account, core.ips.release(account, ip_id))


@router.get("/ips/stock", response_model=StockPublic)
def stock(core: CoreDep) -> StockPublic:
    """How many addresses the shared stock has left for immediate applications."""
    return StockPublic(stock_left=core.ips.stock_left())


@router.post("/ips/stock", response_model=StockPublic, responses=answers(400))
def add_stock(body: StockCreate, core: CoreDep) -> StockPublic:
    """Add `count` (1-1000) addresses to the shared stock."""
    return StockPublic(stock_left=core.ips.add_stock(body.count))
