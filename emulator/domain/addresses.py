"""Email-address rules shared by SendEmail, SMTP and the admin API.

The checks are deliberately *practical* rather than full RFC 5322: they accept what real senders
use (including non-ASCII local parts and domains) and refuse what would break a header or an
envelope (spaces, control characters, several `@`, missing dot in the domain).
"""

from __future__ import annotations

import re

from emulator.errors import FailedOperationIncorrectSender

MAX_ADDRESS = 254
MAX_LOCAL_PART = 64

# What never appears in a practical address: whitespace (Unicode \s, as str.isspace()), controls and
# <>()[]\,;:" — one scan.
_UNUSABLE = re.compile(r'[\s\x00-\x1f\x7f<>()\[\]\\,;:"]')
# SendEmail's FromEmailAddress: `Alias <addr>` with exactly one space before `<`.
_ALIAS_FORM = re.compile(r"(?P<alias>[^<>]*[^<>\s]) <(?P<addr>[^<>]*)>")


def is_valid_email(addr: str) -> bool:
    """True for a usable address: one `@`, local part 1-64 chars (no leading, trailing or double
    dot), a dotted domain, ≤ 254 chars, no whitespace, controls or `<>()[]\\,;:"`."""
    if not isinstance(addr, str) or not addr or len(addr) > MAX_ADDRESS:
        return False
    if addr.count("@") != 1 or _UNUSABLE.search(addr):
        return False
    local, domain = addr.split("@")
    if not local or len(local) > MAX_LOCAL_PART:
        return False
    if local.startswith(".") or local.endswith(".") or ".." in local:  # unquoted dot-atom rule
        return False
    labels = domain.split(".")
    return len(labels) >= 2 and all(labels)


def normalize(addr: str) -> str:
    """Strip and lower-case the domain; the local part is kept as given (it may be case-sensitive)."""
    addr = addr.strip()
    local, at, domain = addr.rpartition("@")
    if not at:
        return addr
    return f"{local}@{domain.lower()}"


def domain_of(addr: str) -> str:
    """The lower-cased domain of an address ('' when there is no `@`)."""
    _, at, domain = addr.strip().rpartition("@")
    return domain.lower() if at else ""


def parse_from(value: str) -> tuple[str | None, str]:
    """Split SendEmail's FromEmailAddress into (alias, normalized address).

    Accepted, as Tencent documents: a bare `noreply@mail.example.com`, or
    `Alias <noreply@mail.example.com>` with exactly one space before `<` and no `:` in the alias.
    Anything else is `FailedOperation.IncorrectSender`.
    """
    if not isinstance(value, str) or not value:
        raise FailedOperationIncorrectSender("FromEmailAddress is empty.")
    if "<" not in value and ">" not in value:
        if is_valid_email(value):
            return None, normalize(value)
        raise FailedOperationIncorrectSender(
            f"FromEmailAddress {value!r} is not a valid email address.",
        )
    match = _ALIAS_FORM.fullmatch(value)
    if match is None:
        raise FailedOperationIncorrectSender(
            "FromEmailAddress must be 'address' or 'Alias <address>' (exactly one space before '<').",
        )
    alias, addr = match["alias"], match["addr"]
    if ":" in alias or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in alias):
        raise FailedOperationIncorrectSender(
            "The sender alias in FromEmailAddress must not contain ':' or control characters.",
        )
    if alias.startswith(" "):
        raise FailedOperationIncorrectSender(
            "The sender alias in FromEmailAddress must not start with a space.",
        )
    if not is_valid_email(addr):
        raise FailedOperationIncorrectSender(
            f"FromEmailAddress {addr!r} is not a valid email address.",
        )
    return alias, normalize(addr)


__all__ = ["MAX_ADDRESS", "MAX_LOCAL_PART", "domain_of", "is_valid_email", "normalize", "parse_from"]
