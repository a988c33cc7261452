"""Template actions: Create/Get/Update/Delete/ListEmailTemplates."""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.errors import InvalidParameterValueTemplateContentIsWrong
from emulator.tencent_api.b64 import decode_text, encode_text
from emulator.tencent_api.context import ApiContext, ApiModel, check_limit, check_offset, parse

WRONG = InvalidParameterValueTemplateContentIsWrong


class TemplateContentIn(ApiModel):
    Html: str | None = None
    Text: str | None = None


class CreateRequest(ApiModel):
    TemplateName: str
    TemplateContent: TemplateContentIn


class UpdateRequest(CreateRequest):
    TemplateID: int


class IdRequest(ApiModel):
    TemplateID: int


class ListRequest(ApiModel):
    Limit: int
    Offset: int


def _bodies(c: TemplateContentIn) -> tuple[str | None, str | None]:
    return decode_text(c.Html, WRONG, "TemplateContent.Html"), decode_text(
        c.Text, WRONG, "TemplateContent.Text"
    )


async def create(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(CreateRequest, params, api.form_encoded)
    html, text = _bodies(req.TemplateContent)
    tid = await asyncio.to_thread(api.core.templates.create, api.account_id, req.TemplateName, html, text)
    return {"TemplateID": tid}


async def get(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(IdRequest, params, api.form_encoded)
    row = await asyncio.to_thread(api.core.templates.get, api.account_id, req.TemplateID)
    return {
        "TemplateContent": {"Html": encode_text(row.html), "Text": encode_text(row.text)},
        "TemplateStatus": row.status,
        "TemplateName": row.name,
    }


async def update(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(UpdateRequest, params, api.form_encoded)
    html, text = _bodies(req.TemplateContent)
    await asyncio.to_thread(
        api.core.templates.update, api.account_id, req.TemplateID, req.TemplateName, html, text
    )
    return {}


async def delete(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(IdRequest, params, api.form_encoded)
    await asyncio.to_thread(api.core.templates.delete, api.account_id, req.TemplateID)
    return {}


async def list_templates(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(ListRequest, params, api.form_encoded)
    check_limit(req.Limit)
    check_offset(req.Offset)
    rows, total = await asyncio.to_thread(api.core.templates.list, api.account_id, req.Offset, req.Limit)
    return {
        "TemplatesMetadata": [
            {
                "CreatedTimestamp": r.created_us // 1_000_000,
                "TemplateName": r.name,
                "TemplateStatus": r.status,
                "TemplateID": r.template_id,
                "ReviewReason": r.review_reason,
            }
            for r in rows
        ],
        "TotalCount": total,
    }


ACTIONS = {
    "CreateEmailTemplate": create,
    "GetEmailTemplate": get,
    "UpdateEmailTemplate": update,
    "DeleteEmailTemplate": delete,
    "ListEmailTemplates": list_templates,
}
