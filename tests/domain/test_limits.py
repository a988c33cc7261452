"""Sending-limit settings (behaviour §9): every limit off by default, layered built-in ← global ←
account, sparse patches where null falls through, and the reputation-level daily cap per domain."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.limits import (
    DEFAULTS,
    NEW_DOMAIN_LEVEL,
    REPUTATION_DAILY_CAP,
    apply_patch,
    domain_cap,
    effective,
    merge,
)


def test_every_limit_is_off_by_default_with_the_documented_figures() -> None:
    assert all(v["enabled"] is False for v in DEFAULTS.values())
    assert DEFAULTS["recipient_hourly"]["limit"] == 10  # 10 mails an hour to one recipient
    assert DEFAULTS["api_rate"]["per_second"] == 20  # 20 requests a second


def test_domain_cap_by_reputation_level() -> None:
    assert NEW_DOMAIN_LEVEL == 1 and domain_cap() == 500
    assert domain_cap(10) == 100_000
    assert domain_cap(20) == 1_000_000
    assert domain_cap(0) == 500 and domain_cap(99) == 1_000_000  # clamped to levels 1..20
    caps = [REPUTATION_DAILY_CAP[level] for level in range(1, 21)]
    assert caps == sorted(caps) and len(set(caps)) == 20


def test_account_overrides_global_overrides_builtin_field_by_field() -> None:
    glob = apply_patch({}, {"recipient_hourly": {"enabled": True}, "daily_total": {"limit": 1_000}})
    acct = apply_patch({}, {"recipient_hourly": {"limit": 3}, "daily_total": {"enabled": True}})
    eff = effective(glob, acct)
    assert eff["recipient_hourly"] == {"enabled": True, "limit": 3}
    assert eff["daily_total"] == {"enabled": True, "limit": 1_000}
    assert eff["api_rate"] == DEFAULTS["api_rate"]
    assert DEFAULTS["recipient_hourly"] == {"enabled": False, "limit": 10}  # the defaults are not touched


def test_null_removes_a_setting_so_the_layer_below_shows() -> None:
    layer = apply_patch(
        {}, {"recipient_hourly": {"enabled": True, "limit": 4}, "api_rate": {"enabled": True}}
    )
    layer = apply_patch(layer, {"recipient_hourly": {"limit": None}, "api_rate": None})
    assert layer == {"recipient_hourly": {"enabled": True}}
    assert apply_patch(layer, {"recipient_hourly": {"enabled": None}}) == {}  # an emptied limit goes


def test_apply_patch_does_not_change_its_input() -> None:
    layer: dict[str, Any] = {"api_rate": {"enabled": True}}
    apply_patch(layer, {"api_rate": {"per_second": 5}})
    assert layer == {"api_rate": {"enabled": True}}


@pytest.mark.parametrize(
    "patch",
    [
        {"nonsense": {"enabled": True}},
        {"api_rate": {"burst": 3}},
        {"api_rate": True},
        {"api_rate": {"enabled": "yes"}},
        {"api_rate": {"per_second": 0}},
        {"api_rate": {"per_second": 100_000_001}},
        {"api_rate": {"per_second": True}},
        {"api_rate": {"per_second": "5"}},
        {"daily_total": {"limit": 2.5}},
    ],
)
def test_bad_patches_are_refused_with_a_message(patch: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        apply_patch({}, patch)


def test_merge_is_field_wise() -> None:
    assert merge({"a": {"x": 1, "y": 2}}, {"a": {"y": 3}, "b": {"z": 4}}) == {
        "a": {"x": 1, "y": 3},
        "b": {"z": 4},
    }


field_patch = st.fixed_dictionaries(
    {},
    optional={
        "enabled": st.none() | st.booleans(),
        "limit": st.none() | st.integers(1, 100_000_000),
    },
)
patches = st.dictionaries(
    st.sampled_from(["recipient_hourly", "daily_total"]), st.none() | field_patch, max_size=2
)


@given(st.lists(patches, max_size=4), st.lists(patches, max_size=4))
def test_effective_settings_are_always_complete(
    global_patches: list[Any], account_patches: list[Any]
) -> None:
    g: dict[str, Any] = {}
    a: dict[str, Any] = {}
    for p in global_patches:
        g = apply_patch(g, p)
    for p in account_patches:
        a = apply_patch(a, p)
    eff = effective(g, a)
    assert set(eff) == set(DEFAULTS)
    for name, fields in DEFAULTS.items():
        assert set(eff[name]) == set(fields)
        for key in fields:
            expected = a.get(name, {}).get(key, g.get(name, {}).get(key, fields[key]))
            assert eff[name][key] == expected
