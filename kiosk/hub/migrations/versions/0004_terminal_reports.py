"""What each terminal last reported: app version, content version, events queued.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("terminals") as t:
        t.add_column(sa.Column("app_version", sa.String(40), nullable=True))
        t.add_column(sa.Column("content_version", sa.Integer, nullable=True))
        t.add_column(sa.Column("queue_depth", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("terminals") as t:
        t.drop_column("queue_depth")
        t.drop_column("content_version")
        t.drop_column("app_version")
