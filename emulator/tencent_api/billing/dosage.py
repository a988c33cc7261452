"""DescribeDosageDetailByDate: usage by date for at most a 7-day span (EndDate - StartDate ≤ 7 days).

`ProductCode` picks the product (Tencent lists only CDN, live and EIP/CLB codes; the emulator answers
its own): `sp_ses_email` (the default) has one point per daily usage bill in the range, Time = the day,
Value = the emails metered that day (free + paid), one DetailSet whose InstanceID is the AppId;
`sp_ses_dedicated_ip` has one point per monthly dedicated-IP bill whose month overlaps the range,
Time = the first of that month, Value = the days the IP was used, one DetailSet per IP.
Domain is always empty (it is for CDN); InstanceID filters the sets.
"""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.errors import InvalidParameterInvalidParameter, InvalidParameterValue
from emulator.services.billing_reports import BillLine
from emulator.tencent_api.billing import catalog
from emulator.tencent_api.billing.formats import payer_uin
from emulator.tencent_api.billing.periods import parse_day
from emulator.tencent_api.context import ApiContext, ApiModel, parse

MAX_SPAN_DAYS = 7


class DosageRequest(ApiModel):
    StartDate: str
    EndDate: str
    ProductCode: str | None = None
    Domain: str | None = None
    InstanceID: str | None = None
    PayerUin: str | None = None


def _email_sets(bills: list[BillLine], app_id: str) -> list[dict[str, Any]]:
    points = [
        {"Time": f"{b.period} 00:00:00", "Value": str(b.units + int(b.detail.get("free_units", 0)))}
        for b in bills
    ]
    return [{"Domain": "", "DetailPoints": points, "InstanceID": app_id}] if points else []


def _ip_sets(bills: list[BillLine]) -> list[dict[str, Any]]:
    by_ip: dict[str, list[dict[str, str]]] = {}
    for b in bills:
        for entry in b.detail.get("ips", []):
            point = {"Time": f"{b.period}-01 00:00:00", "Value": str(int(entry["days_used"]))}
            by_ip.setdefault(str(entry.get("ip") or ""), []).append(point)
    return [{"Domain": "", "DetailPoints": pts, "InstanceID": ip} for ip, pts in sorted(by_ip.items())]


async def describe_dosage_detail_by_date(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(DosageRequest, params, api.form_encoded)
    start, end = parse_day(req.StartDate, "StartDate"), parse_day(req.EndDate, "EndDate")
    if not 0 <= (end - start).days <= MAX_SPAN_DAYS:
        raise InvalidParameterInvalidParameter(
            f"EndDate must be from StartDate to {MAX_SPAN_DAYS} days after it, "
            f"got {req.StartDate} .. {req.EndDate}."
        )
    product = catalog.BY_CODE.get(req.ProductCode or catalog.USAGE.code)
    if product is None:
        raise InvalidParameterValue(
            f"ProductCode `{req.ProductCode}` is not served; use one of {sorted(catalog.BY_CODE)}."
        )
    payer_uin(api.account_id, req.PayerUin)
    reports, app_id = api.core.billing_reports, str(api.account.app_id)
    if product is catalog.USAGE:
        bills = await asyncio.to_thread(
            reports.bills_with_periods, api.account_id, "usage", start.isoformat(), end.isoformat()
        )
        sets = _email_sets(bills, app_id)
    else:
        first, last = start.strftime("%Y-%m"), end.strftime("%Y-%m")
        bills = await asyncio.to_thread(
            reports.bills_with_periods, api.account_id, "dedicated_ip", first, last
        )
        sets = _ip_sets(bills)
    if req.InstanceID:
        sets = [s for s in sets if s["InstanceID"] == req.InstanceID]
    return {"Unit": product.dosage_unit(api.language), "DetailSets": sets, "RetCode": 0, "RetMsg": ""}
