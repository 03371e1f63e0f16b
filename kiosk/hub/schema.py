"""The hub's tables (SQLAlchemy Core): one definition for SQLite and PostgreSQL.

The database is created and changed only by the Alembic migrations in `migrations/`; these
Table objects describe the result for queries, and a test checks that the two agree.

    terminals       enrolled kiosks; only the SHA-256 of each token is kept; the app and
                    content versions and event queue each last reported
    enrol_codes     one-time enrolment codes (SHA-256 only)
    events          usage events as terminals sent them (the allow-listed fields of
                    kiosk.core.events), stored once per event_id, plus the centre of the
                    terminal that sent it and London-local day and hour of the week
    daily_counts    raw events older than the retention age, rolled up: a count per day,
                    centre, type, content, language and outcome (and the sum of durations)
    admin_users     dashboard logins; passwords as argon2 hashes
    admin_sessions  dashboard sessions: SHA-256 of the cookie, the CSRF token, expiry

Times are naive UTC datetimes; `day` and `hour_of_week` are in Europe/London time, which is
what a London admin means by "Tuesday" or "9 to 10".
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

terminals = sa.Table(
    "terminals", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("centre", sa.String(200), nullable=False),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
    sa.Column("last_seen", sa.DateTime, nullable=True),
    # what the terminal last told the hub (migration 0004); None until it has
    sa.Column("app_version", sa.String(40), nullable=True),
    sa.Column("content_version", sa.Integer, nullable=True),
    sa.Column("queue_depth", sa.Integer, nullable=True),
)

enrol_codes = sa.Table(
    "enrol_codes", metadata,
    sa.Column("code_sha256", sa.String(64), primary_key=True),  # primary key: unique
    sa.Column("centre", sa.String(200), nullable=False),
    sa.Column("expires", sa.DateTime, nullable=False),
    sa.Column("used_by", sa.String(32), nullable=True),
)

events = sa.Table(
    "events", metadata,
    sa.Column("event_id", sa.String(36), primary_key=True),  # the idempotency key
    sa.Column("terminal_id", sa.String(32), nullable=False),
    sa.Column("centre", sa.String(200), nullable=False),
    sa.Column("time", sa.DateTime, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("hour_of_week", sa.SmallInteger, nullable=False),  # Monday 00-01 is 0
    sa.Column("session", sa.String(36), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("content_id", sa.String(80), nullable=True),
    sa.Column("language", sa.String(3), nullable=True),
    sa.Column("duration_ms", sa.Integer, nullable=True),
    sa.Column("outcome", sa.String(40), nullable=True),
    sa.Column("received", sa.DateTime, nullable=False),
    sa.Index("ix_events_day_centre", "day", "centre"),
    # covering index for the reports (migration 0003; it replaced ix_events_type_day)
    sa.Index("ix_events_report", "type", "day", "centre", "hour_of_week", "content_id",
             "language", "duration_ms"),
)

daily_counts = sa.Table(
    "daily_counts", metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("centre", sa.String(200), primary_key=True),
    sa.Column("type", sa.String(32), primary_key=True),
    # "" rather than NULL for "none", so that they can be part of the primary key
    sa.Column("content_id", sa.String(80), primary_key=True),
    sa.Column("language", sa.String(3), primary_key=True),
    sa.Column("outcome", sa.String(40), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("duration_ms_sum", sa.BigInteger, nullable=False),
)

admin_users = sa.Table(
    "admin_users", metadata,
    sa.Column("name", sa.String(80), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("last_login", sa.DateTime, nullable=True),
)

admin_sessions = sa.Table(
    "admin_sessions", metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(80), sa.ForeignKey("admin_users.name", ondelete="CASCADE"),
              nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("expires", sa.DateTime, nullable=False),
)
