"""The hub's state: terminals and enrolment codes in a database, published content on disk.

Database (SQLAlchemy Core; SQLite at DATA_DIR/hub.db by default, any SQLAlchemy URL via --db
or KIOSK_HUB_DB):

    terminals    id, centre, token_sha256 (unique), created, revoked, last_seen
    enrol_codes  code_sha256 (unique), centre, expires, used_by

Only SHA-256 digests of enrolment codes and tokens are stored: a copy of the database does
not let anyone act as a terminal. Times are naive UTC datetimes.

The tables are defined in schema.py and made and changed by the Alembic migrations in
migrations/ (migrate.upgrade runs whenever a Store opens the database).

Published content (DATA_DIR, PublishedPacks):

    blobs/<sha256>                 every published file, content-addressed, shared by versions
    content/<version>/manifest.json, manifest.sig   exactly the bytes from the pack
    content/current                pointer: {"version": N, "previous": M or null}, replaced
                                   atomically (os.replace) as the last step of a publish
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kiosk.core import files, packs, protocol
from kiosk.hub import migrate, usage
from kiosk.hub.fresh import Versions
from kiosk.hub.schema import config_version, enrol_codes, terminals, terminals_version

# Enrolment codes are typed by staff: 16 letters and digits without look-alikes
# (no 0/O, 1/I/L), shown in groups of four: about 80 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16
MAX_CODE_CHARS = protocol.MAX_CODE_CHARS
LAST_SEEN_EVERY = timedelta(seconds=60)
URGENT_BURST = 4  # changes a terminal may have stored at once in a row ...
URGENT_EVERY = timedelta(seconds=10)  # ... and one more every this often
TITLED_FILE = re.compile(r"(services|tutorials)/[^/]+\.json")


class StoreError(Exception):
    """A mistake the operator can fix; the message is one line. (The terminal's errors
    talking to the hub are kiosk.services.hub_client.HubError.)"""


class EnrolError(StoreError):
    """An enrolment code that is wrong, already used or expired."""


class PublishError(StoreError):
    pass


def now_utc() -> datetime:
    """Now, as the hub stores times: naive UTC, whole seconds."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)



def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_code(code: str) -> str:
    """What staff type: case, spaces and dashes do not matter."""
    return "".join(c for c in code.upper() if c not in " -\t")


def with_driver(db_url: str) -> str:
    """postgresql://... (as operators write it) means psycopg 3, the driver the hub ships
    with; SQLAlchemy alone would look for psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if db_url.startswith(prefix):
            return "postgresql+psycopg://" + db_url[len(prefix):]
    return db_url


def default_db_url(data_dir: str | Path) -> str:
    return f"sqlite:///{Path(data_dir) / 'hub.db'}"


@dataclass(frozen=True)
class Terminal:
    id: str
    centre: str
    created: datetime
    revoked: bool
    last_seen: datetime | None
    app_version: str | None = None
    content_version: int | None = None
    queue_depth: int | None = None

    @property
    def status(self) -> str:
        return "revoked" if self.revoked else "active"


@dataclass
class Seen:
    """A terminal as a hub process keeps it to check its token: who it is, and what was
    last stored of what it reports, to know when to store it again (seen_changes)."""
    id: str
    centre: str
    last_seen: datetime | None
    app_version: str | None
    content_version: int | None
    queue_depth: int | None
    # Kept under a replacement token not yet confirmed (fleet.py): its first use confirms
    # it, and from then on the old one is refused.
    pending: bool = False
    # Changes it may still have stored at once (seen_changes), in this process, and when
    # that was last worked out.
    urgent_budget: float = 0.0
    urgent_at: datetime | None = None


def seen_changes(seen: Seen, report: Mapping[str, Any], now: datetime) -> dict | None:
    """What to store about a terminal that has just made a request, or None: its last_seen
    at most once a minute (a write per request would make every terminal's requests queue
    behind each other on SQLite), and what it reports (`report`: app_version,
    content_version, queue_depth, each optional) with it, at once when a version changes
    or its queue empties or fills. `seen` is what this process stored or read last: with
    several workers another may have stored something newer, which costs at worst one
    write too many, or a value a minute late.

    Changes stored at once come from a budget per terminal (URGENT_BURST, one more every
    URGENT_EVERY): a terminal (or a stolen token) that changes its headers on every
    request must not cost a write each (issue 15). A real terminal changes them a few
    times a sync round at most (a new version, its queue filling and emptying), and what
    a flurry changed past the budget is stored with the next minute's write."""
    values = {k: v for k, v in report.items() if v is not None}
    urgent = any(getattr(seen, k) != values[k] for k in ("app_version", "content_version")
                 if k in values)
    if "queue_depth" in values:
        urgent = urgent or (values["queue_depth"] == 0) != (seen.queue_depth == 0)
    if urgent:
        budget = URGENT_BURST if seen.urgent_at is None else min(
            URGENT_BURST, seen.urgent_budget + (now - seen.urgent_at) / URGENT_EVERY)
        seen.urgent_at = now
        seen.urgent_budget = budget - 1 if budget >= 1 else budget
        urgent = budget >= 1
    if urgent or seen.last_seen is None or now - seen.last_seen >= LAST_SEEN_EVERY:
        return {"last_seen": now, **values}
    return None


