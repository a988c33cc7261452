"""The group committer's inserts (storage.raw): on SQLite several rows go in one statement, in chunks of
32, 16, ... rows; on PostgreSQL one pipelined executemany. Either way every row lands with the key
returned for it, in input order, and the recipients rows point at the right messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from emulator.services.core import build_core
from emulator.storage import mail_repo
from emulator.storage.tables import message_recipients, messages
from tests.conftest import make_settings


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("n", [1, 3, 45])
def test_inserted_rows_get_their_keys_in_order(tmp_path: Path, backend: str, n: int) -> None:
    settings, schema = make_settings(tmp_path, backend)
    core = build_core(settings)
    try:
        core.accounts.create("a")
        aid = int(core.accounts.get_row("a").id)
        rows = [
            {
                "account_id": aid,
                "message_id": f"m-{i}",
                "source": "api",
                "mail_from": "a@example.com",
                "recipients_json": f'["r{i}@example.com"]',
                "size": i + 1,
                "raw": bytes([i % 256]) * (i + 1),
                "sending_ip": "198.51.100.10",
                "account_time_us": i,
                "real_time_us": i,
                "free_units": 0,
                "paid_units": 1,
            }
            for i in range(n)
        ]
        with core.db.send_writer.begin() as conn:
            pks = mail_repo.insert_messages(conn, rows)
            mail_repo.insert_recipients(
                conn,
                [
                    {
                        "message_pk": pk,
                        "account_id": aid,
                        "address": f"r{i}@example.com",
                        "request_day": "2026-11-27",
                        "request_us": i,
                    }
                    for i, pk in enumerate(pks)
                ],
            )
        assert len(pks) == n and pks == sorted(set(pks))
        with core.db.engine.connect() as conn:
            stored = conn.execute(
                select(messages.c.id, messages.c.message_id, messages.c.raw, messages.c.header_from)
                .where(messages.c.account_id == aid)
                .order_by(messages.c.id)
            ).all()
            linked = conn.execute(
                select(message_recipients.c.message_pk, message_recipients.c.address, messages.c.message_id)
                .join(messages, messages.c.id == message_recipients.c.message_pk)
                .where(message_recipients.c.account_id == aid)
                .order_by(message_recipients.c.message_pk)
            ).all()
        assert [(r.id, r.message_id, bytes(r.raw)) for r in stored] == [
            (pk, row["message_id"], row["raw"]) for pk, row in zip(pks, rows, strict=True)
        ]
        assert {r.header_from for r in stored} == {""}  # a column left out takes its default
        assert [(r.address, r.message_id) for r in linked] == [
            (f"r{i}@example.com", f"m-{i}") for i in range(n)
        ]
    finally:
        core.close()
        if schema is not None:
            schema.drop()
