"""SendEmail and GetSendEmailStatus."""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.domain.send_rules import SendEmailInput, validate_send
from emulator.services.send_request import Action
from emulator.tencent_api.context import ApiContext, ApiModel, check_limit, check_offset, parse


class TemplateIn(ApiModel):
    TemplateID: int
    TemplateData: str


class SimpleIn(ApiModel):
    Html: str | None = None
    Text: str | None = None


class AttachmentIn(ApiModel):
    FileName: str
    Content: str | None = None
    FileURL: str | None = None


class SendEmailRequest(ApiModel):
    FromEmailAddress: str
    Subject: str
    Destination: list[str] | None = None
    Cc: list[str] | None = None
    Bcc: list[str] | None = None
    ReplyToAddresses: str | None = None
    Template: TemplateIn | None = None
    Simple: SimpleIn | None = None
    Attachments: list[AttachmentIn] | None = None
    Unsubscribe: str | None = None
    TriggerType: int | None = None
    SmtpMessageId: str | None = None
    SmtpHeaders: str | None = None
    HeaderFrom: str | None = None


def _input(r: SendEmailRequest) -> SendEmailInput:
    return SendEmailInput(
        from_address=r.FromEmailAddress,
        subject=r.Subject,
        to=r.Destination or [],
        cc=r.Cc or [],
        bcc=r.Bcc or [],
        reply_to=r.ReplyToAddresses,
        template_id=r.Template.TemplateID if r.Template else None,
        template_data=r.Template.TemplateData if r.Template else None,
        simple_html_b64=r.Simple.Html if r.Simple else None,
        simple_text_b64=r.Simple.Text if r.Simple else None,
        attachments=[(a.FileName, a.Content) for a in r.Attachments or []],
        unsubscribe=r.Unsubscribe,
        trigger_type=r.TriggerType,
        smtp_message_id=r.SmtpMessageId,
        smtp_headers=r.SmtpHeaders,
        header_from=r.HeaderFrom,
    )


async def send_email(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(SendEmailRequest, params, api.form_encoded)
    valid = validate_send(_input(req), api.core.settings.max_message_bytes)
    request = api.core.composer.request(
        api.account_id, valid, Action.SEND_EMAIL, account=api.account
    )  # renders now if it can
    receipt = await api.core.sending.send(request)
    return {"MessageId": receipt.message_id}


class GetSendEmailStatusRequest(ApiModel):
    RequestDate: str
    Offset: int
    Limit: int
    MessageId: str | None = None
    ToEmailAddress: str | None = None


async def get_send_email_status(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(GetSendEmailStatusRequest, params, api.form_encoded)
    check_limit(req.Limit)
    check_offset(req.Offset)
    rows = await asyncio.to_thread(
        api.core.mailbox.statuses,
        api.account_id,
        req.RequestDate,
        req.MessageId,
        req.ToEmailAddress,
        req.Offset,
        req.Limit,
    )
    return {
        "EmailStatusList": [
            {
                "MessageId": r.message_id,
                "ToEmailAddress": r.address,
                "FromEmailAddress": r.mail_from,
                "SendStatus": r.send_status,
                "DeliverStatus": r.deliver_status,
                "DeliverMessage": r.deliver_message or "",
                "RequestTime": r.request_us // 1_000_000,
                "DeliverTime": (r.deliver_us or 0) // 1_000_000,
                "UserOpened": bool(r.opened),
                "UserClicked": bool(r.clicked),
                "UserUnsubscribed": bool(r.unsubscribed),
                "UserComplainted": bool(r.complained),
                "UserComplained": bool(r.complained),
            }
            for r in rows
        ]
    }


ACTIONS = {"SendEmail": send_email, "GetSendEmailStatus": get_send_email_status}
