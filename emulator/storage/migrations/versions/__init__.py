"""One Alembic revision per file, ids 0001, 0002, ... in order."""
