"""Sender-domain reputation rules (reference §7.2, domain.reputation): the outcome mapping, the
thresholds with hand-computed figures right at each edge, and properties over any day."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.outcomes import OUTCOMES, columns_for
from emulator.domain.reputation import (
    DOWNGRADE,
    HOLD,
    MAX_LEVEL,
    MIN_LEVEL,
    UPGRADE,
    DayStats,
    blocked,
    category_counts,
    daily_quota,
    evaluate,
    is_downgrade,
    is_upgrade,
    valid_level,
)


def stats_of(outcomes: dict[str, int]) -> DayStats:
    total = DayStats()
    for outcome, n in outcomes.items():
        total += category_counts(columns_for(outcome, 0), n)
    return total


def test_every_fault_outcome_maps_to_the_documented_counts() -> None:
    one = {o: category_counts(columns_for(o, 0)) for o in (*OUTCOMES, "delivered")}
    assert one["delivered"] == DayStats(sends=1, delivered=1)
    assert one["hard_bounce"] == DayStats(sends=1, invalid=1)
    assert one["dropped"] == DayStats(sends=1, invalid=1)
    assert one["rejected"] == DayStats(sends=1, spam_bounces=1)
    assert one["soft_bounce"] == DayStats(sends=1, soft_bounces=1)
    assert one["deferred"] == DayStats(sends=1, deferred=1)
    assert one["spam_complaint"] == DayStats(sends=1, delivered=1, complaints=1)
    for engaged in ("open", "click", "unsubscribe"):
        assert one[engaged] == DayStats(sends=1, delivered=1, opened=1)


def test_caps_by_level() -> None:
    assert [daily_quota(level) for level in (1, 2, 3, 4, 5, 10, 13, 20)] == [
        500, 1_000, 2_000, 5_000, 10_000, 100_000, 300_000, 1_000_000,
    ]  # fmt: skip


def test_upgrade_needs_70_percent_of_the_cap() -> None:
    # level 1: cap 500, 70 % = 350 sends
    assert not is_upgrade(1, stats_of({"delivered": 349}))
    assert is_upgrade(1, stats_of({"delivered": 350}))
    # level 4: cap 5,000 → 3,500
    assert not is_upgrade(4, stats_of({"delivered": 3_499}))
    assert evaluate(4, stats_of({"delivered": 3_500})).level_after == 5


def test_upgrade_ratio_edges_clean_rule() -> None:
    # 1,000 sends at level 2 (cap 1,000): invalid < 5 % means at most 49; delivered > 92 % at least 921
    assert is_upgrade(2, stats_of({"delivered": 951, "hard_bounce": 49}))
    assert not is_upgrade(2, stats_of({"delivered": 950, "hard_bounce": 50}))  # invalid exactly 5 %
    assert is_upgrade(2, stats_of({"delivered": 921, "soft_bounce": 79}))  # delivered 92.1 %
    assert not is_upgrade(2, stats_of({"delivered": 920, "soft_bounce": 80}))  # delivered exactly 92 %
    # spam bounces < 2.5 %: 24 of 1,000 pass, 25 do not
    assert is_upgrade(2, stats_of({"delivered": 976, "rejected": 24}))
    assert not is_upgrade(2, stats_of({"delivered": 975, "rejected": 25}))
    # complaints < 0.1 %: 0 of 1,000 pass, 1 does not (1/1000 = 0.1 %)
    assert not is_upgrade(2, stats_of({"delivered": 999, "spam_complaint": 1}))
    # of 2,000 sends at level 3 (cap 2,000), 1 complaint is 0.05 %: passes
    assert is_upgrade(3, stats_of({"delivered": 1_999, "spam_complaint": 1}))


def test_upgrade_by_opens_rule() -> None:
    # 1,000 sends at level 2: invalid 7 % fails the clean rule; delivered 93 % > 90 %, opens 501 > 50 %
    day = stats_of({"open": 501, "delivered": 429, "hard_bounce": 70})
    assert day.delivered == 930 and day.invalid == 70 and day.opened == 501
    assert is_upgrade(2, day)
    assert not is_upgrade(
        2, stats_of({"open": 500, "delivered": 430, "hard_bounce": 70})
    )  # opens exactly 50 %


def test_downgrade_edges() -> None:
    # sends must exceed 300: 300 sends all bouncing is no downgrade
    assert not is_downgrade(stats_of({"hard_bounce": 300}))
    # 1,000 sends: invalid > 9 % → 91 invalid; 90 is exactly 9 %
    assert is_downgrade(stats_of({"delivered": 909, "hard_bounce": 91}))
    assert not is_downgrade(stats_of({"delivered": 910, "hard_bounce": 90}))
    # delivered < 65 %: 649 of 1,000 (the rest deferred, no other signal)
    assert is_downgrade(stats_of({"delivered": 649, "deferred": 351}))
    assert not is_downgrade(stats_of({"delivered": 650, "deferred": 350}))
    # spam bounces > 5 %: 51 of 1,000
    assert is_downgrade(stats_of({"delivered": 949, "rejected": 51}))
    assert not is_downgrade(stats_of({"delivered": 950, "rejected": 50}))
    # complaints > 0.5 %: 6 of 1,000
    assert is_downgrade(stats_of({"delivered": 994, "spam_complaint": 6}))
    assert not is_downgrade(stats_of({"delivered": 995, "spam_complaint": 5}))


def test_same_day_block_edges() -> None:
    # 301 sends: invalid > 11 % → 34 (11.3 %); 33 is 10.96 %
    assert blocked(stats_of({"delivered": 267, "hard_bounce": 34}))
    assert not blocked(stats_of({"delivered": 268, "hard_bounce": 33}))
    # spam bounces > 15 %: 46 of 301 (15.28 %); 45 is 14.95 %
    assert blocked(stats_of({"delivered": 255, "rejected": 46}))
    assert not blocked(stats_of({"delivered": 256, "rejected": 45}))
    assert not blocked(stats_of({"hard_bounce": 300}))  # not above 300 sends
    v = evaluate(5, stats_of({"delivered": 267, "hard_bounce": 34}))
    assert (v.level_after, v.verdict, v.blocked) == (4, DOWNGRADE, True)


def test_downgrade_wins_over_the_opens_upgrade() -> None:
    # 1,000 sends at level 2: delivered 905 (> 90 %), opens 600, invalid 95 (9.5 % > 9 %)
    day = stats_of({"open": 600, "delivered": 305, "hard_bounce": 95})
    assert is_upgrade(2, day) and is_downgrade(day)
    assert evaluate(2, day).verdict == DOWNGRADE and evaluate(2, day).level_after == 1


def test_bounds() -> None:
    good = stats_of({"delivered": 1_000_000})
    assert evaluate(MAX_LEVEL, good).level_after == MAX_LEVEL
    assert evaluate(MIN_LEVEL, stats_of({"hard_bounce": 400})).level_after == MIN_LEVEL
    assert evaluate(3, DayStats()).verdict == HOLD
    for bad in (0, 21, True, "5", 2.0, None):
        try:
            valid_level(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
    assert valid_level(20) == 20


day_stats = st.builds(
    lambda d, h, dr, r, s, df, c, o: stats_of(
        {
            "delivered": d,
            "hard_bounce": h,
            "dropped": dr,
            "rejected": r,
            "soft_bounce": s,
            "deferred": df,
            "spam_complaint": c,
            "open": o,
        }
    ),  # fmt: skip
    *(st.integers(0, 3_000) for _ in range(8)),
)


@given(st.integers(MIN_LEVEL, MAX_LEVEL), day_stats)
def test_one_step_at_most_and_always_1_to_20(level: int, day: DayStats) -> None:
    v = evaluate(level, day)
    assert MIN_LEVEL <= v.level_after <= MAX_LEVEL
    assert abs(v.level_after - level) <= 1
    assert v.verdict in (UPGRADE, DOWNGRADE, HOLD)
    assert (v.level_after > level) <= (v.verdict == UPGRADE)
    assert (v.level_after < level) <= (v.verdict == DOWNGRADE)
    assert v.blocked <= (v.verdict == DOWNGRADE)  # a blocked day always downgrades
    assert blocked(day) <= is_downgrade(day)


@given(st.integers(MIN_LEVEL, MAX_LEVEL), st.lists(day_stats, max_size=40))
def test_a_month_of_days_keeps_the_level_in_range(level: int, days: list[DayStats]) -> None:
    for day in days:
        nxt = evaluate(level, day).level_after
        assert MIN_LEVEL <= nxt <= MAX_LEVEL and abs(nxt - level) <= 1
        level = nxt


@given(day_stats, day_stats)
def test_figures_add_up(a: DayStats, b: DayStats) -> None:
    total = a + b
    assert total.sends == a.sends + b.sends
    # every recipient is delivered, invalid, a spam bounce, a soft bounce or deferred: exactly one
    assert total.sends == (
        total.delivered + total.invalid + total.spam_bounces + total.soft_bounces + total.deferred
    )
    assert total.complaints <= total.delivered and total.opened <= total.delivered
