"""The one conversion from the exact ledger (integer micro-USD) to the Billing API's integer cents.

1 cent = 10,000 micro-USD, so most amounts have a remainder and must be rounded. The rounding takes the
account holder's side of caution, by what the figure means:

* money the account **has** (balances, recharges) rounds **toward zero**: the API never shows a cent
  that is not there, so `Balance > 0` means at least one whole cent is available;
* money the account **owes or was charged** (`OweAmount`, deductions) rounds **away from zero**: any
  debt, however small, shows as at least one cent, so `OweAmount == 0` exactly when nothing is unpaid
  and a charge never disappears from the transaction list as a zero.

Worked example: one paid email costs 280 micro-USD = 0.028 cent. Unpaid, it is `OweAmount` 1; deducted,
it is a transaction of `Amount` -1; a balance of 9,999 micro-USD (0.9999 cent) is `Balance` 0.
Each figure is rounded from the exact ledger on its own, never from another rounded figure.
"""

from __future__ import annotations

MICRO_PER_CENT = 10_000


def to_cents(micro: int, *, owed: bool) -> int:
    """Integer micro-USD to integer cents: toward zero for money held (`owed=False`), away from zero
    for money owed or charged (`owed=True`). The sign is kept; integers only (a float raises)."""
    if not isinstance(micro, int) or isinstance(micro, bool):
        raise TypeError(f"money is integer micro-USD, got {type(micro).__name__}")
    whole, rest = divmod(abs(micro), MICRO_PER_CENT)
    cents = whole + 1 if owed and rest else whole
    return -cents if micro < 0 else cents
