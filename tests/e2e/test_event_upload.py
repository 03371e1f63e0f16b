"""Usage events from a terminal to a real `kiosk-hub serve`: `kiosk sync --once` sends what the
outbox holds, each event is stored once on the hub however often it is sent, an event the
hub refuses is set aside without holding up the rest, and a revoked terminal is told so."""

from __future__ import annotations

import json
import sqlite3
import time

from kiosk import __version__
from kiosk.core import events
from kiosk.core.settings import DEFAULT_CONTENT_DIR
from kiosk.services.outbox import Outbox
from tests.e2e.test_hub_and_kiosk import BIN, enrol, publish, run, world  # noqa: F401


def sync(w, data, check=True):
    r = run([BIN / "kiosk", "sync", "--once", "--json", "--data-dir", str(data)], w["env"],
            check=check)
    return r, json.loads(r.stdout.strip().splitlines()[-1])


def hub_event_ids(w) -> list[str]:
    with sqlite3.connect(w["hub_dir"] / "hub.db") as conn:
        return [r[0] for r in conn.execute("select event_id from events")]


def status(w, data) -> dict:
    return json.loads(run([BIN / "kiosk", "status", "--json", "--data-dir", str(data)],
                          w["env"]).stdout)


def test_events_reach_the_hub_once_however_often_they_are_sent(world):  # noqa: F811
    w = world
    publish(w, DEFAULT_CONTENT_DIR, 1)
    data = enrol(w, w["tmp"] / "terminal")
    box = Outbox(data / "outbox.db", "kiosk-1", "camden")
    session = events.new_session_id()
    recorded = [box.record(session, "screen_view", content_id="home", language="en")
                for _ in range(1234)]
    box.close()
    assert status(w, data)["queued_events"] == 1234

    _, report = sync(w, data)
    assert report["status"] == "updated" and report["events_status"] == "uploaded"
    assert report["events_uploaded"] == 1234 and report["events_duplicates"] == 0
    ids = hub_event_ids(w)
    assert sorted(ids) == sorted(e["event_id"] for e in recorded)
    st = status(w, data)
    assert st["queued_events"] == 0 and st["rejected_events"] == 0
    # The hub's fleet view shows what the terminal runs and that its queue is empty.
    fleet = json.loads(run([BIN / "kiosk-hub", "terminals", "--json", "--data-dir",
                            str(w["hub_dir"])], w["env"]).stdout)
    assert [(t["app_version"], t["content_version"], t["queue_depth"]) for t in fleet] == \
        [(__version__, None, 0)]
    assert st["last_sync"]["events_uploaded"] == 1234

    _, report = sync(w, data)
    assert report["events_uploaded"] == 0 and report["events_status"] == "nothing_to_send"

    # A crash after the hub's answer but before the rows were marked: all sent again, the
    # hub stores none of them twice.
    with sqlite3.connect(data / "outbox.db") as conn:
        conn.execute("update events set sent = 0")
    _, report = sync(w, data)
    assert report["events_uploaded"] == 1234 and report["events_duplicates"] == 1234
    assert len(hub_event_ids(w)) == 1234


def test_an_event_the_hub_refuses_is_set_aside_and_a_revoked_terminal_stops(world):  # noqa: F811
    w = world
    publish(w, DEFAULT_CONTENT_DIR, 1)
    data = enrol(w, w["tmp"] / "terminal")
    box = Outbox(data / "outbox.db", "kiosk-1", "camden")
    session = events.new_session_id()
    good = [box.record(session, "guide_opened", content_id="blue-badge")["event_id"]
            for _ in range(40)]
    box.close()
    # One row a newer kiosk wrote (a type this hub does not know), in the middle.
    with sqlite3.connect(data / "outbox.db") as conn:
        odd = events.make("kiosk-1", "camden", session, "screen_view", time.time())
        odd["type"] = "voice_command"
        conn.execute("insert into events (" + ", ".join(odd) + ") values (" +
                     ", ".join("?" * len(odd)) + ")", list(odd.values()))
    box = Outbox(data / "outbox.db", "kiosk-1", "camden")
    good += [box.record(session, "qr_shown", content_id="blue-badge")["event_id"]
             for _ in range(40)]
    box.close()

    _, report = sync(w, data)
    assert report["events_uploaded"] == 80 and report["events_rejected"] == 1
    assert sorted(hub_event_ids(w)) == sorted(good)
    st = status(w, data)
    assert st["queued_events"] == 0 and st["rejected_events"] == 1

    box = Outbox(data / "outbox.db", "kiosk-1", "camden")
    box.record(session, "screen_view")
    box.close()
    terminal_id = json.loads((data / "hub.json").read_text())["terminal_id"]
    run([BIN / "kiosk-hub", "revoke", terminal_id, "--data-dir", str(w["hub_dir"])], w["env"])
    r, report = sync(w, data, check=False)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1
    assert "refused this terminal's token (revoked?)" in r.stderr
    assert report["events_uploaded"] == 0 and status(w, data)["queued_events"] == 1
