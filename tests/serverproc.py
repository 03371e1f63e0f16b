"""`kiosk-hub serve` as a child process for tests and benchmarks, started and stopped safely.

- The server runs in its own process group (a new session), so stopping it stops its
  `--workers` and anything they started, not only the parent.
- Readiness is waited for with a deadline: any request error (refused, reset, *read
  timeout* while spawned workers are still importing on a cold machine) means "not yet",
  never a crash of the test that leaves the server running.
- Every server started here is stopped when the interpreter exits, even if a test forgot.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

import requests

BIN = Path(sys.executable).parent
_LIVE: set[ServerProcess] = set()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerNotReady(RuntimeError):
    pass


class ServerProcess:
    """A command serving HTTP on 127.0.0.1:port; `start()` returns once it answers `probe`."""

    def __init__(self, argv: list, env: dict | None = None, port: int | None = None,
                 probe: str = "/openapi.json", ready_within: float = 90.0,
                 log: Path | None = None, probe_timeout: float = 5.0):
        self.argv = [str(a) for a in argv]
        self.env = env
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.probe, self.ready_within, self.log = probe, ready_within, log
        self.probe_timeout = probe_timeout
        self.proc: subprocess.Popen | None = None

    def start(self) -> ServerProcess:
        err = self.log.open("ab") if self.log else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err,
                                         start_new_session=True)
        finally:
            if self.log:
                err.close()
        _LIVE.add(self)
        try:
            self.wait_ready()
        except BaseException:
            self.kill()
            raise
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_within
        last = "no answer"
        while True:
            try:
                # Each try may itself wait (a worker still importing holds the connection in
                # the listen backlog); the deadline, not this timeout, decides when to give up.
                r = requests.get(self.url + self.probe, timeout=self.probe_timeout)
                if r.status_code < 500:
                    return
                last = f"HTTP {r.status_code}"
            except requests.RequestException as e:
                last = type(e).__name__
            if self.proc.poll() is not None:
                raise ServerNotReady(f"{self.argv[0]} exited with {self.proc.returncode} "
                                     f"before answering{self._log_tail()}")
            if time.monotonic() > deadline:
                raise ServerNotReady(f"{self.argv[0]} did not answer {self.probe} within "
                                     f"{self.ready_within:.0f} s ({last}){self._log_tail()}")
            time.sleep(0.1)

    def _log_tail(self) -> str:
        if self.log and self.log.exists():
            return ": " + self.log.read_text(errors="replace")[-800:]
        return ""

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL the whole process group (a crash, as tests of recovery need), reap, and
        check that nothing of the group is left (RuntimeError naming it otherwise)."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGKILL)
        self.proc.wait()
        _LIVE.discard(self)
        deadline = time.monotonic() + 10
        while (left := group_members(self.proc.pid)) and time.monotonic() < deadline:
            self._signal_group(signal.SIGKILL)
            time.sleep(0.05)
        if left:
            raise RuntimeError(f"{self.argv[0]}: processes of its group outlived SIGKILL: "
                               f"{left}")

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the group, then SIGKILL whatever is left after `grace` seconds."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        self.kill()  # the group: workers can outlive a parent that exited

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def hub_argv(data_dir: Path, port: int, db_url: str | None = None, workers: int = 1) -> list:
    argv = [BIN / "kiosk-hub", "serve", "--data-dir", data_dir, "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers)]
    return argv + (["--db", db_url] if db_url else [])


def hub_process(data_dir: Path, env: dict | None = None, db_url: str | None = None,
                workers: int = 1, port: int | None = None, **kw) -> ServerProcess:
    """A `kiosk-hub serve` (not yet started) on a free loopback port."""
    port = port or free_port()
    return ServerProcess(hub_argv(data_dir, port, db_url, workers), env, port, **kw)


def group_members(pgid: int) -> list[str]:
    """The live processes of process group pgid (zombies, already dead, are not counted),
    as "pid command" strings."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ")"
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(f"{entry.name} {stat[stat.index('(') + 1:stat.rindex(')')]}")
    return out


def live_servers() -> list[str]:
    """Servers started here and not stopped yet (a test that forgot one)."""
    return [" ".join(server.argv[:3]) for server in _LIVE]


@atexit.register
def _stop_all() -> None:
    for server in list(_LIVE):
        server.kill()


class Children:
    """Child processes a test starts (`kiosk sync`, say), all killed and reaped at the end,
    passed or failed: `with Children() as kids: p = kids.popen([...])`."""

    def __init__(self):
        self.procs: list[subprocess.Popen] = []

    def popen(self, argv: list, **kw) -> subprocess.Popen:
        proc = subprocess.Popen([str(a) for a in argv], **kw)
        self.procs.append(proc)
        return proc

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
