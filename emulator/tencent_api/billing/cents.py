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

The function itself lives in `emulator.domain.money` (the account notices' mails round their USD figures
the same way, docs/notices.md); this module is the Billing API's name for it.
"""

from __future__ import annotations

from emulator.domain.money import MICRO_PER_CENT, to_cents

__all__ = ["MICRO_PER_CENT", "to_cents"]
