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
import math
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
        rows.setdefault(e["event_id"], e)
    if not rows:
        return 0, len(batch)
    if engine.dialect.name == "postgresql":
        with engine.begin() as c:
            accepted = _copy_in(c, _copy_text(rows, terminal_id, centre, received))
        return accepted, len(batch) - accepted
    stmt = _insert(engine, events).on_conflict_do_nothing(index_elements=["event_id"])
    rows = {k: to_row(e, terminal_id, centre, received) for k, e in rows.items()}
    with engine.begin() as c:
        accepted = len(c.execute(stmt.returning(events.c.event_id), list(rows.values())).all())
    return accepted, len(batch) - accepted


_COLUMNS = [col.name for col in events.columns]
_STAGE = "events_in"  # a temporary table per database connection, emptied at each commit
_STAGE_SQL = (f"create temporary table if not exists {_STAGE} (like events) "
              "on commit delete rows")
_COPY_SQL = f"copy {_STAGE} ({', '.join(_COLUMNS)}) from stdin"
_MOVE_SQL = (f"insert into events ({', '.join(_COLUMNS)}) select {', '.join(_COLUMNS)} "
             f"from {_STAGE} on conflict (event_id) do nothing")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _field(v) -> str:
    """A value in COPY's text format. The event's own strings are checked (ids, codes,
    UUIDs: events.validate) and hold no tab, newline or backslash; the rest are escaped."""
    return "\\N" if v is None else str(v)


def _copy_text(events_by_id: dict, terminal_id: str, centre: str, received: datetime) -> str:
    """The batch as COPY text rows in _COLUMNS order, made straight from the checked events
    (to_row's values, without a dict per row)."""
    fixed = f"\t{terminal_id.translate(_ESCAPES)}\t{centre.translate(_ESCAPES)}\t"
    rec = f"\t{received}\n"
    lines = []
    for e in events_by_id.values():
        t = e["time"]
        lines.append("".join((
            e["event_id"], fixed, _time_text(t), "\t", _day_hour_text(int(t // 3600)), "\t",
            e["session"], "\t", e["type"], "\t",
            _field(e.get("content_id")), "\t", _field(e.get("language")), "\t",
            _field(e.get("duration_ms")), "\t", _field(e.get("outcome")), rec)))
    return "".join(lines)


def _time_text(t: float) -> str:
    """str(datetime.fromtimestamp(t, UTC)) without its zone, as to_row stores it; the
    whole seconds cached (events come in sessions: many share a second's neighbours)."""
    whole = math.floor(t)
    us = round((t - whole) * 1e6)  # half to even, as datetime.fromtimestamp rounds
    if us >= 1_000_000:
        whole, us = whole + 1, us - 1_000_000
    return f"{_second_text(whole)}.{us:06d}" if us else _second_text(whole)


@functools.lru_cache(maxsize=65536)
def _second_text(whole: int) -> str:
    return str(datetime.fromtimestamp(whole, UTC).replace(tzinfo=None))


@functools.lru_cache(maxsize=4096)
def _day_hour_text(utc_hour: int) -> str:
    day, how = _local_hour(utc_hour)
    return f"{day}\t{how}"


def _copy_in(c: sa.Connection, text: str) -> int:
    """PostgreSQL: COPY the rows into a temporary staging table, then one INSERT ... SELECT
    ... ON CONFLICT DO NOTHING, whose rowcount is exactly the rows that were new: a third
    of the hub's CPU per event of psycopg's pipelined executemany (docs/performance.md), in
    the same transaction, so a batch is still stored whole or not at all."""
    conn = c.connection.driver_connection
    with conn.cursor() as cur:
        if not c.connection.info.get(_STAGE):  # once per pooled connection
            cur.execute(_STAGE_SQL)
            c.connection.info[_STAGE] = True
        with cur.copy(_COPY_SQL) as copy:
            copy.write(text)
        cur.execute(_MOVE_SQL)
        return cur.rowcount


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
