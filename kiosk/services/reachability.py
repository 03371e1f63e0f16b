"""Can this terminal reach a service's site? A cheap check (a TCP connection to the host's
port, name lookup included), made on a background thread and cached, so *Open the official
service* can say so before the citizen taps, and the UI thread never waits for it."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

log = logging.getLogger(__name__)


class Reachability:
    """`status(url, on_result)`: the cached answer (True, False, or None when not known yet);
    when it is missing or stale, one check per host runs on a thread and `on_result(bool)`
    is called from that thread (every caller waiting for the host is)."""

    def __init__(self, *, timeout: float = 4.0, fresh_for: float = 120.0,
                 failed_fresh_for: float = 20.0, clock: Callable[[], float] = time.monotonic,
                 connect: Callable = socket.create_connection):
        self.timeout = timeout
        self.fresh_for = fresh_for  # seconds a success is trusted
        self.failed_fresh_for = failed_fresh_for  # a failure is checked again sooner
        self._clock = clock
        self._connect = connect
        self._lock = threading.Lock()
        self._known: dict[tuple[str, int], tuple[bool, float]] = {}
        self._waiting: dict[tuple[str, int], list[Callable[[bool], None]]] = {}

    @staticmethod
    def _target(url: str) -> tuple[str, int] | None:
        try:
            parts = urlsplit(url)
            port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
        except ValueError:
            return None
        if not parts.hostname or port is None:
            return None
        return parts.hostname.lower(), port

    def status(self, url: str, on_result: Callable[[bool], None] | None = None) -> bool | None:
        target = self._target(url)
        if target is None:
            return None
        now = self._clock()
        with self._lock:
            known = self._known.get(target)
            if known is not None:
                ok, when = known
                if now - when < (self.fresh_for if ok else self.failed_fresh_for):
                    return ok
            if target in self._waiting:  # a check is running: join it
                if on_result is not None:
                    self._waiting[target].append(on_result)
                return known[0] if known else None
            self._waiting[target] = [on_result] if on_result is not None else []
        threading.Thread(target=self._check, args=(target,), daemon=True,
                         name=f"reach-{target[0]}").start()
        return known[0] if known else None

    def _check(self, target: tuple[str, int]) -> None:
        try:
            self._connect(target, timeout=self.timeout).close()
            ok = True
        except OSError as e:
            log.info("%s:%s cannot be reached: %s", *target, e)
            ok = False
        with self._lock:
            self._known[target] = (ok, self._clock())
            callbacks = self._waiting.pop(target, [])
        for callback in callbacks:
            try:
                callback(ok)
            except Exception:
                log.exception("reachability callback failed")
