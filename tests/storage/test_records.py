"""The typed records storage returns are the schema's tables, field for field in column order (they are
built with `_make(row)` from `select(table)`), so a column added by a migration cannot be missed."""

from __future__ import annotations

import importlib
import pkgutil
import typing
from typing import Any

import pytest
from sqlalchemy import Table

import emulator.domain.records
from emulator.storage.tables import metadata


def _pairs() -> list[tuple[type[Any], Table]]:
    found = []
    for info in pkgutil.iter_modules(emulator.domain.records.__path__):
        module = importlib.import_module(f"emulator.domain.records.{info.name}")
        for record, table in getattr(module, "TABLES", {}).items():
            found.append((record, metadata.tables[table]))
    return found


PAIRS = _pairs()


# Tables no repository returns whole rows of: read as single values or only written.
NO_RECORD = {"global_settings", "rate_hits", "schema_info", "task_messages", "unsubscribed"}


def test_every_table_a_repository_returns_has_a_record() -> None:
    assert {t.name for _r, t in PAIRS} == set(metadata.tables) - NO_RECORD


@pytest.mark.parametrize(("record", "table"), PAIRS, ids=[t.name for _r, t in PAIRS])
def test_a_record_has_its_tables_columns_in_order(record: type[Any], table: Table) -> None:
    assert record._fields == tuple(c.name for c in table.c)


@pytest.mark.parametrize(("record", "table"), PAIRS, ids=[t.name for _r, t in PAIRS])
def test_a_nullable_column_is_an_optional_field(record: type[Any], table: Table) -> None:
    hints = typing.get_type_hints(record)
    for column in table.c:
        if column.primary_key:
            continue
        optional = type(None) in typing.get_args(hints[column.name])
        assert optional == bool(column.nullable), column.name
