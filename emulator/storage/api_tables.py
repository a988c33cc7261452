"""Compatibility names for the policy, batch and callback tables: the schema itself is declared in
`emulator.storage.schema` (SQLModel models); callers outside storage import these Core tables here."""

from __future__ import annotations

from emulator.storage.schema.batch import receiver_details, receivers, send_tasks, task_messages
from emulator.storage.schema.callbacks import callback_attempts, callback_events, callback_urls
from emulator.storage.schema.policy import (
    custom_blacklist,
    fault_rules,
    global_settings,
    platform_blacklist,
    unsubscribe_configs,
    unsubscribed,
)

__all__ = [
    "callback_attempts",
    "callback_events",
    "callback_urls",
    "custom_blacklist",
    "fault_rules",
    "global_settings",
    "platform_blacklist",
    "receiver_details",
    "receivers",
    "send_tasks",
    "task_messages",
    "unsubscribe_configs",
    "unsubscribed",
]
