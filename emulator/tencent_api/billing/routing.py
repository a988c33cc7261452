"""Which requests are for the Billing API, and which of its actions answer: the rest get a clear error
naming what is served."""

from __future__ import annotations

from emulator.errors import InvalidAction, NoSuchVersion, UnsupportedOperation
from emulator.tencent_api.billing.actions import ACTIONS, Action
from emulator.tencent_api.wire import ApiRequest

SERVICE = "billing"
VERSION = "2018-07-09"

# Every action of billing 2018-07-09 (the official SDKs' BillingClient, Python 3.1.177 / Node 4.1.313):
# those not in ACTIONS answer UnsupportedOperation, any other name InvalidAction.
_ALL = """
CreateAllocationRule CreateAllocationTag CreateAllocationUnit CreateBudget CreateGatherRule
CreateInstance DeleteAllocationRule DeleteAllocationTag DeleteAllocationUnit DeleteBudget
DeleteGatherRule DescribeAccountBalance DescribeAccountWarning DescribeAllocateConditions
DescribeAllocationBillConditions DescribeAllocationBillDetail DescribeAllocationMonthOverview
DescribeAllocationOverview DescribeAllocationRuleDetail DescribeAllocationRuleSummary
DescribeAllocationSummaryByBusiness DescribeAllocationSummaryByItem DescribeAllocationSummaryByResource
DescribeAllocationTree DescribeAllocationTrendByMonth DescribeAllocationUnitDetail
DescribeBillAdjustInfo DescribeBillDetail DescribeBillDetailForOrganization DescribeBillDownloadUrl
DescribeBillList DescribeBillResourceSummary DescribeBillResourceSummaryForOrganization
DescribeBillSummary DescribeBillSummaryByPayMode DescribeBillSummaryByProduct
DescribeBillSummaryByProject DescribeBillSummaryByRegion DescribeBillSummaryByTag
DescribeBillSummaryForOrganization DescribeBudget DescribeBudgetOperationLog
DescribeBudgetRemindRecordList DescribeCostDetail DescribeCostExplorerSummary
DescribeCostSummaryByProduct DescribeCostSummaryByProject DescribeCostSummaryByRegion
DescribeCostSummaryByResource DescribeCostSummaryByTag DescribeDealsByCond DescribeDosageCosDetailByDate
DescribeDosageDetailByDate DescribeDosageDetailList DescribeGatherResource DescribeGatherRuleDetail
DescribeOrgMemberAccountBalance DescribeRenewInstances DescribeSavingPlanResourceInfo DescribeTagList
DescribeVoucherInfo DescribeVoucherUsageDetails ModifyAccountWarning ModifyAllocationRule
ModifyAllocationUnit ModifyBudget ModifyGatherRule PayDeals RefundInstance RenewInstance SetRenewal
"""
ALL_ACTIONS = frozenset(_ALL.split())


def is_billing(req: ApiRequest) -> bool:
    """Signed for the `billing` service (TC3 scope), or billing's version without the SES scope: the
    Node SDK signs the endpoint's first label as the service, and v1 signatures have no scope at all."""
    service = req.credential_service
    return service == SERVICE or (req.version == VERSION and service != "ses")


def target(req: ApiRequest) -> Action:
    """The handler of a billing request, or the error the real API gives for its version and action."""
    if req.version != VERSION:
        raise NoSuchVersion(f"The API version `{req.version}` does not exist for billing; use {VERSION}.")
    name = req.action or ""
    action = ACTIONS.get(name)
    if action is not None:
        return action
    served = ", ".join(sorted(ACTIONS))
    if name in ALL_ACTIONS:
        raise UnsupportedOperation(
            f"The billing action `{name}` is not emulated; the emulator serves {served}."
        )
    raise InvalidAction(
        f"The action `{name}` does not exist for billing {VERSION}; the emulator serves {served}."
    )
