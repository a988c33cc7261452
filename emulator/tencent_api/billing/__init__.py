"""The Tencent Cloud Billing API (service `billing`, version 2018-07-09) on the emulator's HTTP port.

Requests reach it through the same `POST /` as SES (tencent_api.router): same parsing, signature check
with the account's keys, error envelope and common codes; `routing.is_billing` tells the two services
apart by the TC3 scope service or the version. Each action reads through `services.billing_reports`
(which first runs the account's due billing events) and converts at this edge: micro-USD become integer
cents (`cents`) or eight-decimal strings (`formats`), account times become UTC+8 text. See
docs/billing-api.md for the field-by-field mapping.

    routing       is_billing(), target(): version and action checks, the list of every billing action
    actions       ACTIONS: the five served actions
    balance       DescribeAccountBalance          transactions  DescribeBillList
    details       DescribeBillDetail              bill_rows     one BillDetail per bill
    summary       DescribeBillSummaryByProduct    dosage        DescribeDosageDetailByDate
    cents         to_cents(): the one micro-USD -> cents rounding
    formats, periods, catalog                     wire formats, month and time rules, names and codes
"""

from __future__ import annotations

from emulator.tencent_api.billing.actions import ACTIONS
from emulator.tencent_api.billing.routing import ALL_ACTIONS, SERVICE, VERSION, is_billing, target

__all__ = ["ACTIONS", "ALL_ACTIONS", "SERVICE", "VERSION", "is_billing", "target"]
