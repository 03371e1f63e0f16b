"""Dashboard logins: argon2 password hashes, server-side sessions, CSRF tokens, a login throttle.

Passwords are stored only as argon2id hashes (argon2-cffi's defaults, which follow RFC 9106);
a hash made with older parameters is replaced at the next successful login. Checking a login
for a name that does not exist still verifies a (dummy) hash, so the time taken does not say
which names exist.

A session is a random token in a cookie; the database keeps only its SHA-256, so a copy of
the database does not let anyone act as an admin. Each session has its own CSRF token, which
every form carries in a hidden field and every POST must send back. Sessions last 8 hours;
resetting a password ends every session of that admin.

`kiosk-hub admin-user` uses check_name, check_password and set_admin_password; the rest is
for the dashboard (kiosk/hub/routes/dashboard.py, through kiosk/hub/deps.py).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kiosk.core import config
from kiosk.hub.schema import admin_sessions, admin_users

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024  # hashing is costly per byte; nobody types more
MAX_NAME_CHARS = 80  # admin_users.name is String(80)
SESSION_LIFETIME = timedelta(hours=8)
SESSION_COOKIE = "kiosk_admin"  # holds the session's token; HttpOnly, path /admin

_hasher = PasswordHasher()
_dummy_hash: str | None = None
_dummy_lock = threading.Lock()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    """An argon2id hash of password (with its own random salt), as argon2's encoded string."""
    return _hasher.hash(password)


def hash_pin(pin: str) -> str:
    """The argon2id hash of a staff panel PIN, as terminals check it (core/config.py)."""
    return PasswordHasher(**config.PIN_HASH_PARAMS).hash(config.check_pin(pin))


def check_name(name: str) -> str:
    """The admin name as stored (surrounding spaces removed); ValueError if unusable."""
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise ValueError("the admin name must not be empty")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"the admin name must be at most {MAX_NAME_CHARS} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValueError("the admin name must not contain control characters")
    return name


def check_password(password: str) -> None:
    """ValueError with a message for a person when password is too short or too long."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"the password must be at least {MIN_PASSWORD_CHARS} characters "
                         "long (a few unrelated words make a good one)")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"the password must be at most {MAX_PASSWORD_CHARS} characters")


def admin_exists(engine: sa.Engine, name: str) -> bool:
    """True if there is a dashboard login named `name` (as check_name stores it)."""
    with engine.connect() as c:
        return _exists(c, check_name(name))


def _exists(c: sa.Connection, name: str) -> bool:
    return c.execute(sa.select(admin_users.c.name)
                     .where(admin_users.c.name == name)).first() is not None


def set_admin_password(engine: sa.Engine, name: str, password: str,
                       now: datetime | None = None) -> bool:
    """Create the admin `name`, or reset its password; a reset ends all its sessions (a
    password is reset because it may be known to someone else, who may be logged in).
    True if the admin was created, False if reset: decided in the same transaction."""
    name = check_name(name)
    check_password(password)
    hashed = hash_password(password)
    now = now or _now()
    with engine.begin() as c:
        if not _exists(c, name):
            c.execute(admin_users.insert().values(name=name, password_hash=hashed,
                                                  created=now, last_login=None))
            return True
        c.execute(admin_users.update().where(admin_users.c.name == name)
                  .values(password_hash=hashed))
        c.execute(admin_sessions.delete().where(admin_sessions.c.name == name))
        return False


def _dummy() -> str:
    """A hash of a random password, made once: verified when a name does not exist."""
    global _dummy_hash
    with _dummy_lock:
        if _dummy_hash is None:
            _dummy_hash = hash_password(secrets.token_urlsafe(16))
        return _dummy_hash


def verify_login(engine: sa.Engine, name: str, password: str,
                 now: datetime | None = None) -> bool:
    """True if name and password match an admin. Unknown names cost an argon2 verification
    too (their timing matches a wrong password). On success last_login is set, and the hash
    is remade if argon2's parameters have changed since it was made."""
    if not isinstance(name, str) or not isinstance(password, str) \
            or len(password) > MAX_PASSWORD_CHARS:
        return False
    name = name.strip()
    row = None
    if name and len(name) <= MAX_NAME_CHARS:
        with engine.connect() as c:
            row = c.execute(sa.select(admin_users.c.password_hash)
                            .where(admin_users.c.name == name)).first()
    if row is None:
        try:
            _hasher.verify(_dummy(), password)
        except VerificationError:
            pass
        return False
    try:
        _hasher.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    values: dict = {"last_login": now or _now()}
    if _hasher.check_needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    with engine.begin() as c:
        c.execute(admin_users.update().where(admin_users.c.name == name).values(**values))
    return True


