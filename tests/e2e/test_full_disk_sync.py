"""A full disk on the terminal while it syncs (issue 15, faults to prove): the terminal's data
folder on a small file system of its own (a tmpfs; the test mounts it, so it runs as root,
as CI and the developers' machines do), filled up while the app records events and
`kiosk sync --once` uploads them to a real hub on loopback and installs a content pack.

While the disk is full: staff see it (`kiosk status`), the events recorded meanwhile wait
in memory, the upload ends with the disk named as the reason, and a pack that cannot be
written in full never becomes the installed content. Once there is space again: the outbox
database is whole (PRAGMA integrity_check), the events recorded while it was full and after
are kept and sent, the hub holds every event once (those it stored whose acknowledgement
could not be marked come again and are counted as duplicates, not twice), and the pack
installs and checks out.

tests/unit/test_full_disk.py proves the recording half with a file-size limit."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from kiosk.core.settings import DEFAULT_CONTENT_DIR
from kiosk.services.content_store import ContentStore
from kiosk.services.damaged import DISK_FULL
from kiosk.services.outbox import Outbox
from tests.e2e import test_hub_and_kiosk as hk
from tests.e2e.test_hub_and_kiosk import BIN, enrol, publish, run

world = hk.world  # the fixture: a hub on loopback with a publisher's keys

DISK_BYTES = 8 * 2**20


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MiB tmpfs at tmp_path/disk, unmounted at the end whatever happened."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES},mode=0700",
                           "tmpfs", str(disk)], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path, leave: int) -> Path:
    """Fill the file system, leaving about `leave` bytes free. The filler file."""
    filler = disk / "filler"
    with open(filler, "wb") as f:
        chunk = b"\0" * 65536
        try:
            while os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize > leave + len(chunk):
                f.write(chunk)
                f.flush()
        except OSError as e:
            assert e.errno == errno.ENOSPC
    return filler


def sync(w, data) -> dict:
    r = run([BIN / "kiosk", "sync", "--once", "--json", "--data-dir", str(data)], w["env"],
            check=False)
    lines = r.stdout.strip().splitlines()
    assert lines, f"no report: {r.stderr[-2000:]}"
    return json.loads(lines[-1])


def status(w, data) -> tuple[dict, str]:
    as_json = json.loads(run([BIN / "kiosk", "status", "--json", "--data-dir", str(data)],
                             w["env"]).stdout)
    text = run([BIN / "kiosk", "status", "--data-dir", str(data)], w["env"]).stdout
    return as_json, text


def record(outbox: Outbox, n: int, ids: list[str]) -> None:
    session = str(uuid.uuid4())
    for i in range(n):
        ids.append(outbox.record(session, "screen_view",
                                 content_id=f"home-{i % 50:02d}")["event_id"])


def hub_event_ids(hub_dir: Path) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{hub_dir / 'hub.db'}")
    try:
        with engine.connect() as c:
            return [r[0] for r in c.execute(sa.text("select event_id from events"))]
    finally:
        engine.dispose()


def test_a_full_disk_while_syncing_loses_no_event_and_installs_no_partial_pack(
        world, small_disk):
    w = world
    publish(w, DEFAULT_CONTENT_DIR, 5)  # 1.6 MB: it cannot fit while the disk is full
    data = enrol(w, small_disk / "terminal")
    outbox = Outbox(data / "outbox.db", "k", "c", flush_interval=3600)  # flushed by hand
    ids: list[str] = []
    try:
        record(outbox, 3000, ids)  # a backlog: a day the hub could not be reached
        outbox.flush()
        filler = fill(small_disk, leave=48 * 1024)

        # Full: the upload stores batches on the hub, then cannot mark them sent; the pack
        # cannot be downloaded; the app keeps recording, into memory.
        record(outbox, 200, ids)
        with pytest.raises(sqlite3.OperationalError, match="full"):
            outbox.flush()
        report = sync(w, data)
        # The disk named, in words staff can act on, for the events and for the content.
        assert report["events_status"].startswith(f"error: {DISK_FULL}: "), report
        assert report["status"].startswith(f"error: {DISK_FULL} "), report
        stored_while_full = len(hub_event_ids(w["hub_dir"]))
        assert 0 < stored_while_full < len(ids)  # stored on the hub, not marked sent
        store = ContentStore(data)
        assert store.installed_version() is None
        assert not (store.versions / "5").exists()
        s, text = status(w, data)
        assert s["disk_full"] is True and s["disk_free_bytes"] < 2**20
        assert "FULL" in text and "free space" in text
        assert s["content_version"] is None
        assert outbox.in_memory() == 200

        # Space again: what waited in memory is written, recording goes on, all is sent.
        filler.unlink()
        assert outbox.flush() == 200
        record(outbox, 100, ids)
        assert outbox.flush() == 100
    finally:
        outbox.close()
    s, text = status(w, data)
    assert s["disk_full"] is False and "FULL" not in text
    reports = [sync(w, data)]
    for _ in range(5):
        if reports[-1]["events_queued"] == 0:
            break
        reports.append(sync(w, data))
    assert reports[-1]["status"] == "updated" and reports[-1]["content_version"] == 5
    assert reports[-1]["events_queued"] == 0
    assert ContentStore(data).check_installed(full=True) is None

    with sqlite3.connect(data / "outbox.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = dict(conn.execute("select event_id, sent from events"))
    assert set(rows) == set(ids) and set(rows.values()) == {1}
    stored = hub_event_ids(w["hub_dir"])
    assert len(stored) == len(set(stored)) == len(ids)  # once each, none twice
    assert set(stored) == set(ids)
    # The batches stored while full came again, and the hub counted them as duplicates.
    assert sum(r["events_duplicates"] for r in reports) == stored_while_full
