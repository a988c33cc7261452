"""Sender-domain reputation that moves (issue 17): `domain_reputation` (each verified domain's current
level and the last day evaluated) and `reputation_history` (one row per evaluated day, with that day's
figures and verdict, or per admin change). New tables only: a domain without a row is at level 1, as
every domain was before, so no existing row changes and `schema_info.version` stays.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "domain_reputation",
        sa.Column("domain_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("evaluated_day", sa.String(length=10), nullable=True),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["domain_id"], ["domains.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("domain_id"),
    )
    with op.batch_alter_table("domain_reputation", schema=None) as batch_op:
        batch_op.create_index("ix_domain_reputation_account", ["account_id"], unique=False)
    op.create_table(
        "reputation_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("evaluated_day", sa.String(length=10), nullable=True),
        sa.Column("effective_day", sa.String(length=10), nullable=False),
        sa.Column("level_before", sa.Integer(), nullable=False),
        sa.Column("level_after", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("invalid", sa.Integer(), nullable=False),
        sa.Column("spam_bounces", sa.Integer(), nullable=False),
        sa.Column("soft_bounces", sa.Integer(), nullable=False),
        sa.Column("deferred", sa.Integer(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("account_time_us", sa.BigInteger(), nullable=False),
        sa.Column("real_time_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["domain_id"], ["domains.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("domain_id", "evaluated_day", name="uq_reputation_evaluated_day"),
    )
    with op.batch_alter_table("reputation_history", schema=None) as batch_op:
        batch_op.create_index("ix_reputation_history_domain", ["domain_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reputation_history", schema=None) as batch_op:
        batch_op.drop_index("ix_reputation_history_domain")
    op.drop_table("reputation_history")
    with op.batch_alter_table("domain_reputation", schema=None) as batch_op:
        batch_op.drop_index("ix_domain_reputation_account")
    op.drop_table("domain_reputation")
