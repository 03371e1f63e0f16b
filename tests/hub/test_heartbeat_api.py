"""POST /api/v1/heartbeat on the real hub (uvicorn on 127.0.0.1), against SQLite and a real
PostgreSQL: a heartbeat is kept (last state and history), a wrong one is refused whole, the
body is capped while it streams, and the history is thinned as it ages (time injected)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import requests
import sqlalchemy as sa

from kiosk.core import heartbeat as schema
from kiosk.core.protocol import MAX_HEARTBEAT_BYTES
from kiosk.hub import fleet
from kiosk.hub.app import create_app
from kiosk.hub.schema import heartbeats, terminal_health
from kiosk.hub.settings import HubSettings
from tests.hubtools import running

URL = "/api/v1/heartbeat"


def beat(**kw) -> dict:
    hb = {"app_version": "1.4.0", "content_version": 7,
          "content_expires": "2027-01-01T00:00:00Z", "config_version": '"abc123"',
          "queued": 3, "set_aside": 0, "uptime_s": 3600, "disk_free_bytes": 40 * 2**30,
          "disk_total_bytes": 100 * 2**30, "memory_bytes": 150 * 2**20, "failed_rounds": 0,
          "error_streak": 0, "last_error": None, "maintenance": False,
          "last_session_hour": "2026-12-01T14:00:00Z", "results": []}
    hb.update(kw)
    return hb


@pytest.fixture
def hub(tmp_path, hub_db_url):
    # No housekeeping: it would thin the history by the real clock while the test writes
    # heartbeats in the past.
    app = create_app(HubSettings(data_dir=tmp_path / "data", db=hub_db_url), roll_up=False)
    store = app.state.store
    terminal_id, token, _ = store.enrol(store.create_enrol_code("Brixton Library"))
    with running(app) as base:
        yield base, store, token, terminal_id


def post(base, token, body) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(base + URL, data=data, timeout=10,
                         headers={"Authorization": f"Bearer {token}",
                                  "Content-Type": "application/json"})


def test_a_heartbeat_is_kept_as_last_state_and_history(hub):
    base, store, token, tid = hub
    error = {"class": "TransientError", "message": "POST /api/v1/events: no answer in time",
             "at": "2026-12-01T14:05:00Z"}
    r = post(base, token, beat(last_error=error, error_streak=2, failed_rounds=2,
                               maintenance=True, something_new="ignored"))
    assert r.status_code == 200, r.text
    assert r.json() == {"actions": []}
    state = fleet.health(store.engine)[tid]
    assert state["app_version"] == "1.4.0" and state["content_version"] == 7
    assert state["config_version"] == '"abc123"' and state["queued"] == 3
    assert state["maintenance"] is True and state["error_streak"] == 2
    assert state["error_class"] == "TransientError"
    assert state["last_session_hour"] == datetime(2026, 12, 1, 14)
    with store.engine.connect() as c:
        rows = c.execute(sa.select(heartbeats)).all()
    assert len(rows) == 1 and rows[0].level == 0 and rows[0].disk_free_pm == 400
    assert rows[0].memory_mb == 150 and rows[0].failed == 2


@pytest.mark.parametrize("wrong, field", [
    ({"queued": -1}, "queued"), ({"queued": "3"}, "queued"), ({"maintenance": 1}, "maintenance"),
    ({"app_version": "1.0 <script>"}, "app_version"), ({"uptime_s": None}, "uptime_s"),
    ({"last_session_hour": "2026-12-01T14:30:00Z"}, "last_session_hour"),
    ({"last_error": {"class": "X", "message": "m" * 201, "at": "2026-12-01T14:05:00Z"}},
     "last_error"),
    ({"results": [{"id": 1, "outcome": "maybe"}]}, "results"),
])
def test_a_wrong_heartbeat_is_refused_whole_naming_the_field(hub, wrong, field):
    base, store, token, _tid = hub
    r = post(base, token, beat(**wrong))
    assert r.status_code == 422 and r.json()["detail"].startswith(field), r.text
    assert fleet.health(store.engine) == {}


def test_the_body_is_capped_and_a_token_is_needed(hub):
    base, store, token, _ = hub
    big = json.dumps(beat(padding="x" * MAX_HEARTBEAT_BYTES)).encode()
    assert post(base, token, big).status_code == 413
    assert post(base, "not-a-token", beat()).status_code == 401
    assert post(base, token, b"{not json").status_code == 422
    with store.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(terminal_health)).scalar() == 0


def test_the_terminal_never_sends_what_the_hub_would_refuse():
    """The scrubbing: tokens, e-mail addresses, long numbers and query strings are cut out of
    an error message before it leaves the terminal, and again on the hub."""
    text = ("POST https://hub/api/v1/events?token=abc: refused, Bearer "
            "Zm9vYmFyYmF6cXV4cXV1eGZvb2Jhcg for ann@example.org, phone 020 7946 0000, "
            "content expired on 2026-03-01")
    out = schema.scrub(text)
    for secret in ("token=abc", "Zm9vYmFyYmF6cXV4cXV1eGZvb2Jhcg", "ann@example.org",
                   "7946"):
        assert secret not in out
    assert "2026-03-01" in out and "refused" in out
    assert len(schema.scrub("x " * 500)) == 200
    assert schema.hour_of(datetime(2026, 12, 1, 14, 59, 59)) == "2026-12-01T14:00:00Z"


def test_history_is_thinned_as_it_ages(hub):
    """Two days of heartbeats a minute, then a day, then more: raw for a day, hourly for 30
    days, daily for 400; counts and extremes survive the folding."""
    _, store, _, tid = hub
    e = store.engine
    start = datetime(2026, 1, 1)
    for m in range(0, 48 * 60, 1):
        now = start + timedelta(minutes=m)
        fleet.record_heartbeat(e, tid, schema.check(beat(
            queued=m % 7, failed_rounds=1 if m % 60 == 0 else 0,
            disk_free_bytes=(50 - m // 600) * 2**30)), now)
    end = start + timedelta(hours=48)
    done = fleet.thin(e, end)
    assert done["hours"] == 24 * 60 and done["days"] == 0
    rows = fleet.history(e, tid, start, fleet.LEVEL_HOUR)
    assert len(rows) == 24 and all(r["beats"] == 60 and r["failed"] == 1 for r in rows)
    assert all(r["queued"] == 6 for r in rows)
    assert rows[0]["disk_free_pm"] == 500 and rows[-1]["disk_free_pm"] == 480
    assert len(fleet.history(e, tid, start, fleet.LEVEL_RAW)) == 24 * 60
    assert fleet.thin(e, end) == {"hours": 0, "days": 0, "deleted": 0}  # again: nothing
    # 40 days on: everything older than 30 days is daily, and the days add up.
    done = fleet.thin(e, end + timedelta(days=40))
    assert done["hours"] == 24 * 60 and done["days"] == 48
    days = fleet.history(e, tid, start, fleet.LEVEL_DAY)
    assert [d["beats"] for d in days] == [1440, 1440] and days[0]["failed"] == 24
    assert days[0]["disk_free_pm"] == 480 and days[1]["disk_free_pm"] == 460
    # After 400 days nothing is left.
    assert fleet.thin(e, end + timedelta(days=402))["deleted"] == 2
    with e.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(heartbeats)).scalar() == 0
    # The page's week of hours folds the raw rows the same way.
    week = fleet.recent(e, tid, end + timedelta(days=402))
    assert week == []


def test_recent_folds_the_last_day_into_hours(hub):
    _, store, _, tid = hub
    e = store.engine
    start = datetime(2026, 1, 1)
    for m in range(0, 30 * 60, 5):
        fleet.record_heartbeat(e, tid, schema.check(beat(queued=m)), start + timedelta(
            minutes=m))
    end = start + timedelta(hours=30)
    fleet.thin(e, end)
    week = fleet.recent(e, tid, end)
    assert len(week) == 30 and all(r["beats"] == 12 for r in week)
    assert [r["t"] for r in week] == sorted(r["t"] for r in week)
    assert week[-1]["queued"] == 29 * 60 + 55
