"""Address rules: SendEmail's FromEmailAddress forms and the practical address check."""

from __future__ import annotations

import pytest

from emulator.domain.addresses import domain_of, is_valid_email, normalize, parse_from
from emulator.errors import TencentError

GOOD_FROM = [
    ("noreply@mail.example.com", (None, "noreply@mail.example.com")),
    ("NoReply@Mail.Example.COM", (None, "NoReply@mail.example.com")),
    ("Example Co <noreply@mail.example.com>", ("Example Co", "noreply@mail.example.com")),
    ("腾讯云 <noreply@mail.example.com>", ("腾讯云", "noreply@mail.example.com")),
    ('"Quoted" <a@b.cn>', ('"Quoted"', "a@b.cn")),
]

BAD_FROM = [
    "",
    "noreply",
    "noreply@localhost",
    "a@b@c.com",
    "Example Co<noreply@mail.example.com>",  # no space before <
    "Example Co  <noreply@mail.example.com>",  # two spaces
    "<noreply@mail.example.com>",  # no alias
    " <noreply@mail.example.com>",  # blank alias
    "Ex:ample <noreply@mail.example.com>",  # ':' in alias
    "Example <noreply@mail.example.com",  # unclosed
    "Example <noreply@mail.example.com> tail",
    "Example <not-an-address>",
    "Ex<a>mple <noreply@mail.example.com>",
    " noreply@mail.example.com",
    "noreply@mail.example.com\r\nBcc: x@y.com",
    "Example\n <a@b.com>",
]


@pytest.mark.parametrize(("value", "expected"), GOOD_FROM)
def test_parse_from_accepts_documented_forms(value: str, expected: tuple[str | None, str]) -> None:
    assert parse_from(value) == expected


@pytest.mark.parametrize("value", BAD_FROM)
def test_parse_from_refuses_with_incorrect_sender(value: str) -> None:
    with pytest.raises(TencentError) as info:
        parse_from(value)
    assert info.value.tencent_code == "FailedOperation.IncorrectSender"


VALIDITY = [
    ("a@b.co", True),
    ("first.last+tag@sub.example.com", True),
    ("用户@例子.中国", True),
    ("x" * 64 + "@example.com", True),
    ("x" * 65 + "@example.com", False),
    ("a@" + "b" * 250 + ".com", False),  # > 254 total
    ("", False),
    ("plain", False),
    ("@example.com", False),
    ("a@example", False),
    ("a@.example.com", False),
    ("a@example..com", False),
    ("a@example.com.", False),
    ("a b@example.com", False),
    ("a@b@example.com", False),
    ("a\t@example.com", False),
    ("a\x00@example.com", False),
    ("<a@example.com>", False),
    ("a,b@example.com", False),
    (".a@example.com", False),
    ("a.@example.com", False),
    ("a..b@example.com", False),
]


@pytest.mark.parametrize(("addr", "ok"), VALIDITY)
def test_is_valid_email(addr: str, ok: bool) -> None:
    assert is_valid_email(addr) is ok


@pytest.mark.parametrize(
    ("addr", "expected"),
    [("  User@Example.COM ", "User@example.com"), ("a@b.c", "a@b.c"), ("nodomain", "nodomain")],
)
def test_normalize_lowercases_domain_only(addr: str, expected: str) -> None:
    assert normalize(addr) == expected


@pytest.mark.parametrize(("addr", "expected"), [("a@Mail.Example.com", "mail.example.com"), ("x", "")])
def test_domain_of(addr: str, expected: str) -> None:
    assert domain_of(addr) == expected
