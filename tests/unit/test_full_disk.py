"""A full disk on the terminal (issue 15, faults to prove), made with a file-size limit
(RLIMIT_FSIZE) in a child process: recording goes on while writes fail (the events wait
in memory), staff and the fleet are told, the outbox stays whole, and once there is space
again every event, those recorded while it was full included, is on disk."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from kiosk.services import heartbeat

CHILD = r"""
import json, resource, signal, sys
from pathlib import Path
from kiosk.services.outbox import Outbox

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
path = Path(sys.argv[1])
ob = Outbox(path, "k", "c", flush_interval=3600)  # flushed by hand below
ob.flush()
_, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (96 * 1024, hard))  # the disk is nearly full
ids, failures = [], 0
for i in range(60):
    for j in range(20):
        ids.append(ob.record("11111111-2222-4333-8444-%012d" % (i * 20 + j), "screen_view",
                             content_id="home-" + "x" * 60)["event_id"])
    try:
        ob.flush()
    except Exception as e:
        failures += 1
        error = str(e)
waiting = ob.in_memory()
resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))  # space again
for k in range(10):
    ids.append(ob.record("11111111-2222-4333-8444-%012d" % (5000 + k), "session_end")["event_id"])
written = ob.flush()
ob.close()
print(json.dumps({"ids": ids, "failures": failures, "waiting": waiting, "written": written,
                  "error": error if failures else ""}))
"""


def test_a_full_disk_keeps_every_event_and_the_outbox_whole(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    path = data / "outbox.db"
    run = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                         text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout)
    assert out["failures"] > 0 and out["waiting"] > 0, out  # the disk did fill
    assert "disk is full" in run.stderr  # the log says it in words
    last = heartbeat.Tracker(data).state()["last_error"]
    assert last["class"] == "DiskFull" and "free space" in last["message"]
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {r[0] for r in conn.execute("select event_id from events")}
    finally:
        conn.close()
    assert stored == set(out["ids"]), len(set(out["ids"]) - stored)
