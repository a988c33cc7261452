"""Alembic migrations of the emulator's schema (docs/storage.md). Run through
`emulator.storage.migrate`, which builds the Alembic config in code: no alembic.ini."""
