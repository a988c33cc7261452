"""/admin/accounts/{account}/ips (apply, list, enable, disable, release) and /admin/ips/stock."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from emulator.admin_api.deps import CoreDep, require_token
from emulator.admin_api.schemas import iso
from emulator.domain.dedicated_ips import MAX_APPLICATIONS_PER_MONTH
from emulator.domain.records.billing import DedicatedIpRecord

router = APIRouter(prefix="/admin", tags=["dedicated IPs"], dependencies=[Depends(require_token)])


class DedicatedIpPublic(BaseModel):
    id: int
    ip: str | None = Field(description="null while pending")
    status: str = Field(description="pending | enabled | disabled | released")
    application_month: str
    applied_at: str
    ready_at: str | None
    enabled_at: str | None
    disabled_at: str | None


class IpOverviewPublic(BaseModel):
    month: str
    applications_this_month: int
    limit_per_month: int
    stock_left: int
    ips: list[DedicatedIpPublic]


class StockPublic(BaseModel):
    stock_left: int


class StockCreate(BaseModel):
    count: int = Field(ge=1, le=1000)


def _ip(r: DedicatedIpRecord) -> DedicatedIpPublic:
    return DedicatedIpPublic(
        id=r.id,
        ip=r.ip,
        status=r.status,
        application_month=r.application_month,
        applied_at=iso(r.applied_us) or "",
        ready_at=iso(r.ready_us),
        enabled_at=iso(r.enabled_us),
        disabled_at=iso(r.disabled_us),
    )


@router.get("/accounts/{account}/ips", response_model=IpOverviewPublic)
def list_ips(account: str, core: CoreDep) -> IpOverviewPublic:
    o = core.ips.overview(account)
    return IpOverviewPublic(
        month=o.month,
        applications_this_month=o.applications_this_month,
        limit_per_month=MAX_APPLICATIONS_PER_MONTH,
        stock_left=o.stock_left,
        ips=[_ip(r) for r in o.ips],
    )


@router.post("/accounts/{account}/ips", response_model=DedicatedIpPublic, status_code=201)
def apply_ip(account: str, core: CoreDep) -> DedicatedIpPublic:
    return _ip(core.ips.apply(account))


@router.post("/accounts/{account}/ips/{ip_id}/disable", response_model=DedicatedIpPublic)
def disable_ip(account: str, ip_id: int, core: CoreDep) -> DedicatedIpPublic:
    return _ip(core.ips.disable(account, ip_id))


@router.post("/accounts/{account}/ips/{ip_id}/enable", response_model=DedicatedIpPublic)
def enable_ip(account: str, ip_id: int, core: CoreDep) -> DedicatedIpPublic:
    return _ip(core.ips.enable(account, ip_id))


@router.post("/accounts/{account}/ips/{ip_id}/release", response_model=DedicatedIpPublic)
def release_ip(account: str, ip_id: int, core: CoreDep) -> DedicatedIpPublic:
    return _ip(core.ips.release(account, ip_id))


@router.get("/ips/stock", response_model=StockPublic)
def stock(core: CoreDep) -> StockPublic:
    return StockPublic(stock_left=core.ips.stock_left())


@router.post("/ips/stock", response_model=StockPublic)
def add_stock(body: StockCreate, core: CoreDep) -> StockPublic:
    return StockPublic(stock_left=core.ips.add_stock(body.count))
