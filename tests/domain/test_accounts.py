"""Account credentials: Tencent-shaped SecretId/SecretKey/appId, the SMTP password rule, and salted
password hashes."""

from __future__ import annotations

import re
import string
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.accounts import (
    check_password,
    hash_password,
    new_app_id,
    new_secret_id,
    new_secret_key,
    new_smtp_password,
    random_alnum,
    suspension_refusal,
    validate_smtp_password,
)
from emulator.errors import TencentError


def test_generated_credentials_have_tencents_shapes() -> None:
    for _ in range(200):
        assert re.fullmatch(r"AKID[A-Za-z0-9]{32}", new_secret_id())
        assert re.fullmatch(r"[A-Za-z0-9]{32}", new_secret_key())
        app = new_app_id()
        assert app.isdigit() and len(app) == 10 and 1_300_000_001 <= int(app) <= 1_399_999_999
        validate_smtp_password(new_smtp_password())  # never raises
    assert len({new_secret_id() for _ in range(100)}) == 100


def test_random_characters_are_uniform() -> None:
    """62,000 characters: each of the 62 about 1,000 times (chi-squared, 61 degrees of freedom: above 130
    has a chance of about 1e-7). Taking a byte modulo 62 without drawing 248-255 again gives the first
    eight characters 5/256 instead of 4/256: chi-squared about 400."""
    text = random_alnum(62_000)
    assert len(text) == 62_000 and set(text) <= set(string.ascii_letters + string.digits)
    counts = Counter(text)
    chi2 = sum((counts[c] - 1_000) ** 2 / 1_000 for c in string.ascii_letters + string.digits)
    assert chi2 < 130, chi2


@pytest.mark.parametrize(
    "good",
    ["Abcdefgh12", "aB34567890", "Passw0rd-9", "A1b2" + "c" * 16],  # 10 and 20 characters
)
def test_valid_smtp_passwords(good: str) -> None:
    validate_smtp_password(good)


@pytest.mark.parametrize(
    "bad",
    [
        "Abcdefg12",  # 9 characters
        "A1b2" + "c" * 17,  # 21 characters
        "Abcdefgh11",  # two digits but the same one
        "abcdefgh12",  # no upper case
        "ABCDEFGH12",  # no lower case
        "Abcd efg12",  # a space
        "Abcdefg\t12",  # not printable
    ],
)
def test_invalid_smtp_passwords_answer_tencents_code(bad: str) -> None:
    with pytest.raises(TencentError) as info:
        validate_smtp_password(bad)
    assert info.value.tencent_code == "InvalidParameterValue.InvalidSmtpPassWord"


def rule(pw: str) -> bool:
    return (
        10 <= len(pw) <= 20
        and len({c for c in pw if c.isdigit()}) >= 2
        and any(c.islower() for c in pw)
        and any(c.isupper() for c in pw)
        and " " not in pw
    )


@given(st.text("aZ0123 !x", min_size=8, max_size=22))
def test_the_rule_as_stated(pw: str) -> None:
    try:
        validate_smtp_password(pw)
        accepted = True
    except TencentError:
        accepted = False
    assert accepted == rule(pw)


def test_hashes_are_salted_and_check_only_the_right_password() -> None:
    h1, h2 = hash_password("Abcdefgh12"), hash_password("Abcdefgh12")
    assert h1 != h2  # different salts
    assert check_password("Abcdefgh12", h1) and check_password("Abcdefgh12", h2)
    assert not check_password("Abcdefgh13", h1)
    assert not check_password("Abcdefgh12", None)
    assert not check_password("Abcdefgh12", "")
    assert not check_password("Abcdefgh12", "nodollar")


@given(st.text(max_size=40), st.text(max_size=40))
def test_check_accepts_exactly_the_hashed_password(pw: str, other: str) -> None:
    h = hash_password(pw)
    assert check_password(pw, h)
    assert check_password(other, h) == (other == pw)


def test_a_suspended_account_is_told_why() -> None:
    manual, arrears = suspension_refusal("manual"), suspension_refusal("arrears")
    assert manual.tencent_code == arrears.tencent_code == "FailedOperation.InsufficientBalance"
    assert "administrator" in manual.message
    assert "arrears" in arrears.message and "topped up" in arrears.message
