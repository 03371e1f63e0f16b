"""The terminal's heartbeat (services/heartbeat.py): what it says, what it never says, and the
state it keeps between rounds and restarts."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from kiosk.core import events
from kiosk.core import heartbeat as schema
from kiosk.services import heartbeat
from kiosk.services.outbox import open_db


def test_a_heartbeat_says_how_the_terminal_is_and_nothing_of_citizens(tmp_path):
    sid = events.new_session_id()
    typed = "my secret address 12 Acacia Avenue"
    session_at = datetime(2026, 12, 1, 14, 37, 12, tzinfo=UTC).timestamp()
    db = open_db(tmp_path / "outbox.db")
    db["events"].insert_all([events.make("k1", "brixton", sid, "session_start", session_at),
                             events.make("k1", "brixton", sid, "screen_view", session_at + 5,
                                         content_id="home")])
    db.conn.close()
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "hub.json").write_text(json.dumps({"layers": [], "etag": '"e1"'}))
    tracker = heartbeat.Tracker(tmp_path)
    tracker.round_ended("events", RuntimeError("GET http://hub/x?token=abc failed; token=def"))
    hb = heartbeat.build(tmp_path, started=time.time() - 90, tracker=tracker)
    assert schema.check(hb) == hb
    assert hb["queued"] == 2 and hb["set_aside"] == 0
    assert 89 <= hb["uptime_s"] <= 120
    assert hb["disk_total_bytes"] > hb["disk_free_bytes"] > 0
    assert hb["memory_bytes"] > 10 * 2**20
    assert hb["config_version"] == '"e1"'
    assert hb["maintenance"] is False
    assert hb["last_session_hour"] == "2026-12-01T14:00:00Z"  # rounded down to the hour
    assert hb["error_streak"] == 1 and hb["failed_rounds"] == 1
    assert hb["last_error"]["class"] == "RuntimeError"
    assert "abc" not in json.dumps(hb) and "def" not in json.dumps(hb)
    assert typed not in json.dumps(hb)
    # What the app says wins over the outbox; it is rounded all the same.
    hb = heartbeat.build(tmp_path, started=time.time(), tracker=tracker,
                         app_status=lambda: {"maintenance": True,
                                             "last_session": datetime(2026, 12, 2, 9, 59)})
    assert hb["maintenance"] is True and hb["last_session_hour"] == "2026-12-02T09:00:00Z"
    # An app that cannot answer does not stop the heartbeat.
    hb = heartbeat.build(tmp_path, started=time.time(), tracker=tracker,
                         app_status=lambda: 1 / 0)
    assert hb["maintenance"] is False


def test_streaks_are_kept_per_kind_of_round_and_across_restarts(tmp_path):
    t = heartbeat.Tracker(tmp_path)
    for _ in range(3):
        t.round_ended("content", "the pack's signature is not valid", "PackError")
        t.round_ended("events", None)
    state = heartbeat.Tracker(tmp_path).state()  # a new process reads the same
    assert state["error_streak"] == 3 and state["failed_rounds"] == 3
    assert state["last_error"]["class"] == "PackError"
    assert state["last_error"]["message"].startswith("content: ")
    t.delivered([])
    assert t.state()["failed_rounds"] == 0 and t.state()["error_streak"] == 3
    t.round_ended("content", None)
    assert t.state()["error_streak"] == 0
    assert t.state()["last_error"]["class"] == "PackError"  # still the last one seen


class FakeClient:
    def __init__(self, actions):
        self.actions = actions
        self.sent = []

    def post_heartbeat(self, hb):
        self.sent.append(hb)
        return {"actions": self.actions}


def test_actions_go_to_the_app_once_and_their_outcomes_come_back(tmp_path):
    done = []

    def on_action(action):
        done.append(action["kind"])
        if action["kind"] == "leave_maintenance":
            raise RuntimeError("not in maintenance mode")
        return "ok"

    client = FakeClient([{"id": 4, "kind": "restart"}, {"id": 5, "kind": "leave_maintenance"},
                         {"id": 6, "kind": "something_new"}])
    report = heartbeat.send(client, tmp_path, started=time.time(), on_action=on_action)
    assert report["actions"] == [(4, "restart", "done"), (5, "leave_maintenance", "failed")]
    # The hub sends them again (their outcomes had not arrived): not done twice, and the
    # outcomes go with the next heartbeat, then are forgotten.
    heartbeat.send(client, tmp_path, started=time.time(), on_action=on_action)
    assert done == ["restart", "leave_maintenance"]
    results = {r["id"]: r for r in client.sent[1]["results"]}
    assert results[4]["outcome"] == "done" and results[4]["message"] == "restarted"
    assert results[5]["outcome"] == "failed" and "not in maintenance" in results[5]["message"]
    client.actions = []
    heartbeat.send(client, tmp_path, started=time.time(), on_action=on_action)
    assert client.sent[2]["results"] == []


def test_without_the_app_actions_are_left_for_it(tmp_path):
    client = FakeClient([{"id": 4, "kind": "restart"}])
    assert heartbeat.send(client, tmp_path, started=time.time())["actions"] == []
    assert not heartbeat.Tracker(tmp_path).handled(4)
