"""Sender domains and sender addresses, including UpdateEmailSmtpPassWord."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from emulator.domain.limits import NEW_DOMAIN_LEVEL, domain_cap
from emulator.domain.records import DomainRecord
from emulator.services.identities import dns_records
from emulator.tencent_api.context import ApiContext, ApiModel, parse


class Tag(ApiModel):
    TagKey: str
    TagValue: str


class CreateIdentityRequest(ApiModel):
    EmailIdentity: str
    DKIMOption: int | None = None
    TagList: list[Tag] | None = None


class IdentityRequest(ApiModel):
    EmailIdentity: str


class UpdateIdentityRequest(ApiModel):
    EmailIdentity: str
    NewAPI: bool | None = None
    DKIMOption: int | None = None


class ListIdentitiesRequest(ApiModel):
    TagList: list[Tag] | None = None
    Limit: int | None = None
    Offset: int | None = None


class CreateAddressRequest(ApiModel):
    EmailAddress: str
    EmailSenderName: str | None = None


class AddressRequest(ApiModel):
    EmailAddress: str


class NoParams(ApiModel):
    pass


class SmtpPasswordRequest(ApiModel):
    Password: str
    EmailAddress: str


def _identity(row: DomainRecord, with_tags: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "IdentityType": "DOMAIN",
        "VerifiedForSendingStatus": bool(row.verified),
        "Attributes": [
            {
                "Type": r.type,
                "SendDomain": r.send_domain,
                "ExpectedValue": r.expected_value,
                "CurrentValue": r.current_value,
                "Status": r.status,
            }
            for r in dns_records(row.domain)
        ],
        "DKIMOption": row.dkim_option,
    }
    if with_tags:
        out["TagList"] = json.loads(row.tags_json or "[]")
    return out


async def create_identity(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(CreateIdentityRequest, params, api.form_encoded)
    tags = [t.model_dump() for t in req.TagList or []]
    row = await asyncio.to_thread(
        api.core.identities.create_domain, api.account_id, req.EmailIdentity, req.DKIMOption or 0, tags
    )
    return _identity(row, with_tags=False)


async def get_identity(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(IdentityRequest, params, api.form_encoded)
    row = await asyncio.to_thread(api.core.identities.get_domain, api.account_id, req.EmailIdentity)
    return _identity(row, with_tags=True)


async def update_identity(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(UpdateIdentityRequest, params, api.form_encoded)
    row = await asyncio.to_thread(api.core.identities.get_domain, api.account_id, req.EmailIdentity)
    return _identity(row, with_tags=False)


async def delete_identity(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(IdentityRequest, params, api.form_encoded)
    await asyncio.to_thread(api.core.identities.delete_domain, api.account_id, req.EmailIdentity)
    return {}


async def list_identities(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(ListIdentitiesRequest, params, api.form_encoded)
    rows = await asyncio.to_thread(api.core.identities.list_domains, api.account_id)
    levels = await asyncio.to_thread(api.core.reputation.levels, api.account_id)  # docs/reputation.md
    top = max(levels.values(), default=NEW_DOMAIN_LEVEL)
    offset, limit = req.Offset or 0, req.Limit or len(rows) or 1
    page = rows[offset : offset + limit]
    return {
        "EmailIdentities": [
            {
                "IdentityName": r.domain,
                "IdentityType": "DOMAIN",
                "SendingEnabled": bool(r.verified),
                "CurrentReputationLevel": levels.get(r.domain, NEW_DOMAIN_LEVEL),
                "DailyQuota": domain_cap(levels.get(r.domain, NEW_DOMAIN_LEVEL)),
                "SendIp": [],
                "TagList": json.loads(r.tags_json or "[]"),
                "DKIMOption": r.dkim_option,
            }
            for r in page
        ],
        "MaxReputationLevel": top,  # the account's highest domain level, and that level's cap
        "MaxDailyQuota": domain_cap(top),
        "Total": len(rows),
    }


async def create_address(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(CreateAddressRequest, params, api.form_encoded)
    await asyncio.to_thread(
        api.core.identities.create_sender, api.account_id, req.EmailAddress, req.EmailSenderName
    )
    return {}


async def delete_address(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(AddressRequest, params, api.form_encoded)
    await asyncio.to_thread(api.core.identities.delete_sender, api.account_id, req.EmailAddress)
    return {}


async def list_addresses(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    parse(NoParams, params, api.form_encoded)
    rows = await asyncio.to_thread(api.core.identities.list_senders, api.account_id)
    return {
        "EmailSenders": [
            {
                "EmailAddress": r.address,
                "EmailSenderName": r.sender_name or "",
                "CreatedTimestamp": r.created_us // 1_000_000,
                "SmtpPwdType": 1 if r.smtp_password_hash else 0,
            }
            for r in rows
        ],
        "TotalCount": len(rows),
    }


async def update_smtp_password(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(SmtpPasswordRequest, params, api.form_encoded)
    await asyncio.to_thread(
        api.core.identities.set_smtp_password, api.account_id, req.EmailAddress, req.Password
    )
    return {}


ACTIONS = {
    "CreateEmailIdentity": create_identity,
    "GetEmailIdentity": get_identity,
    "UpdateEmailIdentity": update_identity,
    "DeleteEmailIdentity": delete_identity,
    "ListEmailIdentities": list_identities,
    "CreateEmailAddress": create_address,
    "DeleteEmailAddress": delete_address,
    "ListEmailAddress": list_addresses,
    "UpdateEmailSmtpPassWord": update_smtp_password,
}
