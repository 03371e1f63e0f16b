"""The staff panel's PIN at the terminal: checked against an argon2 hash, five wrong tries
lock the panel with a growing delay, and the lock survives a restart (pulling the plug does
not reset it).

The PIN's hash is the configuration setting `staff.pin_hash`: set for a centre from the hub
(`kiosk-hub config set --centre C staff.pin 123456`), or at the terminal at first start or
when staff change it (a staff change, which needs the old PIN). The later change wins, as for
every setting (core/config.py).

Hashing and checking take tens of milliseconds on purpose: never on the UI thread.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.core import config, files
from kiosk.services.config_store import FOLDER, ConfigStore

MAX_TRIES = 5           # wrong PINs before the panel locks
FIRST_LOCK = 30.0       # seconds, then doubled for each further wrong PIN
MAX_LOCK = 3600.0
STATE_FILE = "pin-tries.json"


@functools.cache
def _hasher():
    """argon2, imported when a PIN is first set or checked, not at the kiosk's start-up."""
    from argon2 import PasswordHasher

    return PasswordHasher(**config.PIN_HASH_PARAMS)


class PinError(ValueError):
    """A PIN that cannot be set; the message says why, for staff."""


def check_pin_format(pin: str) -> str:
    try:
        return config.check_pin(pin)
    except config.ConfigError as e:
        raise PinError(e.problem) from None


def hash_pin(pin: str) -> str:
    return _hasher().hash(check_pin_format(pin))


@dataclass(frozen=True)
class Attempt:
    ok: bool
    wait: float = 0.0       # seconds before the next try is accepted (0: now)
    tries_left: int = MAX_TRIES


class StaffAccess:
    """The PIN and its lock for one terminal's data folder."""

    def __init__(self, data_dir: str | Path, terminal: str = "",
                 clock: Callable[[], float] = time.time):
        self.config = ConfigStore(data_dir, terminal)
        self.state_path = Path(data_dir) / FOLDER / STATE_FILE
        self.clock = clock

    # -- state of the lock, on disk --------------------------------------------------------

    def _state(self) -> dict:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("wrong"), int) and \
                    isinstance(data.get("until"), (int, float)):
                return data
        except (OSError, ValueError):
            pass
        return {"wrong": 0, "until": 0.0}

    def _save(self, state: dict) -> None:
        files.write_atomic(self.state_path, json.dumps(state))

    def locked_for(self) -> float:
        """Seconds until a PIN is accepted again (0: now)."""
        state = self._state()
        now = self.clock()
        if state["until"] - now > MAX_LOCK:  # a clock set back: never lock for longer
            state["until"] = now + MAX_LOCK
            self._save(state)
        return max(0.0, state["until"] - now)

    # -- the PIN -----------------------------------------------------------------------------

    def pin_hash(self) -> str:
        return self.config.values().get("staff.pin_hash", "")

    def has_pin(self) -> bool:
        return bool(self.pin_hash())

    def check(self, pin: str) -> Attempt:
        """Try a PIN. While locked, it is not even checked."""
        wait = self.locked_for()
        if wait > 0:
            return Attempt(False, wait, 0)
        stored = self.pin_hash()
        ok = False
        if stored and isinstance(pin, str) and len(pin) <= 8:
            from argon2.exceptions import InvalidHashError, VerificationError

            try:
                ok = _hasher().verify(stored, pin)
            except (VerificationError, InvalidHashError):
                ok = False
        state = self._state()
        if ok:
            if state["wrong"]:
                self._save({"wrong": 0, "until": 0.0})
            return Attempt(True, 0.0, MAX_TRIES)
        state["wrong"] += 1
        left = max(0, MAX_TRIES - state["wrong"])
        if left == 0:
            lock = min(MAX_LOCK, FIRST_LOCK * 2 ** (state["wrong"] - MAX_TRIES))
            state["until"] = self.clock() + lock
        self._save(state)
        return Attempt(False, max(0.0, state["until"] - self.clock()), left)

    def set_pin(self, new: str, old: str | None = None) -> None:
        """Set the PIN at the terminal: at first start (no PIN yet) without the old one,
        otherwise only with it. A staff change: it reaches the hub in the next report
        (without the hash)."""
        check_pin_format(new)
        if self.has_pin() and (old is None or not self.check(old).ok):
            raise PinError("the current PIN is needed to change it")
        self.config.set_staff({"staff.pin_hash": hash_pin(new)})
