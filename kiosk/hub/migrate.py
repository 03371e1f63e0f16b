"""Bring the hub's database up to date with the Alembic migrations in `migrations/`.

Every `kiosk-hub` command and the server call `upgrade(engine)` when they open the
database, so an operator never runs Alembic by hand. A database made before migrations
existed (tables from metadata.create_all, no alembic_version) is recognised and stamped as
revision 0001 first.

A database whose revision this code does not know was migrated by a newer hub: the hub
refuses to start against it (SchemaTooNew) rather than guess, so an upgrade that went wrong
is rolled back by installing the newer version again, never by an older one writing to a
schema it does not understand.
"""

from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

HERE = Path(__file__).parent / "migrations"


def _config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


class SchemaTooNew(Exception):
    """The database was migrated by a newer kiosk-hub than this one."""


@functools.cache
def head() -> str:
    return ScriptDirectory.from_config(_config(None)).get_current_head()


@functools.cache
def known() -> frozenset[str]:
    """Every revision this code has a migration for."""
    return frozenset(s.revision for s in ScriptDirectory.from_config(_config(None))
                     .walk_revisions())


def check_known(rev: str | None) -> None:
    if rev is not None and rev not in known():
        raise SchemaTooNew(
            f"the database's schema is revision {rev}, newer than this kiosk-hub knows "
            f"(it knows up to {head()}): a newer kiosk-hub migrated it; install that "
            "version again, or restore a backup made by this one")


def current(engine: sa.Engine) -> str | None:
    with engine.connect() as c:
        return MigrationContext.configure(c).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    with engine.begin() as c:
        rev = MigrationContext.configure(c).get_current_revision()
        if rev == head() and revision == "head":
            return  # the common case: nothing to do, no Alembic machinery
        check_known(rev)
        cfg = _config(c)
        if rev is None and sa.inspect(c).has_table("terminals"):
            command.stamp(cfg, "0001")  # made by create_all before migrations existed
        command.upgrade(cfg, revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    with engine.begin() as c:
        command.downgrade(_config(c), revision)
