"""The one HTTP server: Tencent API at POST / (and GET /?Action=...), admin and mailbox API under
/admin, health at /healthz, the web UI at GET / (when not an API call) and /ui."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from emulator import __version__, http_faults, http_guard, http_limits, observability
from emulator.admin_api import accounts, billing, ips, mailbox
from emulator.admin_api import callbacks as admin_callbacks
from emulator.admin_api import cam as admin_cam
from emulator.admin_api import errors as admin_errors
from emulator.admin_api import notices as admin_notices
from emulator.admin_api import policies as admin_policies
from emulator.admin_api import reputation as admin_reputation
from emulator.admin_api import snapshots as admin_snapshots
from emulator.admin_api import tokens as admin_tokens
from emulator.admin_api.deps import require_token
from emulator.services.core import Core
from emulator.tencent_api.router import TencentApi, is_api_request
from emulator.web import create_router as web_router
from emulator.web import index_response


def create_app(core: Core) -> FastAPI:
    app = FastAPI(
        title="Tencent SES emulator",
        version=__version__,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.core = core
    tencent = app.state.tencent = TencentApi(core)  # also answers POST / in tencent_api.http_protocol

    admin_errors.install(app)  # one status and code per kind of mistake (docs/admin-api.md)

    @app.post("/", include_in_schema=False)
    async def _api_post(request: Request) -> Response:
        """Only what tencent_api.http_protocol leaves to uvicorn (a POST / pipelined behind another
        request on its connection): every other POST / is answered before the app."""
        return await tencent.handle(request)

    @app.get("/", include_in_schema=False)
    async def _root(request: Request) -> Response:
        if is_api_request(request):
            return await tencent.handle(request)
        return index_response()

    @app.get("/healthz", tags=["operations"])
    def _healthz() -> dict[str, str]:
        """Liveness: 200 as soon as the process serves HTTP (readiness, the database included: /readyz)."""
        return {"status": "ok", "version": __version__}

    @app.get("/admin/info", tags=["operations"], dependencies=[Depends(require_token)])
    def _info() -> dict[str, object]:
        """The server's version and the ports it serves on."""
        e = core.endpoints
        return {
            "version": __version__,
            "host": e.host if e else None,
            "smtp_port": e.smtp_port if e else None,
            "smtps_port": e.smtps_port if e else None,
            "http_port": e.http_port if e else None,
        }

    app.include_router(web_router())  # before mailbox: .../messages/stream must win over /{message_id}
    app.include_router(accounts.router)
    app.include_router(mailbox.router)
    app.include_router(billing.router)
    app.include_router(ips.router)
    app.include_router(admin_policies.router)
    app.include_router(admin_callbacks.router)
    app.include_router(admin_notices.router)
    app.include_router(admin_snapshots.router)
    app.include_router(admin_reputation.router)
    app.include_router(admin_cam.router)
    app.include_router(admin_tokens.router)
    observability.install(app, core)  # /readyz, /metrics, request latency
    http_faults.install(app)  # database down / disk full: JSON 503 + Retry-After
    http_limits.install(app, core.settings)  # request body cap
    http_guard.install(app, core)  # outermost: Host allow-list, cross-origin refusal
    return app
