"""The helper that starts servers for tests (tests/serverproc.py) as a cold machine meets it:
a server that accepts connections long before it answers (uvicorn's spawned workers still
importing), one that never answers, and workers that must not outlive the test."""

from __future__ import annotations

import os
import sys
import time

import pytest
import requests

from tests.serverproc import Children, ServerNotReady, ServerProcess, free_port

# Listens at once (so connecting works and a request waits in the backlog), sleeps, starts a
# worker child (in the same process group, as uvicorn's spawned workers are), then answers.
SLOW = r"""
import http.server, os, socket, subprocess, sys, time
port, delay, pidfile = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", port))
sock.listen(16)
time.sleep(delay)
worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open(pidfile, "w").write(str(worker.pid))
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a): pass
server = http.server.HTTPServer(("127.0.0.1", port), H, bind_and_activate=False)
server.socket = sock
server.serve_forever()
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes (its parent has not reaped it yet)
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def _wait_dead(pid: int, within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_server_that_answers_late_is_waited_for_and_stopped_with_its_workers(tmp_path):
    """Connect succeeds, the first request times out reading (ReadTimeout, which is not a
    ConnectionError): that is 'not yet', and stopping takes the worker down too."""
    port = free_port()
    pidfile = tmp_path / "worker.pid"
    server = ServerProcess([sys.executable, "-c", SLOW, port, 2.5, pidfile], port=port,
                           probe="/", probe_timeout=1, ready_within=30)
    with Children() as kids:  # what the old readiness loop met, and did not catch
        raw = free_port()
        kids.popen([sys.executable, "-c", SLOW, raw, 30, tmp_path / "raw.pid"])
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"http://127.0.0.1:{raw}/", timeout=1)
            except requests.ConnectionError:  # not listening yet
                assert time.monotonic() < deadline
                time.sleep(0.05)
            except requests.ReadTimeout:
                break
    with server:
        assert requests.get(server.url + "/", timeout=10).status_code == 200
        worker = int(pidfile.read_text())
        assert _alive(worker)
    assert not server.alive()
    assert _wait_dead(worker), "the server's worker outlived it"


def test_a_server_that_never_answers_fails_with_a_reason_and_is_killed(tmp_path):
    port = free_port()
    server = ServerProcess([sys.executable, "-c", SLOW, port, 600, tmp_path / "pid"],
                           port=port, probe="/", probe_timeout=0.5, ready_within=2)
    started = time.monotonic()
    with pytest.raises(ServerNotReady, match="did not answer / within 2 s"):
        server.start()
    assert time.monotonic() - started < 10
    assert not server.alive()


def test_a_server_that_exits_says_so(tmp_path):
    log = tmp_path / "log"
    server = ServerProcess([sys.executable, "-c", "import sys; sys.exit('bad settings')"],
                           log=log)
    with pytest.raises(ServerNotReady, match="exited with 1 before answering: bad settings"):
        server.start()


def test_stopping_leaves_nothing_of_the_group(tmp_path):
    """Issue 15: a failed test left its hub and three workers running. The server and a
    child that ignores SIGTERM are both gone after stop(), checked in /proc."""
    from tests.serverproc import group_members

    port = free_port()
    stubborn = ("import signal, subprocess, sys, http.server, socketserver\n"
                "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
                "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'])\n"
                "http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), "
                "http.server.SimpleHTTPRequestHandler).serve_forever()\n")
    server = ServerProcess([sys.executable, "-c", stubborn, port], port=port, probe="/")
    server.start()
    pgid = server.proc.pid
    assert len(group_members(pgid)) == 2
    server.stop(grace=1)
    assert group_members(pgid) == []
