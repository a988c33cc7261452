"""The schema, declared once as SQLModel table models, one module per concern. Importing this package
registers every table on `metadata`. Each model's Core table is also a module-level name (`accounts`
= `Account.__table__`): storage builds SQLAlchemy Core statements on those. Changes to any model go
through a migration in `emulator.storage.migrations` (docs/storage.md)."""

from emulator.storage.schema import (
    access,
    accounts,
    batch,
    billing,
    callbacks,
    cam,
    clocks,
    limits,
    mail,
    notices,
    policy,
    reputation,  # issue 17: sender-domain reputation
)
from emulator.storage.schema.base import SCHEMA_VERSION, StorageModel, metadata, schema_info

__all__ = [
    "SCHEMA_VERSION",
    "StorageModel",
    "access",
    "accounts",
    "batch",
    "billing",
    "callbacks",
    "cam",
    "clocks",
    "limits",
    "mail",
    "metadata",
    "notices",
    "policy",
    "reputation",
    "schema_info",
]
