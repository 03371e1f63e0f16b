"""A terminal's status on the fleet pages, from what the hub knows of it: pure rules, the time
given, so each rule is tested by a table (tests/hub/test_status_rules.py).

    ok               heard from within the hour, nothing wrong
    stale            not heard from for an hour
    offline          not heard from for a day
    needs attention  heard from, but: its disk is under 10 % free, its queue of usage events
                     has kept growing for half an hour, its sync failed 3 times in a row,
                     its content has expired, or its token was revoked

Stale and offline come first: what a terminal said before it went quiet is shown as
reasons, but the status says it is quiet. A revoked terminal needs attention however long
ago it was seen (someone has to decide what happens to it). Every status has a word as well
as a colour on the pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

STALE_AFTER = timedelta(hours=1)
OFFLINE_AFTER = timedelta(days=1)
DISK_LOW = 0.10            # free share of the data disk
QUEUE_RISING_FOR = timedelta(minutes=30)
ERRORS_IN_A_ROW = 3

OK, STALE, OFFLINE, ATTENTION = "ok", "stale", "offline", "attention"
STATUSES = (ATTENTION, OFFLINE, STALE, OK)  # the order the fleet page sorts and counts by
WORDS = {OK: "OK", STALE: "Stale", OFFLINE: "Offline", ATTENTION: "Needs attention"}


@dataclass(frozen=True)
class Status:
    key: str
    reasons: tuple[str, ...] = field(default=())

    @property
    def word(self) -> str:
        return WORDS[self.key]


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minutes"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hours"
    return f"{hours // 24} days"


def reasons(now: datetime, health: Mapping[str, Any] | None) -> list[str]:
    """What is wrong, by the terminal's last heartbeat (none: nothing known to be)."""
    if not health:
        return []
    found = []
    free, total = health.get("disk_free_bytes"), health.get("disk_total_bytes")
    if free is not None and total and free / total < DISK_LOW:
        found.append(f"Disk almost full: {100 * free / total:.0f} % free")
    queued, since = health.get("queued") or 0, health.get("queue_rising_since")
    if queued > (health.get("queue_rising_from") or 0) and since is not None \
            and now - since >= QUEUE_RISING_FOR:
        found.append(f"Usage events piling up: {queued:,} waiting, rising for "
                     f"{_ago(now - since)}")
    streak = health.get("error_streak") or 0
    if streak >= ERRORS_IN_A_ROW:
        what = health.get("error_class")
        found.append(f"Sync failed {streak} times in a row" + (f" ({what})" if what else ""))
    expires = health.get("content_expires")
    if expires is not None and expires <= now:
        found.append(f"Content expired on {expires:%-d %B %Y}")
    return found


def judge(now: datetime, *, revoked: bool, last_seen: datetime | None,
          health: Mapping[str, Any] | None = None) -> Status:
    """The status of one terminal at `now` (naive UTC, as the hub stores times).
    `last_seen`: the last request from it (any), `health`: its last heartbeat
    (fleet.health's row), if any."""
    found = reasons(now, health)
    heard = last_seen
    if health and health.get("at") and (heard is None or health["at"] > heard):
        heard = health["at"]
    if revoked:
        return Status(ATTENTION, ("Its token was withdrawn (revoked): it cannot sync",
                                  *found))
    quiet = None if heard is None else now - heard
    if quiet is None or quiet >= OFFLINE_AFTER:
        return Status(OFFLINE, (("Never heard from" if heard is None else
                                 f"Not heard from for {_ago(quiet)}"), *found))
    if quiet >= STALE_AFTER:
        return Status(STALE, (f"Not heard from for {_ago(quiet)}", *found))
    return Status(ATTENTION, tuple(found)) if found else Status(OK)
