"""Composition root: one process serving SMTP (2525 plain+STARTTLS, 2465 implicit TLS) and HTTP (8025)
on one event loop, over one Core. Also runnable in a background thread (tests, pytest plugin)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from emulator.config import Settings
from emulator.domain.clock import WallClock
from emulator.netutil import bind_socket
from emulator.services.accounts import Credentials
from emulator.services.core import build_core
from emulator.smtp.server import start_smtp
from emulator.smtp.shared_limit import SharedConnectionLimit
from emulator.smtp.tls import ensure_self_signed, server_context
from emulator.storage.db import checkpoint

log = logging.getLogger("emulator")


def tune_collector() -> None:
    """For a process that only serves, once it is ready (never for the in-thread server of tests and
    the pytest plugin: their host's collector is not ours to change). What start-up built (modules, the
    app, SQLAlchemy's and pydantic's structures) is set aside by gc.freeze, so full collections do
    not walk it again; young collections run every 20,000 allocations instead of 700, where a few
    hundred requests' garbage costs less to collect at once (SendEmail: about 10 % more per core in
    bench/)."""
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


class _Uvicorn(uvicorn.Server):
    """Signals are handled by the emulator, not by uvicorn."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass(frozen=True)
class Endpoints:
    host: str
    smtp_port: int
    smtps_port: int
    http_port: int

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def api_endpoint(self) -> str:
        """What to give the Tencent SDK's HttpProfile(endpoint=...)."""
        return f"{self.host}:{self.http_port}"


class Emulator:
    def __init__(
        self,
        settings: Settings,
        wall: WallClock | None = None,
        smtp_limit: SharedConnectionLimit | None = None,
    ) -> None:
        """`smtp_limit`: connection counts shared with sibling workers (`serve --workers`)."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = settings
        self.smtp_limit = smtp_limit
        self.core = build_core(settings, wall)
        self.default: Credentials = self.core.accounts.ensure_default()
        self.endpoints: Endpoints | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None

    def _tls(self) -> ssl.SSLContext:
        s = self.settings
        if s.tls_cert and s.tls_key:
            return server_context(s.tls_cert, s.tls_key)
        cert, key = ensure_self_signed(s.data_dir / "tls", s.smtp_hostname)
        return server_context(cert, key)

    async def run(self, install_signals: bool = False, own_process: bool = False) -> None:
        """Serve until stop() (or SIGINT/SIGTERM when install_signals). `own_process`: this process
        only serves (`ses-emulator serve`), so the collector may be tuned for it (tune_collector)."""
        from emulator.http_app import create_app
        from emulator.tencent_api.http_protocol import protocol_for

        s = self.settings
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._stop = asyncio.Event()
        self.core.notifier.bind(loop)
        self.core.sending.start()
        await asyncio.to_thread(self.core.clocks.recover)  # a global clock move a crash cut short
        await asyncio.to_thread(self.core.scheduler.run_all)  # what fell due while we were down
        scheduler_task = asyncio.create_task(self._scheduler_loop())
        http_sock = bind_socket(s.host, s.http_port)
        smtp_servers = await start_smtp(self.core, self._tls(), s.smtp_port, s.smtps_port, self.smtp_limit)
        app = create_app(self.core)
        config = uvicorn.Config(
            app,
            log_level="warning",
            log_config=None,  # uvicorn's records go through our handler (plain or JSON, see emulator/logs.py)
            access_log=False,
            lifespan="off",
            loop="none",
            http=protocol_for(app.state.tencent, s.http_header_timeout_s),  # httptools; POST / in place
            proxy_headers=False,  # nothing reads the client address; saves a wrapper per request
            timeout_keep_alive=30,
            timeout_graceful_shutdown=1,
        )
        server = _Uvicorn(config)
        http_task = asyncio.create_task(server.serve(sockets=[http_sock]))
        self.endpoints = Endpoints(
            s.host,
            smtp_servers[0].sockets[0].getsockname()[1],
            smtp_servers[1].sockets[0].getsockname()[1],
            http_sock.getsockname()[1],
        )
        self.core.endpoints = self.endpoints
        if install_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self._stop.set)
        while not server.started and not http_task.done():
            await asyncio.sleep(0.01)
        self._ready.set()
        if own_process:
            tune_collector()
        try:
            await self._stop.wait()
        finally:
            server.should_exit = True
            scheduler_task.cancel()
            for srv in smtp_servers:
                srv.close()
            await asyncio.gather(*(srv.wait_closed() for srv in smtp_servers), return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(http_task, 10)
            self.core.close()

    async def _scheduler_loop(self) -> None:
        """Events fall due in real time too (clocks follow real time by default)."""
        while True:
            await asyncio.sleep(self.settings.scheduler_interval_s)
            try:
                await asyncio.to_thread(self.core.scheduler.run_all)
                await asyncio.to_thread(checkpoint, self.core.db.engine, self.settings.sqlite_wal_max_bytes)
                if self.core.retention.enabled:
                    await asyncio.to_thread(self.core.retention.enforce)
            except Exception:
                log.exception("scheduler pass failed")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)

    # --- background-thread mode (tests, pytest plugin) -------------------------------------------
    def start_in_thread(self, timeout: float = 30) -> Endpoints:
        def _target() -> None:
            try:
                asyncio.run(self.run())
            except BaseException as exc:  # noqa: BLE001
                self._error = exc
                self._ready.set()

        self._thread = threading.Thread(target=_target, name="ses-emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout) or self._error is not None or self.endpoints is None:
            raise RuntimeError(f"emulator did not start: {self._error!r}")
        return self.endpoints

    def stop_thread(self, timeout: float = 30) -> None:
        self.stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def banner(em: Emulator) -> str:
    assert em.endpoints is not None
    return banner_for(em.settings, em.endpoints, em.default)


def banner_for(settings: Settings, e: Endpoints, d: Credentials, workers: int = 1) -> str:
    return "\n".join(
        [
            "Tencent SES emulator is running" + (f" ({workers} worker processes)" if workers > 1 else ""),
            f"  SMTP      {e.host}:{e.smtp_port} (plain + STARTTLS)   {e.host}:{e.smtps_port} (implicit TLS)",
            f"  HTTP      {e.http_url}  (web UI: /, Tencent API: POST /, admin API: /admin, docs: /docs)",
            f"  Database  {settings.resolved_database_url().split('@')[-1]}",
            "Default account",
            f"  SecretId       {d.secret_id}",
            f"  SecretKey      {d.secret_key}",
            "  Region         ap-guangzhou",
            f"  Sender         {d.sender}",
            f"  SMTP password  {d.smtp_password}",
        ]
    )
