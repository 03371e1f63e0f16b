"""Usage figures for admins: one report, computed in the database, suppressed by default.

What is counted (kiosk/core/events.py says what each event means):

    sessions            session_start events: each session starts exactly once
    sessions by day     London days, every day of the range (zeros too)
    by hour of week     7 x 24, Monday first, London hours (raw events only)
    by language         session_end events by their language: the language a session ended
                        in (sessions still going, or cut short by a power cut, are not in it)
    by centre           every enrolled centre and every centre with sessions in the range
                        (or the one asked for)
    median length       session_end duration_ms, in seconds (raw events only)
    services            guide_opened by service id
    tutorials           tutorial_started and tutorial_completed by tutorial id, and
                        completed / started

Raw events older than the retention age live on only as daily counts (usage.roll_up), so a
count over a period is raw rows plus daily_counts rows, each event counted once; both are
summed by GROUP BY in the database, one query each, the same SQL on SQLite and PostgreSQL
(a hub may hold tens of millions of events: nothing here loads them). Daily counts have no
hour and no single durations, so the hour-of-week table and the median cover raw days only;
the report says so in `notes` when the range reaches into rolled-up days.

Figures are suppressed by suppress.py unless suppress=False (for admins' own eyes only).
The dashboard and `kiosk-hub export` both show this dict; `figures()` flattens it to one
row per figure for CSV.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kiosk.hub import suppress as sup
from kiosk.hub.schema import daily_counts, events, terminals

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_DAYS = 3700  # about ten years: every day is a row of the report
TUTORIAL_TYPES = ("tutorial_started", "tutorial_completed")
E = events.c
D = daily_counts.c


@dataclass(frozen=True)
class Filters:
    """London days from start to end, both included; one centre (its name) or all."""

    start: date
    end: date
    centre: str | None = None

    def __post_init__(self):
        if self.start > self.end:
            raise ValueError(f"the start {self.start} is after the end {self.end}")
        if (self.end - self.start).days >= MAX_DAYS:
            raise ValueError(f"a report covers at most {MAX_DAYS} days, not "
                             f"{(self.end - self.start).days + 1}")

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def centres(engine: sa.Engine) -> list[str]:
    """Every centre the hub knows: from its terminals, its daily counts and its events."""
    q = sa.union(sa.select(terminals.c.centre), sa.select(D.centre).distinct(),
                 sa.select(E.centre).distinct())
    with engine.connect() as c:
        return sorted(r[0] for r in c.execute(q))


@functools.lru_cache(maxsize=4)
def titles(published=None) -> Mapping[str, str]:
    """English titles of services and tutorials by id: the bundled content's, then those of
    the pack published on the hub (`published`: the hub's PublishedPacks) on top, so a guide
    a newer pack renamed or added is named too. Reports fall back to ids."""
    return {**_bundled_titles(), **(published.titles() if published is not None else {})}


@functools.lru_cache(maxsize=1)
def _bundled_titles() -> Mapping[str, str]:
    from kiosk.core import content
    from kiosk.core.settings import DEFAULT_CONTENT_DIR

    try:
        cat = content.load(Path(DEFAULT_CONTENT_DIR))
    except (OSError, ValueError):
        return {}
    found = {i: s.title.get("en") for i, s in cat.services.items()}
    found.update({i: t.title.get("en") for i, t in cat.tutorials.items()})
    return found


def language_name(code: str) -> str:
    from kiosk.core import languages

    if not code:
        return "unknown"
    return languages.LANGUAGES[code].english_name if languages.is_known(code) else code


# --- counting ----------------------------------------------------------------------------

def _where(t, f: Filters) -> list:
    """The filters on the columns of t: raw events (E) or daily counts (D) alike."""
    where = [t.day >= f.start, t.day <= f.end]
    return where + ([t.centre == f.centre] if f.centre is not None else [])


def _raw_key(name: str):
    col = E[name]
    # daily_counts keeps "" for none; raw rows keep NULL
    return sa.func.coalesce(col, "") if name in ("content_id", "language", "outcome") else col


def _counts(c: sa.Connection, f: Filters, types: tuple[str, ...],
            keys: tuple[str, ...]) -> Counter:
    """Events of these types in the range, counted by keys (columns of both tables): raw
    rows and daily counts, added up."""
    raw_keys = [_raw_key(k) for k in keys]
    raw = (sa.select(*raw_keys, sa.func.count())
           .where(E.type.in_(types), *_where(E, f)).group_by(*raw_keys))
    rolled = (sa.select(*[D[k] for k in keys], sa.func.sum(D.n))
              .where(D.type.in_(types), *_where(D, f)).group_by(*[D[k] for k in keys]))
    total: Counter = Counter()
    for q in (raw, rolled):
        for *key, n in c.execute(q):
            total[tuple(key)] += int(n)
    return total


def _sessions(c: sa.Connection, f: Filters) -> tuple[Counter, Counter]:
    """Sessions by (day, centre), raw rows and daily counts added up, and by hour of the
    week (raw rows only), from one pass over the raw rows: a row per day, centre and hour
    comes back, never one per event."""
    raw = (sa.select(E.day, E.centre, E.hour_of_week, sa.func.count())
           .where(E.type == "session_start", *_where(E, f))
           .group_by(E.day, E.centre, E.hour_of_week))
    rolled = (sa.select(D.day, D.centre, sa.func.sum(D.n))
              .where(D.type == "session_start", *_where(D, f)).group_by(D.day, D.centre))
    by_day_centre: Counter = Counter()
    by_hour: Counter = Counter()
    for day, centre, hour, n in c.execute(raw):
        by_day_centre[(day, centre)] += n
        by_hour[hour] += n
    for day, centre, n in c.execute(rolled):
        by_day_centre[(day, centre)] += int(n)
    return by_day_centre, by_hour


def _ended(c: sa.Connection, f: Filters) -> tuple[Counter, int]:
    """Sessions ended, by language (raw rows and daily counts), and how many raw ones have
    a length (for the median), from one pass over the raw rows."""
    lang = _raw_key("language")
    raw = (sa.select(lang, sa.func.count(), sa.func.count(E.duration_ms))
           .where(E.type == "session_end", *_where(E, f)).group_by(lang))
    rolled = (sa.select(D.language, sa.func.sum(D.n))
              .where(D.type == "session_end", *_where(D, f)).group_by(D.language))
    by_language: Counter = Counter()
    timed = 0
    for language, n, with_length in c.execute(raw):
        by_language[language] += n
        timed += with_length
    for language, n in c.execute(rolled):
        by_language[language] += int(n)
    return by_language, timed


def _median_ms(c: sa.Connection, f: Filters, n: int) -> float | None:
    """The median length in ms of the n raw session_end events with one. The database
    sorts; at most two rows come back."""
    where = [E.type == "session_end", E.duration_ms.is_not(None), *_where(E, f)]
    if not n:
        return None
    middle = c.execute(sa.select(E.duration_ms).where(*where).order_by(E.duration_ms)
                       .offset((n - 1) // 2).limit(1 if n % 2 else 2)).scalars().all()
    return sum(middle) / len(middle)


def _ordered(rows: list[dict], field: str, key: str) -> list[dict]:
    """Largest published figure first; withheld ones after the shown ones (their true order
    would say which hidden count is bigger), then zeros; ties by key."""
    def rank(r):
        v = r[field]
        return (1, 0, r[key]) if isinstance(v, str) else ((0, -v, r[key]) if v else (2, 0, r[key]))
    return sorted(rows, key=rank)


def report(engine: sa.Engine, filters: Filters, suppress: bool = True,
           titles_by_id: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The usage figures for filters, as a JSON-serialisable dict (module docstring; the
    shape is in docs/admin-guide.md). suppress=False: every count as it is."""
    f = filters
    names = titles() if titles_by_id is None else titles_by_id
    with engine.connect() as c:
        by_day_centre, hours = _sessions(c, f)
        by_language, median_n = _ended(c, f)
        content = _counts(c, f, ("guide_opened", *TUTORIAL_TYPES), ("type", "content_id"))
        median_ms = _median_ms(c, f, median_n)
        rolled_until = c.execute(sa.select(sa.func.max(D.day))).scalar()
        # every enrolled centre, with 0 if it had no sessions (cheaper than centres(): no
        # pass over the events; a centre with events has a terminal)
        known = [f.centre] if f.centre is not None else \
            list(c.execute(sa.select(terminals.c.centre).distinct()).scalars())

    # --- the tables, unsuppressed
    days = f.days
    day_n: Counter = Counter()
    centre_n: Counter = Counter()
    for (day, centre), n in by_day_centre.items():
        day_n[day] += n
        centre_n[centre] += n
    day_counts = [day_n[day] for day in days]
    centre_names = sorted(set(known) | set(centre_n))
    centre_counts = [centre_n[name] for name in centre_names]
    total = sum(day_counts)
    hour_counts = [hours[h] for h in range(7 * 24)]
    langs = sorted(by_language)
    lang_counts = [by_language[k] for k in langs]
    services = sorted(k[1] for k in content if k[0] == "guide_opened")
    service_counts = [content[("guide_opened", s)] for s in services]
    tutorials = sorted({k[1] for k in content if k[0] in TUTORIAL_TYPES})
    started = [content[("tutorial_started", t)] for t in tutorials]
    completed = [content[("tutorial_completed", t)] for t in tutorials]
    median_s = None if median_ms is None else round(median_ms / 1000, 1)

    # --- published
    if suppress:
        # Every sessions table that adds up to the total is protected with it; the others
        # (hours when some days are rolled up, languages when sessions have not ended in
        # the range) on their own.
        tables = {"days": day_counts, "centres": centre_counts, "hours": hour_counts,
                  "langs": lang_counts}
        together = [k for k, v in tables.items() if sum(v) == total]
        pub_total, done = sup.margin(total, [tables[k] for k in together])
        pub = dict(zip(together, done))
        pub_days, pub_centres, pub_hours, pub_langs = (
            pub[k] if k in pub else sup.part(v) for k, v in tables.items())
        pub_services_total, (pub_services,) = sup.margin(sum(service_counts), [service_counts])
        pub_started_total, (pub_started,) = sup.margin(sum(started), [started])
        pub_completed_total, (pub_completed,) = sup.margin(sum(completed), [completed])
        pub_median = sup.median(median_s, median_n)
    else:
        pub_total, pub_days, pub_centres, pub_hours = total, day_counts, centre_counts, hour_counts
        pub_langs, pub_services = lang_counts, service_counts
        pub_services_total = sum(service_counts)
        pub_started, pub_completed = started, completed
        pub_started_total, pub_completed_total = sum(started), sum(completed)
        pub_median = median_s

    notes = []
    if rolled_until is not None and f.start <= rolled_until:
        if f.end <= rolled_until:
            notes.append("Every day of this range is kept only as daily counts: sessions by "
                         "hour of the week and the median session length are not available.")
        else:
            first = rolled_until + timedelta(days=1)
            span = first.isoformat() + ("" if first == f.end else f" to {f.end.isoformat()}")
            notes.append(f"Days up to {rolled_until.isoformat()} are kept only as daily counts: "
                         f"sessions by hour of the week and the median session length cover "
                         f"{span} only.")

    return {
        "filters": {"from": f.start.isoformat(), "to": f.end.isoformat(), "centre": f.centre},
        "suppressed": suppress,
        "rolled_up_until": rolled_until.isoformat() if rolled_until else None,
        "notes": notes,
        "sessions": {
            "total": pub_total,
            "by_day": [{"day": d.isoformat(), "sessions": n} for d, n in zip(days, pub_days)],
            "by_hour_of_week": [list(pub_hours[d * 24:(d + 1) * 24]) for d in range(7)],
            "by_language": _ordered(
                [{"language": k, "name": language_name(k), "sessions": n}
                 for k, n in zip(langs, pub_langs)], "sessions", "language"),
            "by_centre": [{"centre": k, "sessions": n} for k, n in zip(centre_names, pub_centres)],
            "median_length_s": pub_median,
        },
        "services": {
            "opened": pub_services_total,
            "rows": _ordered([{"id": s, "title": names.get(s, s), "opened": n}
                              for s, n in zip(services, pub_services)], "opened", "id"),
        },
        "tutorials": {
            "started": pub_started_total,
            "completed": pub_completed_total,
            "completion_rate": sup.rate(pub_completed_total, pub_started_total),
            "rows": _ordered([{"id": t, "title": names.get(t, t), "started": s,
                               "completed": d, "completion_rate": sup.rate(d, s)}
                              for t, s, d in zip(tutorials, pub_started, pub_completed)],
                             "started", "id"),
        },
    }


# --- flat rows for CSV ---------------------------------------------------------------------

FIGURE_COLUMNS = ("table", "dimension", "key", "label", "value")


def figures(rep: Mapping[str, Any]) -> Iterator[tuple[str, str, str, str, Any]]:
    """The report as one row per figure: (table, dimension, key, label, value), a withheld
    value as "<8" or "*", a missing one (no sessions, nothing started) as ""."""
    def v(x):
        return "" if x is None else x

    flt = rep["filters"]
    yield "filter", "from", flt["from"], "", flt["from"]
    yield "filter", "to", flt["to"], "", flt["to"]
    yield "filter", "centre", flt["centre"] or "", "", flt["centre"] or "all centres"
    yield "filter", "suppressed", "", "", "yes" if rep["suppressed"] else "no"
    for i, note in enumerate(rep["notes"], 1):
        yield "note", "", str(i), note, ""
    s = rep["sessions"]
    yield "sessions", "", "", "", s["total"]
    for r in s["by_day"]:
        yield "sessions_by_day", "day", r["day"], "", r["sessions"]
    for d, row in enumerate(s["by_hour_of_week"]):
        for h, n in enumerate(row):
            yield ("sessions_by_hour_of_week", "hour_of_week", f"{WEEKDAYS[d][:3]} {h:02d}:00",
                   f"{WEEKDAYS[d]} {h:02d}:00-{h:02d}:59", n)
    for r in s["by_language"]:
        yield "sessions_by_language", "language", r["language"], r["name"], r["sessions"]
    for r in s["by_centre"]:
        yield "sessions_by_centre", "centre", r["centre"], "", r["sessions"]
    yield "median_session_length_s", "", "", "", v(s["median_length_s"])
    yield "guides_opened", "", "", "", rep["services"]["opened"]
    for r in rep["services"]["rows"]:
        yield "guides_opened_by_service", "service", r["id"], r["title"], r["opened"]
    t = rep["tutorials"]
    yield "tutorials_started", "", "", "", t["started"]
    yield "tutorials_completed", "", "", "", t["completed"]
    yield "tutorial_completion_rate", "", "", "", v(t["completion_rate"])
    for r in t["rows"]:
        yield "tutorials_started_by_tutorial", "tutorial", r["id"], r["title"], r["started"]
    for r in t["rows"]:
        yield "tutorials_completed_by_tutorial", "tutorial", r["id"], r["title"], r["completed"]
    for r in t["rows"]:
        yield ("tutorial_completion_rate_by_tutorial", "tutorial", r["id"], r["title"],
               v(r["completion_rate"]))


# --- raw events ----------------------------------------------------------------------------

RAW_COLUMNS = ("event_id", "terminal_id", "centre", "time", "day", "hour_of_week", "session",
               "type", "content_id", "language", "duration_ms", "outcome", "received")


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat() + "Z"  # stored as naive UTC
    return value.isoformat()


def raw_events(engine: sa.Engine, start: date | None = None, end: date | None = None,
               centre: str | None = None, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every stored raw event (optionally London days start..end, one centre), UNSUPPRESSED,
    as dicts with RAW_COLUMNS (times ISO 8601 UTC), streamed from the database a batch at a
    time (a server-side cursor on PostgreSQL): memory does not grow with the table. In
    storage order. Rolled-up days are not raw events and are not in it."""
    where = []
    if start is not None:
        where.append(E.day >= start)
    if end is not None:
        where.append(E.day <= end)
    if centre is not None:
        where.append(E.centre == centre)
    q = sa.select(*[E[k] for k in RAW_COLUMNS]).where(*where)
    with engine.connect() as c:
        result = c.execution_options(stream_results=True, yield_per=batch).execute(q)
        for row in result:
            d = dict(zip(RAW_COLUMNS, row))
            d["time"], d["day"], d["received"] = _iso(d["time"]), _iso(d["day"]), \
                _iso(d["received"])
            yield d
