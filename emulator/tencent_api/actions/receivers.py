"""Recipient lists: CreateReceiver, CreateReceiverDetail, CreateReceiverDetailWithData, ListReceivers,
ListReceiverDetails, DeleteReceiver."""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.domain.dates import fmt_time, parse_time
from emulator.errors import InvalidParameterInvalidEndTimeFormat, InvalidParameterInvalidStartTimeFormat
from emulator.services.receivers import UploadCounts
from emulator.tencent_api.context import ApiContext, ApiModel, check_limit, check_offset, parse


class CreateRequest(ApiModel):
    ReceiversName: str
    Desc: str | None = None


class DetailRequest(ApiModel):
    ReceiverId: int | None = None
    Emails: list[str] | None = None


class InputData(ApiModel):
    Email: str
    TemplateData: str


class DetailWithDataRequest(ApiModel):
    ReceiverId: int | None = None
    Datas: list[InputData] | None = None


class ListRequest(ApiModel):
    Offset: int
    Limit: int
    Status: int | None = None
    KeyWord: str | None = None


class ListDetailsRequest(ApiModel):
    ReceiverId: int | None = None
    Offset: int
    Limit: int
    Email: str | None = None
    CreateTimeBegin: str | None = None
    CreateTimeEnd: str | None = None
    Status: int | None = None


class IdRequest(ApiModel):
    ReceiverId: int | None = None


def _counts(c: UploadCounts) -> dict[str, Any]:
    return {
        "TotalCount": c.total,
        "ValidCount": c.valid,
        "TooLongCount": c.too_long,
        "EmptyEmailCount": c.empty,
        "RepeatCount": c.repeat,
    }


def _time(value: str | None, name: str) -> int | None:
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        error = (
            InvalidParameterInvalidStartTimeFormat
            if "Begin" in name
            else InvalidParameterInvalidEndTimeFormat
        )
        raise error(f"{name} must be YYYY-MM-DD HH:MM:SS.") from None


async def create(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(CreateRequest, params, api.form_encoded)
    rid = await asyncio.to_thread(api.core.receivers.create, api.account_id, req.ReceiversName, req.Desc)
    return {"ReceiverId": rid}


async def create_detail(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(DetailRequest, params, api.form_encoded)
    entries: list[tuple[str, str | None]] = [(e, None) for e in req.Emails or []]
    c = await asyncio.to_thread(api.core.receivers.upload, api.account_id, req.ReceiverId, entries, False)
    return _counts(c)


async def create_detail_with_data(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(DetailWithDataRequest, params, api.form_encoded)
    entries: list[tuple[str, str | None]] = [(d.Email, d.TemplateData) for d in req.Datas or []]
    c = await asyncio.to_thread(api.core.receivers.upload, api.account_id, req.ReceiverId, entries, True)
    return _counts(c)


async def list_receivers(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(ListRequest, params, api.form_encoded)
    check_limit(req.Limit)
    check_offset(req.Offset)
    rows, total = await asyncio.to_thread(
        api.core.receivers.list_lists, api.account_id, req.Status, req.KeyWord, req.Offset, req.Limit
    )
    return {
        "TotalCount": total,
        "Data": [
            {
                "ReceiverId": r.id,
                "ReceiversName": r.name,
                "Count": r.detail_count,
                "Desc": r.description,
                "ReceiversStatus": 3 if r.detail_count else 1,
                "CreateTime": fmt_time(r.created_us),
                "InvalidCount": r.invalid_count,
            }
            for r in rows
        ],
    }


async def list_details(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(ListDetailsRequest, params, api.form_encoded)
    check_limit(req.Limit)
    check_offset(req.Offset)
    since = _time(req.CreateTimeBegin, "CreateTimeBegin")
    until = _time(req.CreateTimeEnd, "CreateTimeEnd")
    rows, total, valid, invalid = await asyncio.to_thread(
        api.core.receivers.details,
        api.account_id,
        req.ReceiverId,
        req.Email,
        since,
        until,
        req.Status,
        req.Offset,
        req.Limit,
    )
    return {
        "TotalCount": total,
        "Data": [
            {
                "Email": r.email,
                "CreateTime": fmt_time(r.created_us),
                "TemplateData": r.template_data or "",
                "Reason": r.reason,
                "Status": 1 if r.valid else 2,
                "EmailId": r.id,
            }
            for r in rows
        ],
        "ValidCount": valid,
        "InvalidCount": invalid,
    }


async def delete(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(IdRequest, params, api.form_encoded)
    await asyncio.to_thread(api.core.receivers.delete, api.account_id, req.ReceiverId)
    return {}


ACTIONS = {
    "CreateReceiver": create,
    "CreateReceiverDetail": create_detail,
    "CreateReceiverDetailWithData": create_detail_with_data,
    "ListReceivers": list_receivers,
    "ListReceiverDetails": list_details,
    "DeleteReceiver": delete,
}
