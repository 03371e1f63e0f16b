"""Logins to the hub's pages: argon2 password hashes, server-side sessions, CSRF tokens, a
login throttle. Two kinds of login share one sign-in page and one cookie: admins (see and
set everything) and centre staff (see and set only their own centres' settings).

Passwords are stored only as argon2id hashes, with parameters for a small server
(PASSWORD_HASH_PARAMS: OWASP's first choice for argon2id, 19 MiB, 2 passes, 1 lane; about
50 ms on one core here). argon2-cffi's defaults (RFC 9106's second choice: 64 MiB, 3
passes, 4 lanes) cost 64 MiB a check, and sixty sign-ins at once took a hub to 2.3 GiB
(issue 15). How many checks run at once is bounded too (limits.PasswordChecks). A hash made
with other parameters is replaced at the next successful login. Checking a login
for a name that does not exist still verifies a (dummy) hash, so the time taken does not say
which names exist.

A session is a random token in a cookie; the database keeps only its SHA-256, so a copy of
the database does not let anyone act as an admin. Each session has its own CSRF token, which
every form carries in a hidden field and every POST must send back. Sessions last 8 hours;
resetting a password ends every session of that admin.

A name is either an admin's or a staff member's, never both (each command refuses a name
the other kind has), so the sign-in page needs no "which kind" question.

`kiosk-hub admin-user` uses check_name, check_password and set_admin_password, and
`kiosk-hub staff-user` set_staff_user; the rest is for the pages (kiosk/hub/routes/,
through kiosk/hub/deps.py, which turns a session into a SignedIn).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kiosk.core import config
from kiosk.hub.schema import (
    admin_sessions,
    admin_users,
    staff_centres,
    staff_sessions,
    staff_users,
)

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024  # hashing is costly per byte; nobody types more
MAX_NAME_CHARS = 80  # admin_users.name and staff_users.name are String(80)
MAX_CENTRE_CHARS = 200  # staff_centres.centre, as terminals.centre
SESSION_LIFETIME = timedelta(hours=8)
SESSION_COOKIE = "kiosk_admin"  # holds the session's token; HttpOnly, path /admin

# argon2id for a small server (see the module's docstring); docs/admin-guide.md says why.
PASSWORD_HASH_PARAMS = {"time_cost": 2, "memory_cost": 19_456, "parallelism": 1}
_hasher = PasswordHasher(**PASSWORD_HASH_PARAMS)
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


def check_name(name: str, kind: str = "admin") -> str:
    """The login name as stored (surrounding spaces removed); ValueError if unusable."""
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise ValueError(f"the {kind} name must not be empty")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"the {kind} name must be at most {MAX_NAME_CHARS} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValueError(f"the {kind} name must not contain control characters")
    return name


def check_centres(centres) -> tuple[str, ...]:
    """A staff login's centres as stored (trimmed, each once, in the order given);
    ValueError naming the first unusable one."""
    out: list[str] = []
    for centre in centres:
        c = centre.strip() if isinstance(centre, str) else ""
        if not c:
            raise ValueError("--centre: give the centre's name")
        if len(c) > MAX_CENTRE_CHARS:
            raise ValueError(f"--centre: a centre's name is at most {MAX_CENTRE_CHARS} "
                             "characters")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in c):
            raise ValueError("--centre: a centre's name must not contain control characters")
        if c not in out:
            out.append(c)
    if not out:
        raise ValueError("a staff login needs at least one --centre")
    return tuple(out)


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


def _exists(c: sa.Connection, name: str, table: sa.Table = admin_users) -> bool:
    return c.execute(sa.select(table.c.name).where(table.c.name == name)).first() is not None


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
        if _exists(c, name, staff_users):
            raise ValueError(f"{name!r} is a centre staff login; give the admin another name")
        if not _exists(c, name):
            c.execute(admin_users.insert().values(name=name, password_hash=hashed,
                                                  created=now, last_login=None))
            return True
        c.execute(admin_users.update().where(admin_users.c.name == name)
                  .values(password_hash=hashed))
        c.execute(admin_sessions.delete().where(admin_sessions.c.name == name))
        return False


def set_staff_user(engine: sa.Engine, name: str, password: str, centres,
                   now: datetime | None = None) -> bool:
    """Create the centre staff login `name` for `centres`, or reset its password and
    centres (which ends all its sessions, as for an admin). True if created. Refused
    (ValueError) for a name an admin has."""
    name = check_name(name, "staff")
    check_password(password)
    centres = check_centres(centres)
    hashed = hash_password(password)
    now = now or _now()
    with engine.begin() as c:
        if _exists(c, name):
            raise ValueError(f"{name!r} is an admin login; give the staff login another name")
        created = not _exists(c, name, staff_users)
        if created:
            c.execute(staff_users.insert().values(name=name, password_hash=hashed,
                                                  created=now, last_login=None))
        else:
            c.execute(staff_users.update().where(staff_users.c.name == name)
                      .values(password_hash=hashed))
            c.execute(staff_sessions.delete().where(staff_sessions.c.name == name))
            c.execute(staff_centres.delete().where(staff_centres.c.name == name))
        c.execute(staff_centres.insert(), [{"name": name, "centre": x} for x in centres])
    return created


def staff_logins(engine: sa.Engine) -> dict[str, tuple[str, ...]]:
    """Every staff login and its centres."""
    with engine.connect() as c:
        rows = c.execute(sa.select(staff_users.c.name, staff_centres.c.centre)
                         .select_from(staff_users.outerjoin(staff_centres))
                         .order_by(staff_users.c.name, staff_centres.c.centre)).all()
    out: dict[str, tuple[str, ...]] = {}
    for name, centre in rows:
        out[name] = out.get(name, ()) + ((centre,) if centre else ())
    return out


def _dummy() -> str:
    """A hash of a random password, made once: verified when a name does not exist."""
    global _dummy_hash
    with _dummy_lock:
        if _dummy_hash is None:
            _dummy_hash = hash_password(secrets.token_urlsafe(16))
        return _dummy_hash


def verify_login(engine: sa.Engine, name: str, password: str,
                 now: datetime | None = None) -> str | None:
    """"admin" or "staff" if name and password match a login of that kind, else None.
    Unknown names cost an argon2 verification too (their timing matches a wrong password),
    and admins and staff cost the same. On success last_login is set, and the hash is remade
    if argon2's parameters have changed since it was made."""
    if not isinstance(name, str) or not isinstance(password, str) \
            or len(password) > MAX_PASSWORD_CHARS:
        return None
    name = name.strip()
    row, table = None, admin_users
    if name and len(name) <= MAX_NAME_CHARS:
        with engine.connect() as c:
            for table in (admin_users, staff_users):
                row = c.execute(sa.select(table.c.password_hash)
                                .where(table.c.name == name)).first()
                if row is not None:
                    break
    if row is None:
        try:
            _hasher.verify(_dummy(), password)
        except VerificationError:
            pass
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    values: dict = {"last_login": now or _now()}
    if _hasher.check_needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    with engine.begin() as c:
        c.execute(table.update().where(table.c.name == name).values(**values))
    return "admin" if table is admin_users else "staff"


