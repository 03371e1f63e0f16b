"""Fixtures shared by every test folder: the hub's databases (SQLite and a real PostgreSQL)."""

from __future__ import annotations

import os

import pytest

from tests.pgserver import PgServer, PgUnavailable


@pytest.fixture(scope="session")
def pg_server():
    server = PgServer()
    try:
        server.start()
    except PgUnavailable as e:
        pytest.fail(str(e))  # not a skip: the issue asks for PostgreSQL, make test installs it
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return pg_server.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_db_url(request, tmp_path) -> str:
    """Each hub test that takes this runs twice: SQLite in a temp dir, and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return request.getfixturevalue("pg_url")


# The tests' hubs listen on loopback without TLS: the terminal refuses http:// hub addresses
# unless allow_insecure_hub is set (issue 15), so the tests set it for themselves and every
# process they start. The tests of the refusal itself clear it.
os.environ.setdefault("KIOSK_ALLOW_INSECURE_HUB", "1")


@pytest.fixture(autouse=True, scope="module")
def _no_server_left_running():
    """Every `kiosk-hub serve` a test module starts is stopped by the end of it, passed or
    failed (tests/serverproc.py kills the whole process group and checks that nothing of
    it is left): a module that leaves one fails here, and the server is killed."""
    from tests import serverproc

    yield
    left = serverproc.live_servers()
    for server in list(serverproc._LIVE):
        server.kill()
    assert not left, f"servers left running by this module: {left}"
