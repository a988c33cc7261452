"""Account credentials and the rules on them."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string

from emulator.errors import InsufficientBalance, InvalidParameterValueInvalidSmtpPassWord, TencentError

_ALNUM = string.ascii_letters + string.digits
_ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def valid_account_name(name: str) -> bool:
    """1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (it is a URL path segment)."""
    return bool(_ACCOUNT_NAME.match(name))


# bytes at or above this would make the first 256 % 62 characters likelier: they are drawn again
_ACCEPT = 256 - 256 % len(_ALNUM)


def random_alnum(n: int) -> str:
    """`n` letters and digits, uniformly, from one read of the OS's random source per batch.
    `secrets.choice` per character made one urandom call each: ~0.25 ms of an account's creation."""
    out: list[str] = []
    while len(out) < n:
        out += [_ALNUM[b % len(_ALNUM)] for b in secrets.token_bytes(n - len(out) + 8) if b < _ACCEPT]
    return "".join(out[:n])


def new_secret_id() -> str:
    """Real format: 'AKID' + 32 alphanumerics."""
    return "AKID" + random_alnum(32)


def new_secret_key() -> str:
    return random_alnum(32)


def new_app_id() -> str:
    """A Tencent appId-like number (13xxxxxxxx), shown in MessageIds and callbacks."""
    return str(1_300_000_001 + secrets.randbelow(99_999_999))


def new_smtp_password() -> str:
    """A password that satisfies Tencent's SMTP password rule."""
    while True:
        pw = random_alnum(16)
        try:
            validate_smtp_password(pw)
            return pw
        except TencentError:
            continue


def validate_smtp_password(password: str) -> None:
    """10–20 characters with at least two distinct digits, a lowercase and an uppercase letter."""
    ok = (
        10 <= len(password) <= 20
        and len(set(re.findall(r"\d", password))) >= 2
        and re.search(r"[a-z]", password) is not None
        and re.search(r"[A-Z]", password) is not None
        and password.isprintable()
        and " " not in password
    )
    if not ok:
        raise InvalidParameterValueInvalidSmtpPassWord(
            "SMTP password must be 10-20 characters with at least two different digits, "
            "a lowercase and an uppercase letter.",
        )


def hash_password(password: str) -> str:
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((salt + password).encode()).hexdigest()
    return f"{salt}${digest}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored or "$" not in stored:
        return False
    salt, digest = stored.split("$", 1)
    return hmac.compare_digest(hashlib.sha256((salt + password).encode()).hexdigest(), digest)


def suspension_refusal(reason: str) -> InsufficientBalance:
    """What a suspended account is answered when it sends (behaviour §5): by the administrator
    ('manual') or for arrears until a top-up pays them."""
    if reason == "manual":
        return InsufficientBalance("The account is suspended by the administrator.")
    return InsufficientBalance(
        "Insufficient balance: the account is in arrears and the service is suspended until it is topped up."
    )
