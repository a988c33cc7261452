"""Account notices (docs/notices.md): the Tencent-style emails an account owner gets when a deduction
fails, when the account is suspended for arrears, when it resumes, and when the balance falls below the
owner's warning threshold; and the JSON event the account's webhook receives for each.

Pure rules: the kinds, the default notification address, the low-balance crossing rule, the mail (subject
and body in Chinese, then English, as Tencent Cloud's own notices are written) and the webhook body.
Money is integer micro-USD; the mail shows USD to the cent, rounded as the Billing API rounds
(`domain.money.to_cents`: money held toward zero, money owed away from zero), with the exact figure
beside it. Times are the account's clock, written in UTC+8."""

from __future__ import annotations

import email.policy
import string
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from emulator.domain.addresses import domain_of
from emulator.domain.clock import BEIJING, to_datetime
from emulator.domain.money import format_cents, format_usd
from emulator.domain.unique import unique_text

DEDUCTION_FAILED = "deduction_failed"
SUSPENDED = "suspended"
RESUMED = "resumed"
LOW_BALANCE = "low_balance"
KINDS = (DEDUCTION_FAILED, SUSPENDED, RESUMED, LOW_BALANCE)

SOURCE = "notice"  # messages.source of a notice mail (the mailbox's `source=notice` filter)
WEBHOOK_EVENT = "notice"  # callback_events.event and the body's "event"
SENDER = "noreply@notice.ses-emulator.local"  # the envelope sender of every notice mail
SENDER_NAME = "腾讯云 Tencent Cloud"
DEFAULT_LOCAL_PART = "owner"
FALLBACK_DOMAIN = "ses-emulator.local"  # an account without a sender address
MAX_THRESHOLD_MICRO = 10**15  # 1,000,000,000 USD: more is surely a typo

_ALNUM = string.ascii_letters + string.digits


def default_address(first_sender: str | None) -> str:
    """owner@<the domain of the account's first sender address>; owner@ses-emulator.local without one."""
    domain = domain_of(first_sender) if first_sender else FALLBACK_DOMAIN
    return f"{DEFAULT_LOCAL_PART}@{domain or FALLBACK_DOMAIN}"


def low_balance_crossing(
    was_below: bool, balance_micro: int, threshold_micro: int | None
) -> tuple[bool, bool]:
    """(below now, warn now). Below means balance < threshold (a threshold of None is off: never
    below). The warning is sent once per crossing: only when the balance goes from not below to below;
    going back to the threshold or above re-arms it."""
    below = threshold_micro is not None and balance_micro < threshold_micro
    return below, below and not was_below


def new_notice_id(app_id: str, at_us: int) -> str:
    """The mailbox MessageId of a notice: qcloudnotice-<appId>-date-<yyyyMMddHHmmss UTC+8>-<13 alnum>."""
    stamp = to_datetime(at_us).astimezone(BEIJING).strftime("%Y%m%d%H%M%S")
    return f"qcloudnotice-{app_id}-date-{stamp}-{unique_text(_ALNUM, 13)}"


@dataclass(frozen=True)
class BillFacts:
    id: int
    kind: str  # usage | dedicated_ip
    period: str
    units: int
    unit_price_micro: int
    amount_micro: int


@dataclass(frozen=True)
class NoticeFacts:
    """What one notice says, as of the moment it is recorded (inside the transaction causing it)."""

    kind: str
    account_name: str
    app_id: str
    at_us: int  # account time
    balance_micro: int
    unpaid_micro: int
    unpaid_bills: int
    bill: BillFacts | None = None  # the bill whose deduction failed
    threshold_micro: int | None = None  # low_balance: the threshold crossed


@dataclass(frozen=True)
class NoticeMail:
    message_id: str
    subject: str
    text: str
    raw: bytes


SUBJECTS = {
    DEDUCTION_FAILED: "【腾讯云】欠费通知：邮件推送账单扣费失败 / Tencent Cloud: SES bill payment failed",
    SUSPENDED: "【腾讯云】停服通知：邮件推送服务因欠费已暂停 / Tencent Cloud: SES suspended for overdue payment",
    RESUMED: "【腾讯云】服务恢复通知：邮件推送服务已恢复 / Tencent Cloud: SES service resumed",
    LOW_BALANCE: "【腾讯云】余额预警：账户余额低于预警阈值 / Tencent Cloud: balance below your alert threshold",
}


