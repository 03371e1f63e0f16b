"""Helpers for tests that need a real hub: the FastAPI app served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import contextlib
import threading
import time

import uvicorn

from kiosk.hub_cli import listen


@contextlib.contextmanager
def running(app):
    """Serve app on 127.0.0.1 from a socket bound here (a free port, no race); yield its URL."""
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on",
                                           proxy_headers=False))  # as `serve` runs it
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the hub did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
