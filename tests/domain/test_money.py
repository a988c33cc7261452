"""Money (behaviour §3): integer micro-USD, exact parsing and formatting, floats refused, and the
half-up-to-the-cent ratio that dedicated-IP proration uses."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.money import (
    MICRO_PER_CENT,
    MICRO_PER_USD,
    format_usd,
    parse_usd_input,
    ratio_to_cent_half_up,
)


def test_scale_is_one_million_micro_per_usd() -> None:
    assert MICRO_PER_USD == 1_000_000
    assert MICRO_PER_CENT == 10_000


@pytest.mark.parametrize(
    ("micro", "text"),
    [
        (280, "0.000280"),
        (120_000_000, "120.000000"),
        (0, "0.000000"),
        (-1_500_000, "-1.500000"),
        (-1, "-0.000001"),
    ],
)
def test_format_usd_always_six_decimals(micro: int, text: str) -> None:
    assert format_usd(micro) == text


@pytest.mark.parametrize(
    ("amount", "num", "den", "expected"),
    [
        # 120 USD × 22/31 = 85.161290… → 85.16
        (120_000_000, 22, 31, 85_160_000),
        # 120 × 15/28 = 64.285714… → 64.29
        (120_000_000, 15, 28, 64_290_000),
        # 120 × 1/29 = 4.137931… → 4.14
        (120_000_000, 1, 29, 4_140_000),
        # 120 × 1/30 = 4.00 exactly
        (120_000_000, 1, 30, 4_000_000),
        # 0.25 × 1/10 = 0.025 → exactly half a cent: half-up gives 0.03
        (250_000, 1, 10, 30_000),
        # 0.25 × 1/11 = 0.022727… → 0.02
        (250_000, 1, 11, 20_000),
        (120_000_000, 0, 31, 0),
        (120_000_000, 31, 31, 120_000_000),
    ],
)
def test_ratio_to_cent_half_up_worked_examples(amount: int, num: int, den: int, expected: int) -> None:
    assert ratio_to_cent_half_up(amount, num, den) == expected


@pytest.mark.parametrize(("num", "den"), [(1, 0), (1, -3), (-1, 3)])
def test_ratio_refuses_bad_ratios(num: int, den: int) -> None:
    with pytest.raises(ValueError):
        ratio_to_cent_half_up(120_000_000, num, den)


@given(
    st.integers(min_value=0, max_value=10**12),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=1, max_value=400),
)
def test_ratio_matches_decimal_half_up_and_is_whole_cents(amount: int, num: int, den: int) -> None:
    got = ratio_to_cent_half_up(amount, num, den)
    cents = (Decimal(amount) * num / den / MICRO_PER_CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    # Decimal's default 28 digits are ample for these magnitudes
    assert got == int(cents) * MICRO_PER_CENT
    assert got % MICRO_PER_CENT == 0
    assert abs(got * den - amount * num) <= den * MICRO_PER_CENT // 2  # within half a cent


@given(st.integers(min_value=0, max_value=10**10), st.integers(min_value=1, max_value=31))
def test_ratio_is_monotone_in_the_numerator(amount: int, den: int) -> None:
    values = [ratio_to_cent_half_up(amount, n, den) for n in range(den + 1)]
    assert values == sorted(values)
    assert values[0] == 0
    assert values[-1] == ratio_to_cent_half_up(amount, 1, 1)  # the whole amount, to the cent


# --- strict admin input (issue 19): parse_usd_input ------------------------------------------------
@pytest.mark.parametrize(
    ("value", "micro"),
    [("0.00028", 280), ("12.5", 12_500_000), ("7", 7_000_000), ("0.000001", 1), ("007.10", 7_100_000),
     (7, 7_000_000), (0.1, 100_000), (12.345678, 12_345_678), (100.0, 100_000_000), (0, 0)],
)  # fmt: skip
def test_parse_usd_input_takes_plain_decimals_and_exact_numbers(value: object, micro: int) -> None:
    assert parse_usd_input(value) == micro


@pytest.mark.parametrize(
    "value",
    ["1e2", "+5", " 5", "5 ", "5\n", "1.", ".5", "1,5", "NaN", "Infinity", "", "-5", "1.0000001", 1e-7, 0.1 + 0.2,
     12.3456789, 1e20, float("nan"), float("inf"), True, None, [1], "１"],
)  # fmt: skip
def test_parse_usd_input_refuses_the_rest(value: object) -> None:
    with pytest.raises(ValueError, match="money|precision|negative|exact"):
        parse_usd_input(value)


def test_parse_usd_input_sign_rule() -> None:
    assert parse_usd_input("-1.5", allow_negative=True) == -1_500_000
    assert parse_usd_input("-0") == 0  # minus zero is zero, not a negative amount


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_parse_usd_input_reads_back_every_formatted_amount(micro: int) -> None:
    assert parse_usd_input(format_usd(micro), allow_negative=True) == micro


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_is_taken_exactly_when_its_shortest_form_has_six_decimals_or_fewer(f: float) -> None:
    text = repr(f)
    d = Decimal(text) if text not in ("nan", "inf", "-inf") else None
    exact = d is not None and "e" not in text and -d.as_tuple().exponent <= 6  # type: ignore[operator]
    if exact and d is not None:
        assert parse_usd_input(f, allow_negative=True) == int(d * MICRO_PER_USD)
    else:
        with pytest.raises(ValueError):
            parse_usd_input(f, allow_negative=True)
