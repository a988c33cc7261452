"""One async function per Tencent action: parse, one service call, wrap. `ACTIONS` is the dispatch table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from emulator.tencent_api.actions import batch, blacklists, identities, receivers, reports, sending, templates
from emulator.tencent_api.context import ApiContext

Action = Callable[[ApiContext, dict[str, Any]], Awaitable[dict[str, Any]]]

ACTIONS: dict[str, Action] = {
    **sending.ACTIONS,
    **templates.ACTIONS,
    **identities.ACTIONS,
    **blacklists.ACTIONS,
    **receivers.ACTIONS,
    **reports.ACTIONS,
    **batch.ACTIONS,
}

# The 36 actions of ses 2020-10-02 (reference §3); those not in ACTIONS answer UnsupportedOperation.
ALL_ACTIONS = frozenset(
    [
        "SendEmail",
        "BatchSendEmail",
        "ListSendTasks",
        "CreateEmailTemplate",
        "GetEmailTemplate",
        "UpdateEmailTemplate",
        "DeleteEmailTemplate",
        "ListEmailTemplates",
        "CreateEmailIdentity",
        "GetEmailIdentity",
        "UpdateEmailIdentity",
        "DeleteEmailIdentity",
        "ListEmailIdentities",
        "CreateEmailAddress",
        "DeleteEmailAddress",
        "ListEmailAddress",
        "UpdateEmailSmtpPassWord",
        "GetSendEmailStatus",
        "GetStatisticsReport",
        "GetAbuseReport",
        "ListBlackEmailAddress",
        "DeleteBlackList",
        "CreateCustomBlacklist",
        "ListCustomBlacklist",
        "UpdateCustomBlackList",
        "DeleteCustomBlackList",
        "CreateReceiver",
        "CreateReceiverDetail",
        "CreateReceiverDetailWithData",
        "ListReceivers",
        "ListReceiverDetails",
        "DeleteReceiver",
        "CreateAddressUnsubscribeConfig",
        "UpdateAddressUnsubscribeConfig",
        "DeleteAddressUnsubscribeConfig",
        "ListAddressUnsubscribeConfig",
    ]
)
