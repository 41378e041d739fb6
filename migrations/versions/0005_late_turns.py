"""Late answers: a turn remembers that it came in after its deadline (the per-answer limit or the due date).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add turns.late (false for every turn written before)."""
    with op.batch_alter_table("turns") as batch:
        batch.add_column(sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    """Drop turns.late."""
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("late")
