"""Damaged data on the terminal (issue 15): an outbox database SQLite cannot read, or
installed content that no longer loads, is set aside (kept for inspection, never deleted)
and the terminal starts afresh; what was set aside is noted for `kiosk status` and the
staff panel (DATA_DIR/set-aside.json) and for the fleet view (the heartbeat's last error).
And what a full or failing disk looks like to SQLite.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from pathlib import Path

log = logging.getLogger(__name__)

SET_ASIDE_FILE = "set-aside.json"  # damaged data kept for inspection, for staff


def set_aside_if_damaged(path: Path) -> Path | None:
    """An outbox database that SQLite cannot read, or whose quick check fails (a power cut
    on a bad disk, a full disk at the wrong moment), is moved aside with its -wal and -shm
    files (kept for inspection, never deleted) so the terminal starts a clean outbox and
    keeps recording (issue 15). Staff are told (`kiosk status`, DATA_DIR/set-aside.json)
    and the fleet view too (the heartbeat's last error). The new name, or None if the
    database is sound or absent."""
    path = Path(path)
    if not path.exists():
        return None
    problem = None
    try:
        conn = sqlite3.connect(str(path), timeout=10)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
            if [tuple(r) for r in rows] != [("ok",)]:
                problem = "; ".join(str(r[0]) for r in rows[:3])
        finally:
            conn.close()
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            return None  # in use by the other connection: not damage
        problem = str(e)
    except sqlite3.DatabaseError as e:
        problem = str(e)
    if problem is None:
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("-wal", "-shm", ""):  # the main file last: it is what marks damage
        part = Path(str(path) + suffix)
        if part.exists():
            os.replace(part, str(kept) + suffix)
    log.error("the event outbox %s was damaged (%s): kept as %s, a new one started",
              path, problem[:200], kept.name)
    note_set_aside(path.parent, "outbox", kept, problem)
    return kept


def note_set_aside(data_dir: Path, what: str, kept: Path, problem: str) -> None:
    """Note damaged data set aside (the outbox here, the content store in kiosk/cli.py):
    for `kiosk status` and the staff panel (set-aside.json) and the fleet view (the
    heartbeat's last error)."""
    from kiosk.core import files

    notes_path = data_dir / SET_ASIDE_FILE
    try:
        notes = json.loads(notes_path.read_text(encoding="utf-8"))
        notes = notes if isinstance(notes, list) else []
    except (OSError, ValueError):
        notes = []
    notes = (notes + [{"what": what, "kept_as": kept.name, "problem": problem[:200],
                       "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}])[-20:]
    try:
        files.write_atomic(notes_path, json.dumps(notes, indent=2) + "\n")
        from kiosk.services.heartbeat import Tracker

        Tracker(data_dir).noted("DamagedData", f"{what}: damaged, set aside as {kept.name}; "
                                               "started afresh")
    except Exception:
        log.exception("could not note the damaged %s", what)


DISK_FULL = "the terminal's disk is full: free space on it, or ask the council's IT"
# Free space below this share of the disk (or below DISK_LOW_BYTES, whichever is less) is
# shown to staff as a full disk (`kiosk status`, the staff panel).
DISK_LOW_SHARE = 0.02
DISK_LOW_BYTES = 20 * 2**20


def disk_space(data_dir: Path) -> tuple[int | None, int | None, bool]:
    """Free and total bytes of the disk holding data_dir, and whether staff should read
    that it is full ((None, None, False) when it cannot be measured)."""
    import shutil

    try:
        usage = shutil.disk_usage(data_dir)
    except OSError:
        return None, None, False
    return usage.free, usage.total, usage.free < min(DISK_LOW_BYTES,
                                                     usage.total * DISK_LOW_SHARE)


def disk_full(e: BaseException) -> bool:
    """SQLite's "database or disk is full" or "disk I/O error" (what a file-size limit
    gives), or ENOSPC, EFBIG or EDQUOT as an OSError."""
    import errno

    if isinstance(e, OSError):
        return e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    text = str(e).lower()
    return isinstance(e, sqlite3.Error) and ("full" in text or "disk i/o" in text)


def set_aside_notes(data_dir: Path) -> list[dict]:
    """What was set aside as damaged, oldest first (for `kiosk status`)."""
    try:
        notes = json.loads((Path(data_dir) / SET_ASIDE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return notes if isinstance(notes, list) else []
