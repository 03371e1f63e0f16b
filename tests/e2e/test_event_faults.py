"""Faults between a terminal and the hub, with real processes on loopback; each test ends
with exact counts: every event the terminal recorded is on the hub once, none twice, and
the terminal's outbox agrees.

- a faulty network (tests/faultproxy.py): 500, 503 and 429 with Retry-After, timeouts, a
  request cut half-way, a reply lost after the hub stored the batch;
- kill -9 of `kiosk sync --once` in the middle of an upload, at seeded random moments;
- kill -9 of `kiosk-hub serve` in the middle of ingestion, on SQLite and on PostgreSQL.

The events are made by `kiosk simulate` (real UI code, real events), cloned with fresh ids
to make a backlog big enough to interrupt.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path
from typing import Self

import pytest
import sqlalchemy as sa

from kiosk.services.outbox import COLUMNS, open_db
from tests.e2e.test_hub_and_kiosk import BIN, run
from tests.faultproxy import KINDS, FaultProxy
from tests.serverproc import Children, hub_process


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> list[dict]:
    """Events of 12 simulated citizen sessions (kiosk simulate, seed 11)."""
    d = tmp_path_factory.mktemp("simulated")
    env = dict(os.environ, KIOSK_WINDOWED="1", KIVY_HOME=str(d / "kivy"))
    run([BIN / "kiosk", "simulate", "--sessions", "12", "--seed", "11", "--data-dir", str(d)],
        env)
    with sqlite3.connect(d / "outbox.db") as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("select * from events order by time")]
    assert len(rows) > 50 and {r["type"] for r in rows} >= {"session_start", "session_end"}
    return rows


def fill_outbox(data: Path, templates: list[dict], n: int, seed: int = 0) -> set[str]:
    """n queued events in data/outbox.db: the simulated ones again and again, each copy with
    a fresh event id and its own session ids. Returns the event ids."""
    rng = random.Random(seed)
    db = open_db(data / "outbox.db")
    ids: set[str] = set()
    rows = []
    copy = 0
    while len(rows) < n:
        sessions: dict[str, str] = {}
        shift = copy * 3600.0
        for t in templates:
            if len(rows) == n:
                break
            row = {k: t[k] for k in COLUMNS if k in t}
            row["event_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            row["session"] = sessions.setdefault(t["session"], str(uuid.uuid4()))
            row["time"] = t["time"] - 86400 * 3 + shift % 86400
            row["sent"] = 0
            rows.append(row)
            ids.add(row["event_id"])
        copy += 1
    db["events"].insert_all(rows, batch_size=2000)
    db.conn.close()
    return ids


class Hub:
    """A `kiosk-hub serve` process (its own process group, workers included) that can be
    killed and started again on the same port."""

    def __init__(self, tmp: Path, env: dict, db_url: str | None = None, workers: int = 1):
        self.dir, self.env, self.db_url, self.workers = tmp / "hub", env, db_url, workers
        self.server = hub_process(self.dir, env, db_url, workers, log=tmp / "hub.log")
        self.port, self.url = self.server.port, self.server.url

    def args(self) -> list[str]:
        return ["--data-dir", str(self.dir)] + (["--db", self.db_url] if self.db_url else [])

    def start(self) -> Hub:
        self.server.start()
        return self

    def kill(self) -> None:
        self.server.kill()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.server.kill()

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.db_url or f"sqlite:///{self.dir / 'hub.db'}")

    def event_ids(self) -> list[str]:
        e = self.engine()
        try:
            with e.connect() as c:
                return [r[0] for r in c.execute(sa.text("select event_id from events"))]
        finally:
            e.dispose()

    def count(self) -> int:
        return len(self.event_ids())


def env_for(tmp: Path, **extra) -> dict:
    env = dict(os.environ, KIVY_HOME=str(tmp / "kivy"), **extra)
    env.pop("KIOSK_DATA_DIR", None)
    env.pop("KIOSK_TRUSTED_KEYS", None)  # events only: content sync says it has no keys
    return env


def enrol(hub: Hub, data: Path, url: str | None = None) -> Path:
    code = run([BIN / "kiosk-hub", "enrol-code", "--centre", "Brixton Library", *hub.args()],
               hub.env).stdout.strip().splitlines()[-1]
    run([BIN / "kiosk", "enrol", code, "--hub", url or hub.url, "--data-dir", str(data)],
        hub.env)
    return data


def sync_cmd(data: Path) -> list:
    return [BIN / "kiosk", "sync", "--once", "--json", "--data-dir", str(data)]


def sync_until_done(data: Path, env: dict, rounds: int = 20) -> list[dict]:
    """Run `kiosk sync --once` until nothing is queued; the reports of each round."""
    reports = []
    for _ in range(rounds):
        r = run(sync_cmd(data), env, check=False)
        lines = r.stdout.strip().splitlines()
        assert lines, f"kiosk sync printed no report: {r.stderr}"
        reports.append(json.loads(lines[-1]))
        if reports[-1]["events_queued"] == 0:
            return reports
    raise AssertionError(f"events still queued after {rounds} rounds: {reports[-1]}")


def outbox_state(data: Path) -> dict[int, set[str]]:
    with sqlite3.connect(data / "outbox.db") as conn:
        state: dict[int, set[str]] = {0: set(), 1: set(), -1: set()}
        for event_id, sent in conn.execute("select event_id, sent from events"):
            state[sent].add(event_id)
        return state


def wait_for_count(hub: Hub, target: int, proc: subprocess.Popen) -> int:
    """Wait until the hub holds at least target events (or the sync ended); the count."""
    deadline = time.monotonic() + 60
    while True:
        n = hub.count()
        if n >= target or proc.poll() is not None or time.monotonic() > deadline:
            return n
        time.sleep(0.005)


def assert_exact(hub: Hub, data: Path, ids: set[str]) -> None:
    stored = hub.event_ids()
    assert len(stored) == len(set(stored)), "an event is stored twice"
    assert set(stored) == ids, (f"hub has {len(set(stored) & ids)} of {len(ids)} events and "
                                f"{len(set(stored) - ids)} it should not")
    state = outbox_state(data)
    assert state[1] == ids and not state[0] and not state[-1]


def test_a_faulty_network_loses_and_doubles_nothing(tmp_path, simulated):
    env = env_for(tmp_path, KIOSK_HUB_TIMEOUT="1")
    with Hub(tmp_path, env) as hub:
        with FaultProxy(hub.url, rate=0.5, seed=7, slow_seconds=2.0) as proxy:
            data = enrol(hub, tmp_path / "terminal", url=proxy.url)
            ids = fill_outbox(data, simulated, 4000)
            reports = sync_until_done(data, env)
            assert all(proxy.faults[k] >= 1 for k in KINDS), proxy.faults
        assert_exact(hub, data, ids)
        uploaded = sum(r["events_uploaded"] for r in reports)
        # "lost" replies: the hub stored a batch whose ack never came; sent again, they come
        # back as duplicates, and what the terminal counts as uploaded is still exact.
        assert uploaded == len(ids)
        assert sum(r["events_duplicates"] for r in reports) >= proxy.faults["lost"]


def test_kill_9_of_the_kiosk_mid_sync(tmp_path, simulated):
    env = env_for(tmp_path)
    rng = random.Random(3)
    with Hub(tmp_path, env) as hub, Children() as kids:
        data = enrol(hub, tmp_path / "terminal")
        ids = fill_outbox(data, simulated, 30000)
        interrupted = 0
        for i in range(1, 5):
            before = hub.count()
            proc = kids.popen(sync_cmd(data), env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
            # A random moment while batches flow: after a random share of the next fifth.
            wait_for_count(hub, int(len(ids) * (i + rng.random()) / 5), proc)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            after = hub.count()
            if before < after < len(ids):
                interrupted += 1
            # Never marked sent without the hub's ack: every sent row is on the hub.
            assert outbox_state(data)[1] <= set(hub.event_ids())
        assert interrupted >= 2, "the kills did not land in the middle of an upload"
        sync_until_done(data, env)
        assert_exact(hub, data, ids)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_kill_9_of_the_hub_mid_ingestion(tmp_path, simulated, database, request):
    """The hub killed (its whole process group) three times while a terminal uploads, and
    started again; on PostgreSQL with two workers, as a city's hub runs (issue 15)."""
    db_url = request.getfixturevalue("pg_url") if database == "postgresql" else None
    env = env_for(tmp_path)
    rng = random.Random(5)
    workers = 2 if database == "postgresql" else 1
    with Hub(tmp_path, env, db_url, workers=workers) as hub, Children() as kids:
        data = enrol(hub, tmp_path / "terminal")
        ids = fill_outbox(data, simulated, 30000)
        interrupted = 0
        for i in range(1, 4):
            proc = kids.popen(sync_cmd(data), env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
            before = wait_for_count(hub, int(len(ids) * (i + rng.random()) / 4), proc)
            hub.kill()  # mid-ingestion: batches are arriving all the time
            if 0 < before < len(ids):
                interrupted += 1
            proc.wait(timeout=120)  # it gives up after a few failed tries
            assert outbox_state(data)[1] <= set(hub.event_ids())
            hub.start()
        assert interrupted >= 2, "the kills did not land in the middle of ingestion"
        sync_until_done(data, env)
        assert_exact(hub, data, ids)
        if database == "sqlite":
            with sqlite3.connect(hub.dir / "hub.db") as conn:
                assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_several_hub_workers_on_postgresql_count_exactly(tmp_path, simulated, pg_url):
    """`kiosk-hub serve --workers 3` (a city's hub): six terminals upload at once, each twice
    over (a crash lost their marks); every event is stored once."""
    env = env_for(tmp_path)
    with Hub(tmp_path, env, pg_url, workers=3) as hub, Children() as kids:
        terminals = [enrol(hub, tmp_path / f"terminal{i}") for i in range(6)]
        ids = set()
        for i, data in enumerate(terminals):
            ids |= fill_outbox(data, simulated, 3000, seed=100 + i)
        for _ in range(2):
            procs = [kids.popen(sync_cmd(d), env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
                     for d in terminals]
            reports = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1])
                       for p in procs]
            assert all(r["events_queued"] == 0 for r in reports), reports
            for d in terminals:
                with sqlite3.connect(d / "outbox.db") as conn:
                    conn.execute("update events set sent = 0")
        assert sum(r["events_duplicates"] for r in reports) == len(ids)
        for d in terminals:
            with sqlite3.connect(d / "outbox.db") as conn:
                conn.execute("update events set sent = 1")
        stored = hub.event_ids()
        assert len(stored) == len(set(stored)) and set(stored) == ids
