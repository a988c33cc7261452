"""Recipient lists and batch send tasks (BatchSendEmail). Times are account time in microseconds
unless named `*_wall_us`."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlmodel import Field

from emulator.storage.schema.base import StorageModel, pk, table_of


class Receiver(StorageModel, table=True):
    __tablename__ = "receivers"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_receiver_name"),)
    id: int | None = pk()  # = ReceiverId
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    name: str = Field(sa_type=String(255))
    description: str = Field(default="", sa_type=Text)
    created_us: int = Field(sa_type=BigInteger)


class ReceiverDetail(StorageModel, table=True):
    __tablename__ = "receiver_details"
    __table_args__ = (Index("ix_receiver_details", "receiver_id", "id"),)
    id: int | None = pk()  # = EmailId
    receiver_id: int = Field(foreign_key="receivers.id", ondelete="CASCADE")
    email: str = Field(sa_type=String(320))
    template_data: str | None = Field(default=None, sa_type=Text)
    valid: int = 1  # 1 valid, 0 invalid
    reason: str = Field(default="", sa_type=Text)
    created_us: int = Field(sa_type=BigInteger)


class SendTask(StorageModel, table=True):
    __tablename__ = "send_tasks"
    __table_args__ = (Index("ix_send_tasks_account", "account_id", "status"),)
    id: int | None = pk()  # = TaskId
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    receiver_id: int
    receivers_name: str = Field(sa_type=String(255))
    task_type: int  # 1 now, 2 scheduled, 3 periodic
    status: int  # 1 pending, 5 sending, 6 paused today, 7 error, 10 done
    request_json: str = Field(sa_type=Text)  # the BatchSendEmail parameters
    request_count: int = 0
    send_count: int = 0
    cache_count: int = 0
    cursor: int = 0  # last receiver_details.id handled in this run
    next_us: int | None = Field(default=None, sa_type=BigInteger)  # next start (scheduled/periodic) or resume
    runs_pending: int = 0  # periodic runs that fell due meanwhile
    lease_wall_us: int = Field(default=0, sa_type=BigInteger)  # a runner owns the task until then
    err_msg: str = Field(default="", sa_type=Text)
    created_us: int = Field(sa_type=BigInteger)
    updated_us: int = Field(sa_type=BigInteger)


class TaskMessage(StorageModel, table=True):
    __tablename__ = "task_messages"
    message_id: str = Field(primary_key=True, sa_type=String(96))
    task_id: int


receivers = table_of(Receiver)
receiver_details = table_of(ReceiverDetail)
send_tasks = table_of(SendTask)
task_messages = table_of(TaskMessage)
