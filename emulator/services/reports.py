"""GetStatisticsReport and GetAbuseReport, computed from stored mail and its delivery outcomes, and
the address-level unsubscribe settings (Create/Update/Delete/ListAddressUnsubscribeConfig).

Statistics count recipients (one email per recipient, as billed) by the UTC+8 day they were
requested: RequestCount all, AcceptedCount SendStatus 0, DeliveredCount DeliverStatus 1,
BounceCount DeliverStatus 3, Opened/Clicked/Unsubscribe by flag. Mail refused synchronously
(blacklist, limits, suspension) is never stored and so not counted. Every day of the range is listed.
An abuse report is a recipient with a spam complaint."""

from __future__ import annotations

from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING, Any

from emulator.domain.addresses import domain_of
from emulator.domain.dates import days_between, fmt_time, parse_day
from emulator.domain.records.events import Complaint, UnsubscribeConfigRecord
from emulator.errors import (
    InvalidParameterValue,
    InvalidParameterValueNoSuchSender,
    InvalidParameterValueRepeatCreation,
    InvalidParameterValueWrongDate,
    ResourceNotFound,
)
from emulator.storage import accounts_repo, reports_repo

if TYPE_CHECKING:
    from emulator.storage.db import Database

MAX_RANGE_DAYS = 90
VOLUME_FIELDS = ("requests", "accepted", "delivered", "opened", "clicked", "bounced", "unsubscribed")
UNSUBSCRIBE_CODES = frozenset(str(n) for n in range(11))


def _range(first: str, last: str) -> list[str]:
    try:
        start, end = parse_day(first), parse_day(last)
    except ValueError:
        raise InvalidParameterValueWrongDate("Dates must be YYYY-MM-DD.") from None
    if end < start:
        raise InvalidParameterValueWrongDate("The end date must not be before the start date.")
    days = days_between(first.strip(), last.strip())
    if len(days) > MAX_RANGE_DAYS:
        raise InvalidParameterValueWrongDate(f"The range may cover at most {MAX_RANGE_DAYS} days.")
    return days


def _message_id_header(row: Complaint) -> str:
    if row.source == "api":
        return f"<{row.message_id}@qcloudmail.com>"
    headers = BytesHeaderParser().parsebytes(bytes(row.raw))
    return str(headers.get("Message-ID", ""))


class ReportService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def statistics(
        self, account_id: int, first: str, last: str, domain: str | None, mailbox: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        days = _range(first, last)
        with self.db.read() as conn:
            rows = reports_repo.daily_volumes(conn, account_id, days[0], days[-1], domain, mailbox)
        by_day = {r.request_day: {f: int(getattr(r, f)) for f in VOLUME_FIELDS} for r in rows}
        zero = dict.fromkeys(VOLUME_FIELDS, 0)
        daily: list[dict[str, Any]] = [{"day": d, **by_day.get(d, zero)} for d in days]
        overall = {f: sum(by_day.get(d, zero)[f] for d in days) for f in VOLUME_FIELDS}
        return daily, overall

    def abuse(
        self, account_id: int, first: str, last: str, filters: dict[str, str | None], offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        days = _range(first, last)
        with self.db.read() as conn:
            rows, total = reports_repo.complaints(conn, account_id, days[0], days[-1], filters, offset, limit)
        out = []
        for r in rows:
            at = fmt_time(r.deliver_us or r.request_us)
            out.append(
                {
                    "DeliverTime": fmt_time(r.request_us),
                    "OriginalMailFrom": r.mail_from,
                    "OriginalRcptTo": r.address,
                    "FromDomain": domain_of(r.mail_from),
                    "ComplainTime": at,
                    "Mta": domain_of(r.address),
                    "SourceIp": r.sending_ip,
                    "InsertTime": at,
                    "TemplateId": str(r.template_id) if r.template_id else "",
                    "BulkId": r.message_id,
                    "MessageId": _message_id_header(r),
                    "AbuseTime": at,
                    "Subject": r.subject,
                }
            )
        return out, total

    # --- address-level unsubscribe settings --------------------------------------------------------
    def _check_config(self, config: str, status: int) -> None:
        if config not in UNSUBSCRIBE_CODES:
            raise InvalidParameterValue("UnsubscribeConfig must be a string from '0' to '10'.")
        if status not in (0, 1):
            raise InvalidParameterValue("Status must be 0 (off) or 1 (on).")

    def create_unsubscribe(self, account_id: int, address: str, config: str, status: int) -> None:
        self._check_config(config, status)
        with self.db.write() as conn:
            sender = accounts_repo.get_sender(conn, account_id, (address or "").strip())
            if sender is None:
                raise InvalidParameterValueNoSuchSender(f"{address!r} is not a sender address.")
            if reports_repo.get_unsubscribe(conn, account_id, sender.address):
                raise InvalidParameterValueRepeatCreation(f"{sender.address} already has one.")
            reports_repo.insert_unsubscribe(
                conn, account_id=account_id, address=sender.address, config=config, status=status
            )

    def update_unsubscribe(self, account_id: int, address: str, config: str, status: int) -> None:
        self._check_config(config, status)
        with self.db.write() as conn:
            row = reports_repo.get_unsubscribe(conn, account_id, (address or "").strip())
            if row is None:
                raise ResourceNotFound(f"{address!r} has no unsubscribe setting.")
            reports_repo.update_unsubscribe(conn, row.id, config=config, status=status)

    def delete_unsubscribe(self, account_id: int, address: str) -> None:
        with self.db.write() as conn:
            row = reports_repo.get_unsubscribe(conn, account_id, (address or "").strip())
            if row is None:
                raise ResourceNotFound(f"{address!r} has no unsubscribe setting.")
            reports_repo.delete_unsubscribe(conn, row.id)

    def list_unsubscribe(
        self, account_id: int, offset: int, limit: int
    ) -> tuple[list[UnsubscribeConfigRecord], int]:
        with self.db.read() as conn:
            return reports_repo.list_unsubscribe(conn, account_id, offset, limit)
