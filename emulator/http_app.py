"""The one HTTP server: Tencent API at POST / (and GET /?Action=...), admin and mailbox API under
/admin, health at /healthz."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response

from emulator import __version__, observability
from emulator.admin_api import accounts, billing, ips, mailbox
from emulator.admin_api.deps import error_body, require_token
from emulator.errors import EmulatorError
from emulator.services.core import Core
from emulator.tencent_api.router import TencentApi, is_api_request

LANDING = """<!doctype html><meta charset="utf-8"><title>Tencent SES emulator</title>
<h1>Tencent SES emulator</h1><p>Tencent Cloud API 3.0 endpoint: <code>POST /</code>.
Admin and mailbox API: <a href="/docs">/docs</a>.</p>"""


def create_app(core: Core) -> FastAPI:
    app = FastAPI(title="Tencent SES emulator", version=__version__, docs_url="/docs", redoc_url=None)
    app.state.core = core
    tencent = TencentApi(core)

    @app.exception_handler(EmulatorError)
    async def _emulator_error(_: Request, exc: EmulatorError) -> JSONResponse:
        return JSONResponse(error_body(exc), status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse(
            {
                "code": "InvalidParameter",
                "message": f"{where}: {first.get('msg', 'invalid request')}",
                "errors": jsonable(exc.errors()),
            },
            status_code=422,
        )

    @app.post("/", include_in_schema=False)
    async def _api_post(request: Request) -> Response:
        return await tencent.handle(request)

    @app.get("/", include_in_schema=False)
    async def _root(request: Request) -> Response:
        if is_api_request(request):
            return await tencent.handle(request)
        return HTMLResponse(LANDING)

    @app.get("/healthz", tags=["operations"])
    def _healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/admin/info", tags=["operations"], dependencies=[Depends(require_token)])
    def _info() -> dict[str, object]:
        e = core.endpoints
        return {
            "version": __version__,
            "host": e.host if e else None,
            "smtp_port": e.smtp_port if e else None,
            "smtps_port": e.smtps_port if e else None,
            "http_port": e.http_port if e else None,
        }

    app.include_router(accounts.router)
    app.include_router(mailbox.router)
    app.include_router(billing.router)
    app.include_router(ips.router)
    observability.install(app, core)  # /readyz, /metrics, request latency
    return app


def jsonable(errors: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(errors, custom_encoder={Exception: str})