# --- sessions ------------------------------------------------------------------------

@dataclass(frozen=True)
class AdminSession:
    name: str
    csrf: str
    expires: datetime


def create_session(engine: sa.Engine, name: str,
                   now: datetime | None = None) -> tuple[str, AdminSession]:
    """A new session for the admin `name`: (the cookie's token, the session). Expired
    sessions are swept away at the same time, so the table does not grow."""
    now = now or _now()
    token = secrets.token_urlsafe(32)
    session = AdminSession(name=check_name(name), csrf=secrets.token_urlsafe(32),
                           expires=now + SESSION_LIFETIME)
    with engine.begin() as c:
        c.execute(admin_sessions.delete().where(admin_sessions.c.expires <= now))
        c.execute(admin_sessions.insert().values(token_sha256=_sha256(token),
                                                 name=session.name, csrf=session.csrf,
                                                 created=now, expires=session.expires))
    return token, session


def get_session(engine: sa.Engine, token: str | None,
                now: datetime | None = None) -> AdminSession | None:
    """The live session whose cookie holds token, or None (none, unknown or expired)."""
    if not token or len(token) > 200:
        return None
    now = now or _now()
    with engine.connect() as c:
        row = c.execute(sa.select(admin_sessions.c.name, admin_sessions.c.csrf,
                                  admin_sessions.c.expires)
                        .where(admin_sessions.c.token_sha256 == _sha256(token))).first()
    if row is None or row.expires <= now:
        return None
    return AdminSession(row.name, row.csrf, row.expires)


def end_session(engine: sa.Engine, token: str | None) -> None:
    """Forget the session whose cookie holds token (logging out)."""
    if not token or len(token) > 200:
        return
    with engine.begin() as c:
        c.execute(admin_sessions.delete().where(admin_sessions.c.token_sha256 == _sha256(token)))


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two CSRF tokens; False if either is missing."""
    if not a or not b:
        return False
    return secrets.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


# --- failed logins -------------------------------------------------------------------

class LoginThrottle:
    """Failed logins per (name, client address), in memory: after `limit` failures within
    `window` seconds, further attempts for that pair are refused until the oldest failure
    is `window` seconds old. Guessing is slowed for one name from one place without letting
    anyone lock an admin out from everywhere. At most `max_keys` pairs are remembered (the
    oldest are dropped), so a flood of made-up names cannot fill the memory."""

    def __init__(self, limit: int = 5, window: float = 15 * 60, max_keys: int = 10_000):
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> list[float]:
        times = [t for t in self._failures.get(key, ()) if now - t < self.window]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def retry_after(self, name: str, client: str, now: float | None = None) -> float:
        """Seconds before this pair may try again; 0 if it may try now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._recent((name.strip().casefold(), client), now)
            if len(times) < self.limit:
                return 0.0
            return max(0.0, times[-self.limit] + self.window - now)

    def failed(self, name: str, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        key = (name.strip().casefold(), client)
        with self._lock:
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, name: str, client: str) -> None:
        with self._lock:
            self._failures.pop((name.strip().casefold(), client), None)
