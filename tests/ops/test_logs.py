"""Structured logs: `ses-emulator serve` with SES_EMULATOR_LOG_FORMAT=json writes one JSON object per line
carrying the RequestId of API work and the session id of SMTP work; plain format carries them too."""

from __future__ import annotations

import base64
import json
import logging
import socket
import sys
import time
from pathlib import Path

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator import logs
from emulator.config import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, DEFAULT_SENDER, DEFAULT_SMTP_PASSWORD
from tests.clients import call, message, sdk, smtp_send
from tests.ops.serve import ServeProcess, serve_env


def test_json_logs_carry_request_and_session_ids(tmp_path: Path) -> None:
    exe = str(Path(sys.executable).parent / "ses-emulator")
    srv = ServeProcess([exe, "serve"], serve_env(tmp_path, SES_EMULATOR_LOG_FORMAT="json"))
    try:
        client = sdk(f"127.0.0.1:{srv.http_port}", DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY)
        simple = {"Text": base64.b64encode(b"hi").decode()}
        ok = call(client, "SendEmail", FromEmailAddress=DEFAULT_SENDER, Destination=["a@example.com"],
                  Subject="s", Simple=simple)  # fmt: skip
        with pytest.raises(TencentCloudSDKException) as refused:
            call(client, "GetEmailTemplate", TemplateID=424242)
        smtp_send(
            srv.smtp_port, DEFAULT_SENDER, DEFAULT_SMTP_PASSWORD, message(DEFAULT_SENDER, ["b@example.com"])
        )
        with socket.create_connection(("127.0.0.1", srv.http_port), timeout=10) as junk:
            junk.sendall(b"NOT HTTP AT ALL\r\n\r\n")  # uvicorn logs a warning: it must be JSON too
            junk.recv(1024)
        time.sleep(0.2)
    finally:
        assert srv.stop() == 0
    lines = [json.loads(line) for line in srv.stderr.splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "logger", "message"} <= set(x) for x in lines)
    by_request = {x.get("request_id"): x for x in lines if x.get("request_id")}
    assert ok.MessageId in by_request[ok.RequestId]["message"]
    failed = by_request[refused.value.get_request_id()]
    assert failed["level"] == "info" and refused.value.get_code() in failed["message"]
    smtp = [x for x in lines if x.get("smtp_session") and "SMTP message accepted" in x["message"]]
    assert len(smtp) == 1 and len(smtp[0]["smtp_session"]) == 12
    assert not any("login_data" in x["message"] for x in lines)
    assert not any(x["logger"].startswith("alembic") for x in lines), lines  # a fresh data dir: it ran
    assert any(x["logger"].startswith("uvicorn") and x["level"] == "warning" for x in lines), lines
    assert not any(line and not line.startswith("{") for line in srv.stderr.splitlines())


def test_plain_format_names_the_context(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        logs.configure("info", "plain")
        logs.bind_request("req-123")
        logging.getLogger("emulator.test").info("hello")
        logs.request_id_var.set(None)
        sid = logs.new_smtp_session()
        logging.getLogger("emulator.test").warning("world")
    finally:
        for h in root.handlers[:]:
            if h not in handlers:
                root.removeHandler(h)
        root.setLevel(level)
        logs.smtp_session_var.set(None)
    err = capsys.readouterr().err.splitlines()
    assert err[-2].endswith("INFO emulator.test [request_id=req-123]: hello")
    assert err[-1].endswith(f"WARNING emulator.test [smtp_session={sid}]: world")
    with pytest.raises(ValueError):
        logs.configure("info", "xml")


def test_serve_refuses_a_bad_log_format(tmp_path: Path) -> None:
    import subprocess

    exe = str(Path(sys.executable).parent / "ses-emulator")
    r = subprocess.run([exe, "serve"], env=serve_env(tmp_path, SES_EMULATOR_LOG_FORMAT="xml"),
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2 and "SES_EMULATOR_LOG_FORMAT" in r.stderr


def test_accepted_lines_past_the_rate_are_counted_not_written(caplog: pytest.LogCaptureFixture) -> None:
    """A load test would scroll thousands of "accepted" lines a second: past the rate they are counted and
    the count is written once (here at the next second; on the server also by a timer)."""
    from emulator.observability import AcceptedLines

    now = [100.2]
    lines = AcceptedLines(per_second=5, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="emulator.ops"):
        for n in range(12):
            lines.line("SMTP message accepted: %s", n)
        now[0] = 101.0
        lines.line("SMTP message accepted: %s", "next")
    messages = [r.getMessage() for r in caplog.records if r.name == "emulator.ops"]
    assert messages == [
        *(f"SMTP message accepted: {n}" for n in range(5)),
        "7 more messages accepted in the last second (not logged one by one)",
        "SMTP message accepted: next",
    ]
