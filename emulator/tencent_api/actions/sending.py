"""SendEmail and GetSendEmailStatus."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from emulator.domain import mime
from emulator.domain.clock import BEIJING, beijing_day
from emulator.domain.messages import OutgoingMessage
from emulator.domain.send_rules import SendEmailInput, ValidSend, check_size, fill_template, validate_send
from emulator.errors import TencentError
from emulator.services.sending import SendContext
from emulator.storage import accounts_repo
from emulator.tencent_api.context import ApiContext, ApiModel, check_limit, check_offset, parse

STATUS_WINDOW_DAYS = 90


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
    for a in r.Attachments or []:
        if a.Content is None:
            raise TencentError(
                "FailedOperation.FileURLNotExist", "Attachments by FileURL are not supported; give Content."
            )
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
        attachments=[(a.FileName, a.Content or "") for a in r.Attachments or []],
        unsubscribe=r.Unsubscribe,
        trigger_type=r.TriggerType,
        smtp_message_id=r.SmtpMessageId,
        smtp_headers=r.SmtpHeaders,
        header_from=r.HeaderFrom,
    )


def _prepare(api: ApiContext, v: ValidSend) -> Any:
    """Checks that need the account's data (sender, template) run inside the sending transaction."""
    max_bytes = api.core.settings.max_message_bytes

    def prepare(ctx: SendContext) -> OutgoingMessage:
        senders = api.core.cache.get(
            ("senders", ctx.account.id), lambda: accounts_repo.sender_addresses(ctx.conn, ctx.account.id)
        )
        if v.sender.lower() not in senders:
            raise TencentError(
                "FailedOperation.NotAuthenticatedSender",
                f"{v.sender} is not a sender address of this account (CreateEmailAddress first).",
            )
        html, text = v.html, v.text
        if v.template_id is not None:
            tpl = api.core.cache.get(
                ("template", ctx.account.id, v.template_id),
                lambda: accounts_repo.get_template(ctx.conn, ctx.account.id, v.template_id or 0),
            )
            if tpl is None:
                raise TencentError(
                    "FailedOperation.InvalidTemplateID", f"Template {v.template_id} does not exist."
                )
            if tpl.status != 0:
                raise TencentError(
                    "FailedOperation.InvalidTemplateID",
                    f"Template {v.template_id} is not approved (status {tpl.status}).",
                )
            html = fill_template(tpl.html, v.variables) if tpl.html else None
            text = fill_template(tpl.text, v.variables) if tpl.text else None
            check_size(html, text, v.attachments, max_bytes)
        elif not ctx.account.simple_allowed:
            raise TencentError(
                "FailedOperation.WithOutPermission", "This account may only send with templates."
            )
        raw = mime.render_message(
            v,
            html=html,
            text=text,
            message_id_header=f"<{ctx.message_id}@qcloudmail.com>",
            date_us=ctx.now_us,
            x_headers={"X-SES-Emulator-MessageId": ctx.message_id},
        )
        subj, hfrom, hto = mime.summarize_headers(raw)
        return OutgoingMessage(
            source="api",
            mail_from=v.sender,
            recipients=v.recipients,
            raw=raw,
            subject=subj,
            header_from=hfrom,
            header_to=hto,
            search_text=mime.search_text_of(subj, text, html),  # known parts: no need to re-parse
            template_id=v.template_id,
            message_id=ctx.message_id,
        )

    return prepare


async def send_email(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(SendEmailRequest, params, api.form_encoded)
    valid = validate_send(_input(req), api.core.settings.max_message_bytes)
    receipt = await api.core.sending.send(api.account_id, _prepare(api, valid))
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
    try:
        day = datetime.strptime(req.RequestDate, "%Y-%m-%d").replace(tzinfo=BEIJING)
    except ValueError:
        raise TencentError("InvalidParameterValue.WrongDate", "RequestDate must be YYYY-MM-DD.") from None
    today = datetime.strptime(beijing_day(api.core.clock_of(api.account).now_us()), "%Y-%m-%d").replace(
        tzinfo=BEIJING
    )
    if day > today or day < today - timedelta(days=STATUS_WINDOW_DAYS):
        raise TencentError(
            "FailedOperation.NotSupportDate",
            f"RequestDate must be within the last {STATUS_WINDOW_DAYS} days.",
        )
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
