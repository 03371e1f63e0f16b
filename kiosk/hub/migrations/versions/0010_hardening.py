"""Counted attempts (sign-ins, enrolments, event uploads) shared by every worker, and the
events refused from each terminal (issue 15).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempts",
        sa.Column("key_sha256", sa.String(64), primary_key=True),
        sa.Column("window_start", sa.DateTime, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_index("ix_attempts_window_start", "attempts", ["window_start"])
    with op.batch_alter_table("terminals") as batch:
        batch.add_column(sa.Column("refused_events", sa.Integer, nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("terminals") as batch:
        batch.drop_column("refused_events")
    op.drop_index("ix_attempts_window_start", "attempts")
    op.drop_table("attempts")
