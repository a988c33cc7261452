"""GetStatisticsReport, GetAbuseReport and the address-level unsubscribe settings
(Create/Update/Delete/ListAddressUnsubscribeConfig)."""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.errors import InvalidParameter
from emulator.tencent_api.context import ApiContext, ApiModel, check_limit, check_offset, parse


class StatisticsRequest(ApiModel):
    StartDate: str
    EndDate: str
    Domain: str | None = None
    ReceivingMailboxType: str | None = None


class AbuseRequest(ApiModel):
    StartTime: str
    EndTime: str
    Offset: int | None = None
    Limit: int | None = None
    FromDomain: str | None = None
    FromAddress: str | None = None
    Mta: str | None = None
    ToAddress: str | None = None
    TemplateId: str | None = None


class UnsubscribeRequest(ApiModel):
    Address: str
    UnsubscribeConfig: str
    Status: int


class UnsubscribeDeleteRequest(ApiModel):
    Address: str


class UnsubscribeListRequest(ApiModel):
    Offset: int | None = None
    Limit: str | None = None  # a string in Tencent's spec


def _volume(day: str, v: dict[str, Any]) -> dict[str, Any]:
    return {
        "SendDate": day,
        "RequestCount": v["requests"],
        "AcceptedCount": v["accepted"],
        "DeliveredCount": v["delivered"],
        "OpenedCount": v["opened"],
        "ClickedCount": v["clicked"],
        "BounceCount": v["bounced"],
        "UnsubscribeCount": v["unsubscribed"],
    }


async def statistics(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(StatisticsRequest, params, api.form_encoded)
    daily, overall = await asyncio.to_thread(
        api.core.reports.statistics,
        api.account_id,
        req.StartDate,
        req.EndDate,
        req.Domain,
        req.ReceivingMailboxType,
    )
    return {
        "DailyVolumes": [_volume(d["day"], d) for d in daily],
        "OverallVolume": _volume("", overall),
    }


async def abuse(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(AbuseRequest, params, api.form_encoded)
    offset, limit = req.Offset or 0, 1000 if req.Limit is None else req.Limit
    check_offset(offset)
    check_limit(limit, 1000)
    filters = {
        "from_domain": req.FromDomain,
        "from_address": req.FromAddress,
        "mta": req.Mta,
        "to_address": req.ToAddress,
        "template_id": req.TemplateId,
    }
    rows, total = await asyncio.to_thread(
        api.core.reports.abuse, api.account_id, req.StartTime, req.EndTime, filters, offset, limit
    )
    return {"Data": rows, "TotalCount": total}


async def create_unsubscribe(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(UnsubscribeRequest, params, api.form_encoded)
    await asyncio.to_thread(
        api.core.reports.create_unsubscribe, api.account_id, req.Address, req.UnsubscribeConfig, req.Status
    )
    return {}


async def update_unsubscribe(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(UnsubscribeRequest, params, api.form_encoded)
    await asyncio.to_thread(
        api.core.reports.update_unsubscribe, api.account_id, req.Address, req.UnsubscribeConfig, req.Status
    )
    return {}


async def delete_unsubscribe(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(UnsubscribeDeleteRequest, params, api.form_encoded)
    await asyncio.to_thread(api.core.reports.delete_unsubscribe, api.account_id, req.Address)
    return {}


async def list_unsubscribe(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(UnsubscribeListRequest, params, api.form_encoded)
    offset = req.Offset or 0
    try:
        limit = 10 if req.Limit in (None, "") else int(str(req.Limit))
    except ValueError:
        raise InvalidParameter("Limit must be a number.") from None
    check_offset(offset)
    check_limit(limit)
    rows, total = await asyncio.to_thread(api.core.reports.list_unsubscribe, api.account_id, offset, limit)
    return {
        "AddressUnsubscribeConfigList": [
            {"Address": r.address, "UnsubscribeConfig": r.config, "Status": r.status} for r in rows
        ],
        "Total": total,
    }


ACTIONS = {
    "GetStatisticsReport": statistics,
    "GetAbuseReport": abuse,
    "CreateAddressUnsubscribeConfig": create_unsubscribe,
    "UpdateAddressUnsubscribeConfig": update_unsubscribe,
    "DeleteAddressUnsubscribeConfig": delete_unsubscribe,
    "ListAddressUnsubscribeConfig": list_unsubscribe,
}