def _when(us: int) -> str:
    return to_datetime(us).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _held(micro: int) -> str:
    return f"{format_cents(micro, owed=False)} USD"


def _owed(micro: int) -> str:
    return f"{format_cents(micro, owed=True)} USD"


def _zh(shown: str, micro: int) -> str:
    return f"{shown}（精确金额 {format_usd(micro)} USD）"


def _en(shown: str, micro: int) -> str:
    return f"{shown} (exactly {format_usd(micro)} USD)"


def _price(micro: int) -> str:
    """A unit price without trailing zeros: 280 -> '0.00028'."""
    text = format_usd(micro).rstrip("0")
    return text + "0" if text.endswith(".") else text


def _bill_names(bill: BillFacts) -> tuple[str, str]:
    if bill.kind == "usage":
        return (
            f"邮件推送 {bill.period} 按量计费日结（{bill.units} 封 × {_price(bill.unit_price_micro)} USD/封）",
            f"SES pay-as-you-go usage of {bill.period} ({bill.units} email{'s' if bill.units != 1 else ''} × "
            f"{_price(bill.unit_price_micro)} USD)",
        )
    return (
        f"邮件推送 独立IP {bill.period} 按月结算（{bill.units} 个）",
        f"SES dedicated IPs, month {bill.period} ({bill.units} IP{'s' if bill.units != 1 else ''})",
    )


def _paragraphs(f: NoticeFacts) -> tuple[list[str], list[str]]:
    """(Chinese lines, English lines) of the body, without greeting and footer."""
    who_zh = f"您的腾讯云账号（名称：{f.account_name}，AppId：{f.app_id}）"
    who_en = f"your Tencent Cloud account (name {f.account_name}, AppId {f.app_id})"
    at = f"{_when(f.at_us)}（UTC+8）"
    at_en = f"{_when(f.at_us)} (UTC+8)"
    balance_zh = f"  账户余额：{_zh(_held(f.balance_micro), f.balance_micro)}"
    balance_en = f"  Balance: {_en(_held(f.balance_micro), f.balance_micro)}"
    unpaid_zh = f"  待支付金额合计：{_zh(_owed(f.unpaid_micro), f.unpaid_micro)}，共 {f.unpaid_bills} 笔账单"
    unpaid_en = (
        f"  Unpaid in total: {_en(_owed(f.unpaid_micro), f.unpaid_micro)}, "
        f"{f.unpaid_bills} bill{'s' if f.unpaid_bills != 1 else ''}"
    )
    if f.kind == DEDUCTION_FAILED:
        assert f.bill is not None
        name_zh, name_en = _bill_names(f.bill)
        amount = f.bill.amount_micro
        return (
            [
                f"{who_zh}于 {at}出账的邮件推送（SES）账单扣费失败：账户余额不足以支付该账单，账号已欠费。",
                "",
                f"  账单：{name_zh}",
                f"  账单金额：{_zh(_owed(amount), amount)}",
                balance_zh,
                unpaid_zh,
                "",
                "扣费失败的账单将保持待支付状态。为避免影响您的业务，请尽快充值；充值后系统将按出账时间"
                "从早到晚自动结清待支付账单。",
            ],
            [
                f"The deduction for a Simple Email Service (SES) bill issued at {at_en} failed for {who_en}: "
                "the balance cannot pay it, and the account is in arrears.",
                "",
                f"  Bill: {name_en}",
                f"  Amount: {_en(_owed(amount), amount)}",
                balance_en,
                unpaid_en,
                "",
                "The bill stays unpaid. Please top up soon: a top-up pays the unpaid bills oldest first, "
                "automatically.",
            ],
        )
    if f.kind == SUSPENDED:
        return (
            [
                f"{who_zh}因欠费，邮件推送（SES）服务已于 {at}暂停。",
                "暂停期间，通过 API 和 SMTP 发送的邮件均会被拒绝（FailedOperation.InsufficientBalance）；"
                "查询邮件、账单、模板和发信地址不受影响。",
                "",
                unpaid_zh,
                balance_zh,
                "",
                "充值补足全部欠费后，服务将自动恢复，无需其他操作。",
            ],
            [
                f"Because of overdue payment, Simple Email Service (SES) for {who_en} was suspended at {at_en}.",
                "While it is suspended every send through the API or SMTP is refused "
                "(FailedOperation.InsufficientBalance); reading mail, bills, templates and identities "
                "still works.",
                "",
                unpaid_en,
                balance_en,
                "",
                "Once a top-up pays every unpaid bill the service resumes at once, with no other action.",
            ],
        )
    if f.kind == RESUMED:
        return (
            [
                f"{who_zh}的欠费已全部结清，邮件推送（SES）服务已于 {at}恢复，可正常发送邮件。",
                "",
                balance_zh,
            ],
            [
                f"Every unpaid bill of {who_en} has been paid: Simple Email Service (SES) resumed at {at_en}, "
                "and you can send again.",
                "",
                balance_en,
            ],
        )
    if f.kind == LOW_BALANCE:
        assert f.threshold_micro is not None
        t = f.threshold_micro
        return (
            [
                f"{who_zh}的可用余额已于 {at}低于您设置的预警阈值。",
                "",
                balance_zh,
                f"  预警阈值：{_zh(_held(t), t)}",
                "",
                "为避免余额不足导致扣费失败、服务暂停，请及时充值。余额回到阈值以上后，再次低于阈值时将重新提醒。",
            ],
            [
                f"The balance of {who_en} fell below the alert threshold you set, at {at_en}.",
                "",
                balance_en,
                f"  Alert threshold: {_en(_held(t), t)}",
                "",
                "Top up to avoid a failed deduction and a suspension. You are alerted again once the "
                "balance has gone back to the threshold or above and then falls below it.",
            ],
        )
    raise ValueError(f"unknown notice kind {f.kind!r}")


