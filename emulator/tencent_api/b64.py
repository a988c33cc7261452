"""Base64 fields of the Tencent API (template and Simple bodies)."""

from __future__ import annotations

import base64
import binascii

from emulator.errors import TencentError


def decode_text(value: str | None, error: type[TencentError], field: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise error(f"{field} must be base64 of UTF-8 text.") from None


def encode_text(value: str | None) -> str:
    return base64.b64encode((value or "").encode("utf-8")).decode("ascii") if value else ""
