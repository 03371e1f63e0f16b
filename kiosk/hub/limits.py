"""What bounds a hostile peer's cost: attempts counted in the database (so the bound holds
across `kiosk-hub serve --workers`), and the password checks a process runs at once.

Counted attempts (table `attempts`, migration 0010): each key is the SHA-256 of what is
counted ("sign-in", a name and an address; "enrol" and an address; "events" and a
terminal), with a count in a fixed window. The attempt is counted *before* the work it
asks for, by one upsert that returns the new count, so requests sent in parallel cannot
all pass before the first is counted (issue 15: 40 wrong passwords sent at once were all
checked). Keys hold no name or address in the clear; old windows are swept by the server's
hourly housekeeping (`sweep`).

Password checks (argon2, memory-hard on purpose) run on a small pool of their own
(`PasswordChecks`): at most CHECKS at once, WAITING more queued, and beyond that the
sign-in is answered 503 with Retry-After at once. So a login flood costs at most
CHECKS x argon2's memory, and never takes the worker threads the terminals' API runs on
(issue 15: sixty parallel sign-ins took the hub to 2.3 GiB and the API to 8 s).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.hub.schema import attempts

T = TypeVar("T")


@dataclass(frozen=True)
class Limit:
    """At most `count` attempts per `window` seconds for one key."""
    what: str
    count: int
    window: int


# Sign-ins: for one name from one address, and from one address whatever the names (a
# flood of made-up names from one place). Enrolment: from one address (a library enrolling
# a room of terminals at once stays well within it). Events: batches from one terminal (a
# backlog of weeks, 1000 events a batch, still goes in at 60,000 events a minute).
SIGN_IN = Limit("sign-in", 5, 15 * 60)
SIGN_IN_ADDRESS = Limit("sign-in-address", 100, 15 * 60)
ENROL = Limit("enrol", 30, 15 * 60)
EVENT_BATCHES = Limit("events", 60, 60)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _key(limit: Limit, parts: tuple[str, ...]) -> str:
    text = "\x1f".join((limit.what, *parts))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def event_batches(per_minute: int) -> Limit:
    """The events' limit with the hub's setting (event_batches_per_minute)."""
    return Limit(EVENT_BATCHES.what, per_minute, EVENT_BATCHES.window)


def count(engine: sa.Engine, limit: Limit, *parts: str, now: datetime | None = None) -> int:
    """Count one attempt for `parts` under `limit`; the seconds to wait before trying
    again when it is over the limit, else 0. One statement: parallel attempts are each
    counted, in order, in every worker."""
    now = now or _now()
    cutoff = now - timedelta(seconds=limit.window)
    a = attempts.c
    ins = (postgresql if engine.dialect.name == "postgresql" else sqlite).insert(attempts) \
        .values(key_sha256=_key(limit, parts), window_start=now, count=1)
    expired = a.window_start <= cutoff
    stmt = ins.on_conflict_do_update(index_elements=["key_sha256"], set_={
        "count": sa.case((expired, 1), else_=a.count + 1),
        "window_start": sa.case((expired, now), else_=a.window_start),
    }).returning(a.count, a.window_start)
    with engine.begin() as c:
        n, start = c.execute(stmt).one()
    if n <= limit.count:
        return 0
    return max(1, math.ceil((start + timedelta(seconds=limit.window) - now).total_seconds()))


def forget(engine: sa.Engine, limit: Limit, *parts: str) -> None:
    """Start counting `parts` afresh (a successful sign-in)."""
    with engine.begin() as c:
        c.execute(attempts.delete().where(attempts.c.key_sha256 == _key(limit, parts)))


def sweep(engine: sa.Engine, now: datetime | None = None) -> int:
    """Delete windows that are over (the longest limit's window); the rows deleted."""
    longest = max(x.window for x in (SIGN_IN, SIGN_IN_ADDRESS, ENROL, EVENT_BATCHES))
    cutoff = (now or _now()) - timedelta(seconds=longest)
    with engine.begin() as c:
        return c.execute(attempts.delete().where(attempts.c.window_start <= cutoff)).rowcount


# --- password checks ----------------------------------------------------------------------

CHECKS = 2  # argon2 checks at once per process (each ~19 MiB: auth.PASSWORD_HASH_PARAMS)
WAITING = 8  # queued behind them; a person signing in waits a moment, a flood is refused
BUSY_RETRY_AFTER = 5  # seconds


class Busy(Exception):
    """Too many password checks running and waiting: answer 503 with Retry-After."""


class PasswordChecks:
    """Runs password checks on CHECKS threads of its own, never the shared worker pool;
    `run` raises Busy at once when CHECKS + WAITING are already in hand. Used from the
    event loop only (the count needs no lock)."""

    def __init__(self, checks: int = CHECKS, waiting: int = WAITING):
        self.checks, self.waiting = checks, waiting
        self._pool = ThreadPoolExecutor(checks, thread_name_prefix="password-check")
        self._in_hand = 0

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._in_hand >= self.checks + self.waiting:
            raise Busy
        self._in_hand += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)
        finally:
            self._in_hand -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
