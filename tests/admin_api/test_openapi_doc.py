"""Issue 19 §5: every operation of /openapi.json is described, and lists only error responses it can
answer: 404 exactly where the path has a parameter to be unknown, 400 exactly where some input can be
invalid, 401 and 503 on every /admin operation, never FastAPI's 422 (this API answers 400)."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.admin_api.errors import KINDS
from tests.conftest import Server

ERROR_STATUSES = {str(k.status) for k in KINDS}


@pytest.fixture
def operations(server: Server) -> list[tuple[str, str, dict[str, Any]]]:
    doc = server.http.get("/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    return [(m.upper(), p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


def can_be_invalid(op: dict[str, Any]) -> bool:
    """Some input FastAPI validates: a body, or a parameter that is not a plain optional string."""
    if "requestBody" in op:
        return True
    for p in op.get("parameters", []):
        if p["in"] == "header":
            continue
        schema = p.get("schema", {})
        types = {s.get("type") for s in schema.get("anyOf", [schema])} - {"null"}
        if p["in"] == "query" and p.get("required"):
            return True
        if types != {"string"} or any(
            k in s for s in schema.get("anyOf", [schema]) for k in ("pattern", "enum")
        ):
            return True
    return False


# Routes that parse a plain string parameter themselves (times, a source name).
PARSES_STRINGS: set[tuple[str, str]] = set()


def test_every_operation_is_described(operations: list[tuple[str, str, dict[str, Any]]]) -> None:
    assert len(operations) >= 55
    undescribed = [f"{m} {p}" for m, p, op in operations if not op.get("description", "").strip()]
    assert undescribed == []
    assert all(op.get("summary") for _, _, op in operations)


def test_error_responses_are_those_the_route_can_answer(
    operations: list[tuple[str, str, dict[str, Any]]],
) -> None:
    for method, path, op in operations:
        where = f"{method} {path}"
        listed = {s for s in op["responses"] if not s.startswith("2")}
        assert "422" not in listed, where
        assert listed <= ERROR_STATUSES, where
        if path.startswith("/admin"):
            assert {"401", "503"} <= listed, where
        else:
            assert "401" not in listed, where
        assert ("404" in listed) == ("{" in path), f"{where}: 404 iff the path has a parameter"
        invalid = can_be_invalid(op) or (method, path) in PARSES_STRINGS
        assert ("400" in listed) == invalid, f"{where}: 400 iff some input can be invalid"
        for status in listed - {"503"}:
            content = op["responses"][status].get("content", {}).get("application/json", {})
            assert content.get("schema", {}).get("$ref", "").endswith("/ErrorPublic"), f"{where} {status}"
    only = {
        "408": {"GET /admin/accounts/{account}/messages/wait"},
        "429": {"POST /admin/accounts/{account}/ips"},
    }
    for status, allowed in only.items():
        assert {f"{m} {p}" for m, p, op in operations if status in op["responses"]} == allowed
