"""The admin API's errors in one place: one kind of mistake, one HTTP status and one code.

Every admin error answers `{"code", "message"}` (plus `"field"` when one request field is at fault) with
the status and code of its kind (`KINDS`; the table in docs/admin-api.md is this one). Three sources are
mapped here, at the edge:

- request validation (FastAPI's `RequestValidationError`): by the first error's pydantic type
  (`validation_kind`);
- the services' typed errors (`emulator.errors`): by their code family (`error_kind`), so a service's
  `FailedOperation` for a bad value and a model's `ge=` refusal answer the same;
- Starlette's own HTTP errors (unknown path, wrong method) and the token check: by status.

Routes list the errors they can answer with `answers(...)` in their decorator; every /admin operation
also documents 401 (the token) and 503 (the database), and none documents FastAPI's default 422, which
this API never answers (`install` edits the OpenAPI document so)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from emulator.admin_api.schemas import ErrorPublic
from emulator.errors import (
    AuthFailure,
    EmulatorError,
    InvalidParameter,
    InvalidParameterValueRepeatCreation,
    InvalidParameterValueTemplateNotExist,
    LimitExceeded,
    MissingParameter,
    OperationDenied,
    RequestLimitExceeded,
    ResourceInUse,
    ResourceNotFound,
    ServerError,
    UnknownParameter,
)


class Kind(NamedTuple):
    status: int
    code: str
    when: str  # what the client did (docs, OpenAPI)


MALFORMED = Kind(400, "MalformedRequest", "the body is not JSON, or not the JSON object the route takes")
UNKNOWN_FIELD = Kind(400, "UnknownParameter", "a body field the route does not take")
MISSING = Kind(400, "MissingParameter", "a required field or query parameter is absent")
WRONG_TYPE = Kind(
    400,
    "InvalidParameter",
    "a value of the wrong JSON type (a string for an integer, null for a required value)",
)
INVALID_VALUE = Kind(
    400,
    "InvalidParameterValue",
    "a value of the right type that is not allowed: out of range, not matching its format (time, duration, "
    "money, address, pattern), fields that exclude each other, a clock moved backwards",
)
UNAUTHORIZED = Kind(401, "Unauthorized", "the admin or access token is missing, wrong or revoked")
FORBIDDEN = Kind(
    403,
    "Forbidden",
    "a scoped token without this account or write access, a cross-origin browser request, or a Host not allowed",
)
NOT_FOUND = Kind(
    404, "ResourceNotFound", "no such account, message, bill, IP, rule, template, sender or path"
)
METHOD = Kind(405, "MethodNotAllowed", "the path exists, the method does not")
TIMEOUT = Kind(408, "Timeout", "a wait ended before anything matched")
CONFLICT = Kind(
    409, "ResourceInUse", "conflicts with the current state (a name taken, an IP not in that state)"
)
TOO_LARGE = Kind(413, "RequestTooLarge", "the body is larger than the server takes")
LIMIT = Kind(429, "LimitExceeded", "a limit was reached (e.g. dedicated IP applications per month)")
INTERNAL = Kind(500, "InternalError", "the emulator's own fault")
UNAVAILABLE = Kind(503, "ServiceUnavailable", "the database is unavailable; retry after Retry-After")

KINDS: tuple[Kind, ...] = (
    MALFORMED, UNKNOWN_FIELD, MISSING, WRONG_TYPE, INVALID_VALUE, UNAUTHORIZED, FORBIDDEN, NOT_FOUND,
    METHOD, TIMEOUT, CONFLICT, TOO_LARGE, LIMIT, INTERNAL, UNAVAILABLE,
)  # fmt: skip
_BY_STATUS_CODE = {(k.status, k.code) for k in KINDS}

# --- services' typed errors ----------------------------------------------------------------------
# The first family an error belongs to decides; what matches none is a value the request got wrong.
_FAMILIES: tuple[tuple[type[EmulatorError], Kind], ...] = (
    (ServerError, INTERNAL),
    (AuthFailure, UNAUTHORIZED),
    (ResourceNotFound, NOT_FOUND),
    (InvalidParameterValueTemplateNotExist, NOT_FOUND),
    (ResourceInUse, CONFLICT),
    (InvalidParameterValueRepeatCreation, CONFLICT),
    (OperationDenied, CONFLICT),
    (LimitExceeded, LIMIT),
    (RequestLimitExceeded, LIMIT),
    (MissingParameter, MISSING),
    (UnknownParameter, UNKNOWN_FIELD),
    (InvalidParameter, WRONG_TYPE),
)


def error_kind(exc: EmulatorError) -> Kind:
    for family, kind in _FAMILIES:
        if isinstance(exc, family):
            return kind
    return INVALID_VALUE  # FailedOperation, InvalidParameterValue(.*) and ClockBackwards included


# --- request validation --------------------------------------------------------------------------
_VALUE_TYPES = frozenset(
    {
        "greater_than", "greater_than_equal", "less_than", "less_than_equal", "multiple_of", "finite_number",
        "string_too_short", "string_too_long", "string_pattern_mismatch", "too_short", "too_long",
        "value_error", "assertion_error", "literal_error", "enum", "url_parsing", "url_scheme",
    }
)  # fmt: skip


def validation_kind(error: dict[str, Any]) -> Kind:
    """The kind of one pydantic error (its `type` and `loc`)."""
    kind, loc = str(error.get("type", "")), tuple(error.get("loc", ()))
    if kind == "json_invalid" or (loc == ("body",) and kind != "missing"):
        return MALFORMED  # unparsable, or an array/string/number where the route takes an object
    if kind == "missing":
        return MISSING
    if kind == "extra_forbidden":
        return UNKNOWN_FIELD
    if kind in _VALUE_TYPES:
        return INVALID_VALUE
    return WRONG_TYPE  # *_type, *_parsing, int_from_float, none_required, ...


def _field(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc)


def body(kind: Kind, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": kind.code, "message": message, **({"field": field} if field else {})}


_HTTP_STATUS_KINDS = {k.status: k for k in (MALFORMED, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, METHOD, TOO_LARGE)}


# --- OpenAPI -------------------------------------------------------------------------------------
def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error responses a route can answer (beside 401 and 503, which every /admin route documents),
    for its decorator's `responses=`: each status with the codes of its kinds."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        kinds = [k for k in KINDS if k.status == status]
        if not kinds:
            raise ValueError(f"no error kind answers {status}")
        text = "; ".join(f"{k.code}: {k.when}" for k in kinds)
        out[status] = {"model": ErrorPublic, "description": text}
    return out


def _document(schema: dict[str, Any]) -> dict[str, Any]:
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorPublic"}}}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            if path.startswith("/admin"):
                responses.setdefault(
                    "401", {"description": f"Unauthorized: {UNAUTHORIZED.when}", "content": ref}
                )
                responses.setdefault(  # scoped tokens (docs/access.md) and the origin guard
                    "403", {"description": f"Forbidden: {FORBIDDEN.when}", "content": ref}
                )
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema


# --- installation --------------------------------------------------------------------------------
def install(app: FastAPI) -> None:
    """Called once by http_app.create_app: the three handlers and the OpenAPI edit."""

    @app.exception_handler(EmulatorError)
    async def _emulator_error(_: Request, exc: EmulatorError) -> JSONResponse:
        kind = error_kind(exc)
        return JSONResponse(body(kind, exc.message), status_code=kind.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
        kind = validation_kind(first)
        where = _field(first.get("loc", ()))
        return JSONResponse(
            body(kind, f"{where}: {first.get('msg', 'invalid request')}", where or None),
            status_code=kind.status,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Starlette's HTTP errors (unknown path, wrong method) and the token check's own body, in the
        same form (not {"detail": ...})."""
        if isinstance(exc.detail, dict) and {"code", "message"} <= exc.detail.keys():
            return JSONResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
        if exc.status_code < 400 or exc.status_code in (204, 304):
            return await http_exception_handler(request, exc)
        kind = _HTTP_STATUS_KINDS.get(exc.status_code)
        code = kind.code if kind else "HTTPError"
        return JSONResponse(
            {"code": code, "message": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )

    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend it


__all__ = ["KINDS", "Kind", "answers", "body", "error_kind", "install", "validation_kind"]
