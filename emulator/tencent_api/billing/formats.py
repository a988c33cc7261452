"""How the Billing API writes figures, times and identifiers (all exact, integers only).

* Bill amounts are decimal strings in the account currency (USD) with eight decimals, as the real API
  writes them (`"0.00028000"`); the ledger's six decimals make that exact. Integer cents are in `cents`.
* Times are the account's clock in UTC+8, `YYYY-MM-DD HH:MM:SS` (transactions add milliseconds).
* `Uin` (the Tencent account ID) is 100,000,000,000 + the emulator's account id; a `PayerUin` naming
  any other account is refused (AuthFailure.UnauthorizedOperation).
* Numbers: a bill's `BillId` and the `BillId` of the transaction that deducted it are the same
  (`YYYYMMDD` of issue + `02` + the bill id in 22 digits); a recharge is `YYYYMMDD` + `01` + the ledger
  entry id, any other entry `03`. 32 digits, like the real ones.
"""

from __future__ import annotations

from emulator.domain.clock import BEIJING, to_datetime
from emulator.domain.money import MICRO_PER_USD
from emulator.errors import AuthFailureUnauthorizedOperation

UIN_BASE = 100_000_000_000


def usd(micro: int) -> str:
    """12_500_000 -> '12.50000000' (eight decimals, exact)."""
    sign = "-" if micro < 0 else ""
    whole, frac = divmod(abs(micro), MICRO_PER_USD)
    return f"{sign}{whole}.{frac:06d}00"


def percent(part: int, total: int) -> str:
    """part / total as a percentage with two decimals, rounded half-up; "0.00" for a zero total."""
    if total <= 0 or part <= 0:
        return "0.00"
    hundredths, rest = divmod(part * 10_000, total)
    if rest * 2 >= total:
        hundredths += 1
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def local_time(us: int) -> str:
    """Account time as 'YYYY-MM-DD HH:MM:SS' in UTC+8."""
    return to_datetime(us).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def local_time_ms(us: int) -> str:
    """Account time as 'YYYY-MM-DD HH:MM:SS.mmm' in UTC+8 (transactions)."""
    dt = to_datetime(us).astimezone(BEIJING)
    return f"{dt:%Y-%m-%d %H:%M:%S}.{dt.microsecond // 1000:03d}"


def uin(account_id: int) -> int:
    return UIN_BASE + account_id


def payer_uin(account_id: int, given: str | None) -> str:
    """The account's Uin as text; a `PayerUin` naming another account is refused."""
    own = str(uin(account_id))
    if given not in (None, "", own):
        raise AuthFailureUnauthorizedOperation(f"PayerUin {given} is not this account ({own}).")
    return own


def bill_number(bill_id: int, issued_us: int) -> str:
    return _number(issued_us, "02", bill_id)


def entry_number(entry_id: int, at_us: int, kind: str) -> str:
    return _number(at_us, "01" if kind == "topup" else "03", entry_id)


def _number(at_us: int, tag: str, n: int) -> str:
    return f"{to_datetime(at_us).astimezone(BEIJING):%Y%m%d}{tag}{n:022d}"