FOOTER = [
    "--",
    "腾讯云 Tencent Cloud",
    "此邮件由 Tencent SES 模拟器生成，仅存于模拟器的邮箱，并未真正发送。",
    "Generated by the Tencent SES emulator: stored in its mailbox, never sent.",
]


def body_text(f: NoticeFacts) -> str:
    zh, en = _paragraphs(f)
    lines = ["尊敬的腾讯云用户，您好！", "", *zh, "", "Dear Tencent Cloud user,", "", *en, "", *FOOTER]
    return "\n".join(lines) + "\n"


def render(f: NoticeFacts, address: str, message_id: str) -> NoticeMail:
    """The notice mail as stored in the mailbox: text/plain UTF-8, CRLF, RFC 2047 headers."""
    subject = SUBJECTS[f.kind]
    text = body_text(f)
    msg = EmailMessage(policy=email.policy.SMTP)
    local, _, domain = SENDER.rpartition("@")
    msg["From"] = Address(display_name=SENDER_NAME, username=local, domain=domain)
    msg["To"] = address
    msg["Subject"] = subject
    msg["Date"] = format_datetime(to_datetime(f.at_us).astimezone(BEIJING))
    msg["Message-ID"] = f"<{message_id}@notice.ses-emulator.local>"
    msg["X-SES-Emulator-Notice"] = f.kind
    msg["X-SES-Emulator-MessageId"] = message_id
    msg.set_content(text, charset="utf-8", cte="base64")
    return NoticeMail(message_id, subject, text, msg.as_bytes())


def webhook_payload(
    f: NoticeFacts, *, notice_id: int, address: str, message_id: str, subject: str
) -> dict[str, Any]:
    """The JSON body POSTed to the account's callback URL (field names in the style of SES's events)."""
    body: dict[str, Any] = {
        "event": WEBHOOK_EVENT,
        "noticeType": f.kind,
        "noticeId": notice_id,
        "email": address,
        "bulkId": message_id,
        "subject": subject,
        "timestamp": f.at_us // 1_000_000,
        "username": f.app_id,
        "accountName": f.account_name,
        "balance": format_usd(f.balance_micro),
        "balanceMicro": f.balance_micro,
        "unpaid": format_usd(f.unpaid_micro),
        "unpaidMicro": f.unpaid_micro,
        "unpaidBills": f.unpaid_bills,
        "bill": None,
        "threshold": None if f.threshold_micro is None else format_usd(f.threshold_micro),
        "thresholdMicro": f.threshold_micro,
    }
    if f.bill is not None:
        body["bill"] = {
            "id": f.bill.id,
            "kind": f.bill.kind,
            "period": f.bill.period,
            "units": f.bill.units,
            "amount": format_usd(f.bill.amount_micro),
            "amountMicro": f.bill.amount_micro,
        }
    return body
