"""Account profiles (docs/profiles.md): the switches an account starts with, chosen at creation.

- `sandbox`: today's lenient emulator: simple (non-template) bodies allowed, every limit of behaviour §9
  off (the global layer and the built-in defaults show through), SMTP message checks off.
- `production`: what a new real Tencent account is: template-only (`FailedOperation.WithOutPermission`
  for Simple bodies until the admin grants simple sending), the four §9 limits on at Tencent's values
  (10 mails per recipient per hour, 20 requests per second, the sender domain's reputation-level cap,
  300,000 a day), and the SMTP message checks of reference §6 on (`domain.message_checks`).

A profile only sets the switches at creation; each stays individually changeable afterwards (the admin
API's account limits), and the account remembers the profile it was created with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.errors import FailedOperation

SANDBOX = "sandbox"
PRODUCTION = "production"
PROFILES = (SANDBOX, PRODUCTION)


@dataclass(frozen=True)
class ProfileDefaults:
    """The account's switches at creation: its columns `simple_allowed` and `smtp_checks`, and the account
    layer of its limits (`domain.limits`: sparse; an unset limit falls through to the global layer)."""

    simple_allowed: bool
    smtp_checks: bool
    limits: dict[str, Any] = field(default_factory=dict)


_LIMITS_ON = {
    "recipient_hourly": {"enabled": True},
    "api_rate": {"enabled": True},
    "domain_daily_cap": {"enabled": True},
    "daily_total": {"enabled": True},
}

_DEFAULTS = {
    SANDBOX: ProfileDefaults(simple_allowed=True, smtp_checks=False),
    PRODUCTION: ProfileDefaults(simple_allowed=False, smtp_checks=True, limits=_LIMITS_ON),
}


def check_profile(name: str) -> str:
    """The profile name, or a clear refusal."""
    if name not in _DEFAULTS:
        raise FailedOperation(f"profile must be one of {', '.join(PROFILES)}; got {name!r}")
    return name


def defaults(name: str) -> ProfileDefaults:
    """The switches a new account of profile `name` starts with (a fresh copy of its limits layer)."""
    d = _DEFAULTS[check_profile(name)]
    return ProfileDefaults(d.simple_allowed, d.smtp_checks, {k: dict(v) for k, v in d.limits.items()})


__all__ = ["PRODUCTION", "PROFILES", "SANDBOX", "ProfileDefaults", "check_profile", "defaults"]
