"""`serve --workers N`: N server processes sharing the listening ports (SO_REUSEPORT) and one database.
Metering, quota, bills and dedicated-IP applications stay exact across them through row locks and
unique keys (PostgreSQL is the database meant for this; SQLite works, with writers taking turns:
storage.write_turn); the API request-rate limit is counted in the database and the SMTP connection
limits in memory the workers share (emulator/smtp/shared_limit.py), so every limit holds for the server
as a whole."""

from __future__ import annotations

import multiprocessing
import signal
import socket
import time
from typing import Any

from emulator.config import Settings


def _child(settings_data: dict[str, Any], block: Any, lock: Any) -> None:
    import asyncio

    from emulator import logs
    from emulator.bootstrap import Emulator
    from emulator.smtp.shared_limit import SharedConnectionLimit

    settings = Settings(**settings_data)
    logs.configure(settings.log_level, settings.log_format)
    limit = SharedConnectionLimit(
        block, lock, settings.smtp_max_connections, settings.smtp_max_connections_per_client
    )
    emulator = Emulator(settings, smtp_limit=limit)
    try:
        import uvloop

        uvloop.run(emulator.run(install_signals=True, own_process=True))
    except ImportError:
        asyncio.run(emulator.run(install_signals=True, own_process=True))


def prepare(settings: Settings) -> tuple[Settings, list[socket.socket]]:
    """Schema, default account and TLS certificate made once, before the workers race for them; port 0
    replaced by a reserved free port so that every worker listens on the same one."""
    from emulator.netutil import bind_socket
    from emulator.services.core import build_core
    from emulator.smtp.tls import ensure_self_signed

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    core = build_core(settings)
    core.accounts.ensure_default()
    core.close()
    if not (settings.tls_cert and settings.tls_key):
        cert, key = ensure_self_signed(settings.data_dir / "tls", settings.smtp_hostname)
        settings = settings.model_copy(update={"tls_cert": cert, "tls_key": key})
    reserved: list[socket.socket] = []
    ports: dict[str, int] = {}
    for name in ("smtp_port", "smtps_port", "http_port"):
        if getattr(settings, name) == 0:
            sock = bind_socket(settings.host, 0, listen=False)
            reserved.append(sock)
            ports[name] = sock.getsockname()[1]
    return settings.model_copy(update=ports), reserved


def serve_workers(settings: Settings, workers: int, echo: Any = print) -> None:
    from emulator.bootstrap import Endpoints, banner_for
    from emulator.services.accounts import Credentials

    settings, reserved = prepare(settings)
    from emulator.smtp.shared_limit import allocate

    ctx = multiprocessing.get_context("spawn")
    block, lock = allocate(ctx, settings.smtp_max_connections)  # the SMTP connection counts of all workers
    args = (settings.model_dump(), block, lock)
    procs = [ctx.Process(target=_child, args=args, daemon=False) for _ in range(workers)]
    for p in procs:
        p.start()
    stopping = False

    def stop(_sig: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    endpoints = Endpoints(settings.host, settings.smtp_port, settings.smtps_port, settings.http_port)
    d = Credentials(
        0,
        "default",
        settings.default_app_id,
        settings.default_secret_id,
        settings.default_secret_key,
        settings.default_sender,
        settings.default_smtp_password,
    )
    _wait_listening(settings.host, settings.http_port, 30)
    echo(banner_for(settings, endpoints, d, workers))
    while not stopping and all(p.is_alive() for p in procs):
        time.sleep(0.2)
    for p in procs:
        if p.is_alive():
            p.terminate()  # SIGTERM: each worker shuts down cleanly
    for p in procs:
        p.join(30)
    for sock in reserved:
        sock.close()


def _wait_listening(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
