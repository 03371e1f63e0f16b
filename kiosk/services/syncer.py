"""The background syncer: while the kiosk runs, fetch new content from the hub now and then.

It runs on its own thread (the UI never waits on the network), does exactly what
`kiosk sync --once` does, and when a new version is installed it tells the app, which
switches to it between sessions (never in the middle of a citizen's session). Failures are
logged and retried at the next round: the installed content stays as it is.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from pathlib import Path

from kiosk.services import sync_log

log = logging.getLogger(__name__)


class Syncer:
    def __init__(self, data_dir: str | Path, hub_url: str, token: str, trusted_keys: str,
                 on_new_version: Callable[[int], None], interval: float = 900.0):
        self.data_dir = Path(data_dir)
        self.hub_url, self.token, self.trusted_keys = hub_url, token, trusted_keys
        self.on_new_version = on_new_version
        self.interval = interval
        self.last_report: dict | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="content-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def sync_once(self) -> dict:
        from kiosk.core import packs
        from kiosk.services import content_store, hub_client

        store = content_store.ContentStore(self.data_dir)
        trusted = packs.load_trusted_keys(self.trusted_keys)
        with hub_client.HubClient(self.hub_url, self.token) as client:
            report = content_store.sync_content(client, store, trusted)
        self.last_report = report
        sync_log.record(self.data_dir, report)
        if report["status"] == "updated":
            self.on_new_version(report["content_version"])
        return report

    def _run(self) -> None:
        # A little jitter, so a fleet started together does not call the hub together.
        wait = random.uniform(5, 30)
        while not self._stop.wait(wait):
            try:
                self.sync_once()
            except Exception as e:  # noqa: BLE001 (hub, network or disk: try again later)
                log.warning("content sync failed: %s", e)
                self.last_report = {"status": f"error: {e}"}
                sync_log.record(self.data_dir, self.last_report)
            wait = self.interval * random.uniform(0.9, 1.1)
