"""Scoped access tokens (issue 19): `access_tokens` (one row per token: its SHA-256, never the token; a
name, a short hint, read | full, when created and revoked) and `access_token_accounts` (the accounts each
token reaches). New tables only: no row of an existing table changes, and `schema_info.version` stays
(an older emulator never reads these tables, and ignores scoped tokens: they answer 401 there).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("access", sa.String(length=8), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("revoked_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "access_token_accounts",
        sa.Column("token_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["token_id"], ["access_tokens.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_id", "account_id"),
    )


def downgrade() -> None:
    op.drop_table("access_token_accounts")
    op.drop_table("access_tokens")
