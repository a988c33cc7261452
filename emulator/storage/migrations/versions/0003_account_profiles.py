"""Account profiles (issue 17): `accounts.profile` (the profile an account was created with: 'sandbox' or
'production', docs/profiles.md) and `accounts.smtp_checks` (whether the SMTP message checks of reference
§6 are on for it). Existing accounts become what they always were: sandbox, checks off (the server
defaults fill the two columns of every existing row; no other row changes).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN on both dialects, never a batch (SQLite) table rebuild: dropping the old `accounts`
    # table would cascade-delete every row that references it (ledger, mail, ...)
    op.add_column(
        "accounts", sa.Column("profile", sa.String(length=16), nullable=False, server_default="sandbox")
    )
    op.add_column(
        "accounts", sa.Column("smtp_checks", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("accounts", "smtp_checks")  # SQLite 3.35+ drops a column in place
    op.drop_column("accounts", "profile")
