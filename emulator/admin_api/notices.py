"""/admin/accounts/{account}/notices (the list) and .../notices/settings (the notification address and the
low-balance warning threshold): docs/notices.md."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from emulator.admin_api.deps import CoreDep, parse_money_micro, require_token
from emulator.admin_api.errors import answers
from emulator.admin_api.schemas import AdminRequest, MoneyInput, iso
from emulator.domain.money import format_usd
from emulator.domain.notices import MAX_THRESHOLD_MICRO
from emulator.errors import FailedOperation
from emulator.services.notices import UNSET, NoticeSettings, NoticeView

router = APIRouter(prefix="/admin", tags=["notices"], dependencies=[Depends(require_token)])


class NoticeSettingsSet(AdminRequest):
    """Only the fields given change; null resets one (the default address; the warning off)."""

    address: str | None = Field(None, description="where notices are mailed; null: the default")
    low_balance_threshold: MoneyInput | None = Field(
        None,
        description="warn when the balance falls below this, USD (0 or more) as a decimal string ('1.50'), "
        "or a JSON number only where exact; null: off",
    )
    low_balance_threshold_micro: int | None = Field(
        None, ge=0, le=MAX_THRESHOLD_MICRO, description="or exact micro-USD"
    )


class NoticeSettingsPublic(BaseModel):
    address: str = Field(description="where notices are mailed")
    address_is_default: bool
    default_address: str = Field(description="owner@<the domain of the account's first sender address>")
    low_balance_threshold: str | None = Field(description="USD; null: the warning is off")
    low_balance_threshold_micro: int | None
    low_balance_below: bool = Field(
        description="the balance was below the threshold when last checked (the warning re-arms at or above)"
    )

    @classmethod
    def of(cls, s: NoticeSettings) -> NoticeSettingsPublic:
        t = s.low_balance_threshold_micro
        return cls(
            address=s.address,
            address_is_default=s.address_is_default,
            default_address=s.default_address,
            low_balance_threshold=None if t is None else format_usd(t),
            low_balance_threshold_micro=t,
            low_balance_below=s.low_balance_below,
        )


class NoticeWebhookPublic(BaseModel):
    status: str = Field(description="pending (will retry) | delivered | failed (gave up)")
    attempts: int


class NoticePublic(BaseModel):
    id: int
    kind: str = Field(description="deduction_failed | suspended | resumed | low_balance")
    address: str
    subject: str
    message_id: str = Field(description="the notice mail in the mailbox (source 'notice')")
    bill_id: int | None
    balance: str
    balance_micro: int
    unpaid: str
    unpaid_micro: int
    threshold: str | None
    threshold_micro: int | None
    account_time: str = Field(description="account clock, ISO 8601 in UTC+8")
    real_time: str
    webhook: NoticeWebhookPublic | None = Field(description="the callback event; null when no URL was set")

    @classmethod
    def of(cls, v: NoticeView) -> NoticePublic:
        n = v.notice
        return cls(
            id=n.id,
            kind=n.kind,
            address=n.address,
            subject=n.subject,
            message_id=n.message_id,
            bill_id=n.bill_id,
            balance=format_usd(n.balance_micro),
            balance_micro=n.balance_micro,
            unpaid=format_usd(n.unpaid_micro),
            unpaid_micro=n.unpaid_micro,
            threshold=None if n.threshold_micro is None else format_usd(n.threshold_micro),
            threshold_micro=n.threshold_micro,
            account_time=iso(n.account_time_us) or "",
            real_time=iso(n.real_time_us) or "",
            webhook=None
            if v.webhook_status is None
            else NoticeWebhookPublic(status=v.webhook_status, attempts=v.webhook_attempts),
        )


@router.get(
    "/accounts/{account}/notices/settings", response_model=NoticeSettingsPublic, responses=answers(404)
)
def get_settings(account: str, core: CoreDep) -> NoticeSettingsPublic:
    """Where the account's notices are mailed and its low-balance warning threshold."""
    return NoticeSettingsPublic.of(core.notices.settings(account))


@router.put(
    "/accounts/{account}/notices/settings", response_model=NoticeSettingsPublic, responses=answers(400, 404)
)
def put_settings(account: str, body: NoticeSettingsSet, core: CoreDep) -> NoticeSettingsPublic:
    """A threshold set above the current balance sends the low-balance warning at once."""
    given = body.model_fields_set
    changes: dict[str, Any] = {}
    if "address" in given:
        changes["address"] = body.address
    if {"low_balance_threshold", "low_balance_threshold_micro"} <= given:
        raise FailedOperation("give at most one of low_balance_threshold or low_balance_threshold_micro")
    if "low_balance_threshold_micro" in given:
        changes["threshold_micro"] = body.low_balance_threshold_micro
    elif "low_balance_threshold" in given:
        value = body.low_balance_threshold
        changes["threshold_micro"] = (
            None if value is None else parse_money_micro(value, "low_balance_threshold")
        )
    return NoticeSettingsPublic.of(
        core.notices.set_settings(
            account,
            address=changes.get("address", UNSET),
            threshold_micro=changes.get("threshold_micro", UNSET),
        )
    )


@router.get("/accounts/{account}/notices", response_model=list[NoticePublic], responses=answers(400, 404))
def list_notices(
    account: str,
    core: CoreDep,
    kind: Annotated[str | None, Query(pattern="^(deduction_failed|suspended|resumed|low_balance)$")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[NoticePublic]:
    """The account's notices (failed deduction, suspension, resumption, low balance), newest first."""
    return [NoticePublic.of(v) for v in core.notices.list(account, kind, offset, limit)]
