"""Money is integer micro-USD (1 USD = 1,000,000). Floats are refused everywhere."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MICRO_PER_USD = 1_000_000
MICRO_PER_CENT = 10_000


def parse_usd(value: str | int) -> int:
    """'12.5' -> 12_500_000. Exact; more than six decimals or a float is an error."""
    if isinstance(value, (bool, float)):
        raise TypeError("money must be given as a decimal string or integer micro-USD, never a float")
    if isinstance(value, int):
        return value * MICRO_PER_USD
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    micro = amount * MICRO_PER_USD
    if micro != micro.to_integral_value():
        raise ValueError(f"more precision than one micro-USD: {value!r}")
    return int(micro)


def format_usd(micro: int) -> str:
    """12_500_000 -> '12.500000' (always six decimals, exact)."""
    sign = "-" if micro < 0 else ""
    whole, frac = divmod(abs(micro), MICRO_PER_USD)
    return f"{sign}{whole}.{frac:06d}"


def to_cents(micro: int, *, owed: bool) -> int:
    """Integer micro-USD to integer cents: toward zero for money held (`owed=False`), away from zero
    for money owed or charged (`owed=True`). The sign is kept; integers only (a float raises). The one
    rounding of the Billing API's cents and of the USD figures in notice emails."""
    if not isinstance(micro, int) or isinstance(micro, bool):
        raise TypeError(f"money is integer micro-USD, got {type(micro).__name__}")
    whole, rest = divmod(abs(micro), MICRO_PER_CENT)
    cents = whole + 1 if owed and rest else whole
    return -cents if micro < 0 else cents


def format_cents(micro: int, *, owed: bool) -> str:
    """USD with two decimals, rounded as `to_cents`: 280 micro-USD owed -> '0.01', held -> '0.00'."""
    cents = to_cents(micro, owed=owed)
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def ratio_to_cent_half_up(amount_micro: int, numerator: int, denominator: int) -> int:
    """amount × numerator / denominator, rounded half-up to the cent, in micro-USD. Integers only."""
    if denominator <= 0 or numerator < 0:
        raise ValueError("ratio must be non-negative with a positive denominator")
    exact = amount_micro * numerator  # / denominator, in micro
    scale = denominator * MICRO_PER_CENT
    cents, rem = divmod(exact, scale)
    if rem * 2 >= scale:
        cents += 1
    return cents * MICRO_PER_CENT
