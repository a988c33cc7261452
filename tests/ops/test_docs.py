"""The README documents every setting with its environment variable, and the version has one source."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from emulator import __version__
from emulator.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    table = "\n".join(line for line in readme.splitlines() if line.startswith("|"))
    missing = [n for n in Settings.model_fields if f"`SES_EMULATOR_{n.upper()}`" not in table]
    assert not missing, f"document these settings in the README settings table: {missing}"


def test_version_is_single_sourced() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert f"## {__version__}" in (ROOT / "CHANGELOG.md").read_text()
