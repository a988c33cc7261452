"""Batch sending: recipient lists (receivers), their addresses (receiver details) and send tasks; and
the listing of recipient lists with their address counts."""

from __future__ import annotations

from typing import NamedTuple


class ReceiverRecord(NamedTuple):
    id: int  # = ReceiverId
    account_id: int
    name: str
    description: str
    created_us: int


class ReceiverDetailRecord(NamedTuple):
    id: int  # = EmailId
    receiver_id: int
    email: str
    template_data: str | None
    valid: int  # 1 valid, 0 invalid
    reason: str
    created_us: int


class SendTaskRecord(NamedTuple):
    id: int  # = TaskId
    account_id: int
    receiver_id: int
    receivers_name: str
    task_type: int  # 1 now, 2 scheduled, 3 periodic
    status: int  # 1 pending, 5 sending, 6 paused today, 7 error, 10 done
    request_json: str  # the BatchSendEmail parameters
    request_count: int
    send_count: int
    cache_count: int
    cursor: int  # last receiver_details.id handled in this run
    next_us: int | None  # next start (scheduled/periodic) or resume
    runs_pending: int  # periodic runs that fell due meanwhile
    lease_wall_us: int  # a runner owns the task until then
    err_msg: str
    created_us: int
    updated_us: int


class ReceiverListing(NamedTuple):
    """ListReceivers: a recipient list's columns, then how many addresses it holds and how many of
    them are invalid (receivers_repo.list_receivers)."""

    id: int
    account_id: int
    name: str
    description: str
    created_us: int
    detail_count: int
    invalid_count: int


TABLES = {
    ReceiverRecord: "receivers",
    ReceiverDetailRecord: "receiver_details",
    SendTaskRecord: "send_tasks",
}
