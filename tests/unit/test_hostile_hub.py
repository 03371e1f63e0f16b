"""The kiosk survives a hostile hub (issue 15, finding 5): a hub on loopback that answers
every request with a huge body (a 404 with 400 MiB made `kiosk sync` grow to 1.2 GiB).
Every answer the terminal's client reads is capped, error bodies included: the hostile
server counts what it managed to send before the client hung up, which is what the client
would otherwise have held."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk.services import hub_client
from kiosk.services.hub_client import HubClient, HubError

MiB = 2**20
BODY = 64 * MiB


class Hostile(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, status: int, declare: bool, encoding: str | None = None):
        super().__init__(("127.0.0.1", 0), Handler)
        self.status, self.declare, self.encoding = status, declare, encoding
        self.sent = 0
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def answer(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        server: Hostile = self.server  # type: ignore[assignment]
        self.send_response(server.status)
        self.send_header("Content-Type", "application/json")
        if server.encoding:
            self.send_header("Content-Encoding", server.encoding)
        if server.declare:
            self.send_header("Content-Length", str(BODY))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        chunk = b'{"detail": "' + b"x" * (64 * 1024 - 12)
        try:
            for _ in range(BODY // len(chunk)):
                self.wfile.write(chunk)
                with server.lock:
                    server.sent += len(chunk)
        except OSError:
            pass  # the client hung up: what it should do
        self.close_connection = True

    do_GET = do_POST = answer


@pytest.fixture(params=[(404, True), (404, False), (200, False), (403, True), (500, False)],
                ids=["404-declared", "404-chunked", "200-chunked", "403-declared",
                     "500-chunked"])
def hostile(request):
    server = Hostile(*request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


CALLS = {
    "enrol": lambda c: c.enrol("ABCD-EFGH-JKMN-PQRS"),
    "manifest": lambda c: c.get_manifest(),
    "config": lambda c: c.get_config(),
    "config report": lambda c: c.post_config_report({"values": {}}),
    "heartbeat": lambda c: c.post_heartbeat({"app_version": "1"}),
    "confirm token": lambda c: c.confirm_token("t" * 40),
    "events": lambda c: c.post_events([]),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_every_answer_is_capped_error_bodies_included(hostile, call):
    client = HubClient(f"http://127.0.0.1:{hostile.server_address[1]}", "token",
                       retries=0, read_timeout=20)
    try:
        with pytest.raises(HubError):
            CALLS[call](client)
    finally:
        client.close()
    # What the server got out before the client hung up: the cap, plus what the sockets'
    # buffers took (a few MiB at most on loopback).
    assert hostile.sent < 8 * MiB, f"{call}: the client read {hostile.sent / MiB:.0f} MiB"


def test_a_compressed_answer_is_refused_not_inflated():
    """A small gzip body can stand for gigabytes: the hub never compresses, so the client
    asks for none and refuses an answer that is compressed anyway."""
    server = Hostile(200, True, encoding="gzip")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = HubClient(f"http://127.0.0.1:{server.server_address[1]}", "t", retries=0)
        with pytest.raises(HubError, match="compressed"):
            client.get_config()
        client.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    assert hub_client.MAX_ERROR_BYTES <= 64 * 1024
