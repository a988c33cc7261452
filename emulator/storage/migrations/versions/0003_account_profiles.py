"""Account profiles: production or sandbox (reserved slot; issue 17 fills it in).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 00:40:00
"""

from __future__ import annotations

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
