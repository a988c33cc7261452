"""Every sample in samples/ runs as its own process, exactly as its first-line comment says, against a live
server; then the mail it sent is looked up through the admin API. Twice: on a server whose accounts (the
default one included) are `sandbox`, and on one whose accounts are `production` (docs/profiles.md): the
samples work with either profile."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients import message, smtp_send
from tests.conftest import Server, start_server

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
NODE_MODULES = SAMPLES / "node" / "node_modules"


@pytest.fixture(scope="module", params=["sandbox", "production"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv, _ = start_server(tmp_path_factory.mktemp("samples"), "sqlite", default_profile=request.param)
    assert srv.state("default")["profile"] == request.param
    yield srv
    srv.close()
    srv.emulator.stop_thread()


def sample_env(live: Server, **extra: str) -> dict[str, str]:
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
    return env


def run(live: Server, argv: list[str], cwd: Path = SAMPLES, **extra: str) -> str:
    env = sample_env(live, **extra)
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
    production = live.state("default")["profile"] == "production"
    live.admin("PATCH", "/accounts/default/limits", json={"simple_sending": not production})  # as created
    out = run(live, [sys.executable, "sdk_simple.py"])
    m = detail(live, received(live, "sdk-simple@example.com")["id"])
    assert m["id"] in out and m["html"].strip() == "<p>HTML part</p>"
    assert ("granted simple sending" in out) is production  # the production path: granted, then sent
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


def test_billing_poller(live: Server) -> None:
    """The official billing SDK watching an account: the arrears alert after midnight, the recovery seen
    live by a running poller when someone tops up, the transactions, and a wrong key's AuthFailure."""
    a = live.new_account(free_quota=0)
    name, keys = (
        a["name"],
        {"TENCENTCLOUD_SECRET_ID": a["secret_id"], "TENCENTCLOUD_SECRET_KEY": a["secret_key"]},
    )
    live.admin("POST", f"/accounts/{name}/clock/freeze")
    live.admin("POST", f"/accounts/{name}/clock/advance", json={"to": "2031-05-06T12:00:00+08:00"})
    msg = message(a["sender"], ["poller@example.com"], subject="one paid email", body="hi")
    smtp_send(live.endpoints.smtp_port, a["sender"], a["smtp_password"], msg)
    live.admin("POST", f"/accounts/{name}/clock/advance", json={"to": "2031-05-07T00:00:00+08:00"})
    assert live.state(name)["suspended"] is True

    since = "2031-05-01 00:00:00"  # its clock is years ahead of today: where to list transactions from
    out = run(live, [sys.executable, "billing_poller.py", "--polls", "1", "--since", since], **keys)
    assert "ALERT in arrears, 0.01 USD owed: arrears are not allowed, so the services are suspended" in out
    assert "Balance -1 (-0.01 USD), CashAccountBalance 0, OweAmount 1" in out

    poller = subprocess.Popen(
        [sys.executable, "billing_poller.py", "--interval", "0.2", "--polls", "15", "--since", since],
        cwd=SAMPLES,
        env=sample_env(live, **keys),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert poller.stdout is not None
        assert "ALERT in arrears" in poller.stdout.readline()  # its first poll
        live.admin("POST", f"/accounts/{name}/top-up", json={"amount": "1"})  # while it runs
        rest, err = poller.communicate(timeout=60)
    finally:
        poller.kill()
    assert poller.returncode == 0, err
    assert "RECOVERED nothing owed any more" in rest and "Balance 99 (0.99 USD)" in rest
    assert "2031-05-07 00:00:00.000 recharge 1.00 USD, balance after 1.00 USD: Top-up" in rest
    assert "deduct -0.01 USD, balance after 0.99 USD: SES - 2031-05-06 pay-as-you-go daily settlement" in rest
    assert rest.index(" recharge ") < rest.index(" deduct ")

    bad = subprocess.run(
        [sys.executable, "billing_poller.py", "--polls", "1"],
        cwd=SAMPLES,
        env=sample_env(live, TENCENTCLOUD_SECRET_ID=a["secret_id"], TENCENTCLOUD_SECRET_KEY="wrong" * 6),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "poll failed: AuthFailure.SignatureFailure" in bad.stderr


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not NODE_MODULES.is_dir():
        pytest.skip("samples/node/node_modules is missing: run `npm ci` in samples/node (.ci/run does)")
    return node


def test_node_sdk(live: Server) -> None:
    production = live.state("default")["profile"] == "production"
    live.admin("PATCH", "/accounts/default/limits", json={"simple_sending": not production})  # as created
    out = run(live, [_node(), "sdk_send.js"], cwd=SAMPLES / "node")
    m = received(live, "node-sdk@example.com")
    assert f"MessageId {m['id']}" in out and m["source"] == "api"
    assert ("granted simple sending" in out) is production


def test_nodemailer(live: Server) -> None:
    out = run(live, [_node(), "nodemailer_send.js"], cwd=SAMPLES / "node")
    m = received(live, "nodemailer@example.com")
    assert m["id"] in out and m["subject"] == "Hello from nodemailer"
