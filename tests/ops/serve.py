"""Run `ses-emulator serve` as a real process on free ports and read its banner (shared by ops and docker
tests)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx


class ServeProcess:
    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        banner = []
        deadline = time.monotonic() + 60
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            banner.append(line)
            if "SMTP password" in line:
                break
        self.banner = "".join(banner)
        smtp = re.search(r"SMTP\s+\S+:(\d+) \(plain \+ STARTTLS\)\s+\S+:(\d+)", self.banner)
        http = re.search(r"HTTP\s+http://\S+:(\d+)", self.banner)
        if not (smtp and http):
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
            raise AssertionError(f"serve did not start:\n{self.banner}\n{err}")
        self.smtp_port, self.smtps_port = int(smtp.group(1)), int(smtp.group(2))
        self.http_port = int(http.group(1))
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.stderr = ""

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, trust_env=False, **kw)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, self.stderr = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, self.stderr = self.proc.communicate()
        return self.proc.returncode


def serve_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SES_EMULATOR_")}
    env.update(
        SES_EMULATOR_HOST="127.0.0.1",
        SES_EMULATOR_SMTP_PORT="0",
        SES_EMULATOR_SMTPS_PORT="0",
        SES_EMULATOR_HTTP_PORT="0",
        SES_EMULATOR_DATA_DIR=str(data_dir),
        NO_PROXY="127.0.0.1,localhost",
    )
    env.update(extra)
    return env
