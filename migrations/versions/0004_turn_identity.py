"""A turn's identity: (session, seq) is unique, so a turn written twice (a resubmit after a crash) is stored once.

Turns are first renumbered 1..n per session in the order they were written, which removes duplicates an
earlier crash may have left and gives older sessions the numbering new ones use.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

RENUMBER = sa.text(
    "UPDATE turns SET seq = (SELECT COUNT(*) FROM turns AS earlier "
    "WHERE earlier.session_id = turns.session_id AND earlier.id <= turns.id)"
)


def upgrade() -> None:
    """Renumber each session's turns in write order, then make (session_id, seq) unique."""
    op.execute(RENUMBER)
    op.create_index("uq_turns_session_seq", "turns", ["session_id", "seq"], unique=True)


def downgrade() -> None:
    """Drop the uniqueness (the numbering stays)."""
    op.drop_index("uq_turns_session_seq", table_name="turns")
