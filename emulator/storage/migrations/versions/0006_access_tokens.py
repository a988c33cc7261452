"""Scoped access tokens (reserved slot; issue 19 fills it in).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 00:40:00
"""

from __future__ import annotations

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
