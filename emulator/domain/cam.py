"""CAM (Cloud Access Management) policies: parsing CAM's JSON policy language and deciding whether a
sub-user (or a session issued for one) may call an action.

Design (docs/cam.md; Tencent's "Policy Syntax" and "Evaluation Logic" pages, cloud.tencent.com
document 598/10603, 598/10605):

- A policy is ``{"version": "2.0", "statement": [{"effect": "allow"|"deny", "action": [...],
  "resource": [...]}]}``; element names are lower case, ``action`` and ``resource`` a string or a list.
- An action is ``<service>:<Action>`` (``name/<service>:<Action>`` is the same), with ``*`` matching any
  run of characters (``ses:*``, ``ses:Get*``, ``*``). Names match case-sensitively: being stricter than
  the real service at worst fails a test here that would pass there, never the other way round.
- SES and the Billing API have no resource-level permissions: a request's resource is ``*``. A
  statement's resource covers it when it is ``*`` or a six-segment ``qcs:project:service:region:account:
  resource`` string for the action's service whose region and account segments are empty or match (glob)
  and whose resource segment is ``*``.
- Evaluation: every request is denied by default; a matching ``deny`` statement denies whatever else
  matches; otherwise a matching ``allow`` allows. Several policies (a sub-user's and a session's) must
  each allow: a session can only narrow what its user may do.
- ``condition`` and ``principal`` are refused with a clear error rather than silently ignored.

Pure: no I/O, no clock, no framework.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from fnmatch import fnmatchcase
from typing import Any

from emulator.errors import FailedOperation

POLICY_VERSION = "2.0"
MAX_POLICY_CHARS = 6144  # what we believe CAM allows a custom policy document (unverified)
_STATEMENT_KEYS = frozenset({"effect", "action", "resource"})
_ACTION_RE = re.compile(r"^(?:name/)?(?P<service>[a-z][a-z0-9-]*|\*):(?P<name>[A-Za-z0-9*]+)$")


class Decision(Enum):
    ALLOW = "allow"
    DENY = "deny"  # an explicit deny matched
    IMPLICIT_DENY = "implicit_deny"  # nothing allowed it


@dataclass(frozen=True, slots=True)
class Statement:
    effect: str  # "allow" | "deny"
    actions: tuple[str, ...]  # "<service>:<pattern>" or "*"
    resources: tuple[str, ...]  # "*" or qcs strings


@dataclass(frozen=True, slots=True)
class Policy:
    statements: tuple[Statement, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": POLICY_VERSION,
            "statement": [
                {"effect": s.effect, "action": list(s.actions), "resource": list(s.resources)}
                for s in self.statements
            ],
        }


def _bad(message: str) -> FailedOperation:
    return FailedOperation(f"invalid CAM policy: {message}")


def _strings(value: Any, what: str, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v for v in items):
        raise _bad(f"{where}.{what} must be a non-empty string or a non-empty list of strings")
    return tuple(items)


def _action(text: str, where: str) -> str:
    if text == "*":
        return text
    m = _ACTION_RE.match(text)
    if m is None:
        raise _bad(
            f"{where}.action {text!r} is not `<service>:<Action>` (e.g. `ses:SendEmail`, `ses:*`, `ses:Get*`)"
        )
    return f"{m['service']}:{m['name']}"


def _resource(text: str, where: str) -> str:
    if text == "*":
        return text
    if not text.startswith("qcs:") or len(text.split(":", 5)) != 6:
        raise _bad(
            f"{where}.resource {text!r} is neither `*` nor a six-segment "
            "`qcs:project:service:region:account:resource` string"
        )
    return text


def parse_policy(document: str | dict[str, Any]) -> Policy:
    """A policy from its JSON text or decoded object; raises FailedOperation naming what is wrong."""
    if isinstance(document, str):
        if len(document) > MAX_POLICY_CHARS:
            raise _bad(f"the document is longer than {MAX_POLICY_CHARS} characters")
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise _bad(f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise _bad("the document must be a JSON object")
    unknown = set(document) - {"version", "statement"}
    if unknown:
        raise _bad(f"unknown element(s) {sorted(unknown)}: a policy has `version` and `statement`")
    if document.get("version") != POLICY_VERSION:
        raise _bad(f'`version` must be "{POLICY_VERSION}"')
    raw = document.get("statement")
    raw_list = [raw] if isinstance(raw, dict) else raw
    if not isinstance(raw_list, list) or not raw_list:
        raise _bad("`statement` must be a non-empty list of statements")
    statements = []
    for i, st in enumerate(raw_list):
        where = f"statement[{i}]"
        if not isinstance(st, dict):
            raise _bad(f"{where} must be an object")
        extra = set(st) - _STATEMENT_KEYS
        if extra & {"condition", "principal"}:
            raise _bad(f"{where}: `condition` and `principal` are not supported by the emulator")
        if extra:
            raise _bad(f"{where}: unknown element(s) {sorted(extra)} (element names are lower case)")
        effect = st.get("effect")
        if effect not in ("allow", "deny"):
            raise _bad(f'{where}.effect must be "allow" or "deny"')
        for need in ("action", "resource"):
            if need not in st:
                raise _bad(f"{where}.{need} is required")
        actions = tuple(_action(a, where) for a in _strings(st["action"], "action", where))
        resources = tuple(_resource(r, where) for r in _strings(st["resource"], "resource", where))
        statements.append(Statement(effect, actions, resources))
    return Policy(tuple(statements))


def action_matches(pattern: str, action: str) -> bool:
    """`ses:Get*` covers `ses:GetEmailTemplate`; `*` covers everything."""
    return pattern == "*" or fnmatchcase(action, pattern)


def resource_matches(pattern: str, service: str, region: str, owner: str) -> bool:
    """Whether a statement resource covers a request of `service` in `region` by the account whose
    CAM account segment is `owner` (``uin/<id>``): SES and billing have only the resource ``*``."""
    if pattern == "*":
        return True
    _qcs, _project, svc, reg, acct, res = pattern.split(":", 5)
    return (
        svc == service
        and (reg == "" or fnmatchcase(region, reg))
        and (acct == "" or fnmatchcase(owner, acct))
        and res == "*"
    )


def decide(policy: Policy, action: str, region: str = "", owner: str = "") -> Decision:
    """One policy's verdict on `action` (``<service>:<Action>``): explicit deny > allow > implicit deny."""
    service = action.split(":", 1)[0]
    allowed = False
    for st in policy.statements:
        if any(action_matches(p, action) for p in st.actions) and any(
            resource_matches(r, service, region, owner) for r in st.resources
        ):
            if st.effect == "deny":
                return Decision.DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def is_allowed(policies: tuple[Policy, ...], action: str, region: str = "", owner: str = "") -> bool:
    """Every policy must allow (a session's policy narrows its user's); none given: denied."""
    return bool(policies) and all(decide(p, action, region, owner) is Decision.ALLOW for p in policies)


def denial_message(language: str, action: str, request_id: str) -> str:
    """The real AuthFailure.UnauthorizedOperation text (TencentCloud/tencentcloud-sdk-java#78 shows the
    English form; zfb132/qcloud-ssl-cdn#28 the Chinese lead)."""
    lead = (
        "操作未授权，请检查CAM策略。"
        if language == "zh-CN"
        else "You are not authorized to perform this operation. Check your CAM policies, and ensure "
        "that you are using the correct access keys."
    )
    return (
        f"{lead} [[request id:{request_id}]you are not authorized to perform operation ({action})\n"
        "resource (*) has no permission\n]"
    )


__all__ = [
    "MAX_POLICY_CHARS",
    "POLICY_VERSION",
    "Decision",
    "Policy",
    "Statement",
    "action_matches",
    "decide",
    "denial_message",
    "is_allowed",
    "parse_policy",
    "resource_matches",
]
