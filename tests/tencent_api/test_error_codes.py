"""The error tree's completeness: every class's code is a real Tencent code, every code has exactly one
class, no raise site picks a code by string, and each front-end's one mapping point answers each class
with its code (the Tencent API end to end through the official SDK)."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from tencentcloud.billing.v20180709 import errorcodes as billing_errorcodes
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.ses.v20201002 import errorcodes

import emulator.errors as errors
from emulator.admin_api.errors import KINDS, error_kind
from emulator.errors import (
    ALL_CODES,
    ALL_ERRORS,
    AuthFailure,
    AuthFailureSignatureFailure,
    EmulatorError,
    InvalidParameterValueTemplateNotExist,
    ServerError,
    TencentError,
)
from emulator.smtp.replies import TENCENT_PREFIX, reply_for
from tests.clients import call, sdk
from tests.conftest import Server

# Tencent's common API 3.0 error codes (every service), as listed in
# /work/shared/reference/tencent-ses-api.md §5.1 (Tencent's "common error codes" table); the SES SDK's
# errorcodes module lists only the SES-specific ones plus a few of these.
COMMON_CODES = frozenset(
    {
        "ActionOffline",
        "AuthFailure.InvalidAuthorization",
        "AuthFailure.InvalidSecretId",
        "AuthFailure.MFAFailure",
        "AuthFailure.SecretIdNotFound",
        "AuthFailure.SignatureExpire",
        "AuthFailure.SignatureFailure",
        "AuthFailure.TokenFailure",
        "AuthFailure.UnauthorizedOperation",
        "DryRunOperation",
        "FailedOperation",
        "InternalError",
        "InvalidAction",
        "InvalidParameter",
        "InvalidParameterValue",
        "InvalidRequest",
        "IpInBlacklist",
        "IpNotInWhitelist",
        "LimitExceeded",
        "MissingParameter",
        "NoSuchProduct",
        "NoSuchVersion",
        "RequestLimitExceeded",
        "RequestLimitExceeded.IPLimitExceeded",
        "RequestLimitExceeded.UinLimitExceeded",
        "RequestSizeLimitExceeded",
        "ResourceInUse",
        "ResourceInsufficient",
        "ResourceNotFound",
        "ResourceUnavailable",
        "ResponseSizeLimitExceeded",
        "ServiceUnavailable",
        "UnauthorizedOperation",
        "UnknownParameter",
        "UnsupportedOperation",
        "UnsupportedProtocol",
        "UnsupportedRegion",
    }
)
# Codes Tencent answers on its SMTP interface only, so in no SDK list (reference §5.2 / §6).
SMTP_ONLY_CODES = frozenset({"RequestLimitExceeded.SmtpRateLimit"})


def _sdk_codes(module: Any) -> frozenset[str]:
    return frozenset(
        v for k, v in vars(module).items() if k.isupper() and isinstance(v, str) and not k.startswith("_")
    )


# the SES SDK's codes and the billing SDK's (the billing API is served on the same port)
SDK_CODES = _sdk_codes(errorcodes) | _sdk_codes(billing_errorcodes)
FAMILIES = (EmulatorError, TencentError, AuthFailure, ServerError)
EMULATOR = Path(errors.__file__).resolve().parent.parent


def _all_subclasses(root: type[EmulatorError]) -> set[type[EmulatorError]]:
    out: set[type[EmulatorError]] = set()
    for sub in root.__subclasses__():
        out |= {sub, *_all_subclasses(sub)}
    return out


def test_sdk_codes_loaded() -> None:
    assert "FailedOperation.IncorrectSender" in SDK_CODES and len(SDK_CODES) > 50
    assert {"FailedOperation.SummaryDataNotReady", "InvalidParameter.InvalidParameter"} <= SDK_CODES


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda c: c.code)
def test_every_code_is_a_tencent_code(cls: type[EmulatorError]) -> None:
    assert cls.code in SDK_CODES | COMMON_CODES | SMTP_ONLY_CODES


def test_registry_lists_each_code_class_once() -> None:
    assert len(ALL_CODES) == len(ALL_ERRORS), "two classes declare the same code"
    assert all(ALL_CODES[c.code] is c for c in ALL_ERRORS)
    declaring = {c for c in _all_subclasses(EmulatorError) if "code" in vars(c)}
    assert declaring == set(ALL_ERRORS)
    # every other class is a family (no code) or a specialisation of a code class (same code)
    for c in _all_subclasses(EmulatorError) - declaring:
        assert c in FAMILIES or any(isinstance(getattr(b, "code", None), str) for b in c.__mro__[1:]), c


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda c: c.code)
def test_class_is_named_after_its_code_and_nests_in_its_family(cls: type[EmulatorError]) -> None:
    assert cls.__name__ == cls.code.replace(".", "")
    assert cls.__module__ == "emulator.errors._codes"
    assert getattr(errors, cls.__name__) is cls and cls.__name__ in errors.__all__
    family, dot, _ = cls.code.rpartition(".")
    parent = cls.__mro__[1]
    if dot and family != "AuthFailure":
        assert parent is ALL_CODES[family]  # InvalidParameterValue.X subclasses InvalidParameterValue
    elif family == "AuthFailure":
        assert parent is AuthFailure
    else:
        assert parent in FAMILIES
    assert issubclass(cls, ServerError) == (cls.http_status >= 500)


def test_families_cannot_be_raised() -> None:
    for family in FAMILIES:
        with pytest.raises(TypeError, match="family"):
            family("no code")


def test_all_names_exist() -> None:
    assert len(set(errors.__all__)) == len(errors.__all__)
    assert all(hasattr(errors, name) for name in errors.__all__)


def test_no_raise_site_names_a_code_by_string() -> None:
    """No call of a family (`TencentError("Code", ...)`, `AuthFailure(...)`, ...) outside the tree:
    a code is chosen by its class, never by a string."""
    names = {f.__name__ for f in FAMILIES}
    found = []
    for path in EMULATOR.rglob("*.py"):
        if path.parent.name == "errors":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
                found.append(f"{path.relative_to(EMULATOR.parent)}:{node.lineno}")
    assert found == []


# ------------------------------------------------------------------------------------ the mapping points


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda c: c.code)
def test_smtp_and_admin_answer_each_class(cls: type[EmulatorError]) -> None:
    exc = cls("probe")
    assert error_kind(exc) in KINDS  # the admin API answers its kind's status and code (docs/admin-api.md)
    reply = reply_for(exc)
    if cls.smtp_reply is not None:
        assert reply == cls.smtp_reply
    else:
        error = json.loads(reply.removeprefix(TENCENT_PREFIX))["Response"]["QcloudError"]["Error"]
        assert error == {"Code": cls.code, "Message": "probe"}


def test_real_raise_paths_answer_their_class_code(server: Server, account: dict[str, Any]) -> None:
    client = sdk(server.endpoints.api_endpoint, account["secret_id"], account["secret_key"])
    with pytest.raises(TencentCloudSDKException) as info:
        call(client, "GetEmailTemplate", TemplateID=987654)
    assert info.value.get_code() == InvalidParameterValueTemplateNotExist.code
    wrong_key = sdk(server.endpoints.api_endpoint, account["secret_id"], account["secret_key"][::-1] + "x")
    with pytest.raises(TencentCloudSDKException) as info:
        call(wrong_key, "ListEmailTemplates", Limit=10, Offset=0)
    assert info.value.get_code() == AuthFailureSignatureFailure.code
