"""Tables for delivery outcomes, blacklists, sending limits, recipient lists, batch tasks, unsubscribe
settings and event callbacks. They live on the shared `metadata`, so `create_schema` creates them;
new tables only, so existing databases simply gain them at the next start.

Times are integer microseconds (account time unless named `wall_*`)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from emulator.storage.tables import message_recipients, messages, metadata

# Limits count recent mail per recipient and per sender; these keep those counts cheap.
Index("ix_recipients_address", message_recipients.c.account_id, message_recipients.c.address)
Index("ix_messages_account_time", messages.c.account_id, messages.c.real_time_us)

fault_rules = Table(
    "fault_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("pattern", String(320), nullable=False),  # case-insensitive glob on the recipient
    Column("outcome", String(16), nullable=False),
    Column("created_us", BigInteger, nullable=False),  # wall time
)
Index("ix_fault_rules_account", fault_rules.c.account_id, fault_rules.c.id)

# The platform hard-bounce list (ListBlackEmailAddress). Scoped per account so that parallel test
# suites never see each other's bounces.
platform_blacklist = Table(
    "platform_blacklist",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("address", String(320), nullable=False),  # lower-cased
    Column("bounce_us", BigInteger, nullable=False),
    Column("isp_desc", Text, nullable=False, default=""),
    UniqueConstraint("account_id", "address", name="uq_platform_blacklist"),
)

# Recipients who unsubscribed (fault rule `unsubscribe`) from an account's mail.
unsubscribed = Table(
    "unsubscribed",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("address", String(320), nullable=False),  # lower-cased
    Column("at_us", BigInteger, nullable=False),
    UniqueConstraint("account_id", "address", name="uq_unsubscribed"),
)

custom_blacklist = Table(
    "custom_blacklist",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("address", String(320), nullable=False),  # lower-cased
    Column("expire_date", String(10), nullable=True),  # UTC+8 YYYY-MM-DD, NULL = permanent
    Column("created_us", BigInteger, nullable=False),
    UniqueConstraint("account_id", "address", name="uq_custom_blacklist"),
)

# Global defaults of the sending limits (key 'limits'); per-account values live in accounts.settings_json.
global_settings = Table(
    "global_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value_json", Text, nullable=False),
)

unsubscribe_configs = Table(
    "unsubscribe_configs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("address", String(320), nullable=False),
    Column("config", String(4), nullable=False),
    Column("status", Integer, nullable=False),
    UniqueConstraint("account_id", "address", name="uq_unsubscribe_config"),
)

receivers = Table(
    "receivers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # = ReceiverId
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("created_us", BigInteger, nullable=False),
    UniqueConstraint("account_id", "name", name="uq_receiver_name"),
)

receiver_details = Table(
    "receiver_details",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # = EmailId
    Column("receiver_id", Integer, ForeignKey("receivers.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(320), nullable=False),
    Column("template_data", Text, nullable=True),
    Column("valid", Integer, nullable=False, default=1),  # 1 valid, 0 invalid
    Column("reason", Text, nullable=False, default=""),
    Column("created_us", BigInteger, nullable=False),
)
Index("ix_receiver_details", receiver_details.c.receiver_id, receiver_details.c.id)

send_tasks = Table(
    "send_tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # = TaskId
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("receiver_id", Integer, nullable=False),
    Column("receivers_name", String(255), nullable=False),
    Column("task_type", Integer, nullable=False),  # 1 now, 2 scheduled, 3 periodic
    Column("status", Integer, nullable=False),  # 1 pending, 5 sending, 6 paused today, 7 error, 10 done
    Column("request_json", Text, nullable=False),  # the BatchSendEmail parameters
    Column("request_count", Integer, nullable=False, default=0),
    Column("send_count", Integer, nullable=False, default=0),
    Column("cache_count", Integer, nullable=False, default=0),
    Column("cursor", Integer, nullable=False, default=0),  # last receiver_details.id handled in this run
    Column("next_us", BigInteger, nullable=True),  # next start (scheduled/periodic) or resume (paused)
    Column("runs_pending", Integer, nullable=False, default=0),  # periodic runs that fell due meanwhile
    Column("lease_wall_us", BigInteger, nullable=False, default=0),  # a runner owns the task until then
    Column("err_msg", Text, nullable=False, default=""),
    Column("created_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
)
Index("ix_send_tasks_account", send_tasks.c.account_id, send_tasks.c.status)

task_messages = Table(
    "task_messages",
    metadata,
    Column("message_id", String(96), primary_key=True),
    Column("task_id", Integer, nullable=False),
)

callback_urls = Table(
    "callback_urls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("sender", String(320), nullable=False, default=""),  # '' = account level; else lower-cased
    Column("url", Text, nullable=False),
    UniqueConstraint("account_id", "sender", name="uq_callback_url"),
)

# The callback queue: one row per event, delivered in id order per recipient stream.
callback_events = Table(
    "callback_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("stream", String(420), nullable=False),  # message id + recipient: order is kept within it
    Column("url", Text, nullable=False),
    Column("event", String(16), nullable=False),
    Column("payload_json", Text, nullable=False),
    Column("status", String(10), nullable=False),  # pending | sending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_wall_us", BigInteger, nullable=False),
    Column("created_wall_us", BigInteger, nullable=False),
)
Index("ix_callback_events_status", callback_events.c.status, callback_events.c.id)
Index("ix_callback_events_account", callback_events.c.account_id, callback_events.c.id)

callback_attempts = Table(
    "callback_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Integer, ForeignKey("callback_events.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("url", Text, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=False, default=""),
    Column("duration_ms", Integer, nullable=False),
    Column("wall_us", BigInteger, nullable=False),
)
Index("ix_callback_attempts_account", callback_attempts.c.account_id, callback_attempts.c.id)
