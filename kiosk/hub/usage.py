"""Usage events on the hub: idempotent ingestion and the retention roll-up.

Ingestion stores each event once however often a terminal sends it: the event id is the
primary key and rows go in with INSERT ... ON CONFLICT DO NOTHING (SQLite and PostgreSQL
alike), RETURNING the ids that were new, so the reply counts accepted and duplicate events
exactly. A batch is one transaction: all of it is stored, or none.

The terminal and centre stored with an event are the ones the hub knows from the token,
not what the event says: a terminal cannot file figures under another centre.

Retention: raw events older than `days` (default 400) are added to `daily_counts` (one row
per London day, centre, type, content, language and outcome) and deleted, in one
transaction, so a report over any period counts each event exactly once: raw rows for
recent days, roll-ups for older ones.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.hub.schema import daily_counts, events
from kiosk.hub.settings import DEFAULT_RETENTION_DAYS

LONDON = ZoneInfo("Europe/London")
ROLLUP_KEY = ("day", "centre", "type", "content_id", "language", "outcome")


def _insert(engine: sa.Engine, table: sa.Table):
    """INSERT with ON CONFLICT for the hub's two databases (Store refuses any other)."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def local_day_and_hour(t: float) -> tuple[date, int]:
    """London's calendar day and hour of the week (Monday 00:00-00:59 is 0) for Unix time t."""
    return _local_hour(int(t // 3600))


@functools.lru_cache(maxsize=4096)
def _local_hour(utc_hour: int) -> tuple[date, int]:
    # London's offset changes only on the hour (01:00 UTC), so one answer per UTC hour.
    local = datetime.fromtimestamp(utc_hour * 3600, LONDON)
    return local.date(), local.weekday() * 24 + local.hour


def to_row(event: dict, terminal_id: str, centre: str, received: datetime) -> dict:
    """A checked event (kiosk.core.events.validate) as a row of `events`."""
    day, how = local_day_and_hour(event["time"])
    return {
        "event_id": event["event_id"], "terminal_id": terminal_id, "centre": centre,
        "time": datetime.fromtimestamp(event["time"], UTC).replace(tzinfo=None),
        "day": day, "hour_of_week": how, "session": event["session"], "type": event["type"],
        "content_id": event.get("content_id"), "language": event.get("language"),
        "duration_ms": event.get("duration_ms"), "outcome": event.get("outcome"),
        "received": received,
    }


def ingest(engine: sa.Engine, terminal_id: str, centre: str, batch: Sequence[dict],
           now: datetime | None = None) -> tuple[int, int]:
    """Store checked events; returns (accepted, duplicates). Same id twice: stored once."""
    received = now or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    rows = {}
    for e in batch:  # the same id twice in one batch is a duplicate too
        rows.setdefault(e["event_id"], to_row(e, terminal_id, centre, received))
    if not rows:
        return 0, len(batch)
    stmt = _insert(engine, events).on_conflict_do_nothing(index_elements=["event_id"])
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            # The same statement, run by psycopg's own executemany: one prepared statement,
            # pipelined, whose rowcount is the exact sum of rows inserted. (SQLAlchemy's
            # multi-row VALUES ... RETURNING is re-parsed by psycopg for every batch: four
            # times the CPU per event.)
            with c.connection.driver_connection.cursor() as cur:
                cur.executemany(_sql(engine.dialect, stmt), list(rows.values()))
                accepted = cur.rowcount
        else:
            accepted = len(c.execute(stmt.returning(events.c.event_id),
                                     list(rows.values())).all())
    return accepted, len(batch) - accepted


_SQL_CACHE: dict[str, str] = {}


def _sql(dialect, stmt) -> str:
    """The statement's SQL for the DBAPI (psycopg's %(name)s style), compiled once."""
    if dialect.name not in _SQL_CACHE:
        _SQL_CACHE[dialect.name] = str(stmt.compile(dialect=dialect))
    return _SQL_CACHE[dialect.name]


class _Raced(Exception):
    pass


def roll_up(engine: sa.Engine, days: int = DEFAULT_RETENTION_DAYS,
            today: date | None = None) -> int:
    """Roll raw events older than `days` into daily_counts and delete them; returns how many
    events were rolled up. Safe to run again, or at the same time as ingestion."""
    for attempt in range(5):
        try:
            return _roll_up(engine, days, today)
        except _Raced:
            if attempt == 4:
                raise RuntimeError("roll-up kept racing with ingestion; try again") from None
    raise AssertionError("unreachable")


def _roll_up(engine: sa.Engine, days: int, today: date | None) -> int:
    if days < 1:
        raise ValueError(f"retention must be at least 1 day, not {days}")
    today = today or datetime.now(LONDON).date()
    cutoff = today - timedelta(days=days)
    e = events.c
    key = [e.day, e.centre, e.type, sa.func.coalesce(e.content_id, ""),
           sa.func.coalesce(e.language, ""), sa.func.coalesce(e.outcome, "")]
    grouped = (sa.select(*key, sa.func.count(), sa.func.coalesce(sa.func.sum(e.duration_ms), 0))
               .where(e.day < cutoff).group_by(*key))
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":  # inserts wait (briefly); reports go on
            c.execute(sa.text("LOCK TABLE events IN SHARE MODE"))
        rows = [dict(zip((*ROLLUP_KEY, "n", "duration_ms_sum"), r)) for r in c.execute(grouped)]
        if not rows:
            return 0
        ins = _insert(engine, daily_counts)
        upsert = ins.on_conflict_do_update(
            index_elements=list(ROLLUP_KEY),
            set_={"n": daily_counts.c.n + ins.excluded.n,
                  "duration_ms_sum": daily_counts.c.duration_ms_sum
                  + ins.excluded.duration_ms_sum})
        for i in range(0, len(rows), 1000):
            c.execute(upsert, rows[i:i + 1000])
        # Delete exactly what was counted. An old event that arrived between the select and
        # here (SQLite only: PostgreSQL holds the lock above) makes the counts differ: the
        # whole transaction is undone and the caller runs it again.
        deleted = c.execute(events.delete().where(e.day < cutoff)).rowcount
        counted = sum(r["n"] for r in rows)
        if deleted != counted:
            raise _Raced(f"roll-up counted {counted} events but would delete {deleted}")
    return counted
