"""What 200 terminals asking at once cost the database: a count, not a time.

The terminals' API answers from memory (fresh.py): the token check and the configuration
document need the database's versions read after the request arrived, and that read is
shared by every request arriving with it. So a burst of 200 requests costs a handful of
statements, whatever the machine's load; a change that made it one (or more) per request
would cost 200 round trips to PostgreSQL in every burst, and the p99 of bench/config_fetch
with it, on a machine where that figure is too noisy to tell. Counted on SQLite and
PostgreSQL, through the whole app (middleware, token check, route), in this process.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from kiosk.hub import configuration
from kiosk.hub.app import create_app
from kiosk.hub.configuration import Scope
from kiosk.hub.settings import HubSettings

TERMINALS = 200
# Today: 2 for a 304 or a 404 burst (the shared versions read, and the one after it for
# whoever arrived during it), 5 for the first fetch after a change (and the documents'
# reload). Room for a little more, never one per request.
MOST_PER_BURST = {"304": 6, "first": 10, "floor": 6}


def _scope(path: str, token: str, etag: str | None = None) -> dict:
    headers = [(b"host", b"hub.test"), (b"authorization", f"Bearer {token}".encode()),
               (b"user-agent", b"kiosk/test"), (b"accept", b"application/json")]
    if etag:
        headers.append((b"if-none-match", etag.encode()))
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "method": "GET", "scheme": "http", "path": path,
            "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": headers, "client": ("127.0.0.1", 50000),
            "server": ("hub.test", 80), "state": {}}


async def _ask(app, scope: dict) -> tuple[int, dict, bytes]:
    reply: dict = {"body": b""}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

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
