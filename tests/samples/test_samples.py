"""Every sample in samples/ runs as its own process, exactly as its first-line comment says, against a live
server; then the mail it sent is looked up through the admin API."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Server, start_server

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
NODE_MODULES = SAMPLES / "node" / "node_modules"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv, _ = start_server(tmp_path_factory.mktemp("samples"), "sqlite")
    yield srv
    srv.close()
    srv.emulator.stop_thread()


def run(live: Server, argv: list[str], cwd: Path = SAMPLES, **extra: str) -> str:
    e = live.endpoints
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SES_EMULATOR_", "TENCENTCLOUD_"))}
    env.update(
        SES_EMULATOR_URL=e.http_url,
        SES_EMULATOR_HTTP_PORT=str(e.http_port),
        SES_EMULATOR_SMTP_PORT=str(e.smtp_port),
        SES_EMULATOR_SMTPS_PORT=str(e.smtps_port),
        NO_PROXY="127.0.0.1,localhost",
        **extra,
    )
    r = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, f"{argv} exited {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r.stdout


def received(live: Server, to: str, account: str = "default") -> dict:  # type: ignore[type-arg]
    r = live.admin("GET", f"/accounts/{account}/messages/wait", params={"to": to, "timeout": 10})
    assert r.status_code == 200, r.text
    return dict(r.json())


def detail(live: Server, message_id: str) -> dict:  # type: ignore[type-arg]
    return dict(live.admin("GET", f"/accounts/default/messages/{message_id}").json())


def test_every_sample_says_how_to_run_it() -> None:
    files = [
        p for p in SAMPLES.rglob("*") if p.suffix in (".py", ".js", ".sh") and "node_modules" not in p.parts
    ]
    assert len(files) >= 9
    for p in files:
        first = p.read_text().splitlines()[0 if p.suffix != ".sh" else 1]
        assert first.lstrip("#/ ").startswith("Run against a running server"), p


def test_smtplib_starttls(live: Server) -> None:
    run(live, [sys.executable, "smtp_starttls.py"])
    assert received(live, "starttls@example.com")["subject"] == "Hello over STARTTLS"


def test_smtplib_implicit_tls(live: Server) -> None:
    run(live, [sys.executable, "smtp_implicit_tls.py"])
    m = detail(live, received(live, "implicit@example.com")["id"])
    assert m["subject"] == "Hello over TLS" and m["attachments"][0]["filename"] == "report.csv"


def test_python_sdk_simple(live: Server) -> None:
    out = run(live, [sys.executable, "sdk_simple.py"])
    m = detail(live, received(live, "sdk-simple@example.com")["id"])
    assert m["id"] in out and m["html"].strip() == "<p>HTML part</p>"
    assert "sdk-simple@example.com SendStatus 0 DeliverStatus 1" in out


def test_python_sdk_template(live: Server) -> None:
    out = run(live, [sys.executable, "sdk_template.py"])
    m = detail(live, received(live, "sdk-template@example.com")["id"])
    assert m["id"] in out and "Welcome, Ada!" in m["html"] and m["template_id"]


def test_curl_admin_script(live: Server) -> None:
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    out = run(live, ["sh", "admin_api.sh"])
    name = out.split('"name":"', 1)[1].split('"', 1)[0]
    bills = live.admin("GET", f"/accounts/{name}/bills").json()
    assert [(b["period"], b["units"], b["amount"], b["status"]) for b in bills] == [
        ("2031-01-05", 1, "0.000280", "paid")
    ]
    assert received(live, "curl@example.com", name)["subject"] == "Hello from curl"


def test_django_settings(live: Server) -> None:
    pytest.importorskip("django")
    cert = live.emulator.settings.data_dir / "tls" / "cert.pem"
    run(live, [sys.executable, "django_settings.py"], SSL_CERT_FILE=str(cert))
    assert received(live, "django@example.com")["subject"] == "Hello from Django"


def test_flask_mail(live: Server) -> None:
    pytest.importorskip("flask_mail")
    run(live, [sys.executable, "flask_mail_app.py"])
    assert received(live, "flask@example.com")["subject"] == "Hello from Flask-Mail"


def test_suspension_demo(live: Server) -> None:
    out = run(live, [sys.executable, "suspension_demo.py", live.endpoints.http_url])
    assert "FailedOperation.InsufficientBalance" in out and "9. Sending works again" in out


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not NODE_MODULES.is_dir():
        pytest.skip("samples/node/node_modules is missing: run `npm ci` in samples/node (.ci/run does)")
    return node


def test_node_sdk(live: Server) -> None:
    out = run(live, [_node(), "sdk_send.js"], cwd=SAMPLES / "node")
    m = received(live, "node-sdk@example.com")
    assert f"MessageId {m['id']}" in out and m["source"] == "api"


def test_nodemailer(live: Server) -> None:
    out = run(live, [_node(), "nodemailer_send.js"], cwd=SAMPLES / "node")
    m = received(live, "nodemailer@example.com")
    assert m["id"] in out and m["subject"] == "Hello from nodemailer"
