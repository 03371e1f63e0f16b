"""Configuration set on the hub (values, locks, audit), what terminals use, staff logins.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "config_values",
        sa.Column("scope", sa.String(16), primary_key=True),
        sa.Column("target", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("changed", sa.DateTime, nullable=False),
        sa.Column("by", sa.String(120), nullable=False),
    )
    op.create_table(
        "config_locks",
        sa.Column("scope", sa.String(16), primary_key=True),
        sa.Column("target", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("changed", sa.DateTime, nullable=False),
        sa.Column("by", sa.String(120), nullable=False),
    )
    op.create_table(
        "config_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("who", sa.String(120), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("old", sa.Text, nullable=True),
        sa.Column("new", sa.Text, nullable=True),
    )
    op.create_index("ix_config_audit_target", "config_audit", ["scope", "target", "at"])
    op.create_table(
        "terminal_config",
        sa.Column("terminal_id", sa.String(32), primary_key=True),
        sa.Column("reported", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "staff_users",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("last_login", sa.DateTime, nullable=True),
    )
    op.create_table(
        "staff_centres",
        sa.Column("name", sa.String(80), sa.ForeignKey("staff_users.name", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("centre", sa.String(200), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("staff_centres")
    op.drop_table("staff_users")
    op.drop_table("terminal_config")
    op.drop_index("ix_config_audit_target", table_name="config_audit")
    op.drop_table("config_audit")
    op.drop_table("config_locks")
    op.drop_table("config_values")
