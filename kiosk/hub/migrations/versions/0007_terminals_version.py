"""The terminals' version: one number every enrolment and revocation adds one to, in the
same transaction, so a hub process can keep its terminals' tokens in memory and know with
one small query (read with config_version's) when a token was added or withdrawn.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    version = op.create_table(
        "terminals_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(version, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("terminals_version")
