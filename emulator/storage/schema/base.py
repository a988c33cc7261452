"""The declarative base every table model shares. Its own registry (and so its own `metadata`) keeps
the emulator's tables apart from `SQLModel.metadata`: the pytest plugin runs inside applications that
may declare SQLModel tables of their own, which must never reach the emulator's database.

Column types are named explicitly (`sa_type`) where SQLModel's inference would differ from the
schema's (`str` would be AutoString, `int` never BIGINT), so the DDL stays exactly what it was."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Table
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 1  # schema_info.version; see docs/storage.md for when a migration raises it


class StorageModel(SQLModel, registry=registry()):
    """Base of the emulator's table models; not a table itself."""


metadata = StorageModel.metadata


def pk() -> Any:
    """A surrogate integer key (INTEGER PRIMARY KEY: SQLite's rowid, SERIAL on PostgreSQL)."""
    return Field(default=None, primary_key=True, sa_type=Integer, sa_column_kwargs={"autoincrement": True})


def table_of(model: type[SQLModel]) -> Table:
    """The model's Core table: callers build statements on `accounts.c.x`, not on the ORM class."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


class SchemaInfo(StorageModel, table=True):
    """One row (id 1). Emulators older than the Alembic migrations refuse a database whose version is
    above theirs, so a migration they cannot live with raises it."""

    __tablename__ = "schema_info"
    id: int = Field(primary_key=True, sa_type=Integer)
    version: int


schema_info = table_of(SchemaInfo)
