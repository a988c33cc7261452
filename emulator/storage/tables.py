"""Compatibility names for the core tables: the schema itself is declared in `emulator.storage.schema`
(SQLModel models); callers outside storage import these Core tables from here."""

from __future__ import annotations

from emulator.storage.schema.accounts import accounts, domains, senders, templates
from emulator.storage.schema.base import SCHEMA_VERSION, metadata, schema_info
from emulator.storage.schema.billing import bills, dedicated_ips, ip_intervals, ip_inventory, ledger
from emulator.storage.schema.clocks import clock_moves
from emulator.storage.schema.mail import message_recipients, messages, usage_daily

__all__ = [
    "SCHEMA_VERSION",
    "accounts",
    "bills",
    "clock_moves",
    "dedicated_ips",
    "domains",
    "ip_intervals",
    "ip_inventory",
    "ledger",
    "message_recipients",
    "messages",
    "metadata",
    "schema_info",
    "senders",
    "templates",
    "usage_daily",
]
