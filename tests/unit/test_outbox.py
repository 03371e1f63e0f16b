"""The event outbox on disk: an event recorded more than a second before the process is killed
(SIGKILL: no clean-up of any kind) is in outbox.db; a clean close() loses none; the counts
`kiosk status` and the uploader rely on."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from kiosk.core import events
from kiosk.services import outbox

ROOT = Path(__file__).resolve().parents[2]

# The child records events as the UI thread would, and says when it recorded each one.
CHILD = textwrap.dedent("""
    import sys, time
    from kiosk.core.events import new_session_id
    from kiosk.services.outbox import Outbox

    box = Outbox(sys.argv[1], "kiosk-1", "camden")
    session = new_session_id()
    while True:
        event = box.record(session, "screen_view", content_id="home", language="en")
        print(event["event_id"], time.time(), flush=True)
        time.sleep(0.002)
""")


def stored_ids(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("select event_id from events")}


def test_sigkill_loses_nothing_recorded_over_a_second_before(tmp_path):
    db = tmp_path / "outbox.db"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    recorded: list[tuple[str, float]] = []
    try:
        first = None
        for line in proc.stdout:
            event_id, at = line.split()
            recorded.append((event_id, float(at)))
            first = first or float(at)
            if float(at) - first > 2.5:
                break
        killed_at = time.time()
        proc.send_signal(signal.SIGKILL)
        recorded += [(e, float(t)) for e, t in (line.split() for line in proc.stdout)]
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    must_have = {e for e, t in recorded if t < killed_at - 1.0}
    assert len(must_have) > 200  # the child ran long enough for this to mean something
    on_disk = stored_ids(db)
    missing = must_have - on_disk
    assert not missing, f"{len(missing)} of {len(must_have)} events lost"
    assert on_disk <= {e for e, _ in recorded}  # and nothing it did not record


def test_a_clean_close_loses_none(tmp_path):
    db = tmp_path / "outbox.db"
    box = outbox.Outbox(db, "kiosk-1", "camden", flush_interval=5)  # close() must write them
    session = events.new_session_id()
    ids = {box.record(session, "screen_view")["event_id"] for _ in range(5000)}
    box.close()
    assert stored_ids(db) == ids
    assert outbox.counts(db) == {"queued": 5000, "sent": 0, "rejected": 0}


def test_counts_and_the_outboxs_own_helpers(tmp_path):
    db = tmp_path / "outbox.db"
    assert outbox.counts(db) == {"queued": 0, "sent": 0, "rejected": 0}
    assert not db.exists()  # counting creates nothing
    box = outbox.Outbox(db, "kiosk-1", "camden", flush_interval=60)
    try:
        session = events.new_session_id()
        ids = [box.record(session, "screen_view")["event_id"] for _ in range(10)]
        assert box.in_memory() == 10 and box.pending() == 10
        assert box.flush() == 10 and box.in_memory() == 0
        with sqlite3.connect(db) as conn:
            conn.execute("update events set sent = 1 where event_id in (?, ?, ?)", ids[:3])
            conn.execute("update events set sent = -1 where event_id = ?", (ids[3],))
        assert box.pending() == 6 and box.rejected() == 1
        assert outbox.counts(db) == {"queued": 6, "sent": 3, "rejected": 1}
    finally:
        box.close()
    (tmp_path / "bad.db").write_bytes(b"this is not a database" * 100)
    assert outbox.counts(tmp_path / "bad.db") is None


def test_the_queued_index_is_made_for_an_older_outbox(tmp_path):
    """A database from before the uploader (no partial index) gets it when opened."""
    db = tmp_path / "outbox.db"
    outbox.open_db(db).conn.close()
    with sqlite3.connect(db) as conn:
        conn.execute("drop index events_queued")
    box = outbox.Outbox(db, "kiosk-1", "camden")
    box.close()
    with sqlite3.connect(db) as conn:
        names = {r[0] for r in conn.execute("select name from sqlite_master where type = "
                                            "'index'")}
    assert "events_queued" in names
