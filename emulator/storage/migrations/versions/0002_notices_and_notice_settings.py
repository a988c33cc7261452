"""Notices (issue 16): `notice_settings` (per account: the notification address, the low-balance warning
threshold and whether the balance was below it) and `notices` (every notice recorded, in the transaction of
the billing change that caused it). New tables only: no row of an existing table changes, and
`schema_info.version` stays (emulators older than the migrations never see these tables).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 22:22:46.303357
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_settings",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("address", sa.String(length=320), nullable=True),
        sa.Column("low_balance_threshold_micro", sa.BigInteger(), nullable=True),
        sa.Column("low_balance_below", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=96), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=True),
        sa.Column("balance_micro", sa.BigInteger(), nullable=False),
        sa.Column("unpaid_micro", sa.BigInteger(), nullable=False),
        sa.Column("threshold_micro", sa.BigInteger(), nullable=True),
        sa.Column("callback_event_id", sa.Integer(), nullable=True),
        sa.Column("account_time_us", sa.BigInteger(), nullable=False),
        sa.Column("real_time_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_account", ["account_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_account")

    op.drop_table("notices")
    op.drop_table("notice_settings")
