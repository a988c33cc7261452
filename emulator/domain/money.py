"""Money is integer micro-USD (1 USD = 1,000,000). Floats are refused everywhere."""

from __future__ import annotations

import re

MICRO_PER_USD = 1_000_000
MICRO_PER_CENT = 10_000


_PLAIN_DECIMAL = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")  # ASCII digits only; fullmatch
MONEY_INPUT_RULE = (
    "USD as a decimal string such as '12.50' (digits, an optional '-' and at most six decimals; no "
    "exponent), or a JSON number only where it is exact: an integer, or a number with at most six decimals"
)


def parse_usd_input(value: object, *, allow_negative: bool = False) -> int:
    """Strict money input (the admin API's): a plain decimal string ('12.5', '-3', '0.000001'), an int
    (whole dollars), or a float only when its shortest decimal form is plain with at most six decimals
    (0.1 is taken as '0.1'; 1e-7, 0.30000000000000004 and 1e+20 are refused). Exponents, spaces, '+',
    NaN and infinities are refused; so are negatives unless `allow_negative`. Returns micro-USD, computed
    from the decimal digits (never float arithmetic). ValueError (message says the rule) otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"not an amount of money: {value!r}; give {MONEY_INPUT_RULE}")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
        if text.endswith(".0"):
            text = text[:-2]
        if not _PLAIN_DECIMAL.fullmatch(text) or len(text.partition(".")[2]) > 6:
            raise ValueError(
                f"the JSON number {text} is not an exact amount of micro-USD; give it as a decimal string "
                f'such as "12.50" ({MONEY_INPUT_RULE})'
            )
    else:
        text = value
    m = _PLAIN_DECIMAL.fullmatch(text)
    if not m:
        raise ValueError(f"not an amount of money: {value!r}; give {MONEY_INPUT_RULE}")
    sign, whole, frac = m.group(1), m.group(2), m.group(3) or ""
    if len(frac) > 6:
        raise ValueError(f"more precision than one micro-USD (six decimals): {value!r}")
    micro = int(whole) * MICRO_PER_USD + int(frac.ljust(6, "0"))
    if sign and micro and not allow_negative:
        raise ValueError(f"must not be negative: {value!r}")
    return -micro if sign else micro


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
