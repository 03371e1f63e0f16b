"""Usage statistics: events, their daily roll-ups, admin logins and sessions.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("terminal_id", sa.String(32), nullable=False),
        sa.Column("centre", sa.String(200), nullable=False),
        sa.Column("time", sa.DateTime, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("hour_of_week", sa.SmallInteger, nullable=False),
        sa.Column("session", sa.String(36), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("content_id", sa.String(80), nullable=True),
        sa.Column("language", sa.String(3), nullable=True),
        sa.Column("duration_ms", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(40), nullable=True),
        sa.Column("received", sa.DateTime, nullable=False),
    )
    op.create_index("ix_events_day_centre", "events", ["day", "centre"])
    op.create_index("ix_events_type_day", "events", ["type", "day"])
    op.create_table(
        "daily_counts",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("centre", sa.String(200), primary_key=True),
        sa.Column("type", sa.String(32), primary_key=True),
        sa.Column("content_id", sa.String(80), primary_key=True),
        sa.Column("language", sa.String(3), primary_key=True),
        sa.Column("outcome", sa.String(40), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("duration_ms_sum", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "admin_users",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("last_login", sa.DateTime, nullable=True),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(80),
                  sa.ForeignKey("admin_users.name", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("expires", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("admin_sessions")
    op.drop_table("admin_users")
    op.drop_table("daily_counts")
    op.drop_index("ix_events_type_day", "events")
    op.drop_index("ix_events_day_centre", "events")
    op.drop_table("events")
