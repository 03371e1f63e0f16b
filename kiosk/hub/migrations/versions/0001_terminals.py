"""Terminals and enrolment codes (the content-distribution hub).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "terminals",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("centre", sa.String(200), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=True),
    )
    op.create_table(
        "enrol_codes",
        sa.Column("code_sha256", sa.String(64), primary_key=True),
        sa.Column("centre", sa.String(200), nullable=False),
        sa.Column("expires", sa.DateTime, nullable=False),
        sa.Column("used_by", sa.String(32), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("enrol_codes")
    op.drop_table("terminals")
