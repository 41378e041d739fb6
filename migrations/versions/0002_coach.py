"""Coaches, assignments, reviews and sign-in attempts; sessions learn which assignment they attempt.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the coach tables and add the attempt columns to sessions."""
    op.create_table(
        "coaches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("username", sa.String(96), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("email", name="uq_coaches_email"),
        sa.UniqueConstraint("username", name="uq_coaches_username"),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "coach_id", sa.Integer, sa.ForeignKey("coaches.id", name="fk_assignments_coach_id_coaches"), nullable=False
        ),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("domain", sa.String(16), nullable=True),
        sa.Column("skill_focus", sa.JSON, nullable=False),
        sa.Column("questions", sa.Integer, nullable=False),
        sa.Column("difficulty", sa.Integer, nullable=False),
        sa.Column("time_limit_s", sa.Integer, nullable=True),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("custom_questions", sa.JSON, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("code", name="uq_assignments_code"),
    )
    op.create_index("ix_assignments_coach_id", "assignments", ["coach_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("turn_id", sa.Integer, sa.ForeignKey("turns.id", name="fk_reviews_turn_id_turns"), nullable=False),
        sa.Column(
            "coach_id", sa.Integer, sa.ForeignKey("coaches.id", name="fk_reviews_coach_id_coaches"), nullable=False
        ),
        sa.Column("dimension", sa.String(32), nullable=True),
        sa.Column("score", sa.Integer, nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reviews_turn_id", "reviews", ["turn_id"])
    op.create_index("ix_reviews_coach_id", "reviews", ["coach_id"])
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sign_in_attempts_key", "sign_in_attempts", ["key"])
    op.create_index("ix_sign_in_attempts_created", "sign_in_attempts", ["created"])
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("assignment_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("candidate_name", sa.String(80), nullable=True))
        batch.add_column(sa.Column("candidate_email", sa.String(254), nullable=True))
        batch.create_foreign_key("fk_sessions_assignment_id_assignments", "assignments", ["assignment_id"], ["id"])
        batch.create_index("ix_sessions_assignment_id", ["assignment_id"])


def downgrade() -> None:
    """Drop the coach tables and the attempt columns."""
    with op.batch_alter_table("sessions") as batch:
        batch.drop_index("ix_sessions_assignment_id")
        batch.drop_constraint("fk_sessions_assignment_id_assignments", type_="foreignkey")
        batch.drop_column("candidate_email")
        batch.drop_column("candidate_name")
        batch.drop_column("assignment_id")
    op.drop_table("sign_in_attempts")
    op.drop_table("reviews")
    op.drop_table("assignments")
    op.drop_table("coaches")
