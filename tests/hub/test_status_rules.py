"""The fleet's status rules (hub/status.py), each in a table, with the time injected."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kiosk.hub import status
from kiosk.hub.status import ATTENTION, OFFLINE, OK, STALE

NOW = datetime(2026, 12, 1, 12, 0)
GB = 2**30


def healthy(**kw) -> dict:
    """A last heartbeat with nothing wrong, received a minute ago."""
    h = {"at": NOW - timedelta(minutes=1), "disk_free_bytes": 40 * GB,
         "disk_total_bytes": 100 * GB, "queued": 0, "queue_rising_since": NOW,
         "queue_rising_from": 0, "error_streak": 0, "error_class": None,
         "content_expires": NOW + timedelta(days=30)}
    h.update(kw)
    return h


@pytest.mark.parametrize("quiet, expected", [
    (timedelta(0), OK),
    (timedelta(minutes=59, seconds=59), OK),
    (timedelta(hours=1), STALE),
    (timedelta(hours=23, minutes=59), STALE),
    (timedelta(days=1), OFFLINE),
    (timedelta(days=3), OFFLINE),
])
def test_stale_after_an_hour_offline_after_a_day(quiet, expected):
    seen = NOW - quiet
    got = status.judge(NOW, revoked=False, last_seen=seen, health=healthy(at=seen))
    assert got.key == expected
    if expected != OK:
        assert got.reasons[0].startswith("Not heard from for")


def test_a_terminal_going_stale_then_offline_as_time_passes():
    """The same terminal, the clock moving on: ok, then stale, then offline."""
    seen = NOW
    health = healthy(at=seen)
    keys = [status.judge(seen + timedelta(minutes=m), revoked=False, last_seen=seen,
                         health=health).key for m in (0, 30, 60, 90, 23 * 60, 24 * 60, 72 * 60)]
    assert keys == [OK, OK, STALE, STALE, STALE, OFFLINE, OFFLINE]
    assert status.judge(NOW, revoked=False, last_seen=None).key == OFFLINE


@pytest.mark.parametrize("free_gb, expected", [
    (40, OK), (10.01, OK), (9.99, ATTENTION), (0, ATTENTION),
])
def test_disk_under_ten_per_cent(free_gb, expected):
    got = status.judge(NOW, revoked=False, last_seen=NOW,
                       health=healthy(disk_free_bytes=int(free_gb * GB)))
    assert got.key == expected
    if expected == ATTENTION:
        assert got.reasons[0].startswith("Disk almost full")


@pytest.mark.parametrize("queued, rising_from, rising_for, expected", [
    (0, 0, timedelta(hours=5), OK),                 # empty: nothing waits
    (500, 20, timedelta(minutes=29), OK),           # rising, but not for long yet
    (500, 20, timedelta(minutes=30), ATTENTION),    # rising for half an hour
    (500, 500, timedelta(hours=2), OK),             # not rising: steady, not growing
    (30, 10, timedelta(hours=3), ATTENTION),        # slowly, but never going down
])
def test_queue_growing(queued, rising_from, rising_for, expected):
    got = status.judge(NOW, revoked=False, last_seen=NOW, health=healthy(
        queued=queued, queue_rising_from=rising_from, queue_rising_since=NOW - rising_for))
    assert got.key == expected
    if expected == ATTENTION:
        assert got.reasons[0].startswith("Usage events piling up")


@pytest.mark.parametrize("streak, expected", [(0, OK), (2, OK), (3, ATTENTION), (40, ATTENTION)])
def test_repeated_sync_errors(streak, expected):
    got = status.judge(NOW, revoked=False, last_seen=NOW,
                       health=healthy(error_streak=streak, error_class="PackError"))
    assert got.key == expected
    if expected == ATTENTION:
        assert got.reasons == (f"Sync failed {streak} times in a row (PackError)",)


@pytest.mark.parametrize("expires, expected", [
    (NOW + timedelta(seconds=1), OK), (NOW, ATTENTION), (NOW - timedelta(days=9), ATTENTION),
    (None, OK),  # the bundled demo content: no expiry
])
def test_content_expired(expires, expected):
    got = status.judge(NOW, revoked=False, last_seen=NOW,
                       health=healthy(content_expires=expires))
    assert got.key == expected


@pytest.mark.parametrize("quiet", [timedelta(0), timedelta(hours=2), timedelta(days=9)])
def test_revoked_needs_attention_however_long_ago(quiet):
    got = status.judge(NOW, revoked=True, last_seen=NOW - quiet, health=healthy())
    assert got.key == ATTENTION and "revoked" in got.reasons[0]


def test_quiet_wins_but_what_it_last_said_is_kept_as_reasons():
    got = status.judge(NOW, revoked=False, last_seen=NOW - timedelta(hours=3),
                       health=healthy(at=NOW - timedelta(hours=3), disk_free_bytes=GB,
                                      error_streak=5))
    assert got.key == STALE and len(got.reasons) == 3
    assert got.word == "Stale" and status.WORDS[ATTENTION] == "Needs attention"


def test_without_a_heartbeat_only_time_counts():
    """A terminal on an older app sends no heartbeat: its requests still say it is there."""
    assert status.judge(NOW, revoked=False, last_seen=NOW - timedelta(minutes=5)).key == OK
