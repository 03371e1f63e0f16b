"""Uploading usage events: the outbox's queued events go to the hub, each counted once.

The rules that keep the counts exact:
- A row is marked sent only after the hub's 200 for a batch that held it, in one
  transaction with the rest of that batch. A crash, a cut connection or a lost answer leaves
  it queued, and it is sent again: the hub stores an event id once however often it comes
  (its ack counts it as a duplicate), so sending again is always safe.
- The queue is read in batches by rowid (keyset pagination over the partial index of queued
  rows), so weeks of backlog stream through in constant memory, and rows the app's writer
  adds meanwhile are picked up in order.
- Failures that pass (no connection, timeout, 429, 5xx) are retried with exponential backoff
  and full jitter, capped, or after the hub's Retry-After; after `max_failures` in a row the
  cycle ends and the events wait for the next one.
- 413: the batch is halved (and stays halved for the cycle). 422: the batch is split to
  find the events the hub refuses (straight to the one it names, else by bisection); an
  event refused on its own is marked rejected (-1: kept on disk, never sent again, logged,
  counted), so a hub with an older schema cannot block the queue behind one event.
- 401/403: the cycle stops; nothing is marked.
- Sent rows older than `retention_days` (by event time) are deleted after a cycle that
  ended well; queued and rejected rows are never deleted.

The uploader opens its own SQLite connection (WAL, busy timeout), so it runs beside the
app's Outbox writer thread, or in `kiosk sync --once` while the app runs. `sleep`, `clock`
and `rng` are injectable so tests check the backoff without waiting for it.
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.core import events
from kiosk.core.protocol import MAX_EVENTS_PER_BATCH
from kiosk.services import damaged, hub_client, sync_log
from kiosk.services.outbox import QUEUED, REJECTED, SENT, ensure_indexes

log = logging.getLogger(__name__)

BATCH_SIZE = MAX_EVENTS_PER_BATCH  # the hub's limit; 1000 simulated events are ~280 KB
RETENTION_DAYS = 7.0
DELETE_CHUNK = 5000  # rows per delete transaction: the app's writer never waits long
LAST_FILE = "last-upload.json"
REFUSED_TOKEN = "the hub refused this terminal's token (revoked?)"
DISK_FULL = damaged.DISK_FULL

_SELECT = ("select rowid, " + ", ".join(events.FIELDS) +
           " from events where sent = 0 and rowid > ? order by rowid limit ?")


class _EndCycle(Exception):
    """Ends a cycle early; the message becomes the report's status."""


