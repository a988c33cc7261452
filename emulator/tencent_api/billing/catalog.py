"""The names and codes the Billing API shows for the emulator's two kinds of bill, in both languages
(`X-TC-Language` zh-CN, the default, or en-US).

Tencent publishes no billing codes for SES; these are the emulator's, shaped like the real ones
(`p_*` product, `sp_*` sub-product, `postpay_deduct_*` transaction types, `v_*` / `sv_*` components).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def __call__(self, language: str) -> str:
        return self.en if language == "en-US" else self.zh


BUSINESS_CODE = "p_ses"
BUSINESS_NAME = Text("邮件推送", "Simple Email Service")
PROJECT_NAME = Text("默认项目", "Default project")
PAY_MODE = "postPay"
PAY_MODE_NAME = Text("按量计费", "Pay-as-you-go")
REGION_ID = "0"  # the real API's "other" region: SES usage is not billed per region
REGION_NAME = Text("其他", "Others")
REGION_TYPE = "0"
REGION_TYPE_NAME = Text("其他", "Others")
REDUCE_TYPE = Text("折扣", "Discount")
FORMULA_URL = "https://www.tencentcloud.com/document/product/1084/39335"
PAY_CHANNEL = Text("用户余额", "Account balance")  # where deductions are paid from
RECHARGE_CHANNEL = Text("在线充值", "Online top-up")


@dataclass(frozen=True)
class Product:
    """One kind of bill as the Billing API names it."""

    bill_kind: str  # the emulator's: usage | dedicated_ip
    code: str  # ProductCode (sub-product)
    name: Text
    action_type: str  # BillDetail.ActionType
    action_name: Text  # BillDetail.ActionTypeName
    sub_pay_type: str  # DescribeBillList SubPayType of its deductions
    deduct_mode: str  # BillTransactionInfo.DeductMode
    component_code: str
    component_name: Text
    item_code: str
    item_name: Text
    price_unit: Text
    used_unit: Text
    time_unit: Text
    operation: Text  # BillTransactionInfo.OperationInfo, formatted with the bill's period
    dosage_unit: Text  # DescribeDosageDetailByDate Unit


USAGE = Product(
    bill_kind="usage",
    code="sp_ses_email",
    name=Text("邮件推送-邮件发送", "SES - Email sending"),
    action_type="postpay_deduct_d",
    action_name=Text("按量计费日结", "Pay-as-you-go daily settlement"),
    sub_pay_type="hour_d",
    deduct_mode="hourd",
    component_code="v_ses_email",
    component_name=Text("邮件发送", "Email sending"),
    item_code="sv_ses_email_postpay",
    item_name=Text("邮件推送-按量邮件发送", "SES - Pay-as-you-go emails"),
    price_unit=Text("USD/封", "USD/email"),
    used_unit=Text("封", "emails"),
    time_unit=Text("天", "day"),
    operation=Text("邮件推送-{period}按量计费日结扣费", "SES - {period} pay-as-you-go daily settlement"),
    dosage_unit=Text("封", "emails"),
)
DEDICATED_IP = Product(
    bill_kind="dedicated_ip",
    code="sp_ses_dedicated_ip",
    name=Text("邮件推送-独立IP", "SES - Dedicated IP"),
    action_type="postpay_deduct_m",
    action_name=Text("按量计费月结", "Pay-as-you-go monthly settlement"),
    sub_pay_type="hour_m",
    deduct_mode="hourm",
    component_code="v_ses_dedicated_ip",
    component_name=Text("独立IP", "Dedicated IP"),
    item_code="sv_ses_dedicated_ip_month",
    item_name=Text("邮件推送-独立IP月租", "SES - Dedicated IP monthly fee"),
    price_unit=Text("USD/个/月", "USD/IP/month"),
    used_unit=Text("个", "IP"),
    time_unit=Text("天", "day"),
    operation=Text(
        "邮件推送-独立IP-{period}按月结算扣费", "SES - Dedicated IP - {period} monthly settlement"
    ),
    dosage_unit=Text("天", "days"),
)
PRODUCTS = {p.bill_kind: p for p in (USAGE, DEDICATED_IP)}
BY_CODE = {p.code: p for p in (USAGE, DEDICATED_IP)}
# DescribeBillDetail's ActionType filter takes a transaction type's name (either language) or its code
PRODUCTS_BY_ACTION = {
    key: p for p in (USAGE, DEDICATED_IP) for key in (p.action_type, p.action_name.zh, p.action_name.en)
}
