"""What the staff panel and `kiosk status` report about a terminal
(services/terminal_status.py), and the set-aside events staff can send again
(event_sync.requeue_rejected)."""

from __future__ import annotations

import os
import sqlite3
import time

from kiosk.core import content
from kiosk.core import settings as settings_mod
from kiosk.core.settings import DEFAULT_CONTENT_DIR
from kiosk.services import event_sync, hub_client, sync_log, terminal_status
from tests.unit.test_event_sync import client, hub, make_outbox_db, sent_state  # noqa: F401

CATALOGUE = content.load(DEFAULT_CONTENT_DIR)


def settings(tmp_path, **kw):
    return settings_mod.load(environ={}, data_dir=str(tmp_path), **kw)


def test_a_new_terminal_is_not_enrolled_and_has_nothing_queued(tmp_path):
    r = terminal_status.gather(settings(tmp_path), CATALOGUE)
    assert r["enrolled"] is False and r["revoked"] is False and r["demo"] is False
    assert r["content_version"] is None and r["content_previous_version"] is None
    assert (r["queued_events"], r["rejected_events"]) == (0, 0)
    assert r["last_sync"] is None and r["services"] == len(CATALOGUE.services)
    assert terminal_status.check_hub(settings(tmp_path)) == "not enrolled"


def test_counts_queued_and_set_aside_events(tmp_path):
    db = tmp_path / "outbox.db"
    ids = make_outbox_db(db, 5)
    with sqlite3.connect(db) as conn:
        conn.execute("update events set sent = -1 where event_id in (?, ?)", ids[:2])
    r = terminal_status.gather(settings(tmp_path), CATALOGUE)
    assert (r["queued_events"], r["rejected_events"]) == (3, 2)


def test_revoked_is_the_newest_answer_unless_enrolled_again(tmp_path):
    data = tmp_path
    hub_client.save_enrolment(data, "http://127.0.0.1:9", {"terminal_id": "t1",
                                                            "token": "x" * 40})
    old = time.time() - 3600
    os.utime(hub_client.hub_file(data), (old, old))
    assert not terminal_status.revoked(data)
    event_sync.record_last(data, {"status": f"error: {event_sync.REFUSED_TOKEN}: ... (401)",
                                  "auth_refused": True})
    assert terminal_status.revoked(data)
    assert terminal_status.gather(settings(data), CATALOGUE)["revoked"]
    # a later sync that went well: no longer revoked
    time.sleep(1.1)
    sync_log.record(data, {"status": "up_to_date"})
    assert not terminal_status.revoked(data)
    time.sleep(1.1)
    sync_log.record(data, {"status": "error: GET http://h/api/v1/config: refused by the hub "
                                     "(401: unknown or revoked token)"})
    assert terminal_status.revoked(data)
    # enrolled again since: the old refusal no longer holds
    time.sleep(1.1)
    hub_client.save_enrolment(data, "http://127.0.0.1:9", {"terminal_id": "t2",
                                                            "token": "y" * 40})
    assert not terminal_status.revoked(data)

    class Syncer:  # a syncer that knows is believed first
        revoked = True

    assert terminal_status.revoked(data, Syncer())


def test_set_aside_events_are_queued_again_and_sent(tmp_path, hub, client):  # noqa: F811
    db = tmp_path / "outbox.db"
    ids = make_outbox_db(db, 6)
    with sqlite3.connect(db) as conn:
        conn.execute("update events set sent = -1 where event_id in (?, ?, ?)", ids[:3])
    assert event_sync.requeue_rejected(db) == 3
    assert set(sent_state(db).values()) == {0}
    assert event_sync.requeue_rejected(db) == 0
    report = event_sync.Uploader(db, client).run()
    assert report["events_uploaded"] == 6 and hub.stored == set(ids)
    assert event_sync.requeue_rejected(tmp_path / "none.db") == 0
