"""The one micro-USD -> cents conversion of the Billing API, as worked examples and as properties, and the
balance identities of DescribeAccountBalance that rest on it. Pure: no server."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.tencent_api.billing.balance import balance_fields
from emulator.tencent_api.billing.cents import MICRO_PER_CENT, to_cents
from emulator.tencent_api.billing.formats import percent, usd

MONEY = st.integers(min_value=-(10**15), max_value=10**15)  # ±1 billion USD in micro-USD


@pytest.mark.parametrize(
    ("micro", "held", "owed", "why"),
    [
        (0, 0, 0, "nothing is nothing either way"),
        (280, 0, 1, "one paid email, 0.00028 USD = 0.028 cent: owed 1 cent, held 0"),
        (9_999, 0, 1, "0.9999 cent"),
        (10_000, 1, 1, "exactly one cent: no rounding"),
        (10_001, 1, 2, "a micro-USD over one cent"),
        (280_000, 28, 28, "1,000 paid emails = 0.28 USD, exact"),
        (5_000_000, 500, 500, "a 5.00 USD top-up"),
        (85_160_000, 8_516, 8_516, "22 days of a dedicated IP in January: 120 × 22 / 31 = 85.16 USD"),
        (12_345_678, 1_234, 1_235, "12.345678 USD"),
        (-280, 0, -1, "a deduction of one email: Amount -1 cent (held would hide it)"),
        (-10_000, -1, -1, "a deduction of exactly a cent"),
        (-12_345_678, -1_234, -1_235, "the sign is kept, the magnitude rounded"),
    ],
)
def test_worked_examples(micro: int, held: int, owed: int, why: str) -> None:
    assert to_cents(micro, owed=False) == held, why
    assert to_cents(micro, owed=True) == owed, why


def test_floats_and_bools_are_refused() -> None:
    with pytest.raises(TypeError):
        to_cents(0.28, owed=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_cents(True, owed=False)


@given(MONEY)
def test_held_never_shows_money_that_is_not_there(micro: int) -> None:
    cents = to_cents(micro, owed=False)
    assert abs(cents) * MICRO_PER_CENT <= abs(micro) < (abs(cents) + 1) * MICRO_PER_CENT
    assert cents == 0 or (cents > 0) == (micro > 0)


@given(MONEY)
def test_owed_never_hides_a_debt(micro: int) -> None:
    cents = to_cents(micro, owed=True)
    assert (abs(cents) - 1) * MICRO_PER_CENT < abs(micro) <= abs(cents) * MICRO_PER_CENT
    assert (cents == 0) == (micro == 0)  # OweAmount 0 exactly when nothing is owed
    assert cents == 0 or (cents > 0) == (micro > 0)


@given(MONEY)
def test_the_two_agree_on_whole_cents_and_differ_by_at_most_one(micro: int) -> None:
    held, owed = to_cents(micro, owed=False), to_cents(micro, owed=True)
    assert abs(owed) - abs(held) == (0 if micro % MICRO_PER_CENT == 0 else 1)
    assert (
        to_cents(micro * MICRO_PER_CENT, owed=False) == to_cents(micro * MICRO_PER_CENT, owed=True) == micro
    )


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=0, max_value=10**15))
def test_account_balance_identities_hold_on_the_wire(balance: int, unpaid: int) -> None:
    """The SDK documents RealBalance = Cash + Income + Present - Freeze - Owe, CreditBalance = Cash +
    Income + Present + Credit - Owe and RealCreditBalance = CreditBalance - Freeze; Balance = RealBalance."""
    f = balance_fields(7, balance, unpaid)
    assert f["CashAccountBalance"] == to_cents(balance, owed=False)
    assert f["OweAmount"] == to_cents(unpaid, owed=True)
    funds = f["CashAccountBalance"] + f["IncomeIntoAccountBalance"] + f["PresentAccountBalance"]
    assert f["RealBalance"] == funds - f["FreezeAmount"] - f["OweAmount"]
    assert f["CreditBalance"] == funds + f["CreditAmount"] - f["OweAmount"]
    assert f["RealCreditBalance"] == f["CreditBalance"] - f["FreezeAmount"]
    assert f["Balance"] == f["RealBalance"]
    assert (f["OweAmount"] == 0) == (unpaid == 0)
    assert f["Uin"] == 100_000_000_007


def test_balance_worked_example_in_arrears() -> None:
    """Balance 0.0001 USD (a too-small top-up), one unpaid email bill of 0.00028 USD: cash 0 cents (0.01
    cent held rounds down), owed 1 cent (0.028 cent rounds up), so RealBalance is -1 cent."""
    f = balance_fields(1, 100, 280)
    assert (f["CashAccountBalance"], f["OweAmount"], f["RealBalance"], f["Balance"]) == (0, 1, -1, -1)


@pytest.mark.parametrize(
    ("micro", "text"),
    [(280, "0.00028000"), (0, "0.00000000"), (85_160_000, "85.16000000"), (-1, "-0.00000100")],
)
def test_bill_amounts_are_eight_decimal_strings(micro: int, text: str) -> None:
    assert usd(micro) == text


def test_percentages_round_half_up_to_two_decimals() -> None:
    assert (percent(1, 1), percent(1, 3), percent(2, 3), percent(1, 8), percent(0, 5)) == (
        "100.00",
        "33.33",
        "66.67",
        "12.50",
        "0.00",
    )
