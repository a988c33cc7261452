"""What an action handler receives, and how request parameters become typed models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from emulator.domain.records import AccountRecord
from emulator.errors import (
    FailedOperationInvalidLimit,
    InvalidParameter,
    InvalidParameterValue,
    MissingParameter,
    UnknownParameter,
)
from emulator.tencent_api.wire import checked_values

if TYPE_CHECKING:
    from emulator.services.core import Core

M = TypeVar("M", bound=BaseModel)


class ApiModel(BaseModel):
    """Request models in Tencent's PascalCase; unknown parameters are refused like the real API."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class ApiContext:
    core: Core
    account: AccountRecord
    request_id: str
    form_encoded: bool
    language: str

    @property
    def account_id(self) -> int:
        return int(self.account.id)


def parse(model: type[M], params: dict[str, Any], form_encoded: bool) -> M:
    """Validate action parameters: JSON strictly (types as documented), query/form values leniently
    (they are all strings on the wire)."""
    try:
        parsed = model.model_validate(params, strict=not form_encoded)
        if form_encoded:  # numbers arrived as text: check the converted values too
            checked_values(parsed.model_dump())
        return parsed
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "request"
        kind = err["type"]
        if kind == "missing":
            raise MissingParameter(f"The request is missing a required parameter `{where}`.") from None
        if kind == "extra_forbidden":
            raise UnknownParameter(f"The parameter `{where}` is not recognized.") from None
        raise InvalidParameter(f"The parameter `{where}` is invalid: {err['msg']}.") from None


def check_limit(limit: int, maximum: int = 100) -> None:
    if limit < 0 or limit > maximum:
        raise FailedOperationInvalidLimit(f"Limit must be between 0 and {maximum}.")


def check_offset(offset: int) -> None:
    if offset < 0:
        raise InvalidParameterValue("Offset must not be negative.")
