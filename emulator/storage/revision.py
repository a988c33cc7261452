"""Which Alembic revision this emulator ships and whether a database is at it, without importing Alembic
(about 0.16 s with mako and pygments, on every start): a restart on an up-to-date database, the common
case, needs only one read. Anything else goes through `storage.migrate` (Alembic itself).

Revisions are numbered files in migrations/versions/, one after the other (`migrate.revision` writes
the next number); the newest number is the head. tests/storage/test_migrations.py holds this against
Alembic's own ScriptDirectory."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, inspect, select, text

from emulator.storage.schema import SCHEMA_VERSION, schema_info

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


@cache
def head() -> str:
    """The newest revision this emulator knows ("0011")."""
    ids = [m.group(1) for p in VERSIONS.iterdir() if (m := _REVISION_FILE.match(p.name))]
    return max(ids)


def at_head(conn: Connection) -> bool:
    """True when the database is at this emulator's head and its schema_info is not newer: nothing to
    migrate and nothing to refuse."""
    names = set(inspect(conn).get_table_names())
    if "alembic_version" not in names:
        return False
    versions = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    if versions != [head()]:
        return False
    if "schema_info" in names:
        version = conn.execute(select(schema_info.c.version)).scalar()
        if version is not None and version > SCHEMA_VERSION:
            return False  # migrate.upgrade refuses it with its message
    return True
