"""POST /api/v1/events on the real hub (uvicorn on 127.0.0.1), against SQLite and a real
PostgreSQL: exact counts, idempotency, validation, size limits, tokens, roll-up,
migrations."""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import date

import pytest
import requests
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kiosk import hub_cli
from kiosk.core import events
from kiosk.hub import migrate, usage
from kiosk.hub.app import create_app
from kiosk.hub.schema import daily_counts, metadata
from kiosk.hub.schema import events as events_table
from kiosk.hub.settings import HubSettings
from kiosk.hub.store import Store
from tests.hubtools import running

URL = "/api/v1/events"


@pytest.fixture
def hub(tmp_path, hub_db_url):
    """(base URL, Store, token of a terminal at 'Brixton Library', terminal id)."""
    # The fuzzing below sends hundreds of batches in a few seconds from one terminal.
    app = create_app(HubSettings(data_dir=tmp_path / "data", db=hub_db_url,
                                 event_batches_per_minute=100_000))
    store = app.state.store
    code = store.create_enrol_code("Brixton Library")
    terminal_id, token, _ = store.enrol(code)
    with running(app) as base:
        yield base, store, token, terminal_id


def post(base: str, token: str, body, **kw) -> requests.Response:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(base + URL, data=data, timeout=10,
                         headers={"Authorization": f"Bearer {token}",
                                  "Content-Type": "application/json"}, **kw)


def make_events(n: int, t: float | None = None, **kw) -> list[dict]:
    t = t or time.time()
    session = events.new_session_id()
    return [events.make("kiosk-1", "brixton", session, "screen_view", t + i * 0.001,
                        content_id="home", language="ar", **kw) for i in range(n)]


def stored(store: Store) -> int:
    with store.engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(events_table)).scalar()


def test_each_event_stored_once_however_often_sent(hub):
    base, store, token, terminal_id = hub
    batch = make_events(50)
    r = post(base, token, {"events": batch})
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 50, "duplicates": 0}
    # The reply was lost, say: the terminal sends the batch again, plus 10 new ones.
    more = make_events(10)
    r = post(base, token, {"events": batch + more})
    assert r.json() == {"accepted": 10, "duplicates": 50}
    # The same id twice in one batch counts once.
    r = post(base, token, {"events": more[:3] + more[:3]})
    assert r.json() == {"accepted": 0, "duplicates": 6}
    assert stored(store) == 60
    with store.engine.connect() as c:
        row = c.execute(sa.select(events_table).where(
            events_table.c.event_id == batch[0]["event_id"])).one()
    # Terminal and centre are the hub's (from the token), not what the event claims.
    assert row.terminal_id == terminal_id and row.centre == "Brixton Library"
    assert row.type == "screen_view" and row.language == "ar" and row.content_id == "home"
    d, how = usage.local_day_and_hour(batch[0]["time"])
    assert row.day == d and row.hour_of_week == how


def test_an_empty_batch_is_fine(hub):
    base, _, token, _ = hub
    assert post(base, token, {"events": []}).json() == {"accepted": 0, "duplicates": 0}


@pytest.mark.parametrize(("body", "reason"), [
    (b"{not json", "the body is not JSON"),
    (b"\xff\xfe", "the body is not JSON"),
    ({"event": []}, 'the body must be an object with one field, "events"'),
    ({"events": [], "extra": 1}, 'the body must be an object with one field, "events"'),
    ([], 'the body must be an object with one field, "events"'),
    ({"events": {}}, '"events" must be a list'),
    ({"events": [1]}, "event 0: an event must be an object"),
])
def test_bad_bodies_refused_with_a_reason(hub, body, reason):
    base, store, token, _ = hub
    r = post(base, token, body)
    # Not JSON at all: 400; JSON that is not a batch: 422 (issue 15: as /openapi.json says)
    assert r.status_code == (400 if "not JSON" in reason else 422)
    assert r.json()["detail"].startswith(reason)
    assert stored(store) == 0


@pytest.mark.parametrize(("change", "reason"), [
    ({"typed_text": "my address"}, "event 2: field 'typed_text' is not allowed in an event"),
    ({"type": "keystroke"}, "event 2: field 'type': 'keystroke' is not a known event type"),
    ({"event_id": "1"}, "event 2: field 'event_id' must be a lowercase UUID"),
    ({"time": "yesterday"}, "event 2: field 'time' must be a Unix time in seconds"),
    ({"duration_ms": -5}, "event 2: field 'duration_ms' must be a whole number"),
    ({"language": "English"}, "event 2: field 'language' must be a language code"),
])
def test_one_bad_event_refuses_the_batch_and_names_it(hub, change, reason):
    base, store, token, _ = hub
    batch = make_events(4)
    batch[2] = {**batch[2], **change}
    r = post(base, token, {"events": batch})
    assert r.status_code == 422
    assert r.json()["detail"].startswith(reason)
    assert stored(store) == 0  # all or nothing: nothing stored