# PostgreSQL connections each hub process keeps open: all it will use, none opened for a
# moment and closed again. SQLAlchemy's default (5 kept, 10 more for a moment) opened and
# closed 10 to 35 connections in every burst of 200 terminals' posts (40 worker threads),
# each a new backend for PostgreSQL to start (docs/performance.md). A thread that finds
# all in use waits for one (a queue, not a new connection); one that waits POOL_TIMEOUT is
# answered 503 with Retry-After, as a busy database is (errors.database_busy). 20 a worker:
# PostgreSQL's max_connections is 100 by default, and 4 workers fit.
PG_POOL_SIZE = 20
POOL_TIMEOUT = 30


def _pool_options(db_url: str) -> dict:
    if not db_url.startswith("postgres"):
        return {}
    # pre_ping: a connection left from before a database restart is replaced, not failed.
    return {"pool_pre_ping": True, "pool_size": PG_POOL_SIZE, "max_overflow": 0,
            "pool_timeout": POOL_TIMEOUT}


class Store:
    """Terminals and enrolment codes. Safe to share between threads."""

    def __init__(self, db_url: str):
        self.url = db_url = with_driver(db_url)
        try:
            self.engine = sa.create_engine(db_url, **_pool_options(db_url))
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as e:
            raise StoreError(f"database URL {db_url!r}: {e}") from None
        if self.engine.dialect.name not in ("sqlite", "postgresql"):
            raise StoreError(f"database URL {_safe_url(self.engine)}: the hub runs on "
                             "SQLite or PostgreSQL")
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            migrate.upgrade(self.engine)
        except migrate.SchemaTooNew as e:
            self.engine.dispose()
            raise StoreError(f"{_safe_url(self.engine)}: {e}") from None
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(f"cannot open database {_safe_url(self.engine)}: "
                             f"{str(e.orig if hasattr(e, 'orig') else e).splitlines()[0]}") \
                from None

    def close(self) -> None:
        self.engine.dispose()

    # --- enrolment -----------------------------------------------------------------

    def create_enrol_code(self, centre: str, hours: float = 24,
                          now: datetime | None = None) -> str:
        centre = centre.strip()
        if not centre:
            raise StoreError("--centre must not be empty")
        if not hours > 0:
            raise StoreError(f"--hours must be more than 0, not {hours}")
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        expires = (now or now_utc()) + timedelta(hours=hours)
        with self.engine.begin() as c:
            c.execute(enrol_codes.insert().values(code_sha256=sha256_hex(code), centre=centre,
                                                  expires=expires, used_by=None))
        return "-".join(code[i:i + 4] for i in range(0, CODE_LENGTH, 4))

    def enrol(self, code: str, now: datetime | None = None) -> tuple[str, str, str]:
        """Spend a one-time code: a new terminal. Returns (terminal id, token, centre)."""
        now = now or now_utc()
        if not isinstance(code, str) or len(code) > MAX_CODE_CHARS:
            raise EnrolError("unknown enrolment code")
        h = sha256_hex(normalise_code(code))
        terminal_id = secrets.token_hex(6)
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as c:
            row = c.execute(sa.select(enrol_codes).where(enrol_codes.c.code_sha256 == h)).first()
            if row is None:
                raise EnrolError("unknown enrolment code")
            if row.used_by is not None:
                raise EnrolError("enrolment code already used")
            if row.expires <= now:
                raise EnrolError("enrolment code expired")
            # Spend it only if still unspent: two terminals racing with one code, one wins.
            done = c.execute(enrol_codes.update()
                             .where(enrol_codes.c.code_sha256 == h,
                                    enrol_codes.c.used_by.is_(None))
                             .values(used_by=terminal_id))
            if done.rowcount != 1:
                raise EnrolError("enrolment code already used")
            c.execute(terminals.insert().values(id=terminal_id, centre=row.centre,
                                                token_sha256=sha256_hex(token), created=now,
                                                revoked=False, last_seen=now))
            _bump_terminals(c)
        return terminal_id, token, row.centre

    # --- tokens --------------------------------------------------------------------

    def versions(self) -> Versions:
        """The configuration's and the terminals' versions, in one query (fresh.py)."""
        q = sa.select(sa.select(config_version.c.version).scalar_subquery(),
                      sa.select(terminals_version.c.version).scalar_subquery())
        with self.engine.connect() as c:
            return Versions(*c.execute(q).one())

    def tokens(self) -> tuple[int, dict[str, Seen]]:
        """(terminals_version, every terminal that is not revoked by the SHA-256 of its
        token, and of a replacement token it has pending): what a hub process keeps to check
        tokens without a query each (fresh.Kept).
        The version is read first, so the terminals are never older than it says."""
        t = terminals.c
        with self.engine.connect() as c:
            version = c.execute(sa.select(terminals_version.c.version)).scalar_one()
            rows = c.execute(sa.select(t.token_sha256, t.id, t.centre, t.last_seen,
                                       t.app_version, t.content_version, t.queue_depth,
                                       t.pending_token_sha256)
                             .where(t.revoked.is_(False))).all()
        kept = {r.token_sha256: Seen(*r[1:7]) for r in rows}
        kept.update({r.pending_token_sha256: Seen(*r[1:7], pending=True)
                     for r in rows if r.pending_token_sha256})
        return version, kept

    def record_seen(self, changes: Mapping[str, Mapping[str, Any]]) -> None:
        """Store what seen_changes() said is new about terminals ({terminal id: changes}),
        in one transaction (fresh.SharedWrite gathers them from concurrent requests)."""
        by_columns: dict[tuple[str, ...], list[dict]] = {}
        for terminal_id, values in changes.items():
            by_columns.setdefault(tuple(sorted(values)), []).append(
                {"terminal": terminal_id, **{f"new_{k}": v for k, v in values.items()}})
        if not by_columns:
            return
        with self.engine.begin() as c:
            for columns, rows in by_columns.items():
                c.execute(terminals.update().where(terminals.c.id == sa.bindparam("terminal"))
                          .values({k: sa.bindparam(f"new_{k}") for k in columns}), rows)

    # --- usage events --------------------------------------------------------------

    def ingest(self, terminal_id: str, centre: str, batch: list[dict],
               now: datetime | None = None) -> tuple[int, int]:
        """Store checked events once each; (accepted, duplicates). See usage.ingest."""
        return usage.ingest(self.engine, terminal_id, centre, batch, now)

    def roll_up(self, days: int = usage.DEFAULT_RETENTION_DAYS, today=None) -> int:
        """Roll raw events older than `days` into daily counts; how many. See usage.roll_up."""
        return usage.roll_up(self.engine, days, today)

    def terminals(self) -> list[Terminal]:
        with self.engine.connect() as c:
            rows = c.execute(sa.select(terminals).order_by(terminals.c.centre,
                                                           terminals.c.created,
                                                           terminals.c.id)).all()
        return [Terminal(r.id, r.centre, r.created, bool(r.revoked), r.last_seen, r.app_version,
                         r.content_version, r.queue_depth) for r in rows]

    def revoke(self, terminal_id: str) -> bool:
        """Withdraw a terminal's token. False if it was revoked already; StoreError if
        unknown."""
        with self.engine.begin() as c:
            row = c.execute(sa.select(terminals.c.revoked)
                            .where(terminals.c.id == terminal_id)).first()
            if row is None:
                raise StoreError(f"no terminal {terminal_id!r} (see 'kiosk-hub terminals')")
            if row.revoked:
                return False
            c.execute(terminals.update().where(terminals.c.id == terminal_id)
                      .values(revoked=True))
            _bump_terminals(c)  # in the same transaction: no process accepts it after this
        return True


