"""Drill attempts (launch-decision cases and rater calibration); assignments learn to set a drill.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the drills table and add the drill column to assignments."""
    op.create_table(
        "drills",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("candidate", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("domain", sa.String(16), nullable=True),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("difficulty", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON, nullable=True),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "assignment_id",
            sa.Integer,
            sa.ForeignKey("assignments.id", name="fk_drills_assignment_id_assignments"),
            nullable=True,
        ),
        sa.Column("candidate_name", sa.String(80), nullable=True),
        sa.Column("candidate_email", sa.String(254), nullable=True),
    )
    op.create_index("ix_drills_candidate", "drills", ["candidate"])
    op.create_index("ix_drills_assignment_id", "drills", ["assignment_id"])
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("drill", sa.JSON, nullable=True))


def downgrade() -> None:
    """Drop the drill column and the drills table."""
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("drill")
    op.drop_index("ix_drills_assignment_id", table_name="drills")
    op.drop_index("ix_drills_candidate", table_name="drills")
    op.drop_table("drills")
