"""Operations: /readyz (the database takes a write) and Prometheus metrics at /metrics.

Each Core gets its own registry (tests and the pytest plugin run several emulators in one process).
Front-ends report what happened through the `record_*` functions; bills and account states are read
from the database at scrape time, so they are right across processes sharing PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from emulator import __version__
from emulator.errors import EmulatorError
from emulator.http_faults import RETRY_AFTER_S
from emulator.logs import new_smtp_session
from emulator.services.faults import database_fault

if TYPE_CHECKING:
    from emulator.services.core import Core
    from emulator.services.sending import Receipt

log = logging.getLogger("emulator.ops")
disable_created_metrics()  # type: ignore[no-untyped-call]  # *_created series only add noise here
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _StateCollector(Collector):
    """Bills and suspensions as the database has them, read at scrape time."""

    def __init__(self, core: Core) -> None:
        self._core = weakref.ref(core)

    def collect(self) -> Iterator[Metric]:
        core = self._core()
        if core is None:
            return
        count = GaugeMetricFamily("ses_emulator_bills", "Bills by kind and status", labels=["kind", "status"])
        amount = GaugeMetricFamily(
            "ses_emulator_bills_amount_micro_usd",
            "Sum of bill amounts (micro-USD) by kind and status",
            labels=["kind", "status"],
        )
        states = GaugeMetricFamily(
            "ses_emulator_accounts", "Accounts by state (active, arrears, manual)", labels=["state"]
        )
        totals = core.ops.bill_totals()
        seen = core.ops.account_states()
        for key in {(k, s) for k in ("usage", "dedicated_ip") for s in ("paid", "unpaid")} | set(totals):
            n, micro = totals.get(key, (0, 0))
            count.add_metric(list(key), n)
            amount.add_metric(list(key), micro)
        for state in ("active", "arrears", "manual"):
            states.add_metric([state], seen.get(state, 0))
        yield from (count, amount, states)


class _MeteredCollector(Collector):
    """Recipients metered by this process, as the committer counts them."""

    def __init__(self, core: Core) -> None:
        self._core = weakref.ref(core)

    def collect(self) -> Iterator[Metric]:
        core = self._core()
        if core is None:
            return
        family = CounterMetricFamily(
            "ses_emulator_recipients_metered",
            "Billable recipients metered, by kind (free, paid)",
            labels=["kind"],
        )
        free, paid = core.sending.metered
        family.add_metric(["free"], free)
        family.add_metric(["paid"], paid)
        yield family
        messages, held_ns, work_ns, transactions, cpu_ns = core.sending.held
        yield CounterMetricFamily(
            "ses_emulator_send_transaction_messages",
            "Messages the committer's transactions handled",
            messages,
        )
        yield CounterMetricFamily(
            "ses_emulator_send_transactions", "The committer's transactions (group commits)", transactions
        )
        held = CounterMetricFamily(
            "ses_emulator_send_transaction_seconds",
            "Time inside the committer's transactions (holding the write lock): statements, then the commit",
            labels=["phase"],
        )
        held.add_metric(["statements"], work_ns / 1e9)
        held.add_metric(["commit"], (held_ns - work_ns) / 1e9)
        yield held
        yield CounterMetricFamily(
            "ses_emulator_send_transaction_cpu_seconds",
            "CPU time of the committer thread inside those transactions; the rest of their time it waits "
            "(for the disk, the database server, or the core it shares)",
            cpu_ns / 1e9,
        )


class Metrics:
    def __init__(self, core: Core) -> None:
        r = self.registry = CollectorRegistry()
        self.messages = Counter(
            "ses_emulator_messages",
            "Messages accepted or refused, by source (smtp, api) and Tencent error code",
            ["source", "outcome", "code"],
            registry=r,
        )
        self.api_requests = Counter(
            "ses_emulator_api_requests",
            "Tencent API requests by action and result code (OK on success)",
            ["action", "code"],
            registry=r,
        )
        self.smtp_sessions = Counter(
            "ses_emulator_smtp_sessions", "SMTP connections opened, by listener", ["listener"], registry=r
        )
        self.smtp_active = Gauge("ses_emulator_smtp_sessions_active", "Open SMTP connections", registry=r)
        self.latency = Histogram(
            "ses_emulator_http_request_duration_seconds",
            "HTTP request latency by method and route",
            ["method", "route"],
            registry=r,
        )
        r.register(_StateCollector(core))
        r.register(_MeteredCollector(core))
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def child(self, metric: Any, *labels: str) -> Any:
        """metric.labels(*labels), remembered: labels() validates and locks on every call, and the hot
        paths use a few label sets (label values are bounded: actions, codes, sources)."""
        key = (id(metric), labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found


_metrics: weakref.WeakKeyDictionary[Any, Metrics] = weakref.WeakKeyDictionary()


def metrics_of(core: Core) -> Metrics:
    m = _metrics.get(core)
    if m is None:
        m = _metrics[core] = Metrics(core)
    return m


def _code(exc: BaseException) -> str:
    return exc.tencent_code if isinstance(exc, EmulatorError) else "InternalError"


# --- what front-ends report ------------------------------------------------------------------------
ACCEPTED_LINES_PER_S = 50


class AcceptedLines:
    """One info line per accepted message, up to `per_second` a second; past that (a load test) the rest
    are counted and reported in one line when the second ends: a console scrolling thousands of lines a
    second shows nothing, and writing them costs the server more than some of its own work."""

    def __init__(
        self, per_second: int = ACCEPTED_LINES_PER_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_second = per_second
        self._clock = clock
        self._window = -1
        self._logged = 0
        self._skipped = 0

    def line(self, msg: str, *args: object) -> None:
        now = self._clock()
        if int(now) != self._window:
            self.report()  # what an earlier second skipped, if its timer has not run
            self._window, self._logged = int(now), 0
        if self._logged < self.per_second:
            self._logged += 1
            log.info(msg, *args)
            return
        self._skipped += 1
        if self._skipped == 1:
            with contextlib.suppress(RuntimeError):  # off the event loop: reported by a later line
                asyncio.get_running_loop().call_later(1.0 - now % 1.0, self.report)

    def report(self) -> None:
        skipped, self._skipped = self._skipped, 0
        if skipped:
            log.info("%d more messages accepted in the last second (not logged one by one)", skipped)


_accepted = AcceptedLines()


def record_api(core: Core, action: str | None, known: bool, result: Any = None, exc: Any = None) -> None:
    """One Tencent API answer. `known`: the action exists (keeps label values bounded)."""
    m = metrics_of(core)
    name = action if known and action else "invalid"
    code = "OK" if exc is None else _code(exc)
    m.child(m.api_requests, name, code).inc()
    if name == "SendEmail":
        if exc is None:
            m.child(m.messages, "api", "accepted", "").inc()
            _accepted.line("SendEmail accepted: MessageId %s", (result or {}).get("MessageId"))
        else:
            m.messages.labels("api", "refused", code).inc()
    if exc is not None:
        log.info("%s refused: %s: %s", (action or "request")[:64], code, getattr(exc, "message", exc))


def record_smtp(core: Core, receipt: Receipt | None = None, exc: BaseException | None = None) -> None:
    """One SMTP message accepted (DATA) or refused (MAIL FROM or DATA)."""
    m = metrics_of(core)
    if exc is None and receipt is not None:
        m.child(m.messages, "smtp", "accepted", "").inc()
        _accepted.line("SMTP message accepted: %s, %d recipient(s)", receipt.message_id, receipt.recipients)
    elif exc is not None:
        code = _code(exc)
        m.messages.labels("smtp", "refused", code).inc()
        log.info("SMTP message refused: %s: %s", code, getattr(exc, "message", exc))


class SmtpSessionMetrics:
    """Counts one SMTP connection: open once (not again after STARTTLS), close once."""

    def __init__(self, core: Core, listener: str) -> None:
        self._m = metrics_of(core)
        self.session_id = new_smtp_session()
        self._m.child(self._m.smtp_sessions, listener).inc()
        self._m.smtp_active.inc()
        self._open = True
        log.debug("SMTP session opened on %s", listener)

    def closed(self) -> None:
        if self._open:
            self._open = False
            self._m.smtp_active.dec()


# --- HTTP: middleware and routes ---------------------------------------------------------------------
class LatencyMiddleware:
    """Pure ASGI: times every HTTP request, labelled by the matched route template (bounded)."""

    def __init__(self, app: Any, core: Core) -> None:
        self.app = app
        self.hist = metrics_of(core).latency

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            self.hist.labels(scope.get("method", ""), path).observe(time.perf_counter() - t0)


router = APIRouter(tags=["operations"])


# --- readiness: can the database take a write? ------------------------------------------------------
PROBE_TIMEOUT_S = 2.0  # /readyz answers within this, whatever the database does
PROBE_LOCK_MS = 1000  # how long the probe waits for a lock (SQLite busy timeout, PostgreSQL lock_timeout)
PROBE_TTL_S = 1.0  # one probe a second at most, however often /readyz is polled


class Readiness:
    """/readyz's verdict: one write probe in flight at a time, its result kept PROBE_TTL_S (for the
    engine it probed: a replaced engine is probed afresh). A probe stuck past PROBE_TIMEOUT_S (a
    connect that hangs) is not waited for again: later calls answer "not ready" at once."""

    def __init__(self, core: Core, clock: Callable[[], float] = time.monotonic) -> None:
        self.core = core
        self._clock = clock
        self._cached: tuple[float, Any, str | None] | None = None  # (at, engine, reason or None)
        self._task: asyncio.Future[str | None] | None = None
        self._task_meta: tuple[float, Any] = (0.0, None)  # (started, engine)

    async def check(self) -> str | None:
        """None when ready, else a short reason."""
        engine, now = self.core.db.engine, self._clock()
        if self._cached and self._cached[1] is engine and now - self._cached[0] < PROBE_TTL_S:
            return self._cached[2]
        if self._task is None or self._task.done() or self._task_meta[1] is not engine:
            self._task = asyncio.ensure_future(asyncio.to_thread(self._probe, self.core))
            self._task_meta = (now, engine)
        wait = PROBE_TIMEOUT_S - (now - self._task_meta[0])
        try:
            if wait <= 0:
                raise TimeoutError
            reason = await asyncio.wait_for(asyncio.shield(self._task), wait)
        except TimeoutError:
            reason = f"the database did not answer within {PROBE_TIMEOUT_S:g} s"
        self._cached = (self._clock(), engine, reason)
        return reason

    @staticmethod
    def _probe(core: Core) -> str | None:
        try:
            core.ops.probe_write(PROBE_LOCK_MS)
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            reason = database_fault(exc)
            detail = reason or f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
            log.warning("readiness check failed: %s", detail)
            return reason or type(exc).__name__
        return None


@router.get("/readyz", responses={503: {"description": "the database is unreachable or refuses writes"}})
async def readyz(request: Request) -> Response:
    """Ready when the database takes a write (for orchestrators; /healthz only says the process
    serves). Bounded by PROBE_TIMEOUT_S, probed at most once per PROBE_TTL_S."""
    core: Core = request.app.state.core
    reason = await request.app.state.readiness.check()
    if reason is not None:
        return JSONResponse(
            {"status": "unavailable", "database": reason},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"},
        )
    return JSONResponse({"status": "ok", "database": core.ops.database_name, "version": __version__})


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE: {}}}})
async def metrics(request: Request) -> Response:
    """Prometheus text exposition."""
    core: Core = request.app.state.core
    body = await asyncio.to_thread(generate_latest, metrics_of(core).registry)
    return Response(body, media_type=CONTENT_TYPE)


def install(app: FastAPI, core: Core) -> None:
    """Called once by http_app.create_app."""
    metrics_of(core)
    app.state.readiness = Readiness(core)
    app.include_router(router)
    app.add_middleware(LatencyMiddleware, core=core)