class Uploader:
    def __init__(self, db_path: str | Path, client, *, batch_size: int = BATCH_SIZE,
                 retention_days: float = RETENTION_DAYS, max_failures: int = 5,
                 backoff_base: float = 1.0, backoff_cap: float = 300.0,
                 max_wait: float = 900.0, sleep: Callable[[float], object] = time.sleep,
                 clock: Callable[[], float] = time.time, rng: random.Random | None = None,
                 stop: threading.Event | None = None,
                 progress: Callable[[int, int], None] | None = None):
        """`client`: anything with `post_events(batch) -> {"accepted", "duplicates"}` raising
        hub_client's errors (a HubClient). `max_failures`: transient failures in a row
        before the cycle gives up. `max_wait`: the longest single wait the cycle will sleep;
        a Retry-After beyond it ends the cycle with `retry_after` in the report, for the
        caller to schedule the next one. `stop`: checked between batches and after each
        wait (pass `sleep=stop.wait` so a wait ends when it is set). `progress(done, total)`
        after each batch."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.db_path = Path(db_path)
        self.client = client
        self.batch_size = min(batch_size, MAX_EVENTS_PER_BATCH)
        self.retention_days = retention_days
        self.max_failures = max_failures
        self.backoff_base, self.backoff_cap, self.max_wait = backoff_base, backoff_cap, max_wait
        self.sleep, self.clock = sleep, clock
        self.rng = rng or random.Random()
        self.stop = stop
        self.progress = progress
        self._failures = 0
        self._total = 0
        self._report: dict = {}

    # -----------------------------------------------------------------------------------

    def run(self) -> dict:
        """One cycle: send everything queued (or until a failure ends the cycle). The report:
        status ("uploaded", "nothing_to_send", "stopped" or "error: ..."), events_uploaded
        (acknowledged by the hub and marked sent), accepted and duplicates (as the hub
        counted them), rejected (refused by the hub, marked -1), batches (200s), queued
        (still to send), deleted (old sent rows removed), retry_after (seconds the hub asked
        for, when that ended the cycle)."""
        self._failures = 0
        self._total = 0
        r = self._report = {"status": "nothing_to_send", "events_uploaded": 0, "accepted": 0,
                            "duplicates": 0, "rejected": 0, "batches": 0, "queued": 0,
                            "deleted": 0, "retry_after": None, "auth_refused": False}
        if not self.db_path.exists():
            return r
        conn = reader = pool = marker = None
        try:
            conn = connect(self.db_path)
            if not conn.execute("select 1 from sqlite_master where type = 'table' and "
                                "name = 'events'").fetchone():
                return r
            ensure_indexes(conn)
            total = self._total = _queued(conn)
            # Two helpers keep the hub busy: the next batch is read while this one is on its
            # way, and acknowledged batches are marked on their own connection while the next
            # one goes (each on its own thread; marking still only follows an ack).
            reader = connect(self.db_path)
            pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="outbox-read")
            marker = self._marker = _Marker(self.db_path)
            pending = pool.submit(_read, reader, 0, self.batch_size)
            while True:
                self._check_stop()
                rows = pending.result()
                if not rows:
                    break
                pending = pool.submit(_read, reader, rows[-1][0], self.batch_size)
                # Not checked again here: record() checked each event, and the hub checks
                # every batch (an event it refuses is isolated below), at half the CPU.
                self._deliver(conn, [dict(zip(events.FIELDS, row[1:], strict=True))
                                     for row in rows])
                if self.progress:
                    done = r["events_uploaded"] + r["rejected"]
                    self.progress(done, max(total, done))
            marker.close()  # every acknowledged batch marked (a failure raises here)
            r["status"] = "uploaded" if r["events_uploaded"] or r["rejected"] else \
                "nothing_to_send"
            r["deleted"] = self._delete_old(conn)
        except _EndCycle as e:
            r["status"] = str(e)
        except sqlite3.Error as e:
            if damaged.disk_full(e):  # staff must read what to do, not SQLite's words
                r["status"] = (f"error: {DISK_FULL}: events the hub acknowledged could not "
                               f"be marked sent in {self.db_path} (they are sent again, and "
                               f"counted once) ({e})")
            else:
                r["status"] = f"error: the outbox {self.db_path} cannot be used ({e})"
        finally:
            if marker is not None:
                marker.close(raise_error=False)
            if pool is not None:
                pool.shutdown(wait=True)
            if reader is not None:
                reader.close()
            if conn is not None:
                try:
                    r["queued"] = _queued(conn)
                except sqlite3.Error:
                    r["queued"] = None
                conn.close()
        if r["rejected"]:
            log.warning("%d events refused by the hub were set aside (sent = -1 in %s)",
                        r["rejected"], self.db_path)
        return r

    # -----------------------------------------------------------------------------------

    def _deliver(self, conn: sqlite3.Connection, batch: list[dict]) -> None:
        """Send `batch` until each event is acknowledged or rejected; _EndCycle otherwise."""
        r = self._report
        todo = [batch] if batch else []  # a stack: the next part to send is the last one
        while todo:
            part = todo.pop()
            if len(part) > self.batch_size:  # read before a 413 made batches smaller
                todo.extend(reversed(_chunks(part, self.batch_size)))
                continue
            try:
                ack = self.client.post_events(part, queued=self._left() - len(part))
            except hub_client.TooLargeError as e:
                if len(part) == 1:
                    self._reject(conn, part[0], str(e))
                    continue
                self.batch_size = max(1, min(self.batch_size, len(part) // 2))
                log.info("the hub found %d events too many for one request; sending %d",
                         len(part), self.batch_size)
                todo.extend(reversed(_chunks(part, self.batch_size)))
                continue
            except hub_client.RejectedError as e:
                if len(part) == 1:
                    self._reject(conn, part[0], e.detail or str(e))
                    continue
                i = e.index
                if i is not None and 0 <= i < len(part):
                    # Straight to the event the hub named; it is rejected only if the hub
                    # refuses it again on its own, so a wrong index costs a request, no event.
                    pieces = [part[:i], part[i:i + 1], part[i + 1:]]
                else:
                    mid = len(part) // 2
                    pieces = [part[:mid], part[mid:]]
                todo.extend(reversed([p for p in pieces if p]))
                continue
            except hub_client.AuthError as e:
                log.warning("event upload: %s", e)
                self._report["auth_refused"] = True
                raise _EndCycle(f"error: {REFUSED_TOKEN}: {e}") from None
            except hub_client.TransientError as e:
                self._wait_after(e)
                todo.append(part)  # the same events again: the hub keeps each id once
                continue
            except hub_client.HubError as e:
                raise _EndCycle(f"error: {e}") from None
            self._failures = 0
            self._marker.put([ev["event_id"] for ev in part])
            r["batches"] += 1
            r["events_uploaded"] += len(part)
            r["accepted"] += ack["accepted"]
            r["duplicates"] += ack["duplicates"]
            if ack["accepted"] + ack["duplicates"] != len(part):
                log.warning("the hub acknowledged %d events (%d new, %d duplicates) for a batch "
                            "of %d", ack["accepted"] + ack["duplicates"], ack["accepted"],
                            ack["duplicates"], len(part))

    def _left(self) -> int:
        """Events still queued, as far as this cycle knows (for the hub's fleet view)."""
        r = self._report
        return max(0, self._total - r["events_uploaded"] - r["rejected"])

    def _reject(self, conn: sqlite3.Connection, event: dict, why: str) -> None:
        log.warning("event %s (%s) refused by the hub, set aside: %s", event["event_id"],
                    event["type"], why)
        _mark(conn, [event["event_id"]], REJECTED)
        self._report["rejected"] += 1

    def _wait_after(self, e: hub_client.TransientError) -> None:
        """Sleep before sending again, or end the cycle: after too many failures in a row, or
        when the hub asks for a longer wait than this cycle will sleep."""
        self._failures += 1
        asked = hub_client.retry_after_seconds(e.retry_after, self.clock())
        if self._failures > self.max_failures:
            if asked is not None:
                self._report["retry_after"] = asked
            raise _EndCycle(f"error: {e}")
        if asked is not None:
            delay = asked
        else:  # full jitter: a fleet that lost the hub together does not return together
            delay = self.rng.uniform(0, min(self.backoff_cap,
                                            self.backoff_base * 2 ** (self._failures - 1)))
        if delay > self.max_wait:
            self._report["retry_after"] = delay
            raise _EndCycle(f"error: {e} (asked to wait {delay:.0f} s)")
        log.info("event upload: %s; trying again in %.1f s", e, delay)
        self.sleep(delay)
        self._check_stop()

    def _check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise _EndCycle("stopped")

    def _delete_old(self, conn: sqlite3.Connection) -> int:
        cutoff = self.clock() - self.retention_days * 86400
        deleted = 0
        while True:
            n = conn.execute("delete from events where rowid in (select rowid from events "
                             "where sent = 1 and time < ? limit ?)",
                             (cutoff, DELETE_CHUNK)).rowcount
            deleted += n
            if n < DELETE_CHUNK:
                return deleted


def _read(conn: sqlite3.Connection, after_rowid: int, n: int) -> list[tuple]:
    return conn.execute(_SELECT, (after_rowid, n)).fetchall()


class _Marker:
    """Marks acknowledged batches sent, in order, on its own thread and connection. The first
    failure (a full disk, say) is kept and raised by put() or close(); the events it could
    not mark stay queued and are sent again next time, which the hub counts once."""

    def __init__(self, path: Path):
        self._queue: queue.Queue[list[str] | None] = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._closed = False
        self._conn = connect(path)
        self._thread = threading.Thread(target=self._run, name="outbox-mark", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (ids := self._queue.get()) is not None:
            if self._error is None:
                try:
                    _mark(self._conn, ids, SENT)
                except BaseException as e:  # noqa: BLE001 (raised on the uploader's thread)
                    self._error = e

    def put(self, event_ids: list[str]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(event_ids)

    def close(self, raise_error: bool = True) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()
            self._conn.close()
        if raise_error and self._error is not None:
            raise self._error


def connect(path: Path) -> sqlite3.Connection:
    """The uploader's own connection: autocommit (transactions are explicit), WAL like the
    Outbox's, and a busy timeout so it waits for the writer thread rather than failing."""
    conn = sqlite3.connect(str(path), timeout=10, isolation_level=None,
                           check_same_thread=False)
    conn.execute("pragma busy_timeout = 10000")
    conn.execute("pragma journal_mode = wal")
    conn.execute("pragma synchronous = normal")
    return conn


def _queued(conn: sqlite3.Connection) -> int:
    return conn.execute("select count(*) from events where sent = 0").fetchone()[0]


def _mark(conn: sqlite3.Connection, event_ids: list[str], value: int) -> None:
    """Set `sent` for exactly these queued events, all or none."""
    conn.execute("begin immediate")
    try:
        conn.executemany(f"update events set sent = {int(value)} where event_id = ? and "
                         f"sent = {QUEUED}", ((i,) for i in event_ids))
        conn.execute("commit")
    except BaseException:
        # SQLite has already rolled back after some errors (a full disk): a second rollback
        # would raise "no transaction is active" and hide the reason.
        if conn.in_transaction:
            conn.execute("rollback")
        raise


def requeue_rejected(db_path: str | Path) -> int:
    """Staff's *Send set-aside events again*: the events the hub refused (sent = -1) are
    queued again, for a hub that has since been upgraded to accept them; the next upload
    sends them (one the hub still refuses is set aside again). Returns how many."""
    path = Path(db_path)
    if not path.exists():
        return 0
    conn = connect(path)
    try:
        if not conn.execute("select 1 from sqlite_master where type = 'table' and "
                            "name = 'events'").fetchone():
            return 0
        conn.execute("begin immediate")
        try:
            n = conn.execute(f"update events set sent = {QUEUED} where sent = {REJECTED}"
                             ).rowcount
            conn.execute("commit")
        except BaseException:
            conn.execute("rollback")
            raise
    finally:
        conn.close()
    if n:
        log.warning("%d set-aside events queued again by staff", n)
    return n


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


# ---------------------------------------------------------------------------------------
# The last upload's outcome, for `kiosk status` (the background syncer uploads every minute
# or so; last-sync.json keeps the last full cycle)

def record_last(data_dir: str | Path, report: dict) -> None:
    sync_log.record(data_dir, report, LAST_FILE)


def last(data_dir: str | Path) -> dict | None:
    return sync_log.last(data_dir, LAST_FILE)
