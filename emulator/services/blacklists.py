"""The platform blacklist (hard bounces, ListBlackEmailAddress/DeleteBlackList) and the custom
blacklist (Create/List/Update/DeleteCustomBlackList), and the send check that refuses mail to
either with `FailedOperation.EmailAddrInBlacklist`, and mail to a recipient who unsubscribed (fault rule
`unsubscribe`) with `FailedOperation.ReceiverHasUnsubscribed`.

Choices: the platform list is kept per account (the real one is shared by all users; per account
keeps parallel test suites apart). A custom entry is active through its ExpireDate (UTC+8, on the
account's clock) and expired from the next day on; no ExpireDate means permanent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.domain.addresses import is_valid_email
from emulator.domain.clock import beijing_day
from emulator.domain.dates import DAY_US, parse_day
from emulator.domain.messages import OutgoingMessage
from emulator.domain.records import AccountRecord
from emulator.domain.records.policy import CustomBlacklistRecord, PlatformBlacklistRecord
from emulator.errors import (
    FailedOperationEmailAddrInBlacklist,
    FailedOperationReceiverHasUnsubscribed,
    InvalidParameterValue,
    InvalidParameterValueEmailAddressIsNULL,
    InvalidParameterValueIllegalEmailAddress,
    InvalidParameterValueRepeatEmailAddress,
    InvalidParameterValueWrongDate,
    LimitExceeded,
    MissingParameterEmailsNecessary,
    ResourceNotFound,
)
from emulator.services.send_request import SendContext
from emulator.services.txn_scratch import send_policy
from emulator.storage import blacklist_repo

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.storage.db import Database

MAX_ADDRESS_CHARS = 128
MAX_CUSTOM_PER_CALL = 10_000


@dataclass(frozen=True)
class CustomCounts:
    total: int
    valid: int
    too_long: int
    repeat: int
    invalid: int


def _expire(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        parse_day(value)
    except ValueError:
        raise InvalidParameterValueWrongDate("ExpireDate must be YYYY-MM-DD.") from None
    return value.strip()


class BlacklistService:
    def __init__(self, db: Database, clock: ClockSource, accounts: AccountService) -> None:
        self.db = db
        self.clock = clock
        self.accounts = accounts

    def _today(self, acct: AccountRecord) -> str:
        return beijing_day(self.clock.of(acct).now_us())

    # --- sending check ---------------------------------------------------------------------------
    def check(self, ctx: SendContext, msg: OutgoingMessage) -> None:
        if not send_policy(ctx.conn, ctx.account.id).listed:  # most accounts have no list at all
            return
        platform, custom = blacklist_repo.blocked(
            ctx.conn, ctx.account.id, msg.recipients, beijing_day(ctx.now_us)
        )
        hit = sorted(set(platform) | set(custom))
        if hit:
            where = "the bounce blacklist" if platform else "the custom blacklist"
            raise FailedOperationEmailAddrInBlacklist(
                f"The recipient {hit[0]} is in {where}; the email was not sent.",
            )
        gone = blacklist_repo.unsubscribed_of(ctx.conn, ctx.account.id, msg.recipients)
        if gone:
            raise FailedOperationReceiverHasUnsubscribed(
                f"The recipient {sorted(gone)[0]} has unsubscribed from this account's mail.",
            )

    # --- platform list -----------------------------------------------------------------------------
    def list_platform(
        self, account_id: int, start: str, end: str, email: str | None, offset: int, limit: int
    ) -> tuple[list[PlatformBlacklistRecord], int]:
        try:
            since, until = parse_day(start), parse_day(end) + DAY_US
        except ValueError:
            raise InvalidParameterValueWrongDate("StartDate and EndDate must be YYYY-MM-DD.") from None
        if until <= since:
            raise InvalidParameterValueWrongDate("EndDate must not be before StartDate.")
        with self.db.read() as conn:
            return blacklist_repo.list_platform(conn, account_id, since, until, email, offset, limit)

    def delete_platform(self, account_id: int, addresses: list[str]) -> int:
        if not addresses or any(not isinstance(a, str) or not a.strip() for a in addresses):
            raise InvalidParameterValueEmailAddressIsNULL("EmailAddressList must list addresses.")
        with self.db.write() as conn:
            return blacklist_repo.delete_platform(conn, account_id, addresses)

    # --- custom list -------------------------------------------------------------------------------
    def create_custom(self, account_id: int, emails: list[str], expire_date: str | None) -> CustomCounts:
        expire = _expire(expire_date)
        if not emails:
            raise MissingParameterEmailsNecessary("Emails must list at least one address.")
        if len(emails) > MAX_CUSTOM_PER_CALL:
            raise LimitExceeded(f"At most {MAX_CUSTOM_PER_CALL} addresses per call.")
        now = self.clock.wall_us()
        with self.db.write() as conn:
            self.accounts.get_row(account_id, conn)
            seen = blacklist_repo.custom_addresses(conn, account_id)
            rows: list[dict[str, Any]] = []
            too_long = repeat = invalid = 0
            for raw in emails:
                addr = (raw or "").strip()
                if len(addr) > MAX_ADDRESS_CHARS:
                    too_long += 1
                elif not is_valid_email(addr):
                    invalid += 1
                elif addr.lower() in seen:
                    repeat += 1
                else:
                    seen.add(addr.lower())
                    rows.append(
                        {
                            "account_id": account_id,
                            "address": addr.lower(),
                            "expire_date": expire,
                            "created_us": now,
                        }
                    )
            blacklist_repo.insert_custom(conn, rows)
        return CustomCounts(len(emails), len(rows), too_long, repeat, invalid)

    def list_custom(
        self, account_id: int, status: int, email: str | None, offset: int, limit: int
    ) -> tuple[list[CustomBlacklistRecord], int, str]:
        if status not in (0, 1, 2):
            raise InvalidParameterValue("Status must be 0 (expired), 1 (active) or 2 (all).")
        with self.db.read() as conn:
            today = self._today(self.accounts.get_row(account_id, conn))
            rows, total = blacklist_repo.list_custom(conn, account_id, status, today, email, offset, limit)
        return rows, total, today

    def update_custom(self, account_id: int, entry_id: int, email: str, expire_date: str | None) -> None:
        addr = (email or "").strip()
        if not addr:
            raise InvalidParameterValueEmailAddressIsNULL("Email is required.")
        if len(addr) > MAX_ADDRESS_CHARS or not is_valid_email(addr):
            raise InvalidParameterValueIllegalEmailAddress(f"{addr!r} is not a valid address.")
        expire = _expire(expire_date)
        with self.db.write() as conn:
            row = blacklist_repo.get_custom(conn, account_id, entry_id)
            if row is None:
                raise ResourceNotFound(f"No custom blacklist entry with Id {entry_id}.")
            other = blacklist_repo.custom_by_address(conn, account_id, addr)
            if other is not None and other.id != entry_id:
                raise InvalidParameterValueRepeatEmailAddress(f"{addr} is already blacklisted.")
            blacklist_repo.update_custom(conn, entry_id, address=addr.lower(), expire_date=expire)

    def delete_custom(self, account_id: int, emails: list[str]) -> int:
        if not emails or any(not isinstance(a, str) or not a.strip() for a in emails):
            raise MissingParameterEmailsNecessary("Emails must list at least one address.")
        with self.db.write() as conn:
            return blacklist_repo.delete_custom(conn, account_id, emails)
