"""The event outbox: usage events queued on disk (SQLite, WAL) until the hub has them.

`record()` is called from the UI thread and never touches the disk: it checks the event
against the schema and appends it to an in-memory queue. A writer thread opens the database
(so start-up does not wait for it), then moves the queue to SQLite every `flush_interval`
seconds (well under a second, so an event recorded a second before a crash is on disk) and
at `close()`.

Each row's `sent` says where the event stands: 0 queued, 1 acknowledged by the hub (kept a
while, then deleted by the uploader), -1 refused by the hub as invalid (kept, never sent
again). The uploader (`services/event_sync.py`) works on the same file through its own
connection; SQLite's locking (WAL, busy timeout) keeps the two apart.
"""

from __future__ import annotations

import collections
import logging
import sqlite3
import threading
import time
from pathlib import Path

from kiosk.core import events
from kiosk.services import damaged

log = logging.getLogger(__name__)

QUEUED, SENT, REJECTED = 0, 1, -1

COLUMNS = {
    "event_id": str, "kiosk": str, "centre": str, "time": float, "session": str, "type": str,
    "content_id": str, "language": str, "duration_ms": int, "outcome": str, "sent": int,
}


SCHEMA = """
create table if not exists "events" (
   "event_id" TEXT PRIMARY KEY NOT NULL,
   "kiosk" TEXT,
   "centre" TEXT,
   "time" REAL NOT NULL,
   "session" TEXT,
   "type" TEXT NOT NULL,
   "content_id" TEXT,
   "language" TEXT,
   "duration_ms" INTEGER,
   "outcome" TEXT,
   "sent" INTEGER DEFAULT 0
);
create index if not exists "idx_events_sent_time" on "events" ("sent", "time");
"""
EVENT_FIELDS = [c for c in COLUMNS if c != "sent"]
INSERT = (f"insert or ignore into events ({', '.join(EVENT_FIELDS)}) "
          f"values ({', '.join(':' + c for c in EVENT_FIELDS)})")


def connect(path: Path) -> sqlite3.Connection:
    """The outbox database, made if new (the table sqlite-utils made before, so old outboxes
    open unchanged). Plain sqlite3: the kiosk need not import sqlite-utils (13 MiB, 0.1 s
    of CPU) to write events."""
    path.parent.mkdir(parents=True, exist_ok=True)
    damaged.set_aside_if_damaged(path)  # unreadable: kept aside, a clean one started
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SCHEMA)
    ensure_indexes(conn)
    return conn


def open_db(path: Path):
    """The outbox as a sqlite_utils Database (for tools and tests that fill it directly)."""
    import sqlite_utils

    return sqlite_utils.Database(connect(path))


def ensure_indexes(conn: sqlite3.Connection) -> None:
    """The uploader's index: the queued rows in rowid order, so it pages through a backlog
    without scanning the rows already sent. Partial, so it holds only what is queued."""
    conn.execute("create index if not exists events_queued on events(sent) where sent = 0")


def counts(path: Path) -> dict[str, int] | None:
    """{"queued", "sent", "rejected"} for an outbox database on disk (without opening an
    Outbox or creating anything); zeros when there is none yet, None when it is unreadable."""
    path = Path(path)
    if not path.exists():
        return {"queued": 0, "sent": 0, "rejected": 0}
    try:
        conn = sqlite3.connect(str(path), timeout=5)
    except sqlite3.Error:
        return None
    try:
        rows = conn.execute("select sent, count(*) from events group by sent").fetchall()
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):
            return {"queued": 0, "sent": 0, "rejected": 0}
        return None
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    by = dict(rows)
    return {"queued": by.get(QUEUED, 0), "sent": by.get(SENT, 0),
            "rejected": by.get(REJECTED, 0)}


