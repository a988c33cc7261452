"""Recipient lists (CreateReceiver ... DeleteReceiver) with Tencent's refusals.

Uploads are processed at once (the real service uploads asynchronously: status 2 'uploading' is never
seen here). Within an upload and against the list, an address already present counts as a repeat
and is not added again; a malformed address is kept as an invalid entry (Status 2 with a Reason),
as ListReceiverDetails shows them. Lists per account: at most 20 (an emulator choice)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.domain.addresses import is_valid_email
from emulator.domain.records.tasks import ReceiverDetailRecord, ReceiverListing, ReceiverRecord
from emulator.errors import (
    InvalidParameterValue,
    InvalidParameterValueInValidTemplateData,
    InvalidParameterValueReceiverDescIllegal,
    InvalidParameterValueReceiverNameIllegal,
    InvalidParameterValueRepeatReceiverName,
    InvalidParameterValueTemplateDataError,
    InvalidParameterValueTemplateDataInconsistent,
    InvalidParameterValueTemplateDataLenLimit,
    LimitExceededExceedReceiverLimit,
    LimitExceededReceiverDetailCountLimit,
    LimitExceededReceiverDetailRequestLimit,
    MissingParameterEmailsNecessary,
    MissingParameterReceiverIdNecessary,
    OperationDeniedReceiverIsOperating,
    OperationDeniedReceiverNotExist,
)
from emulator.storage import receivers_repo
from emulator.storage.db import Tx

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.storage.db import Database

MAX_LISTS = 20
MAX_PER_CALL = 20_000
MAX_PER_LIST = 50_000
MAX_EMAIL_CHARS = 128
MAX_TEMPLATE_DATA_BYTES = 800
MAX_NAME_CHARS = 50
MAX_DESC_CHARS = 300
_ILLEGAL = re.compile(r"[<>\"'\\\x00-\x1f\x7f]")
_HTML = re.compile(r"</?[A-Za-z][^<>]*>|<!--")
INVALID_REASON = "invalid email address format"
ACTIVE_TASK_STATUSES = (1, 5, 6)


@dataclass(frozen=True)
class UploadCounts:
    total: int
    valid: int
    too_long: int
    empty: int
    repeat: int


def _template_data(raw: str) -> tuple[str, frozenset[str]]:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidParameterValueTemplateDataError("TemplateData is required for every address.")
    if len(raw.encode()) > MAX_TEMPLATE_DATA_BYTES:
        raise InvalidParameterValueTemplateDataLenLimit(
            f"TemplateData may be at most {MAX_TEMPLATE_DATA_BYTES} bytes.",
        )
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict) or any(isinstance(v, (dict, list)) for v in data.values()):
        raise InvalidParameterValueTemplateDataError("TemplateData must be a JSON object of plain values.")
    if any(isinstance(v, str) and _HTML.search(v) for v in data.values()):
        raise InvalidParameterValueInValidTemplateData("TemplateData values must not contain HTML.")
    return raw, frozenset(data)


class ReceiverService:
    def __init__(self, db: Database, clock: ClockSource, accounts: AccountService) -> None:
        self.db = db
        self.clock = clock
        self.accounts = accounts

    def _now(self, conn: Tx, account_id: int) -> int:
        return self.clock.of(self.accounts.get_row(account_id, conn)).now_us()

    def _get(self, conn: Tx, account_id: int, receiver_id: int | None) -> ReceiverRecord:
        if receiver_id is None:
            raise MissingParameterReceiverIdNecessary("ReceiverId is required.")
        row = receivers_repo.get_receiver(conn, account_id, receiver_id)
        if row is None:
            raise OperationDeniedReceiverNotExist(f"Recipient list {receiver_id} does not exist.")
        return row

    def _in_use(self, conn: Tx, receiver_id: int) -> bool:
        return receivers_repo.has_task_in(conn, receiver_id, ACTIVE_TASK_STATUSES)

    def create(self, account_id: int, name: str, desc: str | None) -> int:
        name = (name or "").strip()
        if not name or len(name) > MAX_NAME_CHARS or _ILLEGAL.search(name):
            raise InvalidParameterValueReceiverNameIllegal(
                f"ReceiversName: 1-{MAX_NAME_CHARS} characters, no quotes, angle brackets or control characters.",
            )
        if desc is not None and (not 1 <= len(desc) <= MAX_DESC_CHARS or _ILLEGAL.search(desc)):
            raise InvalidParameterValueReceiverDescIllegal(
                f"Desc: 1-{MAX_DESC_CHARS} characters, no quotes, angle brackets or control characters.",
            )
        with self.db.write() as conn:
            if receivers_repo.receiver_by_name(conn, account_id, name):
                raise InvalidParameterValueRepeatReceiverName(f"A list named {name!r} exists.")
            if receivers_repo.count_receivers(conn, account_id) >= MAX_LISTS:
                raise LimitExceededExceedReceiverLimit(f"At most {MAX_LISTS} recipient lists.")
            return receivers_repo.insert_receiver(
                conn,
                account_id=account_id,
                name=name,
                description=desc or "",
                created_us=self._now(conn, account_id),
            )

    def upload(
        self, account_id: int, receiver_id: int | None, entries: list[tuple[str, str | None]], with_data: bool
    ) -> UploadCounts:
        """Add (email, TemplateData) entries; `with_data` for CreateReceiverDetailWithData."""
        if not entries:
            raise MissingParameterEmailsNecessary("At least one address is required.")
        if len(entries) > MAX_PER_CALL:
            raise LimitExceededReceiverDetailRequestLimit(f"At most {MAX_PER_CALL} addresses per request.")
        keys: set[frozenset[str]] = set()
        if with_data:
            keys = {_template_data(data or "")[1] for _e, data in entries}
        with self.db.write() as conn:
            rec = self._get(conn, account_id, receiver_id)
            if self._in_use(conn, rec.id):
                raise OperationDeniedReceiverIsOperating("The list is used by a sending task.")
            has_rows, sample = receivers_repo.sample_template_data(conn, rec.id)
            if has_rows:
                if (sample is not None) != with_data:
                    raise InvalidParameterValueTemplateDataInconsistent(
                        "A list holds either addresses with TemplateData or addresses without, not both.",
                    )
                if sample is not None:
                    keys.add(frozenset(json.loads(sample)))
            if len(keys) > 1:
                raise InvalidParameterValueTemplateDataInconsistent(
                    "Every TemplateData of a list must have the same variables.",
                )
            seen = receivers_repo.detail_emails(conn, rec.id)
            now = self._now(conn, account_id)
            rows: list[dict[str, Any]] = []
            too_long = empty = repeat = valid = 0
            for email, data in entries:
                addr = (email or "").strip()
                if not addr:
                    empty += 1
                elif len(addr) > MAX_EMAIL_CHARS:
                    too_long += 1
                elif addr.lower() in seen:
                    repeat += 1
                else:
                    seen.add(addr.lower())
                    ok = is_valid_email(addr)
                    valid += ok
                    rows.append(
                        {
                            "receiver_id": rec.id,
                            "email": addr,
                            "template_data": data if with_data else None,
                            "valid": 1 if ok else 0,
                            "reason": "" if ok else INVALID_REASON,
                            "created_us": now,
                        }
                    )
            if receivers_repo.detail_count(conn, rec.id) + len(rows) > MAX_PER_LIST:
                raise LimitExceededReceiverDetailCountLimit(
                    f"A list holds at most {MAX_PER_LIST} addresses.",
                )
            receivers_repo.insert_details(conn, rows)
        return UploadCounts(len(entries), valid, too_long, empty, repeat)

    def list_lists(
        self, account_id: int, status: int | None, keyword: str | None, offset: int, limit: int
    ) -> tuple[list[ReceiverListing], int]:
        if status not in (None, 1, 2, 3):
            raise InvalidParameterValue("Status must be 1 (to upload), 2 (uploading) or 3 (done).")
        with self.db.read() as conn:
            if status == 2:
                return [], 0
            has = None if status is None else status == 3
            return receivers_repo.list_receivers(conn, account_id, keyword, has, offset, limit)

    def details(
        self,
        account_id: int,
        receiver_id: int | None,
        email: str | None,
        since_us: int | None,
        until_us: int | None,
        status: int | None,
        offset: int,
        limit: int,
    ) -> tuple[list[ReceiverDetailRecord], int, int, int]:
        if status not in (None, 1, 2):
            raise InvalidParameterValue("Status must be 1 (valid) or 2 (invalid).")
        if email is not None and len(email) > 50:
            raise InvalidParameterValue("Email may be at most 50 characters.")
        with self.db.read() as conn:
            rec = self._get(conn, account_id, receiver_id)
            valid = None if status is None else (1 if status == 1 else 0)
            return receivers_repo.list_details(conn, rec.id, email, since_us, until_us, valid, offset, limit)

    def delete(self, account_id: int, receiver_id: int | None) -> None:
        with self.db.write() as conn:
            rec = self._get(conn, account_id, receiver_id)
            if self._in_use(conn, rec.id):
                raise OperationDeniedReceiverIsOperating("The list is used by a sending task.")
            receivers_repo.delete_receiver(conn, rec.id)
