"""Issue 9 §3, admin and mailbox API: schemathesis generates requests for every operation of /openapi.json
(valid and invalid: examples, coverage and fuzzing phases) against a live server of its own (the run
freezes clocks and changes global limits, so never the shared one) and finds no 5xx, no undocumented
status code, no wrong content type and no response that breaks its documented schema."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
EXAMPLES_PER_OPERATION = {"sqlite": 10, "postgresql": 5}


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_schemathesis_finds_no_server_error_or_schema_violation(
    make_server: Any, tmp_path: Path, backend: str
) -> None:
    srv = make_server(backend)
    for _ in range(3):  # something to find: accounts with mail
        a = srv.new_account()
        srv.admin("POST", f"/accounts/{a['name']}/top-up", json={"amount": "1"})
    exe = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    run = subprocess.run(
        [
            exe, "run", f"{srv.endpoints.http_url}/openapi.json",
            "--checks", CHECKS,
            "--max-examples", str(EXAMPLES_PER_OPERATION[backend]),
            "--phases", "examples,coverage,fuzzing",
            "--seed", "9",
            "--exclude-path-regex", "/(stream|wait)$",  # long-polling by design
            "--request-timeout", "20",
            "--suppress-health-check", "all",
            "--no-color",
        ],
        capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )  # fmt: skip
    out = run.stdout + run.stderr
    cases = re.search(r"(\d+) generated", out)
    tested = re.search(r"Tested: (\d+)", out)
    print(
        f"\n[schemathesis {backend}] {cases and cases.group(1)} cases over {tested and tested.group(1)} operations"
    )
    assert run.returncode == 0, out[-6000:]
    assert cases and int(cases.group(1)) > 300, out[-2000:]
