"""Attempt limits, held-back feedback, sign-in back-off, trusted coach devices and archived ended sessions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add assignments.max_attempts/.feedback_after_end, sessions.archive, sign_in_attempts.account, coach_devices."""
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("archive", sa.JSON, nullable=True))
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("max_attempts", sa.Integer, nullable=True))
        batch.add_column(sa.Column("feedback_after_end", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("sign_in_attempts") as batch:
        batch.add_column(sa.Column("account", sa.String(64), nullable=True))
        batch.create_index("ix_sign_in_attempts_account", ["account"])
    op.create_table(
        "coach_devices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "coach_id",
            sa.Integer,
            sa.ForeignKey("coaches.id", name="fk_coach_devices_coach_id_coaches"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("token_hash", name="uq_coach_devices_token_hash"),
    )
    op.create_index("ix_coach_devices_coach_id", "coach_devices", ["coach_id"])


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_index("ix_coach_devices_coach_id", table_name="coach_devices")
    op.drop_table("coach_devices")
    with op.batch_alter_table("sign_in_attempts") as batch:
        batch.drop_index("ix_sign_in_attempts_account")
        batch.drop_column("account")
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("feedback_after_end")
        batch.drop_column("max_attempts")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("archive")
