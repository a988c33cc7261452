"""The projections storage returns (a query's own columns, not a table's) are built with `_make(row)`,
so their fields must be the query's columns in select order: checked here against the statements'
columns, and by reading each back from SQLite and PostgreSQL with known values in every field."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column

from emulator.domain.messages import MailFilter
from emulator.domain.records.mail import (
    EmailStatus,
    MessageListing,
    MessageRecipientRecord,
    MessageRecord,
    UsageDayRecord,
)
from emulator.domain.records.tasks import (
    ReceiverDetailRecord,
    ReceiverListing,
    ReceiverRecord,
    SendTaskRecord,
)
from emulator.services.core import build_core
from emulator.storage import mail_repo, receivers_repo, tasks_repo
from tests.conftest import make_settings


@pytest.mark.parametrize(
    ("record", "columns"),
    [(MessageListing, mail_repo.LIST_COLUMNS), (EmailStatus, mail_repo.STATUS_COLUMNS)],
    ids=["MessageListing", "EmailStatus"],
)
def test_a_projection_has_its_querys_columns_in_order(record: type[Any], columns: list[Column[Any]]) -> None:
    assert record._fields == tuple(c.name for c in columns)
    hints = typing.get_type_hints(record)
    for column in columns:
        if not column.primary_key:
            assert (type(None) in typing.get_args(hints[column.name])) == bool(column.nullable), column.name


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_mail_reads_come_back_as_records_field_for_field(tmp_path: Path, backend: str) -> None:
    settings, schema = make_settings(tmp_path, backend)
    core = build_core(settings)
    try:
        aid = core.accounts.create("a").account_id
        message = {
            "account_id": aid,
            "message_id": "m-1",
            "source": "api",
            "mail_from": "a@example.com",
            "recipients_json": '["r@example.com"]',
            "header_from": "A <a@example.com>",
            "header_to": "r@example.com",
            "subject": "Hi",
            "search_text": "hi there",
            "size": 3,
            "raw": b"raw",
            "sending_ip": "198.51.100.10",
            "template_id": 7,
            "account_time_us": 11,
            "real_time_us": 12,
            "free_units": 1,
            "paid_units": 2,
        }
        recipient = {
            "account_id": aid,
            "address": "r@example.com",
            "request_day": "2031-01-05",
            "request_us": 13,
            "send_status": 0,
            "deliver_status": 4,
            "deliver_us": 14,
            "deliver_message": "ok",
            "opened": True,
            "clicked": False,
            "unsubscribed": True,
            "complained": False,
        }
        with core.db.send_writer.begin() as conn:
            (pk,) = mail_repo.insert_messages(conn, [message])
            mail_repo.insert_recipients(conn, [{"message_pk": pk, **recipient}])
            mail_repo.add_usage_many(conn, [(aid, "2031-01-05", 1, 2)])
        with core.db.engine.connect() as conn:
            full = mail_repo.get_message(conn, aid, "m-1")
            assert type(full) is MessageRecord and full == MessageRecord(id=pk, **message)
            listing = MessageListing(**{f: getattr(full, f) for f in MessageListing._fields})
            rows, total = mail_repo.list_messages(conn, aid, MailFilter(), 0, 10)
            assert total == 1 and rows == [listing] and type(rows[0]) is MessageListing
            assert mail_repo.first_match(conn, aid, MailFilter(subject="hi")) == listing
            (rcpt,) = mail_repo.recipients_of(conn, pk)
            assert type(rcpt) is MessageRecipientRecord
            assert rcpt._replace(id=0) == MessageRecipientRecord(id=0, message_pk=pk, **recipient)
            assert type(rcpt.opened) is bool  # through SQLAlchemy, not the raw path: never 0/1
            (status,) = mail_repo.status_rows(conn, aid, "2031-01-05", None, None, 0, 10)
            assert type(status) is EmailStatus
            assert status == EmailStatus(*rcpt, message_id="m-1", mail_from="a@example.com")
            assert mail_repo.usage_rows(conn, aid) == [UsageDayRecord(aid, "2031-01-05", 1, 2)]
    finally:
        core.close()
        if schema is not None:
            schema.drop()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_receiver_and_task_reads_come_back_as_records(tmp_path: Path, backend: str) -> None:
    settings, schema = make_settings(tmp_path, backend)
    core = build_core(settings)
    try:
        aid = core.accounts.create("a").account_id
        rid = core.receivers.create(aid, "list", "the list")
        core.receivers.upload(
            aid, rid, [("x@example.com", None), ("y@example.com", None), ("bad", None)], False
        )
        empty = core.receivers.create(aid, "empty", None)
        lists, total = core.receivers.list_lists(aid, None, None, 0, 10)
        assert total == 2 and all(type(r) is ReceiverListing for r in lists)
        assert [(r.id, r.name, r.description, r.detail_count, r.invalid_count) for r in lists] == [
            (empty, "empty", "", 0, 0),
            (rid, "list", "the list", 3, 1),
        ]
        assert core.receivers.list_lists(aid, 3, None, 0, 10)[0] == [lists[1]]  # has addresses
        assert core.receivers.list_lists(aid, 1, None, 0, 10)[0] == [lists[0]]  # none yet
        details, matching, valid, invalid = core.receivers.details(aid, rid, None, None, None, None, 0, 10)
        assert (matching, valid, invalid) == (3, 2, 1)
        assert all(type(d) is ReceiverDetailRecord for d in details)
        assert [(d.email, d.valid, d.template_data) for d in details] == [
            ("x@example.com", 1, None),
            ("y@example.com", 1, None),
            ("bad", 0, None),
        ]
        with core.db.engine.connect() as conn:
            rec = receivers_repo.get_receiver(conn, aid, rid)
            assert type(rec) is ReceiverRecord and rec == ReceiverRecord(*lists[1][:5])
            assert receivers_repo.receiver_by_name(conn, aid, "list") == rec
            assert receivers_repo.details_after(conn, rid, details[0].id, 10) == [details[1]]
        task = {
            "account_id": aid,
            "receiver_id": rid,
            "receivers_name": "list",
            "task_type": 2,
            "status": 1,
            "request_json": "{}",
            "request_count": 0,
            "send_count": 0,
            "cache_count": 0,
            "cursor": 0,
            "next_us": 5,
            "runs_pending": 0,
            "lease_wall_us": 0,
            "err_msg": "",
            "created_us": 1,
            "updated_us": 2,
        }
        with core.db.write() as conn:
            tid = tasks_repo.insert_task(conn, **task)
        with core.db.engine.connect() as conn:
            got = tasks_repo.get_task(conn, tid)
            assert type(got) is SendTaskRecord and got == SendTaskRecord(id=tid, **task)
            assert tasks_repo.list_tasks(conn, aid, None, None, None, 0, 10) == ([got], 1)
            assert tasks_repo.due_tasks(conn, aid, 0, 5) == [got]
    finally:
        core.close()
        if schema is not None:
            schema.drop()
