"""A faulty network between a terminal and the hub, on 127.0.0.1, for the fault tests.

FaultProxy forwards HTTP requests to the real hub, but for a share of them (chosen with a
seeded random generator, so a failure can be replayed) it misbehaves in one of the ways a
real network or an overloaded hub does, taking the kinds in turn (shuffled) so that a test
with a handful of faults meets every kind:

    500        answers 500 without forwarding
    503        answers 503 with Retry-After: 1, without forwarding
    429        answers 429 with Retry-After: 1, without forwarding
    slow       holds the request longer than the client waits, then closes (a timeout)
    cut        reads half the request body and closes the connection (cut mid-request)
    lost       forwards the request (the hub stores the events!) and closes the connection
               instead of passing on the reply: the terminal must send again, and the hub
               must count the events once

`faults` records what happened to each request, so a test can check every kind occurred.
"""

from __future__ import annotations

import http.client
import http.server
import random
import socket
import threading
import time
from collections import Counter
from typing import Self
from urllib.parse import urlsplit

KINDS = ("500", "503", "429", "slow", "cut", "lost")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "content-length", "host"}


class FaultProxy:
    def __init__(self, upstream: str, *, rate: float = 0.4, seed: int = 0,
                 kinds: tuple[str, ...] = KINDS, slow_seconds: float = 3.0,
                 only_path: str | None = "/api/v1/events"):
        self.upstream = urlsplit(upstream)
        self.rate, self.kinds, self.slow_seconds = rate, kinds, slow_seconds
        self.only_path = only_path
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.faults: Counter[str] = Counter()
        self._turns: list[str] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy.handle(self)

            do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def choose(self, path: str) -> str:
        with self.lock:
            if self.only_path and not path.startswith(self.only_path):
                kind = "ok"
            elif self.rng.random() < self.rate:
                if not self._turns:
                    self._turns = list(self.kinds)
                    self.rng.shuffle(self._turns)
                kind = self._turns.pop()
            else:
                kind = "ok"
            self.faults[kind] += 1
            return kind

    def handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        kind = self.choose(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        if kind == "cut":
            h.rfile.read(length // 2)
            self._close(h)
            return
        body = h.rfile.read(length) if length else b""
        if kind in ("500", "503", "429"):
            extra = {"Retry-After": "1"} if kind != "500" else {}
            self._reply(h, int(kind), b'{"detail": "injected fault"}', extra)
            return
        if kind == "slow":
            time.sleep(self.slow_seconds)
            self._close(h)
            return
        try:
            status, headers, data = self._forward(h, body)
        except OSError:
            self._reply(h, 502, b'{"detail": "hub unreachable"}', {})
            return
        if kind == "lost":
            self._close(h)
            return
        self._reply(h, status, data, headers)

    def _forward(self, h, body: bytes):
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                          timeout=60)
        try:
            headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP}
            conn.request(h.command, h.path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            out = {k: v for k, v in r.getheaders() if k.lower() not in HOP_BY_HOP}
            return r.status, out, data
        finally:
            conn.close()

    @staticmethod
    def _reply(h, status: int, data: bytes, headers: dict) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)

    @staticmethod
    def _close(h) -> None:
        h.close_connection = True
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
