"""A `core` per test on each database: a fresh SQLite file, or a PostgreSQL schema dropped after;
`pg` for the PostgreSQL-only tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.services.core import build_core
from tests.conftest import make_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def core(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    settings_, schema = make_settings(tmp_path, request.param)
    c = build_core(settings_)
    yield c
    c.db.dispose()
    if schema is not None:
        schema.drop()


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Any]:
    settings_, schema = make_settings(tmp_path, "postgresql")
    c = build_core(settings_)
    yield c
    c.db.dispose()
    assert schema is not None
    schema.drop()
