"""`ses-emulator snapshot export|import` against a running server: the file round-trips byte for byte,
--json stays machine-readable, progress goes to stderr, errors exit 1 with the server's code."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli
from tests.conftest import Server


def test_export_then_import_under_new_ids(cli: Cli, cli_server: Server, name: str, tmp_path: Path) -> None:
    cli_server.admin("POST", f"/accounts/{name}/top-up", json={"amount": "2.50"})
    file = tmp_path / "seed.zip"
    out = cli.json("snapshot", "export", name, str(file))
    assert out == {"account": name, "file": str(file), "bytes": file.stat().st_size}
    made = cli.json("snapshot", "import", str(file), "--name", f"{name}-copy", "--new-ids")
    assert made["name"] == f"{name}-copy" and made["messages"] == 0
    assert cli_server.state(f"{name}-copy")["balance"] == "2.500000"
    again = tmp_path / "again.zip"
    cli.json("snapshot", "export", f"{name}-copy", str(again))
    assert again.stat().st_size > 0


def test_progress_on_stderr_and_clear_errors(cli: Cli, name: str, tmp_path: Path) -> None:
    file = tmp_path / "s.zip"
    r = cli("snapshot", "export", name, str(file), "--progress")
    assert "exporting [" in r.stderr and "100%" in r.stderr
    r = cli("snapshot", "import", str(file), "--name", f"{name}-p", "--new-ids", "--progress")
    assert "importing [" in r.stderr and "100%" in r.stderr
    r = cli("snapshot", "import", str(file), code=1)  # the account exists
    assert "ResourceInUse" in r.stderr
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    r = cli("snapshot", "import", str(bad), "--name", "x-bad", code=1)
    assert "not a zip file" in r.stderr
    r = cli("snapshot", "export", "no-such-account", str(tmp_path / "none.zip"), code=1)
    assert "NotFound" in r.stderr or "ResourceNotFound" in r.stderr
    assert not (tmp_path / "none.zip").exists()
