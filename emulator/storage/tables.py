"""Table definitions (SQLAlchemy Core). Times are integer microseconds since the epoch (UTC); money is
integer micro-USD. Unique keys carry the invariants that must hold across processes."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

SCHEMA_VERSION = 1

schema_info = Table(
    "schema_info",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("app_id", String(16), nullable=False),
    Column("secret_id", String(64), nullable=False, unique=True),
    Column("secret_key", String(64), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    # clock (domain.clock.ClockState)
    Column("clock_offset_us", BigInteger, nullable=False, default=0),
    Column("clock_frozen_us", BigInteger, nullable=True),
    # scheduler cursor: every event due at or before this account time has run
    Column("events_until_us", BigInteger, nullable=False),
    # metering: the one counter the free quota needs, updated under the row lock
    Column("free_quota", Integer, nullable=False),
    Column("free_used", Integer, nullable=False, default=0),
    # suspension: NULL = active; 'arrears' | 'manual'
    Column("suspended_reason", String(16), nullable=True),
    Column("suspended_us", BigInteger, nullable=True),
    Column("simple_allowed", Boolean, nullable=False, default=True),
    Column("settings_json", Text, nullable=False, default="{}"),
)

domains = Table(
    "domains",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("domain", String(255), nullable=False),
    Column("verified", Boolean, nullable=False, default=True),
    Column("dkim_option", Integer, nullable=False, default=0),
    Column("tags_json", Text, nullable=False, default="[]"),
    Column("created_us", BigInteger, nullable=False),
    UniqueConstraint("account_id", "domain", name="uq_domain"),
)

senders = Table(
    "senders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("address", String(255), nullable=False),
    Column("sender_name", String(255), nullable=True),
    Column("smtp_password_hash", String(128), nullable=True),
    Column("created_us", BigInteger, nullable=False),
    UniqueConstraint("account_id", "address", name="uq_sender"),
)
Index("ix_senders_address", senders.c.address)

templates = Table(
    "templates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("template_id", Integer, nullable=False),
    Column("name", String(255), nullable=False),
    Column("html", Text, nullable=True),
    Column("text", Text, nullable=True),
    Column("status", Integer, nullable=False, default=0),  # 0 approved, 1 pending, 2 rejected
    Column("review_reason", String(255), nullable=False, default=""),
    Column("created_us", BigInteger, nullable=False),
    UniqueConstraint("account_id", "template_id", name="uq_template"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("message_id", String(96), nullable=False, unique=True),
    Column("source", String(8), nullable=False),  # smtp | api
    Column("mail_from", String(320), nullable=False),
    Column("recipients_json", Text, nullable=False),
    Column("header_from", Text, nullable=False, default=""),
    Column("header_to", Text, nullable=False, default=""),
    Column("subject", Text, nullable=False, default=""),
    Column("search_text", Text, nullable=False, default=""),
    Column("size", Integer, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("sending_ip", String(45), nullable=False),
    Column("template_id", Integer, nullable=True),
    Column("account_time_us", BigInteger, nullable=False),
    Column("real_time_us", BigInteger, nullable=False),
    Column("free_units", Integer, nullable=False),
    Column("paid_units", Integer, nullable=False),
)
Index("ix_messages_account_id", messages.c.account_id, messages.c.id)

message_recipients = Table(
    "message_recipients",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_pk", Integer, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", Integer, nullable=False),
    Column("address", String(320), nullable=False),
    Column("request_day", String(10), nullable=False),  # UTC+8 day of the account time
    Column("request_us", BigInteger, nullable=False),
    Column("send_status", Integer, nullable=False, default=0),
    Column("deliver_status", Integer, nullable=False, default=1),
    Column("deliver_us", BigInteger, nullable=True),
    Column("deliver_message", Text, nullable=False, default=""),
    Column("opened", Boolean, nullable=False, default=False),
    Column("clicked", Boolean, nullable=False, default=False),
    Column("unsubscribed", Boolean, nullable=False, default=False),
    Column("complained", Boolean, nullable=False, default=False),
)
Index("ix_recipients_day", message_recipients.c.account_id, message_recipients.c.request_day)
Index("ix_recipients_message", message_recipients.c.message_pk)

usage_daily = Table(
    "usage_daily",
    metadata,
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("day", String(10), primary_key=True),  # UTC+8 calendar day
    Column("free_units", BigInteger, nullable=False, default=0),
    Column("paid_units", BigInteger, nullable=False, default=0),
)

bills = Table(
    "bills",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # usage | dedicated_ip
    Column("period", String(10), nullable=False),  # YYYY-MM-DD (usage) or YYYY-MM (dedicated_ip)
    Column("units", BigInteger, nullable=False),
    Column("unit_price_micro", BigInteger, nullable=False),
    Column("amount_micro", BigInteger, nullable=False),
    Column("detail_json", Text, nullable=False, default="{}"),
    Column("created_us", BigInteger, nullable=False),  # account time
    Column("paid_us", BigInteger, nullable=True),  # account time; NULL = unpaid
    UniqueConstraint("account_id", "kind", "period", name="uq_bill_period"),
)
Index("ix_bills_unpaid", bills.c.account_id, bills.c.paid_us)

ledger = Table(
    "ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # topup | charge | settlement | adjustment
    Column("amount_micro", BigInteger, nullable=False),  # signed
    Column("bill_id", Integer, ForeignKey("bills.id"), nullable=True, unique=True),
    Column("note", Text, nullable=False, default=""),
    Column("account_time_us", BigInteger, nullable=False),
    Column("real_time_us", BigInteger, nullable=False),
)
Index("ix_ledger_account", ledger.c.account_id, ledger.c.id)

ip_inventory = Table(
    "ip_inventory",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ip", String(45), nullable=False, unique=True),
    Column(
        "account_id", Integer, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    ),  # NULL = in stock
    Column("added_us", BigInteger, nullable=False),
)

dedicated_ips = Table(
    "dedicated_ips",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("ip", String(45), nullable=True),  # NULL while pending
    Column("status", String(10), nullable=False),  # pending | enabled | disabled | released
    Column("application_month", String(7), nullable=False),  # UTC+8 YYYY-MM of the application
    Column("applied_us", BigInteger, nullable=False),
    Column("ready_us", BigInteger, nullable=True),
    Column("enabled_us", BigInteger, nullable=True),
    Column("disabled_us", BigInteger, nullable=True),
)
Index("ix_dedicated_ips_account", dedicated_ips.c.account_id, dedicated_ips.c.status)

ip_intervals = Table(
    "ip_intervals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedicated_ip_id", Integer, ForeignKey("dedicated_ips.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", Integer, nullable=False),
    Column("start_us", BigInteger, nullable=False),
    Column("end_us", BigInteger, nullable=True),  # NULL while enabled
)
Index("ix_ip_intervals_account", ip_intervals.c.account_id)

# Outcomes, blacklists, limits, recipient lists, batch tasks, callbacks: defined on the same metadata.
from emulator.storage import api_tables as _api_tables  # noqa: E402,F401

# A global clock move (services.clocks), recorded before any account moves so a crash part-way can be
# finished at start-up: every account then reads `target_us` (frozen clocks exactly; running clocks get
# the offset target_us - created_us, i.e. they read what they would have had the move ended at once).
clock_moves = Table(
    "clock_moves",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target_us", BigInteger, nullable=False),  # account time every clock reads once moved
    Column("created_us", BigInteger, nullable=False),  # wall time of the decision
    Column("key", String(64), nullable=True, unique=True),  # the client's idempotency key, if any
    Column("done", Boolean, nullable=False, default=False),
)
Index("ix_clock_moves_done", clock_moves.c.done)