def _bump_terminals(conn) -> None:
    """A token added or withdrawn, in the transaction that does it: tokens kept in memory
    are out of date (fresh.py)."""
    conn.execute(sa.update(terminals_version).values(version=terminals_version.c.version + 1))


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _safe_url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


# ---------------------------------------------------------------------------------------
# Published content

@dataclass(frozen=True)
class Current:
    version: int
    previous: int | None


class PublishedPacks:
    """Published packs under DATA_DIR: blobs, per-version manifests, the current pointer.
    (The terminal's own copy of a pack is kiosk.services.content_store.ContentStore.)"""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self.blobs = self.data_dir / "blobs"
        self.content = self.data_dir / "content"
        self.pointer = self.content / "current"
        self._allowed_cache: tuple[Current, frozenset[str]] | None = None
        self._titles_cache: tuple[int, dict[str, str]] | None = None

    def current(self) -> Current | None:
        try:
            data = json.loads(self.pointer.read_text(encoding="utf-8"))
            return Current(int(data["version"]),
                           None if data.get("previous") is None else int(data["previous"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise StoreError(f"{self.pointer}: is damaged ({e})") from None

    def version_dir(self, version: int) -> Path:
        return self.content / str(version)

    def manifest_bytes(self, version: int) -> bytes:
        return (self.version_dir(version) / packs.MANIFEST).read_bytes()

    def signature_bytes(self, version: int) -> bytes:
        return (self.version_dir(version) / packs.SIGNATURE).read_bytes()

    def served_hashes(self, cur: Current) -> frozenset[str]:
        """The blobs terminals may fetch: those of the current and the previous version."""
        cached = self._allowed_cache
        if cached is not None and cached[0] == cur:
            return cached[1]
        hashes: set[str] = set()
        for v in (cur.version, cur.previous):
            if v is None:
                continue
            try:
                m = packs.parse_manifest(self.manifest_bytes(v))
            except (OSError, packs.PackError):
                continue  # a previous version removed by hand: serve the current one only
            hashes.update(f.sha256 for f in m.files)
        allowed = frozenset(hashes)
        self._allowed_cache = (cur, allowed)
        return allowed

    def blob_path(self, sha256: str) -> Path:
        return self.blobs / sha256

    def titles(self) -> dict[str, str]:
        """English titles of the services and tutorials in the current published pack, by
        id, for the reports (a guide added by a new pack is named, not shown as its id).
        Empty when nothing is published or a file cannot be read; cached per version."""
        cur = self.current()
        if cur is None:
            return {}
        cached = self._titles_cache
        if cached is not None and cached[0] == cur.version:
            return cached[1]
        found: dict[str, str] = {}
        try:
            manifest = packs.parse_manifest(self.manifest_bytes(cur.version))
        except (OSError, packs.PackError):
            return {}
        for f in manifest.files:
            if not TITLED_FILE.fullmatch(f.path):
                continue
            try:
                item = json.loads(self.blob_path(f.sha256).read_bytes())
                title = item["title"]["en"]
                if isinstance(item["id"], str) and isinstance(title, str):
                    found[item["id"]] = title
            except (OSError, ValueError, KeyError, TypeError):
                continue  # one unreadable file: that item shows as its id
        self._titles_cache = (cur.version, found)
        return found

    def publish(self, pack_dir: str | Path, trusted_keys: Mapping[str, Any],
                progress: Callable[[str, int, int], None] | None = None) -> packs.Manifest:
        """Verify a pack, copy its blobs, then make it current (atomically, last)."""
        pack = Path(pack_dir)
        self.content.mkdir(parents=True, exist_ok=True)
        self.blobs.mkdir(parents=True, exist_ok=True)
        with (self.content / ".publish.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one publish at a time
            try:
                raw = _read_head(pack / packs.MANIFEST, protocol.MAX_MANIFEST_BYTES + 1)
                sig = _read_head(pack / packs.SIGNATURE, protocol.MAX_SIG_BYTES + 1)
            except OSError:
                raw = sig = b""  # verify() says precisely what is wrong
            manifest = packs.verify(pack, trusted_keys,
                                    progress=(lambda d, t: progress("checking", d, t))
                                    if progress else None)
            cur = self.current()
            if cur is not None and manifest.version <= cur.version:
                raise PublishError(f"pack version {manifest.version} is not newer than the "
                                   f"current version {cur.version}")
            try:
                if _read_head(pack / packs.MANIFEST, protocol.MAX_MANIFEST_BYTES + 1) != raw or \
                        _read_head(pack / packs.SIGNATURE, protocol.MAX_SIG_BYTES + 1) != sig:
                    raise PublishError(f"{pack}: changed while it was being published")
            except OSError as e:
                raise PublishError(f"{pack}: changed while it was being published ({e})") \
                    from None
            unique = {f.sha256: f for f in manifest.files}
            for i, f in enumerate(unique.values(), 1):
                self._copy_blob(pack / packs.FILES / f.sha256, f)
                if progress:
                    progress("copying", i, len(unique))
            vdir = self.version_dir(manifest.version)
            if vdir.exists():  # left by a publish that failed before the pointer moved
                shutil.rmtree(vdir)
            tmp = Path(tempfile.mkdtemp(prefix=f".{manifest.version}.", dir=self.content))
            try:
                for name, data in ((packs.MANIFEST, raw), (packs.SIGNATURE, sig)):
                    files.write_atomic(tmp / name, data)
                files.replace(tmp, vdir)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            pointer = json.dumps({"version": manifest.version,
                                  "previous": cur.version if cur else None}).encode()
            files.write_atomic(self.pointer, pointer)  # the moment the new version goes live
        return manifest

    def _copy_blob(self, src: Path, entry: packs.FileEntry) -> None:
        dest = self.blobs / entry.sha256
        if dest.exists():
            return
        # a blob becomes visible whole and checked, or not at all
        with src.open("rb") as f, files.atomic_open(dest, "wb") as out:
            h = hashlib.sha256()
            n = 0
            while chunk := f.read(packs.CHUNK):
                n += len(chunk)
                if n > entry.size:
                    break
                h.update(chunk)
                out.write(chunk)
            if n != entry.size or h.hexdigest() != entry.sha256:
                raise PublishError(f"{packs.FILES}/{entry.sha256} ({entry.path}): changed "
                                   "while it was being published")


def _read_head(path: Path, cap: int) -> bytes:
    with path.open("rb") as f:
        return f.read(cap)
