"""Tencent's sending limits (reference §7.2, behaviour §9), each off unless switched on.

A limit setting is layered: built-in default ← global setting ← account setting; a field left unset
at one layer falls through to the one below. Settings are stored as sparse dicts of the shape
`{"recipient_hourly": {"enabled": bool, "limit": int}, "api_rate": {"enabled", "per_second"},
"domain_daily_cap": {"enabled"}, "daily_total": {"enabled", "limit"}}`.
"""

from __future__ import annotations

import copy
from typing import Any

DEFAULTS: dict[str, dict[str, Any]] = {
    "recipient_hourly": {"enabled": False, "limit": 10},
    "api_rate": {"enabled": False, "per_second": 20},
    "domain_daily_cap": {"enabled": False},
    "daily_total": {"enabled": False, "limit": 300_000},
}

# Daily cap per sender domain by reputation level; a new verified domain is level 1.
REPUTATION_DAILY_CAP = {
    1: 500,
    2: 1_000,
    3: 2_000,
    4: 5_000,
    5: 10_000,
    6: 20_000,
    7: 40_000,
    8: 60_000,
    9: 80_000,
    10: 100_000,
    11: 150_000,
    12: 200_000,
    13: 300_000,
    14: 400_000,
    15: 500_000,
    16: 600_000,
    17: 700_000,
    18: 800_000,
    19: 900_000,
    20: 1_000_000,
}
NEW_DOMAIN_LEVEL = 1
HOUR_US = 3_600_000_000
SECOND_US = 1_000_000


class UnknownSetting(ValueError):
    """A patch names a limit or field that does not exist."""


class WrongSettingType(ValueError):
    """A patch gives a value of the wrong JSON type (a number for `enabled`, an array for a limit)."""


def apply_patch(layer: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A settings layer with a (sparse) patch applied; `null` removes a setting so that the layer
    below shows through. Raises ValueError with a clear message on anything unknown or out of range."""
    out = copy.deepcopy(layer)
    for name, fields in patch.items():
        if name not in DEFAULTS:
            raise UnknownSetting(f"unknown limit {name!r}; known: {', '.join(DEFAULTS)}")
        if fields is None:
            out.pop(name, None)
            continue
        if not isinstance(fields, dict):
            raise WrongSettingType(f"{name} must be an object")
        current = out.setdefault(name, {})
        for key, value in fields.items():
            if key not in DEFAULTS[name]:
                raise UnknownSetting(f"{name} has no field {key!r}; known: {', '.join(DEFAULTS[name])}")
            if value is None:
                current.pop(key, None)
            elif key == "enabled":
                if not isinstance(value, bool):
                    raise WrongSettingType(f"{name}.enabled must be true or false")
                current[key] = value
            elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000_000:
                raise ValueError(f"{name}.{key} must be an integer between 1 and 100000000")
            else:
                current[key] = value
        if not current:
            out.pop(name)
    return out


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for name, fields in patch.items():
        out.setdefault(name, {}).update(fields)
    return out


def effective(global_layer: dict[str, Any], account_layer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return merge(merge(DEFAULTS, global_layer), account_layer)


def domain_cap(level: int = NEW_DOMAIN_LEVEL) -> int:
    return REPUTATION_DAILY_CAP[max(1, min(level, 20))]
