"""The fleet on the hub: heartbeats kept as a short, thinned history; each terminal's last
heartbeat; remote actions queued for a terminal until its next heartbeat, and their outcome.

A heartbeat (core/heartbeat.py, checked) is stored in one transaction with what it brings
back: the outcomes of actions it reports, and the actions still to deliver (a replacement
token is made here, at delivery, and only its SHA-256 kept, as pending on the terminal).

History, thinned as it ages (`thin`, hourly from the server's housekeeping):

    level 0   one row a heartbeat       for the last 24 hours
    level 1   one row an hour           for 30 days
    level 2   one row a day             for 400 days, then deleted

A thinned row stands for the rows it replaced: how many heartbeats (`beats`), the failed
sync rounds they reported (summed), the most events queued and set aside, the least free
disk and the most memory. At 60 s a terminal has 1,440 + 696 + 370 = 2,506 rows a year at
most instead of 525,600: for 1,000 terminals about 2.5 million rows (bench/heartbeat.py
measures their size on PostgreSQL), and each hour's thinning has about 60,000 rows to fold.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.core import heartbeat as hb_schema
from kiosk.core.protocol import ACTIONS, MAX_ACTIONS, REPLACE_TOKEN
from kiosk.hub.schema import (
    heartbeats,
    terminal_actions,
    terminal_health,
    terminals,
    terminals_version,
)

RAW_FOR = timedelta(hours=24)
HOURLY_FOR = timedelta(days=30)
KEEP_FOR = timedelta(days=400)
LEVEL_RAW, LEVEL_HOUR, LEVEL_DAY = 0, 1, 2
BUCKET = {LEVEL_HOUR: 3600, LEVEL_DAY: 86400}
OPEN_STATES = ("queued", "sent")
ACTION_WORDS = {"restart": "Restart the app", "leave_maintenance": "Leave maintenance mode",
                "replace_token": "Replace the terminal's token"}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _unix(dt: datetime) -> int:
    return int(dt.replace(tzinfo=UTC).timestamp())


def _insert(engine_or_conn, table: sa.Table):
    dialect = postgresql if engine_or_conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _time(text: str | None) -> datetime | None:
    return hb_schema.parse_time(text) if text else None


# --- heartbeats in --------------------------------------------------------------------------


def record_heartbeat(engine: sa.Engine, terminal_id: str, hb: Mapping[str, Any],
                     now: datetime | None = None) -> list[dict]:
    """Keep a checked heartbeat (core.heartbeat.check), record the outcomes it reports, and
    return the actions to deliver in the answer (a token replacement with a new token: its
    SHA-256 is kept as the terminal's pending token, the old one still works)."""
    now = now or _now()
    disk_pm = None
    if hb.get("disk_total_bytes") and hb.get("disk_free_bytes") is not None:
        disk_pm = min(1000, int(1000 * hb["disk_free_bytes"] / hb["disk_total_bytes"]))
    error = hb.get("last_error") or {}
    queued = hb["queued"]
    values = {
        "at": now, "app_version": hb["app_version"],
        "content_version": hb.get("content_version"),
        "content_expires": _time(hb.get("content_expires")),
        "config_version": hb.get("config_version"), "queued": queued,
        "set_aside": hb["set_aside"], "uptime_s": hb["uptime_s"],
        "disk_free_bytes": hb.get("disk_free_bytes"),
        "disk_total_bytes": hb.get("disk_total_bytes"),
        "memory_bytes": hb.get("memory_bytes"),
        "failed_rounds": hb.get("failed_rounds") or 0,
        "error_streak": hb.get("error_streak") or 0,
        "error_class": error.get("class"), "error_message": error.get("message"),
        "error_at": _time(error.get("at")), "maintenance": hb["maintenance"],
        "last_session_hour": _time(hb.get("last_session_hour")),
        "queue_rising_since": now, "queue_rising_from": queued}
    memory = hb.get("memory_bytes")
    history = {"terminal_id": terminal_id, "level": LEVEL_RAW, "t": _unix(now), "beats": 1,
               "failed": hb.get("failed_rounds") or 0, "queued": queued,
               "set_aside": hb["set_aside"], "disk_free_pm": disk_pm,
               "memory_mb": None if memory is None else memory // 2**20}
    with engine.begin() as c:
        upsert, insert = _statements(c.dialect.name)
        c.execute(upsert, {"terminal_id": terminal_id, **values})
        c.execute(insert, history)
        a = terminal_actions.c
        for r in hb.get("results") or ():
            c.execute(sa.update(terminal_actions)
                      .where(a.id == r["id"], a.terminal_id == terminal_id,
                             a.state.in_(OPEN_STATES), a.kind != REPLACE_TOKEN)
                      .values(state=r["outcome"], done_at=now, outcome=r["message"] or None))
        return _deliver(c, terminal_id, now)


_STATEMENTS: dict[str, tuple] = {}


def _statements(dialect: str) -> tuple:
    """The heartbeat's two writes, built once per dialect (a heartbeat a second per 60
    terminals: building and hashing a 20-column upsert each time was half its CPU).

    The last state is one upsert: the queue has been rising since when it was last empty or
    went down, and the row's own values decide that in the database, so two workers cannot
    race on it. A second heartbeat of a terminal in the same second adds no history row."""
    if dialect not in _STATEMENTS:
        h = terminal_health.c
        names = [c.name for c in terminal_health.columns]
        ins = (postgresql if dialect == "postgresql" else sqlite).insert(terminal_health) \
            .values({n: sa.bindparam(n) for n in names})
        restarts = sa.or_(ins.excluded.queued == 0, ins.excluded.queued < h.queued)
        upsert = ins.on_conflict_do_update(index_elements=["terminal_id"], set_={
            **{n: ins.excluded[n] for n in names
               if n not in ("terminal_id", "queue_rising_since", "queue_rising_from")},
            "queue_rising_since": sa.case((restarts, ins.excluded.queue_rising_since),
                                          else_=h.queue_rising_since),
            "queue_rising_from": sa.case((restarts, ins.excluded.queue_rising_from),
                                         else_=h.queue_rising_from)})
        history = (postgresql if dialect == "postgresql" else sqlite).insert(heartbeats) \
            .values({c.name: sa.bindparam(c.name) for c in heartbeats.columns}) \
            .on_conflict_do_nothing()
        _STATEMENTS[dialect] = (upsert, history)
    return _STATEMENTS[dialect]


def _deliver(c: sa.Connection, terminal_id: str, now: datetime) -> list[dict]:
    """The open actions of a terminal, marked sent; a token replacement gets a new token
    each time it is delivered (the hub keeps only the hash of the latest)."""
    a = terminal_actions.c
    rows = c.execute(sa.select(a.id, a.kind).where(a.terminal_id == terminal_id,
                                                   a.state.in_(OPEN_STATES))
                     .order_by(a.id).limit(MAX_ACTIONS)).all()
    out = []
    for row in rows:
        action = {"id": row.id, "kind": row.kind}
        if row.kind == REPLACE_TOKEN:
            token = secrets.token_urlsafe(32)
            c.execute(sa.update(terminals).where(terminals.c.id == terminal_id)
                      .values(pending_token_sha256=_sha256(token)))
            _tokens_changed(c)
            action["token"] = token
        out.append(action)
    if rows:
        c.execute(sa.update(terminal_actions)
                  .where(a.id.in_([r.id for r in rows]))
                  .values(state="sent", sent_at=now))
    return out


def _tokens_changed(c: sa.Connection) -> None:
    """A token added or replaced, in the transaction that does it: every hub process's
    tokens kept in memory are out of date (fresh.py, as store.enrol and revoke do)."""
    c.execute(sa.update(terminals_version).values(version=terminals_version.c.version + 1))


def confirm_pending_token(engine: sa.Engine, token_sha256: str,
                          now: datetime | None = None) -> tuple[str, str] | None:
    """A request made with a terminal's pending replacement token: it becomes the terminal's
    only token (the old one stops working now) and the replacement is done. (id, centre), or
    None when no terminal has it pending."""
    now = now or _now()
    t, a = terminals.c, terminal_actions.c
    with engine.begin() as c:
        row = c.execute(sa.select(t.id, t.centre).where(t.pending_token_sha256 == token_sha256,
                                                        t.revoked.is_(False))).first()
        if row is None:
            return None
        done = c.execute(sa.update(terminals).where(t.id == row.id,
                                                    t.pending_token_sha256 == token_sha256)
                         .values(token_sha256=token_sha256, pending_token_sha256=None))
        if done.rowcount != 1:
            return None
        _tokens_changed(c)  # in the same transaction: no process takes the old one after it
        c.execute(sa.update(terminal_actions)
                  .where(a.terminal_id == row.id, a.kind == REPLACE_TOKEN,
                         a.state.in_(OPEN_STATES))
                  .values(state="done", done_at=now,
                          outcome="the new token is in use; the old one no longer works"))
    return row.id, row.centre


# --- remote actions -----------------------------------------------------------------------


def queue_action(engine: sa.Engine, terminal_id: str, kind: str, who: str,
                 now: datetime | None = None) -> int:
    """Queue an action for a terminal's next heartbeat; its id. The same kind queued twice
    before the terminal has picked it up is one action (the id of the one queued)."""
    if kind not in ACTIONS:
        raise ValueError(f"unknown action {kind!r}")
    a = terminal_actions.c
    with engine.begin() as c:
        open_id = c.execute(sa.select(a.id).where(a.terminal_id == terminal_id, a.kind == kind,
                                                  a.state == "queued")).scalar()
        if open_id is not None:
            return open_id
        return c.execute(sa.insert(terminal_actions).values(
            terminal_id=terminal_id, kind=kind, requested=now or _now(),
            requested_by=who[:120], state="queued")).inserted_primary_key[0]


def actions(engine: sa.Engine, terminal_id: str, limit: int = 20) -> list[dict]:
    """A terminal's actions, newest first."""
    a = terminal_actions.c
    with engine.connect() as c:
        rows = c.execute(sa.select(terminal_actions).where(a.terminal_id == terminal_id)
                         .order_by(a.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]


# --- what the pages and the status rules read ------------------------------------------


def health(engine: sa.Engine, terminal_id: str | None = None) -> dict[str, dict]:
    """The last heartbeat of each terminal (or of one), by terminal id."""
    q = sa.select(terminal_health)
    if terminal_id is not None:
        q = q.where(terminal_health.c.terminal_id == terminal_id)
    with engine.connect() as c:
        return {r.terminal_id: dict(r._mapping) for r in c.execute(q)}


def history(engine: sa.Engine, terminal_id: str, since: datetime,
            level: int = LEVEL_RAW) -> list[dict]:
    """A terminal's rows of one level from `since`, oldest first."""
    hb = heartbeats.c
    with engine.connect() as c:
        rows = c.execute(sa.select(heartbeats).where(hb.terminal_id == terminal_id,
                                                     hb.level == level,
                                                     hb.t >= _unix(since)).order_by(hb.t))
        return [dict(r._mapping) for r in rows]


def recent(engine: sa.Engine, terminal_id: str, now: datetime | None = None,
           days: int = 7) -> list[dict]:
    """A terminal's last `days` days at one row an hour: the hourly rows, and the raw rows
    of the last day folded into hours the same way, oldest first."""
    now = now or _now()
    since = now - timedelta(days=days)
    rows = history(engine, terminal_id, since, LEVEL_HOUR)
    raw = history(engine, terminal_id, max(since, now - RAW_FOR - timedelta(hours=1)),
                  LEVEL_RAW)
    folded: dict[int, dict] = {r["t"]: r for r in rows}
    for r in _fold(raw, 3600):
        if r["t"] in folded:
            folded[r["t"]] = _merge(folded[r["t"]], r)
        else:
            folded[r["t"]] = r
    return [folded[t] for t in sorted(folded)]


def _merge(a: dict, b: dict) -> dict:
    def least(x, y):
        return y if x is None else x if y is None else min(x, y)

    def most(x, y):
        return y if x is None else x if y is None else max(x, y)

    return {**a, "beats": a["beats"] + b["beats"], "failed": a["failed"] + b["failed"],
            "queued": max(a["queued"], b["queued"]),
            "set_aside": max(a["set_aside"], b["set_aside"]),
            "disk_free_pm": least(a["disk_free_pm"], b["disk_free_pm"]),
            "memory_mb": most(a["memory_mb"], b["memory_mb"])}


def _fold(rows: list[dict], seconds: int) -> list[dict]:
    """Rows folded into one per `seconds` bucket (per terminal), as thinning does."""
    out: dict[tuple[str, int], dict] = {}
    for r in rows:
        key = (r["terminal_id"], r["t"] - r["t"] % seconds)
        row = {**r, "t": key[1]}
        out[key] = _merge(out[key], row) if key in out else row
    return list(out.values())


# --- thinning -------------------------------------------------------------------------------


def thin(engine: sa.Engine, now: datetime | None = None, chunk: int = 20_000) -> dict:
    """Fold raw rows older than a day into hours, hourly rows older than 30 days into days,
    and delete daily rows older than 400 days. Safe to run again, or while heartbeats
    arrive (each step is a transaction that folds and deletes exactly the rows it read).
    Returns how many rows each step folded or deleted."""
    now = now or _now()
    done = {"hours": _fold_level(engine, LEVEL_RAW, LEVEL_HOUR, _unix(now - RAW_FOR), chunk),
            "days": _fold_level(engine, LEVEL_HOUR, LEVEL_DAY, _unix(now - HOURLY_FOR),
                                chunk)}
    hb = heartbeats.c
    with engine.begin() as c:
        done["deleted"] = c.execute(sa.delete(heartbeats).where(
            hb.level == LEVEL_DAY, hb.t < _unix(now - KEEP_FOR))).rowcount
    return done


def _fold_level(engine: sa.Engine, source: int, target: int, before: int, chunk: int) -> int:
    """Fold rows of level `source` older than `before` (Unix seconds; whole buckets only)
    into level `target`, a terminal's bucket at a time, in transactions of about `chunk`
    rows."""
    seconds = BUCKET[target]
    before -= before % seconds  # whole buckets: a bucket is folded once, all of it
    hb = heartbeats.c
    total = 0
    while True:
        with engine.begin() as c:
            rows = [dict(r._mapping) for r in c.execute(
                sa.select(heartbeats).where(hb.level == source, hb.t < before)
                .order_by(hb.terminal_id, hb.t).limit(chunk))]
            if not rows:
                return total
            if len(rows) == chunk:  # do not split a terminal's bucket between two chunks
                last = rows[-1]
                cut = (last["terminal_id"], last["t"] - last["t"] % seconds)
                kept = [r for r in rows
                        if (r["terminal_id"], r["t"] - r["t"] % seconds) != cut]
                rows = kept or rows
            folded = _fold(rows, seconds)
            ins = _insert(c, heartbeats)
            upsert = ins.on_conflict_do_update(
                index_elements=["terminal_id", "level", "t"],
                set_={"beats": heartbeats.c.beats + ins.excluded.beats,
                      "failed": heartbeats.c.failed + ins.excluded.failed,
                      "queued": sa.func.max(heartbeats.c.queued, ins.excluded.queued)
                      if c.dialect.name == "sqlite" else
                      sa.func.greatest(heartbeats.c.queued, ins.excluded.queued),
                      "set_aside": sa.func.max(heartbeats.c.set_aside, ins.excluded.set_aside)
                      if c.dialect.name == "sqlite" else
                      sa.func.greatest(heartbeats.c.set_aside, ins.excluded.set_aside),
                      "disk_free_pm": sa.func.coalesce(
                          (sa.func.min if c.dialect.name == "sqlite" else sa.func.least)(
                              heartbeats.c.disk_free_pm, ins.excluded.disk_free_pm),
                          heartbeats.c.disk_free_pm, ins.excluded.disk_free_pm),
                      "memory_mb": sa.func.coalesce(
                          (sa.func.max if c.dialect.name == "sqlite" else sa.func.greatest)(
                              heartbeats.c.memory_mb, ins.excluded.memory_mb),
                          heartbeats.c.memory_mb, ins.excluded.memory_mb)})
            c.execute(upsert, [{**r, "level": target} for r in folded])
            # The rows read are, per terminal, every row of the level from its oldest to
            # the newest read (ordered by terminal and time, cut at a whole bucket): delete
            # that range, which holds nothing else (new heartbeats are far newer).
            spans: dict[str, list[int]] = {}
            for r in rows:
                span = spans.setdefault(r["terminal_id"], [r["t"], r["t"]])
                span[0], span[1] = min(span[0], r["t"]), max(span[1], r["t"])
            for tid, (first, last) in spans.items():
                c.execute(sa.delete(heartbeats).where(hb.terminal_id == tid,
                                                      hb.level == source,
                                                      hb.t.between(first, last)))
            total += len(rows)


# --- every terminal with its status -------------------------------------------------------


# What the status rules and the fleet page read of a last heartbeat.
OVERVIEW_COLUMNS = ("at", "app_version", "content_version", "content_expires", "queued",
                    "set_aside", "disk_free_bytes", "disk_total_bytes", "error_streak",
                    "error_class", "maintenance", "queue_rising_since", "queue_rising_from")


def overview(engine: sa.Engine, now: datetime | None = None,
             centres: frozenset[str] | None = None, terminal_id: str | None = None
             ) -> list[dict]:
    """Every terminal (of `centres`, or the one `terminal_id`, if given) with its last
    heartbeat (OVERVIEW_COLUMNS) and its status (hub/status.py), ordered by centre and id:
    one query whatever the fleet's size."""
    from kiosk.hub import status

    now = now or _now()
    t, h = terminals.c, terminal_health.c
    q = (sa.select(t.id, t.centre, t.created, t.revoked, t.last_seen, t.app_version,
                   t.content_version, t.queue_depth, h.terminal_id,
                   *(h[name] for name in OVERVIEW_COLUMNS), t.refused_events)
         .select_from(terminals.outerjoin(terminal_health, h.terminal_id == t.id))
         .order_by(t.centre, t.id))
    if centres is not None:
        q = q.where(t.centre.in_(sorted(centres)))
    if terminal_id is not None:
        q = q.where(t.id == terminal_id)
    with engine.connect() as c:
        rows = c.execute(q).all()
    out = []
    judge = status.judge
    for r in rows:
        if r.terminal_id is None:
            health = None
            heard = r.last_seen
            app, content, queued, set_aside, maintenance = (
                r.app_version, r.content_version, r.queue_depth, None, False)
        else:
            health = dict(zip(OVERVIEW_COLUMNS, r[9:9 + len(OVERVIEW_COLUMNS)],
                              strict=True))
            heard = r.last_seen if r.last_seen and r.last_seen > health["at"] \
                else health["at"]
            app, content, queued, set_aside, maintenance = (
                health["app_version"] or r.app_version, health["content_version"],
                health["queued"], health["set_aside"], bool(health["maintenance"]))
        out.append({"id": r.id, "centre": r.centre, "created": r.created,
                    "revoked": bool(r.revoked), "last_seen": heard, "app_version": app,
                    "content_version": content, "queued": queued, "set_aside": set_aside,
                    "maintenance": maintenance, "health": health,
                    "refused": r.refused_events,
                    "status": judge(now, revoked=bool(r.revoked), last_seen=r.last_seen,
                                    health=health)})
    return out