# --- sessions ------------------------------------------------------------------------

@dataclass(frozen=True)
class AdminSession:
    name: str
    csrf: str
    expires: datetime


def create_session(engine: sa.Engine, name: str, now: datetime | None = None,
                   kind: str = "admin") -> tuple[str, AdminSession]:
    """A new session for the login `name` (kind "admin" or "staff", as verify_login said):
    (the cookie's token, the session). Expired sessions are swept away at the same time, so
    the tables do not grow."""
    table = {"admin": admin_sessions, "staff": staff_sessions}[kind]
    now = now or _now()
    token = secrets.token_urlsafe(32)
    session = AdminSession(name=check_name(name, kind), csrf=secrets.token_urlsafe(32),
                           expires=now + SESSION_LIFETIME)
    with engine.begin() as c:
        c.execute(table.delete().where(table.c.expires <= now))
        c.execute(table.insert().values(token_sha256=_sha256(token), name=session.name,
                                        csrf=session.csrf, created=now,
                                        expires=session.expires))
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


@dataclass(frozen=True)
class SignedIn:
    """Whoever a page is for: an admin (every centre) or centre staff (their centres)."""
    name: str
    csrf: str
    is_admin: bool
    centres: frozenset[str] | None = None  # None: every centre (an admin)

    def may_see(self, centre: str) -> bool:
        return self.centres is None or centre in self.centres

    @property
    def who(self) -> str:
        """As the audit names them."""
        return f"{'admin' if self.is_admin else 'staff'} {self.name}"


def signed_in(engine: sa.Engine, token: str | None,
              now: datetime | None = None) -> SignedIn | None:
    """The live session, admin's or staff's, whose cookie holds token, or None. A staff
    session comes with the centres its login has *now*, so taking a centre away from a
    login takes effect at its next request."""
    if not token or len(token) > 200:
        return None
    now = now or _now()
    digest = _sha256(token)
    with engine.connect() as c:
        row = c.execute(sa.select(admin_sessions.c.name, admin_sessions.c.csrf,
                                  admin_sessions.c.expires)
                        .where(admin_sessions.c.token_sha256 == digest)).first()
        if row is not None:
            return SignedIn(row.name, row.csrf, True) if row.expires > now else None
        row = c.execute(sa.select(staff_sessions.c.name, staff_sessions.c.csrf,
                                  staff_sessions.c.expires)
                        .where(staff_sessions.c.token_sha256 == digest)).first()
        if row is None or row.expires <= now:
            return None
        centres = c.execute(sa.select(staff_centres.c.centre)
                            .where(staff_centres.c.name == row.name)).scalars()
        return SignedIn(row.name, row.csrf, False, frozenset(centres))


def end_session(engine: sa.Engine, token: str | None) -> None:
    """Forget the session whose cookie holds token (signing out), an admin's or staff's."""
    if not token or len(token) > 200:
        return
    with engine.begin() as c:
        for table in (admin_sessions, staff_sessions):
            c.execute(table.delete().where(table.c.token_sha256 == _sha256(token)))


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two CSRF tokens; False if either is missing."""
    if not a or not b:
        return False
    return secrets.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


# --- the hub's own secret -------------------------------------------------------------------

SECRET_FILE = "secret.key"


def load_secret(data_dir: Path) -> bytes:
    """The hub's secret (32 random bytes in DATA_DIR/secret.key, mode 0600, made at the
    first start): it signs the sign-in form's token (pages/forms.py), and every worker
    reads the same file. Made with O_EXCL, so two processes starting together agree."""
    path = Path(data_dir) / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process is writing it: a moment
            data = path.read_bytes()
            if len(data) == 64:
                return bytes.fromhex(data.decode("ascii"))
            time.sleep(0.02)
        raise RuntimeError(f"{path} is not a secret this hub wrote; delete it to make a new "
                           "one (signed-in forms will have to be opened again)") from None
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
        f.flush()
        os.fsync(f.fileno())
    return bytes.fromhex(path.read_text(encoding="ascii"))
