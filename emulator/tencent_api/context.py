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
    TencentError,
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
        raise public_error(exc) from None


# What Tencent calls the type a parameter should have, by pydantic's error type: the message names the
# parameter and the type the way the real API does ("The value type of parameter `Unsubscribe` is not
# valid, input type should be `string`"), never a model class, a Python type or pydantic's own text.
_EXPECTED = {
    "string_type": "string",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "float_type": "number",
    "float_parsing": "number",
    "list_type": "array",
    "tuple_type": "array",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "dataclass_type": "object",
}


def public_name(loc: tuple[int | str, ...]) -> str:
    """A parameter's public name from a validation location: Tencent's flattened form
    (`Template.TemplateID`, `Attachments.0.FileName`). Tencent's names are PascalCase, so any other
    element is a tag of pydantic's own (a union member such as `int`) and is left out."""
    parts = [str(p) for p in loc if isinstance(p, int) or (p[:1].isupper())]
    return ".".join(parts) or "request"


def public_error(exc: ValidationError) -> TencentError:
    """The first validation error of a request model, as the Tencent error the real API answers."""
    err = exc.errors()[0]
    where = public_name(tuple(err["loc"]))
    kind = err["type"]
    if kind == "missing":
        return MissingParameter(f"The request is missing a required parameter `{where}`.")
    if kind == "extra_forbidden":
        return UnknownParameter(f"The parameter `{where}` is not recognized.")
    expected = _EXPECTED.get(kind)
    if expected is None:
        return InvalidParameterValue(f"The value of parameter `{where}` is not valid.")
    return InvalidParameter(
        f"The value type of parameter `{where}` is not valid, input type should be `{expected}`."
    )


def check_limit(limit: int, maximum: int = 100) -> None:
    if limit < 0 or limit > maximum:
        raise FailedOperationInvalidLimit(f"Limit must be between 0 and {maximum}.")


def check_offset(offset: int) -> None:
    if offset < 0:
        raise InvalidParameterValue("Offset must not be negative.")
