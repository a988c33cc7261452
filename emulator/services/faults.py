"""Which errors are temporary database faults: the rule is storage's (it knows the drivers' errors,
emulator.storage.faults); front-ends, which never import storage, take it from here."""

from __future__ import annotations

from emulator.storage.faults import FAULT_CLASSES, database_fault

__all__ = ["FAULT_CLASSES", "database_fault"]
