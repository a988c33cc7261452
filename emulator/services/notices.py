"""Account notices, the admin side (docs/notices.md): each account's notification address and
low-balance warning threshold, and the list of its notices with the state of their webhook events. The
notices themselves are recorded by services.notice_recorder, inside the billing transactions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.domain import notices as rules
from emulator.domain.addresses import is_valid_email
from emulator.domain.records.notices import NoticeRecord
from emulator.errors import FailedOperation
from emulator.services.notice_recorder import UNSET, NoticeRecorder
from emulator.storage import accounts_repo, billing_repo, notices_repo
from emulator.storage.db import Tx

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.services.scheduler import Scheduler
    from emulator.storage.db import Database

__all__ = ["UNSET", "NoticeService", "NoticeSettings", "NoticeView"]


@dataclass(frozen=True)
class NoticeSettings:
    address: str  # where notices go (the default when none was set)
    address_is_default: bool
    default_address: str
    low_balance_threshold_micro: int | None  # None: off
    low_balance_below: bool


@dataclass(frozen=True)
class NoticeView:
    notice: NoticeRecord
    webhook_status: str | None  # pending | delivered | failed; None: no callback URL was set
    webhook_attempts: int


class NoticeService:
    """The admin API's side: an account's notification settings, and its notices."""

    def __init__(
        self,
        db: Database,
        clock: ClockSource,
        accounts: AccountService,
        scheduler: Scheduler,
        recorder: NoticeRecorder,
    ) -> None:
        self.db = db
        self.clock = clock
        self.accounts = accounts
        self.scheduler = scheduler
        self.recorder = recorder

    def settings(self, ref: int | str) -> NoticeSettings:
        with self.db.read() as conn:
            return self._settings(conn, self.accounts.get_row(ref, conn).id)

    @staticmethod
    def _settings(conn: Tx, account_id: int) -> NoticeSettings:
        row = notices_repo.settings_of(conn, account_id)
        default = rules.default_address(notices_repo.first_sender(conn, account_id))
        address = row.address if row is not None else None
        return NoticeSettings(
            address=address or default,
            address_is_default=address is None,
            default_address=default,
            low_balance_threshold_micro=None if row is None else row.low_balance_threshold_micro,
            low_balance_below=False if row is None else row.low_balance_below,
        )

    def set_settings(
        self, ref: int | str, *, address: str | None | Any = UNSET, threshold_micro: int | None | Any = UNSET
    ) -> NoticeSettings:
        """Change what is given (None: back to the default address / the warning off). A changed
        threshold is evaluated at once against the balance: already below it sends the warning now."""
        values: dict[str, Any] = {}
        if address is not UNSET:
            if address is not None:
                address = address.strip()
                if not is_valid_email(address):
                    raise FailedOperation(f"address {address!r} is not a valid email address")
            values["address"] = address or None
        if threshold_micro is not UNSET:
            if threshold_micro is not None and (
                isinstance(threshold_micro, bool) or not 0 <= threshold_micro <= rules.MAX_THRESHOLD_MICRO
            ):
                raise FailedOperation(
                    "the low-balance threshold must be 0 to 1,000,000,000 USD (or null: off)"
                )
            values["low_balance_threshold_micro"] = threshold_micro
        aid = self.accounts.get_row(ref).id
        if "low_balance_threshold_micro" in values:
            self.scheduler.run_due(aid)  # bills due by now first: the balance is then current
        with self.db.write() as conn:
            acct = accounts_repo.lock_accounts(conn, [aid]).get(aid)
            if acct is None:
                acct = self.accounts.get_row(ref, conn)  # raises NotFound
            before = notices_repo.settings_of(conn, aid)
            if values:
                notices_repo.put_settings(conn, aid, **values)
            old = None if before is None else before.low_balance_threshold_micro
            if "low_balance_threshold_micro" in values and values["low_balance_threshold_micro"] != old:
                now = self.clock.of(acct).now_us()
                self.recorder.balance_changed(conn, aid, billing_repo.balance(conn, aid), now)
            return self._settings(conn, aid)

    def list(
        self, ref: int | str, kind: str | None = None, offset: int = 0, limit: int = 100
    ) -> list[NoticeView]:
        """Newest first, each with the state of its webhook event."""
        if kind is not None and kind not in rules.KINDS:
            raise FailedOperation(f"kind must be one of {', '.join(rules.KINDS)}")
        with self.db.read() as conn:
            aid = self.accounts.get_row(ref, conn).id
            rows = notices_repo.list_notices(conn, aid, kind, offset, limit)
            events = notices_repo.event_states(
                conn, [r.callback_event_id for r in rows if r.callback_event_id is not None]
            )
        out = []
        for r in rows:
            status, attempts = events.get(r.callback_event_id or -1, (None, 0))
            out.append(NoticeView(r, status, attempts))
        return out
