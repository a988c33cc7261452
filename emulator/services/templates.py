"""Email templates per account. Approved at once unless review is switched on (then pending)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.domain.records import TemplateRecord
from emulator.errors import (
    FailedOperationExceedTemplateLimit,
    FailedOperationTemplateContentToolarge,
    InvalidParameterValue,
    InvalidParameterValueRepeatCreation,
    InvalidParameterValueTemplateContentIsNULL,
    InvalidParameterValueTemplateNameIllegal,
    InvalidParameterValueTemplateNameIsNULL,
    InvalidParameterValueTemplateNotExist,
)
from emulator.storage import accounts_repo

if TYPE_CHECKING:
    from emulator.config import Settings
    from emulator.domain.clock import ClockSource
    from emulator.storage.db import Database

APPROVED, PENDING, REJECTED = 0, 1, 2
MAX_TEMPLATES = 100
MAX_TEMPLATE_BYTES = 256 * 1024


def _check(name: str, html: str | None, text: str | None) -> None:
    if not name or not name.strip():
        raise InvalidParameterValueTemplateNameIsNULL("TemplateName is required")
    if len(name) > 100 or any(c in name for c in "\r\n"):
        raise InvalidParameterValueTemplateNameIllegal("TemplateName: 1-100 characters, one line")
    if not html and not text:
        raise InvalidParameterValueTemplateContentIsNULL("TemplateContent needs Html or Text")
    if len((html or "").encode()) + len((text or "").encode()) > MAX_TEMPLATE_BYTES:
        raise FailedOperationTemplateContentToolarge("template content is too large")


class TemplateService:
    def __init__(self, db: Database, clock: ClockSource, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    def _initial_status(self) -> int:
        return PENDING if self.settings.templates_need_review else APPROVED

    def create(
        self, account_id: int, name: str, html: str | None, text: str | None, template_id: int | None = None
    ) -> int:
        _check(name, html, text)
        with self.db.write() as conn:
            if template_id is None:
                template_id = accounts_repo.next_template_id(conn, account_id)
            elif accounts_repo.get_template(conn, account_id, template_id):
                raise InvalidParameterValueRepeatCreation(f"template {template_id} already exists")
            _rows, total = accounts_repo.list_templates(conn, account_id, 0, 1)
            if total >= MAX_TEMPLATES:
                raise FailedOperationExceedTemplateLimit(f"at most {MAX_TEMPLATES} templates")
            accounts_repo.insert_template(
                conn,
                account_id=account_id,
                template_id=template_id,
                name=name,
                html=html,
                text=text,
                status=self._initial_status(),
                review_reason="",
                created_us=self.clock.wall_us(),
            )
        return template_id

    def get(self, account_id: int, template_id: int, conn: Any = None) -> TemplateRecord:
        if conn is None:
            with self.db.read() as c:
                return self.get(account_id, template_id, c)
        row = accounts_repo.get_template(conn, account_id, template_id)
        if row is None:
            raise InvalidParameterValueTemplateNotExist(f"template {template_id} does not exist")
        return row

    def update(
        self, account_id: int, template_id: int, name: str, html: str | None, text: str | None
    ) -> None:
        _check(name, html, text)
        with self.db.write() as conn:
            n = accounts_repo.update_template(
                conn,
                account_id,
                template_id,
                name=name,
                html=html,
                text=text,
                status=self._initial_status(),
                review_reason="",
            )
            if not n:
                raise InvalidParameterValueTemplateNotExist(f"template {template_id} does not exist")

    def set_status(self, account_id: int, template_id: int, status: int, reason: str = "") -> None:
        if status not in (APPROVED, PENDING, REJECTED):
            raise InvalidParameterValue("status must be 0 (approved), 1 (pending) or 2 (rejected)")
        with self.db.write() as conn:
            if not accounts_repo.update_template(
                conn, account_id, template_id, status=status, review_reason=reason
            ):
                raise InvalidParameterValueTemplateNotExist(f"template {template_id} does not exist")

    def delete(self, account_id: int, template_id: int) -> None:
        with self.db.write() as conn:
            if not accounts_repo.delete_template(conn, account_id, template_id):
                raise InvalidParameterValueTemplateNotExist(f"template {template_id} does not exist")

    def list(self, account_id: int, offset: int, limit: int) -> tuple[list[TemplateRecord], int]:
        with self.db.read() as conn:
            return accounts_repo.list_templates(conn, account_id, offset, limit)
