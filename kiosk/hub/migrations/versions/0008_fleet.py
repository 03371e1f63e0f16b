"""The fleet: each terminal's last heartbeat, their thinned history, remote actions, and a
replacement token waiting to be confirmed.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("terminals") as t:
        t.add_column(sa.Column("pending_token_sha256", sa.String(64), nullable=True))
        t.create_unique_constraint("uq_terminals_pending_token_sha256",
                                   ["pending_token_sha256"])
    op.create_table(
        "terminal_health",
        sa.Column("terminal_id", sa.String(32), primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("app_version", sa.String(40), nullable=True),
        sa.Column("content_version", sa.Integer, nullable=True),
        sa.Column("content_expires", sa.DateTime, nullable=True),
        sa.Column("config_version", sa.String(80), nullable=True),
        sa.Column("queued", sa.Integer, nullable=False),
        sa.Column("set_aside", sa.Integer, nullable=False),
        sa.Column("uptime_s", sa.BigInteger, nullable=False),
        sa.Column("disk_free_bytes", sa.BigInteger, nullable=True),
        sa.Column("disk_total_bytes", sa.BigInteger, nullable=True),
        sa.Column("memory_bytes", sa.BigInteger, nullable=True),
        sa.Column("failed_rounds", sa.Integer, nullable=False),
        sa.Column("error_streak", sa.Integer, nullable=False),
        sa.Column("error_class", sa.String(80), nullable=True),
        sa.Column("error_message", sa.String(200), nullable=True),
        sa.Column("error_at", sa.DateTime, nullable=True),
        sa.Column("maintenance", sa.Boolean, nullable=False),
        sa.Column("last_session_hour", sa.DateTime, nullable=True),
        sa.Column("queue_rising_since", sa.DateTime, nullable=False),
        sa.Column("queue_rising_from", sa.Integer, nullable=False),
    )
    op.create_table(
        "heartbeats",
        sa.Column("terminal_id", sa.String(32), primary_key=True),
        sa.Column("level", sa.SmallInteger, primary_key=True),
        sa.Column("t", sa.BigInteger, primary_key=True),
        sa.Column("beats", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("queued", sa.Integer, nullable=False),
        sa.Column("set_aside", sa.Integer, nullable=False),
        sa.Column("disk_free_pm", sa.SmallInteger, nullable=True),
        sa.Column("memory_mb", sa.Integer, nullable=True),
    )
    op.create_table(
        "terminal_actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("terminal_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("requested", sa.DateTime, nullable=False),
        sa.Column("requested_by", sa.String(120), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=True),
        sa.Column("done_at", sa.DateTime, nullable=True),
        sa.Column("outcome", sa.String(200), nullable=True),
    )
    op.create_index("ix_terminal_actions_terminal", "terminal_actions",
                    ["terminal_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_terminal_actions_terminal", "terminal_actions")
    op.drop_table("terminal_actions")
    op.drop_table("heartbeats")
    op.drop_table("terminal_health")
    with op.batch_alter_table("terminals") as t:
        t.drop_constraint("uq_terminals_pending_token_sha256", type_="unique")
        t.drop_column("pending_token_sha256")
