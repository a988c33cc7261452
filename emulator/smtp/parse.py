"""MAIL/RCPT argument parsing with aiosmtpd's rules and replies (clients and their logs know them)."""

from __future__ import annotations

import re
from email._header_value_parser import get_addr_spec, get_angle_addr
from email.errors import HeaderParseError

# MAIL FROM:<a@b> / RCPT TO:<a@b> in their common form; anything else goes to the stdlib's full parser.
_SIMPLE_ADDR = re.compile(r"\s*<([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+)>(.*)\Z", re.S)


def strip_keyword(keyword: str, arg: str) -> str | None:
    """`FROM:<a@b>` -> `<a@b>` (keyword matched case-insensitively); None without the keyword."""
    n = len(keyword)
    if arg[:n].upper() == keyword:
        return arg[n:].strip()
    return None


def get_address(arg: str) -> tuple[str | None, str]:
    """(address, rest of the line); address None when unparseable, '' when absent."""
    m = _SIMPLE_ADDR.match(arg)
    if m is not None:
        addr = m.group(1)
        domain = addr.rpartition("@")[2]
        if ".." not in addr and not addr.startswith(".") and domain[:1] != "." and domain[-1:] != ".":
            return addr, m.group(2)
    if not arg:
        return "", ""
    parse = get_angle_addr if arg.lstrip().startswith("<") else get_addr_spec
    try:
        address, rest = parse(arg)
    except (HeaderParseError, IndexError):  # IndexError: the stdlib's parser on a lone "<"
        return None, ""
    return str(address.addr_spec), rest


def get_params(params: list[str]) -> dict[str, str | bool] | None:
    """ESMTP parameters as a dict (KEY=value or KEY -> True); None when one is malformed (RFC 1869)."""
    result: dict[str, str | bool] = {}
    for param in params:
        key, eq, value = param.partition("=")
        if not key.isalnum() or (eq and not value):
            return None
        result[key] = value if eq else True
    return result


def check_mail_params(params: dict[str, str | bool], size_limit: int | None) -> str | None:
    """The refusal for MAIL FROM's parameters, or None when they are acceptable; `params` must be the
    syntactically valid ones (get_params) and "bad syntax" is returned as ''."""
    body = params.pop("BODY", "7BIT")
    if body not in ("7BIT", "8BITMIME"):
        return "501 Error: BODY can only be one of 7BIT, 8BITMIME"
    smtputf8 = params.pop("SMTPUTF8", False)
    if not isinstance(smtputf8, bool):
        return "501 Error: SMTPUTF8 takes no arguments"
    if smtputf8:
        return "501 Error: SMTPUTF8 disabled"
    size = params.pop("SIZE", None)
    if size:
        if isinstance(size, bool) or not size.isdigit():
            return ""
        if size_limit and int(size) > size_limit:
            return "552 Error: message size exceeds fixed maximum message size"
    if params:
        return "555 MAIL FROM parameters not recognized or not implemented"
    return None
