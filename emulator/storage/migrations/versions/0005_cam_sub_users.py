"""CAM (issue 17): `cam_sub_users` (an account's sub-users and their policy), `cam_keys` (their API
keys) and `cam_sessions` (temporary credentials: the SHA-256 of the token, a wall-clock expiry). New
tables only: no row of an existing table changes, and `schema_info.version` stays.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cam_sub_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("uin", sa.String(length=20), nullable=False),
        sa.Column("policy_json", sa.Text(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "name", name="uq_cam_sub_users_name"),
    )
    op.create_table(
        "cam_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("sub_user_id", sa.Integer(), nullable=False),
        sa.Column("secret_id", sa.String(length=64), nullable=False),
        sa.Column("secret_key", sa.String(length=64), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sub_user_id"], ["cam_sub_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_id"),
    )
    with op.batch_alter_table("cam_keys", schema=None) as batch_op:
        batch_op.create_index("ix_cam_keys_sub_user", ["sub_user_id"], unique=False)
    op.create_table(
        "cam_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("sub_user_id", sa.Integer(), nullable=True),
        sa.Column("tmp_secret_id", sa.String(length=64), nullable=False),
        sa.Column("tmp_secret_key", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("policy_json", sa.Text(), nullable=True),
        sa.Column("expires_us", sa.BigInteger(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sub_user_id"], ["cam_sub_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tmp_secret_id"),
    )
    with op.batch_alter_table("cam_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_cam_sessions_account", ["account_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cam_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_cam_sessions_account")
    op.drop_table("cam_sessions")
    with op.batch_alter_table("cam_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_cam_keys_sub_user")
    op.drop_table("cam_keys")
    op.drop_table("cam_sub_users")
