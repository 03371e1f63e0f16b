"""`kiosk-hub backup` and `kiosk-hub restore` on SQLite and PostgreSQL: back up a hub with
terminals, codes, logins, settings, locks, audit and usage events, lose the database, restore,
and every table's every row is back; refusals are one line. And the hub refuses a database
migrated by a newer version than it knows."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from kiosk import hub_cli
from kiosk.hub import migrate
from kiosk.hub.store import Store, with_driver
from tests.hub.test_reports import BRIXTON, session, ts


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    rc = hub_cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    engine = sa.create_engine(with_driver(url))
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as c:
            return {name: sorted((tuple(map(repr, row)) for row in
                                  c.execute(sa.select(table))), key=repr)
                    for name, table in meta.tables.items()}
    finally:
        engine.dispose()


def lose(url: str, tmp_path) -> None:
    """The database is gone: its file deleted, or its schema dropped and made empty again."""
    engine = sa.create_engine(with_driver(url)) if url.startswith("postgres") else None
    if engine is None:
        for suffix in ("", "-wal", "-shm"):
            (tmp_path / f"hub.db{suffix}").unlink(missing_ok=True)
        return
    with engine.begin() as c:
        c.execute(sa.text("DROP SCHEMA public CASCADE"))
        c.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def populated(hub_db_url, tmp_path, capsys, monkeypatch):
    flags = ["--data-dir", str(tmp_path / "data"), "--db", hub_db_url]
    store = Store(hub_db_url)
    for i in range(9):
        store.ingest("a", BRIXTON, session(ts(f"2025-01-06 10:{i:02d}"), "pl", 60 + i,
                                           guides=["blue-badge"]))
    code = store.create_enrol_code("brixton")
    store.enrol(code)
    store.create_enrol_code("ealing")
    store.close()
    for argv, stdin in ((["admin-user", "ada", "--password-stdin"], "correct horse battery\n"),
                        (["staff-user", "bea", "--centre", "brixton", "--password-stdin"],
                         "staple gun ladder\n"),
                        (["config", "set", "--centre", "brixton", "session.idle_timeout", "200"], ""),
                        (["config", "lock", "--all", "session.idle_timeout"], ""),
                        (["config", "set", "--centre", "brixton", "centre.name",
                          "Brixton Library"], "")):
        rc, _, err = run(capsys, monkeypatch, *argv, *flags, stdin=stdin)
        assert rc == 0, (argv, err)
    return flags


def test_backup_lose_restore_everything_back(populated, hub_db_url, tmp_path, capsys,
                                             monkeypatch):
    flags = populated
    before = snapshot(hub_db_url)
    for table in ("terminals", "enrol_codes", "events", "admin_users", "staff_users",
                  "config_values", "config_locks", "config_audit"):
        assert before[table], f"{table} has rows to lose"
    shown = run(capsys, monkeypatch, "config", "show", "--centre", "brixton", "--json", *flags)
    assert shown[0] == 0
    out = tmp_path / "backups" / "hub.backup"
    rc, said, err = run(capsys, monkeypatch, "backup", "--out", str(out), *flags)
    assert rc == 0, err
    assert out.is_file() and f"schema {migrate.head()}" in said
    assert not list(out.parent.glob("*.partial"))

    lose(hub_db_url, tmp_path / "data")
    rc, _, err = run(capsys, monkeypatch, "restore", str(out), *flags)
    assert rc == 0, err
    assert snapshot(hub_db_url) == before
    assert run(capsys, monkeypatch, "config", "show", "--centre", "brixton", "--json",
               *flags) == shown
    rc, listed, _ = run(capsys, monkeypatch, "terminals", "--json", *flags)
    assert rc == 0 and "brixton" in listed


def test_restore_refuses_what_is_not_a_backup(populated, hub_db_url, tmp_path, capsys,
                                              monkeypatch):
    flags = populated
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup at all")
    rc, _, err = run(capsys, monkeypatch, "restore", str(junk), *flags)
    assert rc == 1 and "is not a hub backup" in err and "Traceback" not in err
    rc, _, err = run(capsys, monkeypatch, "restore", str(tmp_path / "missing"), *flags)
    assert rc == 1 and "no backup at" in err
    rc, _, err = run(capsys, monkeypatch, "backup", "--out", str(tmp_path), *flags)
    assert rc == 1 and "is a folder" in err


def test_restore_refuses_a_backup_of_the_other_kind(hub_db_url, tmp_path, capsys, monkeypatch,
                                                    pg_url):
    other = f"sqlite:///{tmp_path / 'other.db'}" if hub_db_url.startswith("postgres") \
        else pg_url
    Store(other).close()
    out = tmp_path / "other.backup"
    assert run(capsys, monkeypatch, "backup", "--out", str(out), "--db", other,
               "--data-dir", str(tmp_path / "d"))[0] == 0
    rc, _, err = run(capsys, monkeypatch, "restore", str(out), "--db", hub_db_url,
                     "--data-dir", str(tmp_path / "d"))
    assert rc == 1 and "restore it into the same kind of database" in err


def set_revision(url: str, revision: str) -> None:
    engine = sa.create_engine(with_driver(url))
    with engine.begin() as c:
        c.execute(sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_hub_refuses_a_newer_schema(hub_db_url, tmp_path, capsys, monkeypatch):
    flags = ["--data-dir", str(tmp_path / "data"), "--db", hub_db_url]
    Store(hub_db_url).close()
    set_revision(hub_db_url, "9999_from_the_future")
    rc, _, err = run(capsys, monkeypatch, "terminals", *flags)
    assert rc == 1
    assert "revision 9999_from_the_future, newer than this kiosk-hub knows" in err
    assert len(err.strip().splitlines()) == 1
    # serve refuses it the same way, before it listens
    rc, _, err = run(capsys, monkeypatch, "serve", "--port", "1", *flags)
    assert rc == 1 and "newer than this kiosk-hub knows" in err
    # and a backup of it is not restored into an older hub's database
    from kiosk.hub import backup

    newer = tmp_path / "newer.backup"
    backup.backup(with_driver(hub_db_url), newer)  # the database still says 9999
    set_revision(hub_db_url, migrate.head())
    rc, _, err = run(capsys, monkeypatch, "restore", str(newer), *flags)
    assert rc == 1 and "newer than this kiosk-hub knows" in err


def test_an_upgrade_migrates_an_older_database_and_an_older_backup(hub_db_url, tmp_path,
                                                                   capsys, monkeypatch):
    """A hub upgraded over an older database brings it to its schema when it first opens it
    (serve does so before any worker starts); a backup made by an older hub is restored and
    migrated the same way."""
    flags = ["--data-dir", str(tmp_path / "data"), "--db", hub_db_url]
    Store(hub_db_url).close()
    engine = sa.create_engine(with_driver(hub_db_url))
    migrate.downgrade(engine, "0001")
    assert migrate.current(engine) == "0001"
    old = tmp_path / "old.backup"
    from kiosk.hub import backup

    backup.backup(with_driver(hub_db_url), old)
    assert run(capsys, monkeypatch, "terminals", *flags)[0] == 0
    assert migrate.current(engine) == migrate.head() != "0001"
    lose(hub_db_url, tmp_path / "data")
    rc, said, err = run(capsys, monkeypatch, "restore", str(old), *flags)
    assert rc == 0, err
    assert "schema 0001" in said
    assert migrate.current(engine) == migrate.head()
    engine.dispose()
