"""A throw-away PostgreSQL server for the tests (Debian's postgresql package).

`make test` installs the package (as root); this module starts a fresh cluster in a temp
dir on a free loopback port, with trust auth for the user `kiosk`, and removes it at the
end. Root cannot run PostgreSQL, so as root its tools run as the `postgres` user (runuser).
KIOSK_TEST_PG_URL=postgresql://user@host:port/ uses a server that is already running.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid


class PgUnavailable(Exception):
    pass


def _bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise PgUnavailable("PostgreSQL is not installed (Debian package 'postgresql'; "
                            "`make test` as root installs it)")
    return os.path.dirname(found[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self):
        self.dir: str | None = None
        self.url = os.environ.get("KIOSK_TEST_PG_URL", "").rstrip("/")
        self._owned = not self.url

    def _run(self, *cmd: str) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)

    def start(self) -> PgServer:
        if not self._owned:
            return self
        bindir = _bindir()
        self.dir = tempfile.mkdtemp(prefix="kiosk-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o700)
        data = os.path.join(self.dir, "data")
        r = self._run(f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "kiosk",
                      "-E", "UTF8", "--no-sync")
        if r.returncode:
            raise PgUnavailable(f"initdb failed: {r.stderr.strip()[-500:]}")
        for _ in range(5):  # a free port can be taken between choosing and binding it
            port = _free_port()
            opts = (f"-p {port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                    "-c max_connections=300 -c shared_buffers=64MB")
            r = self._run(f"{bindir}/pg_ctl", "-D", data, "-o", opts, "-l",
                          os.path.join(self.dir, "log"), "-w", "-t", "60", "start")
            if r.returncode == 0:
                self.url = f"postgresql+psycopg://kiosk@127.0.0.1:{port}"
                self._bindir, self._data = bindir, data
                return self
        raise PgUnavailable(f"pg_ctl start failed: {r.stdout.strip()[-300:]} "
                            f"{r.stderr.strip()[-300:]}")

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        base = self.url.replace("postgresql+psycopg://", "postgresql://")
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
                    c.execute(f'CREATE DATABASE "{name}"')
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        return f"{self.url}/{name}"

    def stop(self) -> None:
        if self._owned and self.dir:
            self._run(f"{self._bindir}/pg_ctl", "-D", self._data, "-m", "immediate", "-w",
                      "stop")
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
