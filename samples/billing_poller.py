# Run against a running server (`make run`):  python samples/billing_poller.py [--interval 60] [--polls N] [--since TIME]   (pip install tencentcloud-sdk-python-billing)
"""A balance poller written against the official Tencent Cloud billing SDK, as a monitoring script would
be: every `--interval` seconds it calls DescribeAccountBalance and DescribeBillList and prints what
changed: the balance, what is owed (`OweAmount`), an alert when the account falls into arrears (the
account does not allow arrears, `IsAllowArrears` false, so that is when SES suspends it) and when it
recovers, and each new transaction (recharges and deductions).

Nothing in it is emulator-specific but the endpoint: for real Tencent Cloud use
`--endpoint billing.tencentcloudapi.com` (HTTPS) and your own keys. Keys come from
TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY (default: the emulator's default account). Amounts in
the Billing API are integer cents of the account currency (USD here).

`ses-emulator demo suspension` imports this file and runs `BalancePoller` beside its sends.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from tencentcloud.billing.v20180709 import billing_client, models
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

UTC8 = timezone(timedelta(hours=8))  # Billing API times are UTC+8
LOOK_BACK = timedelta(days=1)
# DescribeBillList takes at most six months per query. An emulator account's clock may run ahead of
# real time (the demo moves it past midnight), so the window looks ahead as far as the API allows.
WINDOW = timedelta(days=180)
FIRST_SHOWN = 5  # on the first poll, the newest few transactions


def client(endpoint: str, secret_id: str, secret_key: str) -> billing_client.BillingClient:
    """The official SDK's client; the Billing API takes no region."""
    protocol = "https" if endpoint.endswith("tencentcloudapi.com") else "http"
    profile = ClientProfile(httpProfile=HttpProfile(protocol=protocol, endpoint=endpoint), language="en-US")
    return billing_client.BillingClient(credential.Credential(secret_id, secret_key), "", profile)


def usd(cents: int) -> str:
    """Integer cents as USD text: -1 -> '-0.01'."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


class BalancePoller:
    """One `poll()` = DescribeAccountBalance + DescribeBillList; each line of news goes to `out`."""

    def __init__(
        self,
        api: billing_client.BillingClient,
        out: Callable[[str], None] = print,
        since: datetime | None = None,
    ) -> None:
        self.api = api
        self.out = out
        self.start = since or datetime.now(UTC8) - LOOK_BACK  # DescribeBillList's StartTime
        self.last: tuple[int, int, int] | None = None  # Balance, OweAmount, CashAccountBalance
        self.seen: set[str] | None = None  # BillIds of the transactions already shown

    def _call(self, action: str, params: dict[str, Any]) -> Any:
        req = getattr(models, f"{action}Request")()
        req.from_json_string(json.dumps(params))
        return getattr(self.api, action)(req)

    def poll(self) -> None:
        bal = self._call("DescribeAccountBalance", {})
        state = (int(bal.Balance), int(bal.OweAmount), int(bal.CashAccountBalance))
        if state != self.last:
            self._balance(bal, self.last)
            self.last = state
        fmt = "%Y-%m-%d %H:%M:%S"
        listed = self._call(
            "DescribeBillList",
            {
                "StartTime": self.start.strftime(fmt),
                "EndTime": (self.start + WINDOW).strftime(fmt),
                "Offset": 0,
                "Limit": 100,
            },
        )
        rows = list(listed.TransactionList or [])  # newest first
        new = [t for t in rows if self.seen is None or t.BillId not in self.seen]
        if self.seen is None and len(new) > FIRST_SHOWN:
            self.out(f"{listed.Total} transactions so far; the newest {FIRST_SHOWN}:")
            new = new[:FIRST_SHOWN]
        for t in reversed(new):
            self.out(
                f"{t.OperationTime} {t.ActionType} {usd(int(t.Amount))} USD, balance after "
                f"{usd(int(t.Balance))} USD: {t.OperationInfo} (BillId {t.BillId})"
            )
        self.seen = (self.seen or set()) | {t.BillId for t in rows}

    def _balance(self, bal: Any, before: tuple[int, int, int] | None) -> None:
        owe, was_owing = int(bal.OweAmount), before is not None and before[1] > 0
        line = (
            f"DescribeAccountBalance: Balance {bal.Balance} ({usd(int(bal.Balance))} USD), "
            f"CashAccountBalance {bal.CashAccountBalance}, OweAmount {owe}"
        )
        if owe > 0 and not was_owing:
            arrears = "" if bal.IsAllowArrears else ": arrears are not allowed, so the services are suspended"
            self.out(f"ALERT in arrears, {usd(owe)} USD owed{arrears}. {line}")
        elif owe == 0 and was_owing:
            self.out(f"RECOVERED nothing owed any more: the services resume. {line}")
        else:
            self.out(line)


def main(argv: list[str] | None = None) -> None:
    port = os.environ.get("SES_EMULATOR_HTTP_PORT", "8025")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default=f"127.0.0.1:{port}", help="host:port of the Billing API")
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between polls")
    parser.add_argument("--polls", type=int, default=0, help="stop after this many polls (0: never)")
    parser.add_argument(
        "--since",
        type=lambda text: datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC8),
        help="list transactions from this UTC+8 time, 'YYYY-MM-DD HH:MM:SS' (default: a day ago; "
        "for an emulator account whose clock you moved far from today)",
    )
    args = parser.parse_args(argv)
    poller = BalancePoller(
        client(
            args.endpoint,
            os.environ.get("TENCENTCLOUD_SECRET_ID", "AKIDSESEMULATORDEFAULT00000000000000"),
            os.environ.get("TENCENTCLOUD_SECRET_KEY", "SesEmulatorDefaultSecretKey00000"),
        ),
        lambda line: print(f"[{datetime.now(UTC8):%H:%M:%S}] {line}", flush=True),
        args.since,
    )
    done = 0
    while True:
        ok = True
        try:
            poller.poll()
        except TencentCloudSDKException as exc:  # a monitor keeps going; a wrong key says AuthFailure...
            print(f"poll failed: {exc.get_code()}: {exc.get_message()}", file=sys.stderr, flush=True)
            ok = False
        done += 1
        if args.polls and done >= args.polls:
            sys.exit(0 if ok else 1)
        time.sleep(args.interval)


if __name__ == "__main__":
    main()
