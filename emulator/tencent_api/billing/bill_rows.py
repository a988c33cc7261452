"""One `BillDetail` (with its `ComponentSet`) per bill: a daily usage bill has one component (the day's
paid emails), a monthly dedicated-IP bill one per IP with its days used and prorated amount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from emulator.domain.money import format_usd
from emulator.services.billing_reports import BillLine
from emulator.tencent_api.billing import catalog
from emulator.tencent_api.billing.formats import bill_number, local_time, usd

_ZERO8 = "0.00000000"


def plain(micro: int) -> str:
    """Exact and short, for explanations: 85_160_000 -> '85.16', 120_000_000 -> '120'."""
    return format_usd(micro).rstrip("0").rstrip(".")


def component(
    product: catalog.Product,
    language: str,
    *,
    price_micro: int,
    used: int,
    measured: int,
    deducted: int,
    time_span: int,
    cost_micro: int,
    config: list[dict[str, str]],
) -> dict[str, Any]:
    cost = usd(cost_micro)
    return {
        "ComponentCodeName": product.component_name(language),
        "ItemCodeName": product.item_name(language),
        "SinglePrice": usd(price_micro),
        "SpecifiedPrice": usd(price_micro),
        "PriceUnit": product.price_unit(language),
        "UsedAmount": str(used),
        "UsedAmountUnit": product.used_unit(language),
        "RealTotalMeasure": str(measured),
        "DeductedMeasure": str(deducted),
        "TimeSpan": str(time_span),
        "TimeUnitName": product.time_unit(language),
        "Cost": cost,
        "Discount": "1",
        "ReduceType": catalog.REDUCE_TYPE(language),
        "RealCost": cost,
        "VoucherPayAmount": "0",
        "CashPayAmount": cost,
        "IncentivePayAmount": "0",
        "TransferPayAmount": "0",
        "ItemCode": product.item_code,
        "ComponentCode": product.component_code,
        "ContractPrice": usd(price_micro),
        "InstanceType": "",
        "RiTimeSpan": _ZERO8,
        "OriginalCostWithRI": _ZERO8,
        "SPDeductionRate": _ZERO8,
        "SPDeduction": _ZERO8,
        "OriginalCostWithSP": _ZERO8,
        "BlendedDiscount": "1.00000000",
        "ComponentConfig": config,
    }


@dataclass(frozen=True)
class _Shape:
    """What differs between the two kinds of bill."""

    resource: str
    components: list[dict[str, Any]]
    formula: str
    begin: str
    end: str
    day: str


def _usage(bill: BillLine, language: str, app_id: str) -> _Shape:
    free = int(bill.detail.get("free_units", 0))
    comp = component(
        catalog.USAGE,
        language,
        price_micro=bill.unit_price_micro,
        used=bill.units,
        measured=bill.units + free,
        deducted=free,
        time_span=1,
        cost_micro=bill.amount_micro,
        config=[],
    )
    day = bill.period
    return _Shape(app_id, [comp], "-", f"{day} 00:00:00", f"{day} 23:59:59", day)


def _ip_month(bill: BillLine, language: str) -> _Shape:
    days_in_month = int(bill.detail.get("days_in_month", 0))
    components, formula, ips = [], [], []
    for entry in bill.detail.get("ips", []):
        ip, used, amount = str(entry.get("ip") or ""), int(entry["days_used"]), int(entry["amount_micro"])
        ips.append(ip)
        config = [{"Name": "IP", "Value": ip}, {"Name": "DaysInMonth", "Value": str(days_in_month)}]
        components.append(
            component(
                catalog.DEDICATED_IP,
                language,
                price_micro=bill.unit_price_micro,
                used=1,
                measured=1,
                deducted=0,
                time_span=used,
                cost_micro=amount,
                config=config,
            )
        )
        formula.append(
            f"{ip}: {plain(bill.unit_price_micro)} USD × {used} / {days_in_month} = {plain(amount)} USD"
        )
    year, month = (int(x) for x in bill.period.split("-"))
    first = date(year, month, 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    begin, end = f"{first} 00:00:00", f"{last} 23:59:59"
    return _Shape(",".join(ips), components, "; ".join(formula) or "-", begin, end, "")


def bill_detail(bill: BillLine, language: str, payer_uin: str, app_id: str) -> dict[str, Any]:
    product = catalog.PRODUCTS[bill.kind]
    shape = _ip_month(bill, language) if bill.kind == "dedicated_ip" else _usage(bill, language, app_id)
    return {
        "BusinessCodeName": catalog.BUSINESS_NAME(language),
        "ProductCodeName": product.name(language),
        "PayModeName": catalog.PAY_MODE_NAME(language),
        "ProjectName": catalog.PROJECT_NAME(language),
        "RegionName": catalog.REGION_NAME(language),
        "ZoneName": catalog.REGION_NAME(language),
        "ResourceId": shape.resource,
        "ResourceName": "",
        "ActionTypeName": product.action_name(language),
        "OrderId": bill.period.replace("-", ""),
        "BillId": bill_number(bill.id, bill.created_us),
        "PayTime": "" if bill.paid_us is None else local_time(bill.paid_us),
        "FeeBeginTime": shape.begin,
        "FeeEndTime": shape.end,
        "ComponentSet": shape.components,
        "PayerUin": payer_uin,
        "OwnerUin": payer_uin,
        "OperateUin": payer_uin,
        "Tags": [],
        "BusinessCode": catalog.BUSINESS_CODE,
        "ProductCode": product.code,
        "ActionType": product.action_type,
        "RegionId": catalog.REGION_ID,
        "ProjectId": 0,
        "PriceInfo": [],
        "AssociatedOrder": None,  # post-paid bills have no related order (the real API answers null)
        "Formula": shape.formula,
        "FormulaUrl": catalog.FORMULA_URL,
        "BillDay": shape.day,
        "BillMonth": bill.period[:7],
        "Id": str(bill.id),
        "RegionType": catalog.REGION_TYPE,
        "RegionTypeName": catalog.REGION_TYPE_NAME(language),
        "ReserveDetail": "",
        "DiscountObject": "",
        "DiscountType": "",
        "DiscountContent": "",
        "ExtendField": "",
    }
