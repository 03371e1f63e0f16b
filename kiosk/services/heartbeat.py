"""The terminal's heartbeat: at the end of each sync round it tells the hub how it is
(core/heartbeat.py says what, and what never), and the hub's answer carries the remote
actions an admin queued for it (restart the app, leave maintenance mode, replace the
token).

What a heartbeat needs between rounds and across restarts is kept in
DATA_DIR/heartbeat.json (`Tracker`, written whole, under a lock so `kiosk sync --once` and
the app's syncer can share it): the sync rounds that failed since the last heartbeat got
through, the error streak, the last error (class and scrubbed message), the outcomes of
remote actions not yet reported, and the ids of actions already acted on (an action the hub
sends again, because its outcome has not arrived yet, is not done twice).

Actions: a token replacement is done here, entirely (services/token_swap.py); any other
action goes to the `on_action` callback the app gives (it returns a short outcome, or
raises; it must not end the process on the syncer's thread: for a restart it asks the UI
to stop and exit with RESTART_EXIT_CODE, and the outcome "restarted" is kept before it is
called, to be reported by the next process); without one (`kiosk sync --once`, no app running) the action is left for the app's
own syncer, and the hub keeps it queued.

No Kivy here.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.core import files
from kiosk.core import heartbeat as schema
from kiosk.core.protocol import MAX_ACTIONS, MAX_ERROR_CHARS, REPLACE_TOKEN, RESTART

log = logging.getLogger(__name__)

STATE_FILE = "heartbeat.json"
KEEP_HANDLED = 50  # ids of actions acted on, remembered so none is done twice
# The exit status of a kiosk app that ends to be restarted (a remote restart): the
# supervisor (systemd's Restart=, config/) starts it again. EX_TEMPFAIL.
RESTART_EXIT_CODE = 75

# What the app says about itself: {"maintenance": bool, "last_session": a Unix time or a
# datetime, or None}. Anything missing counts as "not in maintenance" and "not known".
AppStatus = Callable[[], dict]
# Called with an action {"id", "kind"}; returns a short outcome in words, raises if it failed.
OnAction = Callable[[dict], str | None]


def process_started() -> float:
    """The Unix time this process started (from the kernel, so Python's own start counts)."""
    try:
        with open("/proc/self/stat") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
        return time.time() - max(0.0, age)
    except (OSError, ValueError, IndexError, AttributeError):
        return time.time()


def memory_in_use() -> int | None:
    """This process's resident memory in bytes (Linux), None where it cannot be read."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _now_iso() -> str:
    return schema.iso(datetime.now(UTC))


class Tracker:
    """DATA_DIR/heartbeat.json: what the next heartbeat must say that no file else holds."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / STATE_FILE

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        data.setdefault("failed_rounds", 0)
        data.setdefault("error_streak", 0)
        data.setdefault("last_error", None)
        data.setdefault("results", [])
        data.setdefault("handled", [])
        return data

    @contextlib.contextmanager
    def _change(self) -> Iterator[dict]:
        """Read, change and write back, one process at a time (best effort: a full disk
        loses the change, never the kiosk)."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            lock = open(self.data_dir / ".heartbeat.lock", "a")  # noqa: SIM115
        except OSError:
            yield self._read()
            return
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            yield data
            try:
                files.write_atomic(self.path, json.dumps(data))
            except OSError as e:
                log.warning("cannot keep the heartbeat's state: %s", e)

    def state(self) -> dict:
        return self._read()

    def round_ended(self, kind: str, error: BaseException | str | None,
                    cls: str | None = None) -> None:
        """A part of a sync round (`kind`: events, config, content, heartbeat) ended: well
        (error None) or with an error (an exception, or a message and its class). Each
        kind has its own streak: content failing every quarter of an hour is repeated
        even with events going well every minute in between."""
        with self._change() as data:
            streaks = data.setdefault("streaks", {})
            if error is None:
                streaks.pop(kind, None)
            else:
                streaks[kind] = streaks.get(kind, 0) + 1
                data["failed_rounds"] += 1
                name = cls or (type(error).__name__ if isinstance(error, BaseException)
                               else "SyncError")
                data["last_error"] = {"class": name[:80],
                                      "message": schema.scrub(f"{kind}: {error}"),
                                      "at": _now_iso()}
            data["error_streak"] = max(streaks.values(), default=0)

    def noted(self, cls: str, message: str) -> None:
        """Something staff and admins must hear of that is not a failed round (damaged
        data set aside at start): the heartbeat's last error, nothing else."""
        with self._change() as data:
            data["last_error"] = {"class": cls[:80], "message": schema.scrub(message),
                                  "at": _now_iso()}

    def delivered(self, results: list[dict]) -> None:
        """The hub acknowledged a heartbeat carrying `results`."""
        ids = {r["id"] for r in results}
        with self._change() as data:
            data["failed_rounds"] = 0
            data["results"] = [r for r in data["results"] if r["id"] not in ids]

    def handled(self, action_id: int) -> bool:
        return action_id in self._read()["handled"]

    def add_result(self, action_id: int, outcome: str, message: str = "") -> None:
        with self._change() as data:
            data["handled"] = ([i for i in data["handled"] if i != action_id]
                               + [action_id])[-KEEP_HANDLED:]
            data["results"] = [r for r in data["results"] if r["id"] != action_id]
            data["results"].append({"id": action_id, "outcome": outcome,
                                    "message": schema.scrub(message or "", MAX_ERROR_CHARS)})
            data["results"] = data["results"][-MAX_ACTIONS:]


# ---------------------------------------------------------------------------------------
# Building one


_expiry_cache: dict[tuple[str, int], str | None] = {}


def _content(data_dir: Path) -> tuple[int | None, str | None]:
    """The installed content's version and when it expires."""
    from kiosk.services.content_store import ContentStore

    store = ContentStore(data_dir)
    version = store.installed_version()
    if version is None:
        return None, None
    key = (str(data_dir), version)
    if key not in _expiry_cache:
        from kiosk.core import packs

        raw = store.manifest_raw(version)
        try:
            expires = schema.iso(packs.parse_manifest(raw).expires) if raw else None
        except packs.PackError:
            expires = None
        _expiry_cache[key] = expires
    return version, _expiry_cache[key]


def _config_version(data_dir: Path) -> str | None:
    from kiosk.services.config_store import FOLDER, HUB_FILE

    try:
        etag = json.loads((data_dir / FOLDER / HUB_FILE).read_text(encoding="utf-8"))["etag"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return etag if isinstance(etag, str) and schema.CONFIG_VERSION_RE.match(etag) else None


def _last_session(outbox_path: Path) -> float | None:
    """When the last citizen session started, from the outbox (read only)."""
    if not outbox_path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{outbox_path}?mode=ro", uri=True, timeout=2)
        try:
            row = conn.execute("select max(time) from events where type = 'session_start'"
                               ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row and isinstance(row[0], (int, float)) else None


def build(data_dir: str | Path, *, started: float, app_status: AppStatus | None = None,
          outbox_path: str | Path | None = None, tracker: Tracker | None = None,
          now: float | None = None) -> dict:
    """This terminal's heartbeat now, as core/heartbeat.check accepts it."""
    from kiosk import __version__
    from kiosk.services import outbox

    data_dir = Path(data_dir)
    outbox_path = Path(outbox_path) if outbox_path else data_dir / "outbox.db"
    now = time.time() if now is None else now
    said: dict[str, Any] = {}
    if app_status is not None:
        try:
            said = app_status() or {}
        except Exception as e:  # noqa: BLE001 (the app's answer is information, not needed)
            log.warning("the app could not say how it is: %s", e)
    counts = outbox.counts(outbox_path) or {}
    try:
        disk = shutil.disk_usage(data_dir)
        free, total = disk.free, disk.total
    except OSError:
        free = total = None
    version, expires = _content(data_dir)
    state = (tracker or Tracker(data_dir)).state()
    last = said.get("last_session")
    if last is None:
        last = _last_session(outbox_path)
    hb = {
        "app_version": __version__,
        "content_version": version,
        "content_expires": expires,
        "config_version": _config_version(data_dir),
        "queued": counts.get("queued") or 0,
        "set_aside": counts.get("rejected") or 0,
        "uptime_s": max(0, int(now - started)),
        "disk_free_bytes": free,
        "disk_total_bytes": total,
        "memory_bytes": memory_in_use(),
        "failed_rounds": state["failed_rounds"],
        "error_streak": state["error_streak"],
        "last_error": state["last_error"],
        "maintenance": bool(said.get("maintenance", False)),
        "last_session_hour": schema.hour_of(last),
        "results": state["results"][:MAX_ACTIONS],
    }
    return schema.check(hb)  # what the hub will check: a mistake shows here first


# ---------------------------------------------------------------------------------------
# Sending it, and doing what comes back


def send(client, data_dir: str | Path, *, started: float, app_status: AppStatus | None = None,
         on_action: OnAction | None = None, outbox_path: str | Path | None = None,
         on_token: Callable[[str], None] | None = None) -> dict:
    """Build and send a heartbeat, then act on the actions that come back.

    Returns {"heartbeat": "sent", "actions": [(id, kind, outcome)]}; raises the client's
    HubError when the heartbeat did not get through (the caller counts a failed round).
    `on_token(token)` is called when a token replacement has been confirmed, with the token
    to use from now on."""
    from kiosk.services import token_swap

    tracker = Tracker(data_dir)
    hb = build(data_dir, started=started, app_status=app_status, outbox_path=outbox_path,
               tracker=tracker)
    reply = client.post_heartbeat(hb)
    tracker.delivered(hb["results"])
    done = []
    for action in schema.check_actions(reply):
        aid, kind = action["id"], action["kind"]
        if tracker.handled(aid):
            continue
        if kind == REPLACE_TOKEN:
            outcome = token_swap.replace(client, data_dir, action["token"], aid)
            if outcome == "confirmed" and on_token is not None:
                on_token(action["token"])
            done.append((aid, kind, outcome))
            continue  # the hub learns of it from the confirmation itself
        if on_action is None:
            continue  # for the app's syncer: the hub keeps it queued
        if kind == RESTART:  # its outcome is the end of this process: say so first
            tracker.add_result(aid, "done", "restarted")
        try:
            said = on_action(action)
            if kind != RESTART:
                tracker.add_result(aid, "done", said or "")
            done.append((aid, kind, "done"))
        except Exception as e:  # noqa: BLE001 (reported to the hub as the action's outcome)
            log.warning("remote action %s (%s) failed: %s", aid, kind, e)
            tracker.add_result(aid, "failed", f"{type(e).__name__}: {e}")
            done.append((aid, kind, "failed"))
    return {"heartbeat": "sent", "actions": done}
