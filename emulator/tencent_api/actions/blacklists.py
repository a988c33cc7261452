"""The platform blacklist (ListBlackEmailAddress, DeleteBlackList) and the custom blacklist
(CreateCustomBlacklist, ListCustomBlacklist, UpdateCustomBlackList, DeleteCustomBlackList — the
capitalisation is Tencent's)."""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.domain.dates import fmt_time
from emulator.tencent_api.context import ApiContext, ApiModel, check_limit, check_offset, parse


class ListBlackRequest(ApiModel):
    StartDate: str
    EndDate: str
    Limit: int
    Offset: int
    EmailAddress: str | None = None
    TaskID: str | None = None


class DeleteBlackRequest(ApiModel):
    EmailAddressList: list[str]


class CreateCustomRequest(ApiModel):
    Emails: list[str]
    ExpireDate: str | None = None


class ListCustomRequest(ApiModel):
    Offset: int
    Limit: int
    Status: int
    Email: str | None = None


class UpdateCustomRequest(ApiModel):
    Id: int
    Email: str
    ExpireDate: str | None = None


class DeleteCustomRequest(ApiModel):
    Emails: list[str]


async def list_black(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(ListBlackRequest, params, api.form_encoded)
    check_limit(req.Limit)
    check_offset(req.Offset)
    rows, total = await asyncio.to_thread(
        api.core.blacklists.list_platform,
        api.account_id,
        req.StartDate,
        req.EndDate,
        req.EmailAddress,
        req.Offset,
        req.Limit,
    )
    return {
        "BlackList": [
            {"BounceTime": fmt_time(r.bounce_us), "EmailAddress": r.address, "IspDesc": r.isp_desc}
            for r in rows
        ],
        "TotalCount": total,
    }


async def delete_black(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(DeleteBlackRequest, params, api.form_encoded)
    await asyncio.to_thread(api.core.blacklists.delete_platform, api.account_id, req.EmailAddressList)
    return {}


async def create_custom(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(CreateCustomRequest, params, api.form_encoded)
    c = await asyncio.to_thread(api.core.blacklists.create_custom, api.account_id, req.Emails, req.ExpireDate)
    return {
        "TotalCount": c.total,
        "ValidCount": c.valid,
        "TooLongCount": c.too_long,
        "RepeatCount": c.repeat,
        "InvalidCount": c.invalid,
    }


async def list_custom(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(ListCustomRequest, params, api.form_encoded)
    check_limit(req.Limit)
    check_offset(req.Offset)
    rows, total, today = await asyncio.to_thread(
        api.core.blacklists.list_custom, api.account_id, req.Status, req.Email, req.Offset, req.Limit
    )
    return {
        "TotalCount": total,
        "Data": [
            {
                "Id": r.id,
                "Email": r.address,
                "CreateTime": fmt_time(r.created_us),
                "ExpireDate": r.expire_date or "",
                "Status": 0 if r.expire_date is not None and r.expire_date < today else 1,
            }
            for r in rows
        ],
    }


async def update_custom(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(UpdateCustomRequest, params, api.form_encoded)
    await asyncio.to_thread(
        api.core.blacklists.update_custom, api.account_id, req.Id, req.Email, req.ExpireDate
    )
    return {}


async def delete_custom(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(DeleteCustomRequest, params, api.form_encoded)
    await asyncio.to_thread(api.core.blacklists.delete_custom, api.account_id, req.Emails)
    return {}


ACTIONS = {
    "ListBlackEmailAddress": list_black,
    "DeleteBlackList": delete_black,
    "CreateCustomBlacklist": create_custom,
    "ListCustomBlacklist": list_custom,
    "UpdateCustomBlackList": update_custom,
    "DeleteCustomBlackList": delete_custom,
}
