"""The background syncer: while the kiosk runs, send usage events to the hub every minute or
so, and fetch new content now and then.

It runs on its own thread (the UI never waits on the network or on the uploader's
database work). Events go every `events_interval` seconds (with jitter, so a fleet started
together does not call the hub together); after a failed upload the interval doubles, up to
`content_interval`, so a hub that is down is not called by every terminal every minute.
Before each upload it flushes the app's outbox from this thread, so what was recorded a
moment ago goes too. Content is fetched every `content_interval` seconds, doing what
`kiosk sync --once` does, when the terminal trusts a publisher key; a new version is handed
to the app, which switches to it between sessions (never in the middle of a citizen's
session). Failures are logged and retried at a later round: queued events and the installed
content stay as they are.

A hub that refuses the terminal's token (revoked) is remembered (`revoked`, and on disk for
`services.enrolment.status`, which the staff panel shows); the terminal keeps serving
citizens with its last content and configuration, and keeps asking, less often, in case
the refusal was a mistake put right on the hub.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.services import event_sync, sync_log

log = logging.getLogger(__name__)


class Syncer:
    def __init__(self, data_dir: str | Path, hub_url: str, token: str, trusted_keys: str | None,
                 on_new_version: Callable[[int], None], interval: float = 900.0, *,
                 outbox=None, events_interval: float = 60.0,
                 first_delay: tuple[float, float] = (5.0, 30.0), hub_timeout: float = 30.0,
                 terminal_id: str = "", on_new_config: Callable[[], None] | None = None,
                 app_status: Callable[[], dict] | None = None,
                 on_action: Callable[[dict], str | None] | None = None):
        """`trusted_keys`: None or "" uploads events only (no content without a key to check
        it). `outbox`: the app's Outbox, flushed before each upload (its `path` is the
        database uploaded from; DATA_DIR/outbox.db without one). `first_delay`: the range
        the first round is drawn from. `on_new_config`: called (on this thread) when the hub
        sent a new configuration; the app loads it and applies it at the attract screen.
        `app_status`: what the app says for the heartbeat ({"maintenance": bool,
        "last_session": time}; default: not in maintenance, the outbox's last session).
        `on_action`: called (on this thread) with a remote action the hub queued (restart,
        leave maintenance; services/heartbeat.py); a token replacement is done here."""
        self.data_dir = Path(data_dir)
        self.hub_url, self.token, self.trusted_keys = hub_url, token, trusted_keys
        self.on_new_version = on_new_version
        self.terminal_id, self.on_new_config = terminal_id, on_new_config
        self.interval = interval
        self.events_interval = events_interval
        self.outbox = outbox
        self.first_delay = first_delay
        self.hub_timeout = hub_timeout
        self.db_path = Path(outbox.path) if outbox is not None else self.data_dir / "outbox.db"
        self.last_report: dict | None = None
        self.last_events_report: dict | None = None
        self.app_status, self.on_action = app_status, on_action
        self.last_heartbeat: dict | None = None
        from kiosk.services import heartbeat

        self.started = heartbeat.process_started()
        self.tracker = heartbeat.Tracker(self.data_dir)
        self.revoked = False
        """True since the hub last refused this terminal's token (401/403), until it
        accepts it again. See services/enrolment.py for the state as staff see it."""
        self._event_failures = 0
        # One round at a time: staff's *Sync now* (from the panel's worker thread) waits for
        # a background round in progress rather than staging the same content beside it.
        self._busy = threading.RLock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _client(self):
        from kiosk.services import hub_client
        from kiosk.services.content_store import ContentStore

        return hub_client.HubClient(self.hub_url, self.token, read_timeout=self.hub_timeout,
                                    content_version=ContentStore(self.data_dir)
                                    .installed_version())

    def upload_events(self, client=None) -> dict:
        """One upload cycle: flush the app's outbox, then send what is queued."""
        with self._busy:
            return self._upload_events(client)

    def _upload_events(self, client=None) -> dict:
        if self.outbox is not None:
            try:
                self.outbox.flush()
            except Exception as e:  # noqa: BLE001 (a full disk: what is on disk still goes)
                log.warning("could not flush the outbox before an upload: %s", e)
        own = client is None
        client = client or self._client()
        try:
            self._settle_token(client)
            report = event_sync.Uploader(self.db_path, client, max_failures=3,
                                         backoff_base=2.0, backoff_cap=60.0, max_wait=300.0,
                                         sleep=self._stop.wait, stop=self._stop).run()
            self.tracker.round_ended("events", report["status"].removeprefix("error: ")
                                     if report["status"].startswith("error") else None,
                                     "UploadError")
            if report.get("auth_refused"):
                self._refused(report["status"])
            else:
                if report["status"] == "uploaded":
                    self._accepted()
                config = self.sync_config(client)
                status = str(config.get("config_status", ""))
                self.tracker.round_ended("config", status.removeprefix("error: ")
                                         if status.startswith("error") else None,
                                         "ConfigSyncError")
                self.send_heartbeat(client)
        finally:
            if own:
                client.close()
        self.last_events_report = report
        # A cycle cut short by the app stopping is not a result: the last one stands for staff.
        if report["status"] not in ("nothing_to_send", "stopped"):
            event_sync.record_last(self.data_dir, report)
        if report["status"].startswith("error"):
            log.warning("event upload: %s (%s still queued)", report["status"],
                        report["queued"])
        return report

    def _settle_token(self, client) -> None:
        """A replacement token left pending by a kill: confirm it before anything else."""
        from kiosk.services import hub_client, token_swap

        try:
            if token_swap.settle(client, self.data_dir) == "confirmed":
                self.token = hub_client.load_enrolment(self.data_dir)["token"]
        except (hub_client.HubError, OSError) as e:
            log.warning("could not settle a replacement token: %s", e)

    def _use_token(self, token: str) -> None:
        self.token = token

    def send_heartbeat(self, client=None) -> dict:
        """Tell the hub how this terminal is, and act on what it queued (heartbeat.send).
        A failure is logged and counted as a failed round; the next round tries again."""
        from kiosk.core.heartbeat import HeartbeatError
        from kiosk.services import heartbeat, hub_client

        own = client is None
        try:
            client = client or self._client()
            report = heartbeat.send(client, self.data_dir, started=self.started,
                                    app_status=self.app_status, on_action=self.on_action,
                                    outbox_path=self.db_path, on_token=self._use_token)
            self.tracker.round_ended("heartbeat", None)
        except hub_client.NotOffered:  # a hub older than heartbeats
            report = {"heartbeat": "not offered by the hub"}
        except (hub_client.HubError, HeartbeatError, OSError) as e:
            log.warning("heartbeat: %s", e)
            self.tracker.round_ended("heartbeat", e)
            report = {"heartbeat": f"error: {e}"}
        finally:
            if own and client is not None:
                client.close()
        self.last_heartbeat = report
        return report

    def sync_config(self, client=None) -> dict:
        """Fetch the hub's configuration for this terminal (a 304 most minutes) and report
        what is used; `on_new_config` is called when it changed. Failures are logged: the
        terminal keeps its last configuration and serves citizens with it."""
        from kiosk.core.config import DocumentError
        from kiosk.services import config_store, hub_client

        own = client is None
        try:
            client = client or self._client()
            report = config_store.sync(client, config_store.ConfigStore(self.data_dir,
                                                                       self.terminal_id))
            self._accepted()
        except hub_client.AuthError as e:  # revoked: the last configuration stays
            self._refused(str(e))
            report = {"config_status": f"error: {e}"}
        except (hub_client.HubError, DocumentError, OSError) as e:
            log.warning("configuration sync failed: %s", e)
            report = {"config_status": f"error: {e}"}
        finally:
            if own and client is not None:
                client.close()
        if report["config_status"] == "updated" and self.on_new_config:
            self.on_new_config()
        return report

    def sync_once(self) -> dict:
        """A full cycle: events, then content. The content report (with events_uploaded)."""
        with self._busy:
            return self._sync_once()

    def _sync_once(self) -> dict:
        from kiosk.core import packs
        from kiosk.services import content_store, hub_client

        with self._client() as client:
            events = self.upload_events(client)
            report = {"events_uploaded": events["events_uploaded"],
                      "events_status": events["status"]}
            if not self.trusted_keys:
                report["status"] = "events_only"
            elif self.revoked:  # content would be refused too
                report["status"] = f"error: {event_sync.REFUSED_TOKEN}"
            else:
                store = content_store.ContentStore(self.data_dir)
                trusted = packs.load_trusted_keys(self.trusted_keys)
                try:
                    report.update(content_store.sync_content(client, store, trusted))
                except hub_client.AuthError as e:
                    self._refused(str(e))
                    self.tracker.round_ended("content", e)
                    raise
                except Exception as e:
                    self.tracker.round_ended("content", e)
                    raise
                status = str(report.get("status", ""))
                self.tracker.round_ended("content", status.removeprefix("error: ")
                                         if status.startswith("error") else None,
                                         "ContentSyncError")
        self.last_report = report
        sync_log.record(self.data_dir, report)
        if report["status"] == "updated":
            self.on_new_version(report["content_version"])
        return report

    def _refused(self, detail: str) -> None:
        from kiosk.services import enrolment

        self.revoked = True
        enrolment.record_refused(self.data_dir, detail)

    def _accepted(self) -> None:
        from kiosk.services import enrolment

        if self.revoked or (self.data_dir / enrolment.REFUSED_FILE).exists():
            enrolment.record_accepted(self.data_dir)
        self.revoked = False

    def _events_delay(self, report: dict) -> float:
        if report["status"].startswith("error"):
            self._event_failures += 1
        else:
            self._event_failures = 0
        base = min(self.interval, self.events_interval * 2 ** self._event_failures)
        delay = base * random.uniform(0.8, 1.2)
        if report.get("retry_after"):
            delay = max(delay, report["retry_after"])
        return delay

    def _run(self) -> None:
        # A little jitter, so a fleet started together does not call the hub together.
        now = time.monotonic()
        next_events = now + random.uniform(*self.first_delay)
        next_content = (now + random.uniform(*self.first_delay) if self.trusted_keys
                        else float("inf"))
        while not self._stop.wait(max(0.0, min(next_events, next_content) - time.monotonic())):
            if time.monotonic() >= next_content:
                self.last_events_report = None
                try:
                    self.sync_once()
                except Exception as e:  # noqa: BLE001 (hub, network or disk: try again later)
                    log.warning("content sync failed: %s", e)
                    self.last_report = {"status": f"error: {e}"}
                    sync_log.record(self.data_dir, self.last_report)
                events = self.last_events_report or {"status": "error: no upload"}
                next_events = time.monotonic() + self._events_delay(events)
                next_content = time.monotonic() + self.interval * random.uniform(0.9, 1.1)
            elif time.monotonic() >= next_events:
                try:
                    report = self.upload_events()
                except Exception as e:  # noqa: BLE001 (the hub client could not be made)
                    log.warning("event upload failed: %s", e)
                    report = {"status": f"error: {e}"}
                next_events = time.monotonic() + self._events_delay(report)
