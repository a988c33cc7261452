"""`ses-emulator serve` tunes the garbage collector for serving (bootstrap.tune_collector); a server
started inside someone else's process (tests, the pytest plugin) must leave that process's collector
alone."""

from __future__ import annotations

import gc
import subprocess
import sys
from typing import Any


def test_tune_collector_freezes_start_up_and_raises_the_young_threshold() -> None:
    code = (
        "import gc; from emulator.bootstrap import tune_collector; tune_collector(); "
        "print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["20000", "True"]


def test_an_in_process_server_leaves_the_collector_alone(make_server: Any) -> None:
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    make_server()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen
