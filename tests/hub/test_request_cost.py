"""What 200 terminals asking at once cost the database: counts, not times.

The terminals' API answers from memory (fresh.py): the token check and the configuration
document need the database's versions read after the request arrived, and that read is
shared by every request arriving with it. So a burst of 200 requests costs a handful of
statements, whatever the machine's load; a change that made it one (or more) per request
would cost 200 round trips to PostgreSQL in every burst, and the p99 of bench/config_fetch
with it, on a machine where that figure is too noisy to tell. Counted on SQLite and
PostgreSQL, through the whole app (middleware, token check, route), in this process.

On PostgreSQL the connections are counted too: a burst of posts opened and closed 10 to 35
new ones (each a backend for PostgreSQL to start) while the pool kept 5 (store.py).
"""

from __future__ import annotations

import asyncio
import json
import time

import sqlalchemy as sa

from kiosk.core import events
from kiosk.hub import configuration
from kiosk.hub import store as store_module
from kiosk.hub.app import create_app
from kiosk.hub.configuration import Scope
from kiosk.hub.settings import HubSettings

TERMINALS = 200
# Today: 2 for a 304 or a 404 burst (the shared versions read, and the one after it for
# whoever arrived during it), 5 for the first fetch after a change (and the documents'
# reload). Room for a little more, never one per request.
MOST_PER_BURST = {"304": 6, "first": 10, "floor": 6}


def _scope(path: str, token: str, etag: str | None = None, body: bytes | None = None) -> dict:
    headers = [(b"host", b"hub.test"), (b"authorization", f"Bearer {token}".encode()),
               (b"user-agent", b"kiosk/test"), (b"accept", b"application/json")]
    if etag:
        headers.append((b"if-none-match", etag.encode()))
    if body is not None:
        headers += [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "method": "POST" if body is not None else "GET",
            "scheme": "http", "path": path, "body": body,
            "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": headers, "client": ("127.0.0.1", 50000),
            "server": ("hub.test", 80), "state": {}}


async def _ask(app, scope: dict) -> tuple[int, dict, bytes]:
    reply: dict = {"body": b""}

    sent = []

    async def receive():
        if sent:  # the body was given: the client is still there, sending nothing more
            await asyncio.sleep(3600)
        sent.append(True)
        return {"type": "http.request", "body": scope["body"] or b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            reply["status"], reply["headers"] = message["status"], dict(message["headers"])
        elif message["type"] == "http.response.body":
            reply["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return reply["status"], reply["headers"], reply["body"]


def test_a_burst_of_200_terminals_costs_a_handful_of_statements(tmp_path, hub_db_url):
    app = create_app(HubSettings(data_dir=tmp_path / "data", db=hub_db_url), roll_up=False)
    store = app.state.store
    tokens = [store.enrol(store.create_enrol_code(f"library-{i % 20:02}"))[1]
              for i in range(TERMINALS)]
    statements = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda _c, _cur, sql, *_: statements.append(sql))

    async def burst(path: str, etags=None) -> list[tuple[int, dict, bytes]]:
        return await asyncio.gather(*(_ask(app, _scope(path, t, etags and etags[i]))
                                      for i, t in enumerate(tokens)))

    async def main() -> dict[str, int]:
        counts = {}
        async with app.router.lifespan_context(app):
            await burst("/api/v1/config")  # tokens and documents read once, as at start
            for rep in range(3):
                configuration.set_values(store.engine, Scope("all"),
                                         {"notice.text": f"Drop-in {rep}"}, "admin test")
                before = len(statements)
                first = await burst("/api/v1/config")
                counts[f"first {rep}"] = len(statements) - before
                assert {s for s, _, _ in first} == {200}
                assert all(f"Drop-in {rep}".encode() in body for _, _, body in first)
                before = len(statements)
                again = await burst("/api/v1/config", [h[b"etag"].decode() for _, h, _ in first])
                counts[f"304 {rep}"] = len(statements) - before
                assert {s for s, _, _ in again} == {304}
                before = len(statements)
                floor = await burst("/api/v1/content/manifest.json")
                counts[f"floor {rep}"] = len(statements) - before
                assert {s for s, _, _ in floor} == {404}
        return counts

    counts = asyncio.run(main())
    too_many = {k: n for k, n in counts.items() if n > MOST_PER_BURST[k.split()[0]]}
    assert not too_many, (f"statements per burst of {TERMINALS} requests: {counts} "
                          f"(at most {MOST_PER_BURST}); the last ones: {statements[-5:]}")


def _events(terminal: int, batch: int) -> bytes:
    """A terminal's minute: 8 new events of one session."""
    session, t = events.new_session_id(), time.time() - 60 + batch
    return json.dumps({"events": [
        events.make(f"kiosk-{terminal}", "library", session, "screen_view", t + i * 0.001,
                    content_id="home", language="ar") for i in range(8)]}).encode()


def test_a_burst_of_posts_opens_no_new_postgresql_connections(tmp_path, pg_url):
    app = create_app(HubSettings(data_dir=tmp_path / "data", db=pg_url), roll_up=False)
    store = app.state.store
    tokens = [store.enrol(store.create_enrol_code("library"))[1] for _ in range(TERMINALS)]
    opened = []
    sa.event.listen(store.engine, "connect", lambda *_: opened.append(1))

    async def main() -> list[int]:
        counts = []
        async with app.router.lifespan_context(app):
            for batch in range(3):
                before = len(opened)
                replies = await asyncio.gather(*(
                    _ask(app, _scope("/api/v1/events", t, body=_events(i, batch)))
                    for i, t in enumerate(tokens)))
                assert {s for s, _, _ in replies} == {200}
                assert all(json.loads(b)["accepted"] == 8 for _, _, b in replies)
                counts.append(len(opened) - before)
        return counts

    counts = asyncio.run(main())
    # The first burst fills the pool; after it, none is opened.
    assert counts[0] <= store_module.PG_POOL_SIZE and counts[1:] == [0, 0], counts


def test_every_connection_in_use_too_long_is_a_503_with_retry_after(tmp_path, pg_url,
                                                                     monkeypatch):
    monkeypatch.setattr(store_module, "PG_POOL_SIZE", 1)
    monkeypatch.setattr(store_module, "POOL_TIMEOUT", 0.5)
    app = create_app(HubSettings(data_dir=tmp_path / "data", db=pg_url), roll_up=False)
    store = app.state.store
    token = store.enrol(store.create_enrol_code("library"))[1]
    held = store.engine.connect()  # the pool's one connection, taken
    try:
        async def main():
            async with app.router.lifespan_context(app):
                return await _ask(app, _scope("/api/v1/events", token, body=_events(0, 0)))

        status, headers, body = asyncio.run(main())
    finally:
        held.close()
    assert status == 503, body
    assert headers[b"retry-after"].isdigit()
