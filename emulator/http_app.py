"""The one HTTP server: Tencent API at POST / (and GET /?Action=...), admin and mailbox API under
/admin, health at /healthz, the web UI at GET / (when not an API call) and /ui."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from emulator import __version__, http_faults, http_guard, http_limits, observability
from emulator.admin_api import accounts, billing, ips, mailbox
from emulator.admin_api import callbacks as admin_callbacks
from emulator.admin_api import cam as admin_cam
from emulator.admin_api import notices as admin_notices
from emulator.admin_api import policies as admin_policies
from emulator.admin_api import reputation as admin_reputation
from emulator.admin_api import snapshots as admin_snapshots
from emulator.admin_api import tokens as admin_tokens
from emulator.admin_api.deps import error_body, require_token
from emulator.admin_api.schemas import ERROR_RESPONSES
from emulator.errors import EmulatorError
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
        responses=ERROR_RESPONSES,  # documented for every operation (schema-checked by tests/hardening)
    )
    app.state.core = core
    tencent = app.state.tencent = TencentApi(core)  # also answers POST / in tencent_api.http_protocol

    @app.exception_handler(EmulatorError)
    async def _emulator_error(_: Request, exc: EmulatorError) -> JSONResponse:
        return JSONResponse(error_body(exc), status_code=exc.http_status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """HTTP errors answer {"code", "message"} like every other admin error (not {"detail": ...}):
        the admin token check's own body, or the status's code with Starlette's text."""
        if isinstance(exc.detail, dict) and {"code", "message"} <= exc.detail.keys():
            return JSONResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
        if exc.status_code < 400 or exc.status_code in (204, 304):
            return await http_exception_handler(request, exc)
        code = HTTP_ERROR_CODES.get(exc.status_code, "HTTPError")
        return JSONResponse(
            {"code": code, "message": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )

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


HTTP_ERROR_CODES = {400: "InvalidParameter", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}
HTTP_ERROR_CODES |= {405: "MethodNotAllowed", 413: "RequestTooLarge"}


def jsonable(errors: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(errors, custom_encoder={Exception: str})
