"""A consistent backup of the hub's database, and its restore (`kiosk-hub backup --out FILE`,
`kiosk-hub restore FILE`).

- SQLite: the online backup API copies the database page by page while the hub may keep
  serving; the backup is itself a SQLite database. Restore copies it back the same way.
- PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, without owners or grants,
  so it restores into a database of another name or user), and `pg_restore --clean` in one
  transaction: a failed restore leaves the database as it was.

A backup is written beside FILE and renamed into place when complete, so FILE is never half
a backup. A restore refuses a file that is not a backup of the right kind, or whose schema is
newer than this hub knows; a backup from an older hub is restored and then migrated.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from kiosk.hub import migrate

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    kind: str          # "sqlite" or "postgresql"
    path: Path
    size: int
    revision: str | None


def _dialect(db_url: str) -> str:
    name = sa.engine.make_url(db_url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {name} database: the hub runs on SQLite or "
                          "PostgreSQL")
    return name


def _sqlite_path(db_url: str) -> Path:
    database = sa.engine.make_url(db_url).database
    if not database or database == ":memory:":
        raise BackupError("the database is in memory: nothing to back up")
    return Path(database)


def _pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest of Debian's versioned folders."""
    found = shutil.which(name) or (sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                                          key=lambda p: int(p.split("/")[4])
                                          if p.split("/")[4].isdigit() else 0) or [None])[-1]
    if not found:
        raise BackupError(f"{name} not found: install PostgreSQL's client programs "
                          "(Debian: apt install postgresql-client)")
    return found


def _pg_target(db_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL for the command line, and the environment carrying the password (never
    on a command line, where `ps` would show it)."""
    url = sa.engine.make_url(db_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, check=False, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True)
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
        raise BackupError(f"{what} failed: {lines[-1] if lines else f'exit {done.returncode}'}")


def _revision_in_sqlite(path: Path) -> str | None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        has = con.execute("select 1 from sqlite_master where type='table' and "
                          "name='alembic_version'").fetchone()
        return con.execute("select version_num from alembic_version").fetchone()[0] \
            if has else None
    finally:
        con.close()


def backup(db_url: str, out: Path) -> Outcome:
    kind = _dialect(db_url)
    out = Path(out)
    if out.is_dir():
        raise BackupError(f"{out} is a folder: give the backup's file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        if kind == "sqlite":
            source = _sqlite_path(db_url)
            if not source.is_file():
                raise BackupError(f"no database at {source}")
            partial.unlink(missing_ok=True)
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
            revision = _revision_in_sqlite(partial)
        else:
            target, env = _pg_target(db_url)
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  "--file", str(partial), "--dbname", target], env, "pg_dump")
            revision = _revision_in_pg_dump(partial)
        os.replace(partial, out)
    except sqlite3.Error as e:
        raise BackupError(f"SQLite backup failed: {e}") from None
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(kind, out, out.stat().st_size, revision)


def _revision_in_pg_dump(path: Path) -> str | None:
    """The alembic_version row inside a custom-format dump, read without restoring it."""
    argv = [_pg_tool("pg_restore"), "--data-only", "--table", "alembic_version", "--file",
            "-", str(path)]
    done = subprocess.run(argv, check=False, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True)
    if done.returncode != 0:
        return None
    # COPY public.alembic_version (version_num) FROM stdin;\n0003\n\.
    found = re.search(r"COPY \S*alembic_version \(version_num\) FROM stdin;\n([^\n\\]+)\n",
                      done.stdout)
    return found.group(1).strip() if found else None


def kind_of(path: Path) -> str:
    try:
        with Path(path).open("rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        raise BackupError(f"no backup at {path}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a hub backup (neither a SQLite database nor a "
                      "pg_dump custom-format file)")


def restore(db_url: str, path: Path) -> Outcome:
    """Replace the database's contents with the backup's, then migrate it to this hub's
    schema. The hub must not be serving (stop it first: systemctl stop kiosk-hub)."""
    kind, path = _dialect(db_url), Path(path)
    found = kind_of(path)
    if found != kind:
        raise BackupError(f"{path} is a {found} backup, but the database is {kind}: restore "
                          "it into the same kind of database")
    try:
        revision = _revision_in_sqlite(path) if kind == "sqlite" else _revision_in_pg_dump(path)
    except sqlite3.Error as e:
        raise BackupError(f"{path}: not a readable SQLite backup ({e})") from None
    if revision is None:
        raise BackupError(f"{path} holds no hub schema (no alembic_version): not a hub backup")
    try:
        migrate.check_known(revision)
    except migrate.SchemaTooNew as e:
        raise BackupError(f"{path}: {e}") from None
    if kind == "sqlite":
        live = _sqlite_path(db_url)
        live.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(live)
        try:
            src.backup(dst)
        except sqlite3.Error as e:
            raise BackupError(f"SQLite restore failed: {e}") from None
        finally:
            dst.close()
            src.close()
    else:
        target, env = _pg_target(db_url)
        _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
              "--no-privileges", "--single-transaction", "--exit-on-error", "--dbname",
              target, str(path)], env, "pg_restore")
    return Outcome(kind, path, path.stat().st_size, revision)