def test_too_big_is_413(hub):
    base, store, token, _ = hub
    r = post(base, token, {"events": make_events(1001)})
    assert r.status_code == 413 and "at most 1000 events" in r.json()["detail"]
    r = post(base, token, b'{"events": [' + b" " * (1024 * 1024) + b"]}")
    assert r.status_code == 413
    # A body that says it is small but goes on: cut off at the cap, not read to the end.
    def endless():
        yield b'{"events": ['
        for _ in range(2000):
            yield b" " * 1024
        yield b"]}"
    r = requests.post(base + URL, data=endless(), timeout=10,
                      headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 413
    assert stored(store) == 0


def test_token_needed_and_revocation_stops_ingestion(hub):
    base, store, token, terminal_id = hub
    batch = make_events(3)
    assert requests.post(base + URL, json={"events": batch}, timeout=5).status_code == 401
    assert post(base, "not-a-token", {"events": batch}).status_code == 401
    assert post(base, token, {"events": batch}).status_code == 200
    store.revoke(terminal_id)
    r = post(base, token, {"events": make_events(3)})
    assert r.status_code == 401 and r.json()["detail"] == "unknown or revoked token"
    assert stored(store) == 3


def test_many_terminals_at_once_exact_counts(hub):
    """12 terminals send overlapping batches from threads, each batch twice: exactly one row
    per event, and the acks add up."""
    base, store, _, _ = hub
    tokens = [store.enrol(store.create_enrol_code(f"Centre {i % 3}"))[1] for i in range(12)]
    rng = random.Random(5)
    all_ids: set[str] = set()
    totals = {"accepted": 0, "duplicates": 0}
    lock = threading.Lock()
    errors: list[str] = []

    def terminal(token: str) -> None:
        mine = make_events(300)
        with lock:
            all_ids.update(e["event_id"] for e in mine)
        batches = [mine[i:i + 50] for i in range(0, 300, 50)] * 2
        rng_local = random.Random(rng.random())
        rng_local.shuffle(batches)
        for b in batches:
            r = post(base, token, {"events": b})
            if r.status_code != 200:
                errors.append(f"{r.status_code} {r.text}")
                return
            with lock:
                for k in totals:
                    totals[k] += r.json()[k]

    threads = [threading.Thread(target=terminal, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert totals == {"accepted": 3600, "duplicates": 3600}
    assert stored(store) == len(all_ids) == 3600


@pytest.mark.parametrize("busy", ["versions", "tokens", "ingest"])
def test_a_busy_database_asks_the_terminal_to_come_back(hub, monkeypatch, busy):
    """Locked while checking the token (reading the versions, or the tokens after an
    enrolment) or while storing: 503 with Retry-After, JSON, and nothing stored; the
    terminal sends the batch again later."""
    base, store, token, _ = hub

    def locked(*_args, **_kw):
        raise sa.exc.OperationalError("insert ...", {}, Exception("database is locked"))

    monkeypatch.setattr(store, busy, locked)
    r = post(base, token, {"events": make_events(3)})
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    assert r.json() == {"detail": "the hub is busy; try again shortly"}
    monkeypatch.undo()
    assert stored(store) == 0


def test_openapi_describes_the_events_route(hub):
    base, *_ = hub
    spec = requests.get(base + "/openapi.json", timeout=5).json()
    op = spec["paths"][URL]["post"]
    assert {"200", "401", "413", "422", "503"} <= set(op["responses"])
    assert "requestBody" in op


# --- retention ------------------------------------------------------------------------

def test_roll_up_keeps_counts_and_deletes_old_raw_events(hub_db_url):
    store = Store(hub_db_url)
    try:
        today = date(2026, 11, 26)
        old_t = time.mktime((2025, 6, 1, 12, 0, 0, 0, 0, -1))
        new_t = time.mktime((2026, 11, 20, 12, 0, 0, 0, 0, -1))
        old = make_events(30, old_t, duration_ms=1000) + make_events(5, old_t + 86400)
        new = make_events(7, new_t)
        store.ingest("t1", "Brixton Library", old + new)
        assert store.roll_up(400, today) == 35
        assert store.roll_up(400, today) == 0  # again: nothing left to do
        assert stored(store) == 7
        with store.engine.connect() as c:
            rows = c.execute(sa.select(daily_counts).order_by(daily_counts.c.day)).all()
        assert [(r.day, r.centre, r.type, r.content_id, r.language, r.outcome, r.n,
                 r.duration_ms_sum) for r in rows] == [
            (date(2025, 6, 1), "Brixton Library", "screen_view", "home", "ar", "", 30, 30000),
            (date(2025, 6, 2), "Brixton Library", "screen_view", "home", "ar", "", 5, 0)]
        # A late old event for a day already rolled up is added to it.
        store.ingest("t1", "Brixton Library", make_events(2, old_t))
        assert store.roll_up(400, today) == 2
        with store.engine.connect() as c:
            n = c.execute(sa.select(daily_counts.c.n)
                          .where(daily_counts.c.day == date(2025, 6, 1))).scalar()
        assert n == 32
        with pytest.raises(ValueError, match="at least 1 day"):
            store.roll_up(0, today)
    finally:
        store.close()


def test_rollup_command_and_retention_setting(tmp_path, capsys, monkeypatch):
    data = tmp_path / "hub"
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    old = time.time() - 40 * 86400
    store.ingest("t1", "Peckham Library", make_events(4, old) + make_events(3))
    store.close()
    db = ["--data-dir", str(data), "--db", f"sqlite:///{tmp_path / 'hub.db'}"]
    assert hub_cli.main(["rollup", "--days", "30", *db]) == 0
    assert "rolled up 4 raw events older than 30 days" in capsys.readouterr().out
    monkeypatch.setenv("KIOSK_RETENTION_DAYS", "soon")
    assert hub_cli.main(["rollup", *db]) == 1
    assert "retention_days must be a whole number of days" in capsys.readouterr().err
    monkeypatch.delenv("KIOSK_RETENTION_DAYS")
    (data / "hub.toml").write_text("[hub]\nretention_days = 1\n")
    assert hub_cli.main(["rollup", *db]) == 0
    assert "rolled up 0 raw events older than 1 days" in capsys.readouterr().out


# --- migrations -----------------------------------------------------------------------

def test_migrations_make_exactly_the_schema(hub_db_url):
    store = Store(hub_db_url)
    try:
        assert migrate.current(store.engine) == migrate.head()
        with store.engine.connect() as c:
            diff = compare_metadata(MigrationContext.configure(c), metadata)
        assert diff == []
        # Down to the first revision and back up again.
        migrate.downgrade(store.engine, "0001")
        assert not sa.inspect(store.engine).has_table("events")
        migrate.upgrade(store.engine)
        assert sa.inspect(store.engine).has_table("events")
    finally:
        store.close()


def test_a_database_from_before_migrations_is_upgraded(tmp_path):
    """Hubs made by the first release (create_all, no alembic_version) keep their terminals."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as c:  # the first release's tables, as its create_all made them
        c.exec_driver_sql("CREATE TABLE terminals (id VARCHAR(32) PRIMARY KEY, centre "
                          "VARCHAR(200) NOT NULL, token_sha256 VARCHAR(64) NOT NULL UNIQUE, "
                          "created DATETIME NOT NULL, revoked BOOLEAN NOT NULL, last_seen "
                          "DATETIME)")
        c.exec_driver_sql("CREATE TABLE enrol_codes (code_sha256 VARCHAR(64) PRIMARY KEY, "
                          "centre VARCHAR(200) NOT NULL, expires DATETIME NOT NULL, used_by "
                          "VARCHAR(32))")
        c.exec_driver_sql("INSERT INTO terminals VALUES ('abc', 'Old Library', '" + "0" * 64 +
                          "', '2026-01-01 00:00:00', 0, NULL)")
    engine.dispose()
    store = Store(url)
    try:
        assert migrate.current(store.engine) == migrate.head()
        assert [t.id for t in store.terminals()] == ["abc"]
        assert sa.inspect(store.engine).has_table("events")
    finally:
        store.close()


def test_day_and_hour_are_london_time():
    # 2026-07-06 is a Monday; 23:30 UTC is 00:30 on Tuesday in London (BST).
    t = time.mktime((2026, 7, 6, 23, 30, 0, 0, 0, 0)) - time.timezone
    assert usage.local_day_and_hour(t) == (date(2026, 7, 7), 24)
    # In winter London is UTC: Monday 2026-01-05 09:15 UTC is hour 9 of the week.
    t = time.mktime((2026, 1, 5, 9, 15, 0, 0, 0, 0)) - time.timezone
    assert usage.local_day_and_hour(t) == (date(2026, 1, 5), 9)


def test_plain_postgresql_urls_use_psycopg(pg_url):
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    store = Store(plain)
    try:
        assert store.engine.dialect.driver == "psycopg"
        assert migrate.current(store.engine) == migrate.head()
    finally:
        store.close()


def test_terminals_report_versions_and_queue(hub):
    base, store, token, terminal_id = hub
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "kiosk/1.2.3",
               "X-Kiosk-Content-Version": "7", "X-Kiosk-Queue": "250"}
    r = requests.post(base + URL, json={"events": make_events(2)}, headers=headers, timeout=5)
    assert r.status_code == 200
    t = {t.id: t for t in store.terminals()}[terminal_id]
    assert (t.app_version, t.content_version, t.queue_depth) == ("1.2.3", 7, 250)
    # The queue emptied: stored at once (not only once a minute), as is a new version.
    headers.update({"X-Kiosk-Queue": "0", "X-Kiosk-Content-Version": "8"})
    requests.post(base + URL, json={"events": make_events(2)}, headers=headers, timeout=5)
    t = {t.id: t for t in store.terminals()}[terminal_id]
    assert (t.content_version, t.queue_depth) == (8, 0)
    # Malformed reports are ignored, not errors.
    headers.update({"User-Agent": "curl/8", "X-Kiosk-Queue": "-1",
                    "X-Kiosk-Content-Version": "9" * 20})
    r = requests.post(base + URL, json={"events": []}, headers=headers, timeout=5)
    assert r.status_code == 200
    t = {t.id: t for t in store.terminals()}[terminal_id]
    assert (t.app_version, t.content_version, t.queue_depth) == ("1.2.3", 8, 0)


def test_fuzzed_bodies_get_a_reason_never_a_crash(hub):
    """Random and hostile bodies: every answer is 200, 413 or 422 with a reason; nothing
    invalid is stored."""
    base, store, token, _ = hub
    rng = random.Random(2026)
    good = make_events(1)[0]
    bodies: list[bytes] = [b"[" * 100_000 + b"]" * 100_000,
                           b'{"events": [' + b"[" * 50_000 + b"]" * 50_000 + b"]}",
                           b'{"events": [{"time": NaN}]}', b'{"events": null}', b"",
                           b'{"events": [' + json.dumps({**good, "time": 1e999}).encode() +
                           b"]}"]
    values = [None, True, -1, 0, 2**70, 1e308, "", "x" * 5000, "é\u202e", [], {}, [1, [2]],
              {"a": {"b": []}}, "00000000-0000-0000-0000-000000000000"]
    for _ in range(150):
        event = dict(good)
        for _ in range(rng.randint(1, 3)):
            key = rng.choice([*event, "extra", ""])
            event[key] = rng.choice(values)
        body = {"events": [event]} if rng.random() < 0.8 else rng.choice(values)
        bodies.append(json.dumps(body).encode())
    for _ in range(30):
        bodies.append(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300))))
    for body in bodies:
        r = post(base, token, body)
        assert r.status_code in (200, 400, 413, 422), (r.status_code, body[:80])
        if r.status_code != 200:
            assert r.json()["detail"]
    with store.engine.connect() as c:
        for row in c.execute(sa.select(events_table)):
            events.validate({"event_id": row.event_id, "kiosk": "k", "centre": "c",
                             "time": good["time"], "session": row.session, "type": row.type,
                             "content_id": row.content_id, "language": row.language,
                             "duration_ms": row.duration_ms, "outcome": row.outcome})


def test_postgresql_copy_stores_what_sqlite_stores(tmp_path, pg_url):
    """PostgreSQL ingests through COPY text made from the events (usage._copy_text), SQLite
    through to_row: the same rows in both, a centre's tab and backslash kept, nulls null,
    times to the microsecond, and a second ingest all duplicates."""
    sq = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    pg = Store(pg_url)
    try:
        t = 1_790_000_000.0
        batch = make_events(3, t=t + 0.9999996) + make_events(2, t=t + 0.5, duration_ms=1234,
                                                              outcome="done")
        batch[0]["content_id"] = None
        batch.append(dict(batch[1]))  # the same id twice in one batch: a duplicate
        for store in (sq, pg):
            assert store.ingest("term\\1", "Centre\tNorth \\ East", batch) == (5, 1)
            assert store.ingest("term\\1", "Centre\tNorth \\ East", batch) == (0, 6)

        def rows(store):
            with store.engine.connect() as c:
                return [tuple(r) for r in c.execute(
                    sa.select(events_table).order_by(events_table.c.event_id))]

        assert rows(pg) == rows(sq)
        assert rows(pg)[0][1:3] == ("term\\1", "Centre\tNorth \\ East")
    finally:
        sq.close()
        pg.close()