class Outbox:
    def __init__(self, path: Path, kiosk: str, centre: str, flush_interval: float = 0.25,
                 open_after: threading.Event | None = None):
        """`open_after`: the writer thread opens the database once this is set (the app sets
        it after its first frame, so start-up does not share the CPU with SQLite's setup)."""
        self.path = Path(path)
        self.kiosk, self.centre = kiosk, centre
        self.flush_interval = flush_interval
        self._queue: collections.deque[dict] = collections.deque()
        self._wake = threading.Event()
        self._stopping = False
        self._lock = threading.Lock()  # one writer at a time (flush() vs. the thread)
        self._db = None
        self._ready = threading.Event()
        self._open_error: Exception | None = None
        self._open_after = open_after
        self._disk_full = False
        self._thread = threading.Thread(target=self._run, name="outbox-writer", daemon=True)
        self._thread.start()

    def record(self, session: str, type: str, **fields) -> dict:
        """Queue one event (UI thread; no disk). Raises EventError on a schema mistake."""
        event = events.make(self.kiosk, self.centre, session, type, time.time(), **fields)
        self._queue.append(event)
        return event

    def _open(self) -> bool:
        try:
            self._db = connect(self.path)
            self._open_error = None
            return True
        except Exception as e:  # unwritable or full disk: events wait in memory, retried
            if self._open_error is None:
                log.exception("cannot open the event outbox %s", self.path)
            self._open_error = e
            return False
        finally:
            self._ready.set()

    def _database(self):
        """The open database (waits for the writer thread to open it; not for the UI)."""
        self._ready.wait(30)
        with self._lock:
            if self._db is None and not self._open():
                raise self._open_error
        return self._db

    def _run(self) -> None:
        if self._open_after is not None:
            self._open_after.wait(5)
        with self._lock:
            if self._db is None:
                self._open()
        while not self._stopping:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # a full disk must not kill the writer; retried next round
                log.exception("could not write events to %s", self.path)

    def flush(self) -> int:
        """Write every queued event to disk now; returns how many were written."""
        with self._lock:
            batch = []
            while self._queue:
                batch.append(self._queue.popleft())
            if not batch:
                return 0
            try:
                if self._db is None and not self._open():
                    raise self._open_error
                with self._db:  # one transaction: the batch is on disk whole or not at all
                    self._db.execute("begin")
                    self._db.executemany(INSERT, batch)
            except Exception as e:
                self._queue.extendleft(reversed(batch))  # keep them for the next try
                if damaged.disk_full(e) and not self._disk_full:
                    self._disk_full = True
                    self._tell_disk_full()
                raise
            if self._disk_full:
                self._disk_full = False
                log.warning("the disk has space again: %d events written", len(batch))
            return len(batch)

    def _tell_disk_full(self) -> None:
        """Once a full disk: staff (kiosk status) and the fleet view (the heartbeat's last
        error) hear that events wait in memory until there is space; SQLite's own
        transaction keeps the file whole meanwhile."""
        message = ("the disk is full or failing: usage events wait in memory and are "
                   "written when it takes them again; free space on the terminal, or check "
                   "its disk")
        log.error("%s (%s)", message, self.path)
        try:
            from kiosk.services.heartbeat import Tracker

            Tracker(self.path.parent).noted("DiskFull", message)
        except Exception as e:  # noqa: BLE001 (with a full disk, telling may fail too)
            log.warning("could not note the full disk for the heartbeat: %s", e)

    def pending(self) -> int:
        """Events not yet acknowledged by the hub (on disk plus in memory)."""
        on_disk = self._database().execute("select count(*) from events where sent = 0"
                                           ).fetchone()[0]
        return on_disk + len(self._queue)

    def rejected(self) -> int:
        """Events the hub refused as invalid (kept on disk, never sent again)."""
        return self._database().execute("select count(*) from events where sent = -1"
                                        ).fetchone()[0]

    def in_memory(self) -> int:
        """Events recorded but not yet written to disk."""
        return len(self._queue)

    def all_events(self) -> list[dict]:
        self.flush()
        cur = self._database().execute("select * from events order by time")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def close(self) -> None:
        self._stopping = True
        if self._open_after is not None:
            self._open_after.set()
        self._wake.set()
        self._thread.join(timeout=5)
        self.flush()
        if self._db is not None:
            self._db.close()
