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
    config_values   configuration set on the hub: a value per scope (all, a centre, a
                    terminal) and key, as JSON, with when and by whom (kiosk.core.config)
    config_locks    settings an admin locked at a scope: nothing after it may change them
    config_audit    every configuration change, on the hub or by staff at a terminal: who,
                    when, old and new value
    terminal_config what each terminal last said it uses (its effective configuration)
    staff_users     centre staff logins (argon2), each confined to its centres
    staff_centres   which centres each staff login may see and set
    staff_sessions  their sessions on the hub's pages, as admin_sessions (migration 0006)
    config_version  one row: a number each configuration change adds one to, in the same
                    transaction, so a cached document is known to be current (0006)
    terminals_version  one row: a number each enrolment and revocation adds one to, in the
                    same transaction, so tokens kept in memory are known to be current (0007)
    terminal_health each terminal's last heartbeat (core/heartbeat.py), with what the
                    status rules need of the past: since when its queue has been rising
                    (0008)
    heartbeats      the history of heartbeats, thinned as it ages: one row a heartbeat for
                    a day, one an hour for 30 days, one a day after that (hub/fleet.py)
    terminal_actions remote actions queued for a terminal, and their outcome (0008)
    digest_subscriptions  admins who get the daily e-mail of terminals needing attention,
                    and where to (0009)
    attempts        counted attempts per key (the SHA-256 of "sign-in, name, address",
                    "enrol, address", "events, terminal"), in a fixed window: the throttles
                    every worker shares (hub/limits.py, 0010)

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
    # a replacement token sent with a remote action, not yet confirmed (migration 0008):
    # until it is, both work; the first request with it makes it the only one
    sa.Column("pending_token_sha256", sa.String(64), nullable=True),
    sa.UniqueConstraint("pending_token_sha256", name="uq_terminals_pending_token_sha256"),
    # events refused from this terminal (dated out of bounds, or over its rate), for the
    # fleet view (migration 0010)
    sa.Column("refused_events", sa.Integer, nullable=False, server_default="0"),
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

# --- configuration (migration 0005) --------------------------------------------------------
# scope is "all", "centre" or "terminal"; target is "" for all, else the centre's name or the
# terminal's id.

config_values = sa.Table(
    "config_values", metadata,
    sa.Column("scope", sa.String(16), primary_key=True),
    sa.Column("target", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON
    sa.Column("changed", sa.DateTime, nullable=False),
    sa.Column("by", sa.String(120), nullable=False),
)

config_locks = sa.Table(
    "config_locks", metadata,
    sa.Column("scope", sa.String(16), primary_key=True),
    sa.Column("target", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("changed", sa.DateTime, nullable=False),
    sa.Column("by", sa.String(120), nullable=False),
)

config_audit = sa.Table(
    "config_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("who", sa.String(120), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("key", sa.String(80), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # set, clear, lock, unlock, staff
    sa.Column("old", sa.Text, nullable=True),  # JSON, None when there was none
    sa.Column("new", sa.Text, nullable=True),
    sa.Index("ix_config_audit_target", "scope", "target", "at"),
)

terminal_config = sa.Table(
    "terminal_config", metadata,
    sa.Column("terminal_id", sa.String(32), primary_key=True),
    sa.Column("reported", sa.Text, nullable=False),  # JSON: what the terminal uses
    sa.Column("at", sa.DateTime, nullable=False),
)

staff_users = sa.Table(
    "staff_users", metadata,
    sa.Column("name", sa.String(80), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("last_login", sa.DateTime, nullable=True),
)

staff_centres = sa.Table(
    "staff_centres", metadata,
    sa.Column("name", sa.String(80), sa.ForeignKey("staff_users.name", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("centre", sa.String(200), primary_key=True),
)

staff_sessions = sa.Table(
    "staff_sessions", metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(80), sa.ForeignKey("staff_users.name", ondelete="CASCADE"),
              nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("expires", sa.DateTime, nullable=False),
)

config_version = sa.Table(
    "config_version", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("version", sa.BigInteger, nullable=False),
)

terminals_version = sa.Table(
    "terminals_version", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("version", sa.BigInteger, nullable=False),
)

# --- the fleet (migration 0008) --------------------------------------------------------------

terminal_health = sa.Table(
    "terminal_health", metadata,
    sa.Column("terminal_id", sa.String(32), primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),  # when the hub received it
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
    # since when the queue has not gone down, and what it was then (status rules)
    sa.Column("queue_rising_since", sa.DateTime, nullable=False),
    sa.Column("queue_rising_from", sa.Integer, nullable=False),
)

heartbeats = sa.Table(
    "heartbeats", metadata,
    sa.Column("terminal_id", sa.String(32), primary_key=True),
    sa.Column("level", sa.SmallInteger, primary_key=True),  # 0 one, 1 an hour, 2 a day
    sa.Column("t", sa.BigInteger, primary_key=True),  # Unix seconds (a level's start)
    sa.Column("beats", sa.Integer, nullable=False),  # heartbeats this row stands for
    sa.Column("failed", sa.Integer, nullable=False),  # failed sync rounds they reported
    sa.Column("queued", sa.Integer, nullable=False),  # the most queued
    sa.Column("set_aside", sa.Integer, nullable=False),
    sa.Column("disk_free_pm", sa.SmallInteger, nullable=True),  # the least, per mille
    sa.Column("memory_mb", sa.Integer, nullable=True),  # the most
)

terminal_actions = sa.Table(
    "terminal_actions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("terminal_id", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),  # core.protocol.ACTIONS
    sa.Column("requested", sa.DateTime, nullable=False),
    sa.Column("requested_by", sa.String(120), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # queued, sent, done, failed, cancelled
    sa.Column("sent_at", sa.DateTime, nullable=True),
    sa.Column("done_at", sa.DateTime, nullable=True),
    sa.Column("outcome", sa.String(200), nullable=True),
    sa.Index("ix_terminal_actions_terminal", "terminal_id", "state"),
)

digest_subscriptions = sa.Table(
    "digest_subscriptions", metadata,
    sa.Column("name", sa.String(80), sa.ForeignKey("admin_users.name", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
)

attempts = sa.Table(
    "attempts", metadata,
    sa.Column("key_sha256", sa.String(64), primary_key=True),
    sa.Column("window_start", sa.DateTime, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Index("ix_attempts_window_start", "window_start"),
)
