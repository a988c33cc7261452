"""Metering (behaviour §4): one unit per distinct recipient, the 1,000-unit free gift first, then
paid units at 0.00028 USD (280 micro-USD) each."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.metering import (
    FREE_QUOTA,
    PRICE_PER_EMAIL_MICRO,
    Units,
    distinct_recipients,
    split_units,
)


def test_defaults_from_the_contract() -> None:
    assert FREE_QUOTA == 1_000
    assert PRICE_PER_EMAIL_MICRO == 280


@pytest.mark.parametrize(
    ("free_left", "recipients", "free", "paid"),
    [
        (1_000, 1, 1, 0),
        (1_000, 50, 50, 0),
        (1, 3, 1, 2),  # the last free unit, then two paid
        (0, 20, 0, 20),
        (7, 0, 0, 0),
    ],
)
def test_split_units_spends_free_first(free_left: int, recipients: int, free: int, paid: int) -> None:
    assert split_units(free_left, recipients) == Units(free, paid)


def test_the_1001st_recipient_is_the_first_paid_one() -> None:
    # 20 messages × 50 recipients use up the 1,000 free units; one more recipient is paid
    left = FREE_QUOTA
    spent = []
    for _ in range(20):
        u = split_units(left, 50)
        left -= u.free
        spent.append(u)
    assert left == 0 and all(u == Units(50, 0) for u in spent)
    assert split_units(left, 1) == Units(0, 1)


@pytest.mark.parametrize(("free_left", "recipients"), [(-1, 1), (1, -1)])
def test_negative_counts_are_refused(free_left: int, recipients: int) -> None:
    with pytest.raises(ValueError):
        split_units(free_left, recipients)


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_free_plus_paid_is_the_recipients_and_free_never_exceeds_what_is_left(left: int, n: int) -> None:
    u = split_units(left, n)
    assert u.total == u.free + u.paid == n
    assert 0 <= u.free <= left
    assert u.paid == max(n - left, 0)


@given(st.integers(0, 2_000), st.lists(st.integers(0, 60), max_size=80))
def test_a_sequence_of_sends_never_overspends_the_quota(quota: int, sends: list[int]) -> None:
    left = quota
    free = paid = 0
    for n in sends:
        u = split_units(left, n)
        left -= u.free
        free += u.free
        paid += u.paid
    assert free + paid == sum(sends)
    assert free == min(quota, sum(sends))
    assert left == quota - free >= 0


def test_distinct_recipients_counts_to_cc_bcc_once_case_insensitively() -> None:
    got = distinct_recipients(
        ["A@example.com", " b@example.com "], ["a@EXAMPLE.com", "c@example.com"], ["B@example.com", "", "  "]
    )
    # a, b, c: the first spelling kept, stripped; blanks dropped
    assert got == ["A@example.com", "b@example.com", "c@example.com"]


@given(
    st.lists(
        st.lists(st.sampled_from(["x@a.cn", "X@A.CN", "y@a.cn", "z@b.cn", " y@a.cn"]), max_size=6), max_size=3
    )
)
def test_distinct_recipients_is_the_case_folded_set(groups: list[list[str]]) -> None:
    got = distinct_recipients(*groups)
    keys = [a.lower() for a in got]
    assert len(keys) == len(set(keys))
    assert set(keys) == {a.strip().lower() for g in groups for a in g if a.strip()}
