"""Admin API models (XCreate / XPublic naming). Money is a decimal string plus exact micro-USD."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from emulator.domain.clock import BEIJING, to_datetime
from emulator.domain.money import MONEY_INPUT_RULE, format_usd
from emulator.services.accounts import AccountState, Credentials
from emulator.services.clocks import MoveStatus


def iso(us: int | None) -> str | None:
    return None if us is None else to_datetime(us).astimezone(BEIJING).isoformat()


class AdminRequest(BaseModel):
    """Base of every admin request body: a field the route does not take is refused (UnknownParameter),
    never silently ignored."""

    model_config = ConfigDict(extra="forbid")


def _money_type(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PydanticCustomError("money_type", f"money must be {MONEY_INPUT_RULE}")
    return value


# The JSON types money may come in; its value (plain decimal, exact, sign) is checked by the route
# with deps.parse_money_micro, so each route says which sign it takes.
MoneyInput = Annotated[str | int | float, BeforeValidator(_money_type)]


class AccountCreate(AdminRequest):
    name: str | None = Field(None, description="unique name; generated when omitted")
    secret_id: str | None = Field(None, description="fixed SecretId (AKID...); generated when omitted")
    secret_key: str | None = None
    sender: str | None = Field(None, description="sender address created with the account")
    smtp_password: str | None = None
    free_quota: int | None = Field(None, ge=0)
    profile: str | None = Field(
        None,
        description="sandbox | production (docs/profiles.md); default: the server's default_profile",
    )


class CredentialsPublic(BaseModel):
    id: int
    name: str
    app_id: str
    secret_id: str
    secret_key: str
    sender: str
    smtp_password: str
    region: str = "ap-guangzhou"

    @classmethod
    def of(cls, c: Credentials) -> CredentialsPublic:
        return cls(
            id=c.account_id,
            name=c.name,
            app_id=c.app_id,
            secret_id=c.secret_id,
            secret_key=c.secret_key,
            sender=c.sender,
            smtp_password=c.smtp_password,
        )


class ClockPublic(BaseModel):
    now: str = Field(description="account time, ISO 8601 in UTC+8")
    now_us: int
    frozen: bool


class AccountPublic(BaseModel):
    id: int
    name: str
    app_id: str
    secret_id: str
    free_quota: int
    free_used: int
    free_left: int
    paid_units: int
    balance: str
    balance_micro: int
    unpaid: str
    unpaid_micro: int
    suspended: bool
    suspended_reason: str | None
    suspended_at: str | None
    clock: ClockPublic
    profile: str = Field("sandbox", description="sandbox | production: the profile it was created with")
    simple_sending: bool = Field(True, description="false: template-only (FailedOperation.WithOutPermission)")
    smtp_checks: bool = Field(False, description="SMTP message checks of reference §6 on")

    @classmethod
    def of(cls, s: AccountState) -> AccountPublic:
        return cls(
            id=s.id,
            name=s.name,
            app_id=s.app_id,
            secret_id=s.secret_id,
            free_quota=s.free_quota,
            free_used=s.free_used,
            free_left=s.free_left,
            paid_units=s.paid_units,
            balance=format_usd(s.balance_micro),
            balance_micro=s.balance_micro,
            unpaid=format_usd(s.unpaid_micro),
            unpaid_micro=s.unpaid_micro,
            suspended=s.suspended,
            suspended_reason=s.suspended_reason,
            suspended_at=iso(s.suspended_us),
            clock=ClockPublic(now=iso(s.clock_us) or "", now_us=s.clock_us, frozen=s.clock_frozen),
            profile=s.profile,
            simple_sending=s.simple_allowed,
            smtp_checks=s.smtp_checks,
        )


class TopUpCreate(AdminRequest):
    amount: MoneyInput | None = Field(
        None,
        description="USD, positive: a decimal string such as '12.50' (up to six decimals), or a JSON "
        "number only where it is exact (an integer, or a number with at most six decimals)",
    )
    amount_micro: int | None = Field(None, description="or exact micro-USD")
    note: str = ""


class ClockMove(AdminRequest):
    seconds: int | None = Field(None, ge=0, description="advance by this many seconds")
    duration: str | None = Field(None, description="or a duration such as '1d', '2h30m'")
    to: str | None = Field(None, description="set to this ISO 8601 time (no offset = UTC+8)")
    key: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="global move only: an idempotency key; a retry with the same key finishes the move "
        "recorded under it and never moves the clocks again",
    )
    wait: bool = Field(
        True,
        description="global move only: false answers 202 with the recorded move at once and finishes it in "
        "the background (GET /admin/clock/moves/{id} for progress)",
    )


class MessageSummary(BaseModel):
    id: str
    source: str
    mail_from: str
    recipients: list[str]
    subject: str
    to: str
    from_: str = Field(alias="from")
    size: int
    sending_ip: str
    template_id: int | None
    account_time: str
    real_time: str
    free_units: int
    paid_units: int

    model_config = {"populate_by_name": True}


class MessageList(BaseModel):
    total: int
    offset: int
    limit: int
    messages: list[MessageSummary]


class RecipientStatusPublic(BaseModel):
    address: str
    send_status: int
    deliver_status: int
    deliver_time: str | None
    deliver_message: str
    opened: bool
    clicked: bool
    unsubscribed: bool
    complained: bool


class AttachmentPublic(BaseModel):
    index: int
    filename: str
    content_type: str
    size: int


class MessageDetail(MessageSummary):
    headers: list[tuple[str, str]]
    text: str | None
    html: str | None
    attachments: list[AttachmentPublic]
    delivery: list[RecipientStatusPublic]
    parse_error: str | None = None


class Deleted(BaseModel):
    deleted: int


class TemplateStatusSet(AdminRequest):
    status: int = Field(description="0 approved, 1 pending review, 2 rejected")
    reason: str = ""


class BillPublic(BaseModel):
    id: int
    kind: str
    period: str
    units: int
    unit_price: str
    unit_price_micro: int
    amount: str
    amount_micro: int
    status: str = Field(description="paid | unpaid")
    created_at: str
    paid_at: str | None
    detail: dict[str, object]


class LedgerEntryPublic(BaseModel):
    id: int
    kind: str = Field(description="topup | charge | settlement | adjustment")
    amount: str
    amount_micro: int
    bill_id: int | None
    note: str
    account_time: str
    real_time: str


class UsageDayPublic(BaseModel):
    day: str = Field(description="UTC+8 calendar day")
    free_units: int
    paid_units: int
    cost: str
    cost_micro: int


# --- every admin error answers this body (the kinds: admin_api/errors.py, docs/admin-api.md) ---
class ErrorPublic(BaseModel):
    code: str = Field(description="the kind of mistake: one code per kind (docs/admin-api.md)")
    message: str
    field: str | None = Field(None, description="the request field at fault, e.g. body.seconds, when one is")


# --- issue 19: clock set / freeze at, the clock object --------------------------------------------
class ClockSet(AdminRequest):
    to: str = Field(description="ISO 8601 time (no offset = UTC+8), not before the clock's time now")


class ClockFreeze(AdminRequest):
    at: str | None = Field(
        None,
        description="freeze showing this ISO 8601 time (no offset = UTC+8; not before now: the events due "
        "on the way run); omitted: where the clock stands",
    )


class AccountClockPublic(BaseModel):
    account: str
    now: str = Field(description="account time, ISO 8601 in UTC+8")
    now_us: int
    frozen: bool
    state: str = Field(description="frozen | running")
    rate: int = Field(description="account seconds per real second: 1 while running, 0 while frozen")
    real_now: str = Field(description="the real time it was read at, ISO 8601 in UTC+8")
    ahead_us: int = Field(description="account time minus real time (negative: behind real time)")


# --- issue 18: global clock moves in the background, bulk accounts for test fleets ---
class ClockMovePublic(BaseModel):
    id: int
    target: str = Field(description="the instant every clock moves to (ISO 8601, UTC+8)")
    target_us: int
    decided_us: int = Field(description="wall time the target was decided at")
    key: str | None
    done: bool
    accounts_done: int = Field(description="accounts moved and settled so far")
    accounts_total: int

    @classmethod
    def of(cls, m: MoveStatus) -> ClockMovePublic:
        return cls(
            id=m.id,
            target=iso(m.target_us) or "",
            target_us=m.target_us,
            decided_us=m.created_us,
            key=m.key,
            done=m.done,
            accounts_done=m.accounts_done,
            accounts_total=m.accounts_total,
        )


class AccountsBulkCreate(AdminRequest):
    count: int = Field(ge=1, le=10_000, description="how many accounts (at most 10,000 per request)")
    prefix: str = Field(
        "fleet", min_length=1, max_length=40, description="names are <prefix>-1 .. <prefix>-<count>"
    )
    first: int = Field(1, ge=0, le=10_000_000, description="the number of the first name")
    sender: str | None = Field(None, description="the sender address every account gets")
    free_quota: int | None = Field(None, ge=0)
    top_up: str | None = Field(None, description="a first top-up for each, decimal USD, e.g. '100.00'")


class AccountsBulkCreated(BaseModel):
    created: int
    accounts: list[CredentialsPublic]
