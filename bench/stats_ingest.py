"""The `stats_ingest` benchmark: 200 kiosks posting usage events to the hub at once.

A real `kiosk-hub serve` process (uvicorn, one worker) on SQLite in a temp data dir, then
again on a fresh PostgreSQL database (tests/pgserver.py: a throw-away cluster). 200
terminals are enrolled (Store.enrol, before the server starts); then 200 client threads,
one requests.Session (one keep-alive connection) each, warm their connection up, wait on a
barrier and post their batches back to back (10 batches of 100 events by default) as
fast as the hub answers. Figures: events per second (all events / wall time from the
barrier to the last reply) and p50/p99 request latency. The hub must then hold exactly the
events sent (rows counted in its database; every reply's accepted adds up, no duplicates):
anything else is a FAIL. Target (issue 17): the hub's CPU per ingested event on PostgreSQL
(one worker: its process's user + system time over the events sent) at most
PG_CPU_TARGET_US; a raw batched SQLite insert of the same rows (see raw_sqlite_rate) is
shown for context.

The events are like real ones: `kiosk simulate --sessions 30 --seed 1` is run once and its
outbox rows are the templates, cloned with fresh event and session ids and shifted times
(clone_events). The bodies are JSON-encoded before the clock starts, and the client's and
hub's CPU time are reported so that a saturated client, or a saturated single hub worker,
shows. A 503 (the hub's "busy, Retry-After") is counted and the batch is sent again after
the wait, as a kiosk does.

The helpers here (templates, clones, hub process, raw insert) are shared with stats_sync.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from common import NOT_AVAILABLE, Result, Settings

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tests.serverproc import ServerProcess, free_port, hub_argv

BIN = Path(sys.executable).parent
TERMINALS = 200
BATCHES = 10          # per terminal
BATCH_EVENTS = 100    # per batch
RAW_TXN = 1000        # rows per transaction in the raw insert baseline
TICK = os.sysconf("SC_CLK_TCK")
PG_CPU_TARGET_US = 8.0  # hub CPU per ingested event on PostgreSQL, at most

_templates: list[list[dict]] | None = None


def progress(msg: str) -> None:
    print(f"  {msg}", file=sys.stderr, flush=True)


def run(cmd, env=None, check=True) -> subprocess.CompletedProcess:
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       env=env or os.environ, timeout=600, check=False)
    if check and r.returncode != 0:
        raise RuntimeError(f"{Path(str(cmd[0])).name} {cmd[1]} failed: {r.stderr.strip()}")
    return r


# --- realistic events -------------------------------------------------------------------

def templates() -> list[list[dict]]:
    """The sessions of `kiosk simulate --sessions 30 --seed 1` (once per run): a list of
    sessions, each a list of its events in order, with `time` relative to its first."""
    global _templates
    if _templates is None:
        with tempfile.TemporaryDirectory(prefix="bench-sim-") as d:
            progress("kiosk simulate --sessions 30 --seed 1 (event templates)")
            env = {k: v for k, v in os.environ.items() if k != "KIOSK_DATA_DIR"}
            run([BIN / "kiosk", "simulate", "--sessions", 30, "--seed", 1, "--json",
                 "--data-dir", d], env)
            conn = sqlite3.connect(Path(d) / "outbox.db")
            conn.row_factory = sqlite3.Row
            rows = [dict(r) for r in conn.execute("select * from events order by rowid")]
            conn.close()
        sessions: dict[str, list[dict]] = {}
        for r in rows:
            r.pop("sent", None)
            sessions.setdefault(r["session"], []).append(r)
        out = []
        for evs in sessions.values():
            t0 = evs[0]["time"]
            out.append([{**e, "time": e["time"] - t0} for e in evs])
        if not out:
            raise RuntimeError("kiosk simulate recorded no events")
        _templates = out
    return _templates


def clone_events(n: int, kiosk: str, centre: str, *, start: float | None = None,
                 span: float = 2 * 86400, first_session: int = 0) -> Iterator[dict]:
    """n events cloned from the simulated sessions, in session order, each session with a
    fresh session id and fresh event ids; sessions spread evenly over `span` seconds before
    `start` (default: now), their own events spaced out 30x (the simulation runs fast)."""
    tpl = templates()
    per_session = sum(len(s) for s in tpl) / len(tpl)
    sessions = max(1, int(n / per_session) + 1)
    end = start if start is not None else time.time() - 60
    step = span / sessions
    made = 0
    k = first_session
    while made < n:
        session = tpl[k % len(tpl)]
        sid = str(uuid.uuid4())
        t0 = end - span + (k - first_session) * step
        for e in session:
            if made == n:
                return
            yield {"event_id": str(uuid.uuid4()), "kiosk": kiosk, "centre": centre,
                   "time": round(t0 + e["time"] * 30, 3), "session": sid, "type": e["type"],
                   "content_id": e["content_id"], "language": e["language"],
                   "duration_ms": e["duration_ms"], "outcome": e["outcome"]}
            made += 1
        k += 1


# --- raw SQLite baseline -------------------------------------------------------------------

def raw_sqlite_rate(events: list[dict], path: Path) -> tuple[float, int]:
    """Rows/s of a raw batched insert of `events`, as the hub's rows, into a fresh SQLite
    table made from kiosk.hub.schema.events (its primary key and indexes), WAL,
    synchronous=NORMAL, executemany in transactions of RAW_TXN rows. The rows are made
    before the clock starts; (rate, rows in the table after)."""
    import sqlalchemy as sa

    from kiosk.hub import schema, usage

    engine = sa.create_engine(f"sqlite:///{path}")
    schema.events.create(engine)
    engine.dispose()
    received = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    cols = [c.name for c in schema.events.columns]

    def value(v):
        if isinstance(v, datetime):
            return v.isoformat(" ", "microseconds")
        if hasattr(v, "isoformat"):  # date
            return v.isoformat()
        return v

    rows = [tuple(value(r[c]) for c in cols)
            for r in (usage.to_row(e, "bench0000001", "bench", received) for e in events)]
    sql = f"insert into events ({', '.join(cols)}) values ({', '.join('?' * len(cols))})"
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("pragma journal_mode=wal")
    conn.execute("pragma synchronous=normal")
    start = time.perf_counter()
    for i in range(0, len(rows), RAW_TXN):
        conn.execute("begin")
        conn.executemany(sql, rows[i:i + RAW_TXN])
        conn.execute("commit")
    took = time.perf_counter() - start
    n = conn.execute("select count(*) from events").fetchone()[0]
    conn.close()
    return len(rows) / took, n


# --- the hub process -----------------------------------------------------------------------

class Hub:
    """A `kiosk-hub serve` subprocess on a free loopback port."""

    def __init__(self, data_dir: Path, db_url: str | None = None, env=None, workers: int = 1):
        self.data_dir = Path(data_dir)
        self.workers = workers
        self.db_url = db_url or f"sqlite:///{self.data_dir / 'hub.db'}"
        self.env = env or os.environ
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def store(self):
        from kiosk.hub.store import Store

        self.data_dir.mkdir(parents=True, exist_ok=True)
        return Store(self.db_url)

    def start(self) -> Hub:
        port = free_port()
        self.server = ServerProcess(hub_argv(self.data_dir, port, self.db_url, self.workers),
                                    self.env, port, log=self.data_dir / "serve.log")
        self.server.start()
        self.proc, self.url = self.server.proc, self.server.url
        return self

    def cpu_s(self) -> float:
        """User + system CPU seconds of the hub process so far (and of its workers)."""
        def one(pid: int) -> float:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return 0.0
            return (int(fields[11]) + int(fields[12])) / TICK

        pid = self.proc.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        return one(pid) + sum(one(int(c)) for c in children)

    def count_events(self, terminal_id: str | None = None) -> int:
        import sqlalchemy as sa

        from kiosk.hub.schema import events

        engine = sa.create_engine(self.db_url)
        try:
            q = sa.select(sa.func.count()).select_from(events)
            if terminal_id:
                q = q.where(events.c.terminal_id == terminal_id)
            with engine.connect() as c:
                return c.execute(q).scalar_one()
        finally:
            engine.dispose()

    def stop(self) -> None:
        if self.proc is not None:
            self.server.stop(15)


# --- the load ------------------------------------------------------------------------------

def _load(hub: Hub, terminals: list[tuple[str, str, str]], bodies: list[list[bytes]]) -> dict:
    """Each terminal's thread posts its bodies in turn, all starting together."""
    import requests

    n = len(terminals)
    barrier = threading.Barrier(n + 1, timeout=300)
    lat: list[list[float]] = [[] for _ in range(n)]
    acks = [[0, 0] for _ in range(n)]
    retries = [[0, 0] for _ in range(n)]  # 503s, connection errors
    ends = [0.0] * n
    errors: list[str] = []
    url = hub.url + "/api/v1/events"

    def client(i: int) -> None:
        try:
            post_all(i)
        except Exception as e:  # noqa: BLE001  (shows as an error and a wrong count)
            errors.append(f"client {i}: {type(e).__name__}: {e}")
            ends[i] = time.perf_counter()

    def post_all(i: int) -> None:
        _, token, _ = terminals[i]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        with requests.Session() as s:
            try:
                # One request to open the keep-alive connection (and see the token works).
                s.get(hub.url + "/api/v1/content/manifest.json", headers=headers, timeout=60)
            except requests.RequestException as e:
                errors.append(f"warm-up: {e}")
            barrier.wait()
            for body in bodies[i]:
                t0 = time.perf_counter()
                while True:
                    try:
                        r = s.post(url, data=body, headers=headers, timeout=120)
                    except requests.ConnectionError:
                        retries[i][1] += 1
                        if retries[i][1] > 20:
                            raise
                        continue
                    if r.status_code == 503:
                        retries[i][0] += 1
                        time.sleep(float(r.headers.get("Retry-After", "1")))
                        continue
                    break
                lat[i].append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors.append(f"{r.status_code}: {r.text[:200]}")
                    break
                ack = r.json()
                acks[i][0] += ack["accepted"]
                acks[i][1] += ack["duplicates"]
            ends[i] = time.perf_counter()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    cpu0, hub0 = resource.getrusage(resource.RUSAGE_SELF), hub.cpu_s()
    for t in threads:
        t.join()
    wall = max(ends) - start
    cpu1, hub1 = resource.getrusage(resource.RUSAGE_SELF), hub.cpu_s()
    lats = sorted(x for per in lat for x in per)
    return {
        "wall_s": wall, "requests": len(lats),
        "p50_ms": 1000 * lats[len(lats) // 2] if lats else None,
        "p99_ms": 1000 * lats[min(len(lats) - 1, int(len(lats) * 0.99))] if lats else None,
        "mean_ms": 1000 * statistics.fmean(lats) if lats else None,
        "accepted": sum(a for a, _ in acks), "duplicates": sum(d for _, d in acks),
        "busy_503": sum(b for b, _ in retries), "reconnects": sum(c for _, c in retries),
        "client_cpu_s": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
        "hub_cpu_s": hub1 - hub0, "errors": errors[:5], "n_errors": len(errors),
    }


def _measure(name: str, tmp: Path, db_url: str | None, events_per_terminal: int,
             workers: int = 1) -> dict:
    """One backend: enrol, start the hub, load it, stop it, count its rows."""
    hub = Hub(tmp / f"hub-{name}".replace(" ", "-").replace(",", ""), db_url, workers=workers)
    store = hub.store()
    try:
        terminals = []
        for i in range(TERMINALS):
            centre = f"library-{i % 20:02}"
            tid, token, _ = store.enrol(store.create_enrol_code(centre))
            terminals.append((tid, token, centre))
    finally:
        store.close()
    bodies = []
    for i, (_, _, centre) in enumerate(terminals):
        evs = list(clone_events(events_per_terminal, f"kiosk-{i:03}", centre,
                                first_session=i * 1000))
        bodies.append([json.dumps({"events": evs[j:j + BATCH_EVENTS]},
                                  separators=(",", ":")).encode()
                       for j in range(0, len(evs), BATCH_EVENTS)])
    sent = TERMINALS * events_per_terminal
    hub.start()
    try:
        progress(f"{name}: {TERMINALS} terminals posting {sent} events")
        out = _load(hub, terminals, bodies)
    finally:
        hub.stop()
    out["stored"] = hub.count_events()
    out["sent"] = sent
    out["events_per_s"] = sent / out["wall_s"]
    out["exact"] = (out["stored"] == sent and out["accepted"] == sent
                    and out["duplicates"] == 0 and out["n_errors"] == 0)
    progress(f"{name}: {out['events_per_s']:.0f} events/s, p50 {out['p50_ms']:.0f} ms, "
             f"p99 {out['p99_ms']:.0f} ms, stored {out['stored']}/{sent}")
    return out


def _fmt(o: dict) -> str:
    return f"{o['events_per_s']:,.0f} ev/s, p50 {o['p50_ms']:.0f} ms, p99 {o['p99_ms']:.0f} ms"


def _cpu(name: str, o: dict) -> str:
    return (f"{name}: {o['sent']} events in {o['wall_s']:.1f} s, hub CPU "
            f"{o['hub_cpu_s']:.1f} s ({100 * o['hub_cpu_s'] / o['wall_s']:.0f} % of a core), "
            f"client CPU {o['client_cpu_s']:.1f} s, {o['requests'] / o['wall_s']:.0f} "
            f"requests/s so {TERMINALS} in flight wait {TERMINALS * o['wall_s'] / o['requests']:.2f} "
            f"s each (queueing), {o['busy_503']} busy 503s, "
            f"{o['reconnects']} reconnects; stored {o['stored']} (accepted "
            f"{o['accepted']}, duplicates {o['duplicates']})"
            + (f"; errors {o['n_errors']}: {o['errors']}" if o["n_errors"] else ""))


def bench_stats_ingest(settings: Settings) -> Result:
    per_terminal = BATCHES * BATCH_EVENTS
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    pg = None
    try:
        templates()
        sqlite_out = _measure("SQLite", tmp, None, per_terminal)
        raw_events = list(clone_events(100_000, "kiosk-raw", "library-00"))
        raws = [raw_sqlite_rate(raw_events, tmp / f"raw-{i}.db") for i in range(3)]
        raw, raw_n = max(r for r, _ in raws), min(n for _, n in raws)
        del raw_events
        pg_out, pg_why = None, ""
        from tests.pgserver import PgServer, PgUnavailable

        try:
            pg = PgServer().start()
            pg_url = pg.new_database()
        except PgUnavailable as e:
            pg_why = f"PostgreSQL not available: {e}"
        else:
            pg_out = _measure("PostgreSQL", tmp, pg_url, per_terminal)
            pg2_out = _measure("PostgreSQL, 2 workers", tmp, pg.new_database(), per_terminal,
                               workers=2)

        outs = [("SQLite", sqlite_out)] + ([("PostgreSQL", pg_out),
                                            ("PostgreSQL, 2 workers", pg2_out)]
                                           if pg_out else [])
        exact = all(o["exact"] for _, o in outs)
        notes = [_cpu(n, o) for n, o in outs]
        saturated = [n for n, o in outs[:2] if o["hub_cpu_s"] / o["wall_s"] > 0.85]
        if saturated:
            notes.append(f"the hub process used a whole core throughout ({', '.join(saturated)}):"
                         " one uvicorn worker is the bottleneck there")
        if pg_out:
            notes.append("PostgreSQL is the throw-away test cluster (tests/pgserver.py, "
                         "fsync=off), on the same 2 cores as the hub and the clients")
        if pg_why:
            notes.append(pg_why)
        measured = "SQLite " + _fmt(sqlite_out)
        if pg_out:
            measured += "; PostgreSQL " + _fmt(pg_out) + "; 2 workers " + _fmt(pg2_out)
        data = {"sqlite": sqlite_out, "postgresql": pg_out,
                "postgresql_2_workers": pg2_out if pg_out else None,
                "raw_sqlite_rows_per_s": [r for r, _ in raws],
                "terminals": TERMINALS, "batches": BATCHES, "batch_events": BATCH_EVENTS}
        pg_us = 1e6 * pg_out["hub_cpu_s"] / pg_out["sent"] if pg_out else None
        if pg_out:
            data["postgresql_hub_cpu_us_per_event"] = pg_us
        columns = {
            "measured": measured,
            "baseline": f"raw SQLite insert {raw:,.0f} rows/s (best of 3)",
            "figure": (f"SQLite {sqlite_out['events_per_s'] / raw:.3f} of raw"
                       + (f", PostgreSQL {pg_out['events_per_s'] / raw:.3f}" if pg_out else "")
                       + (f"; PostgreSQL hub CPU {pg_us:.1f} us/event" if pg_out else "")
                       + ("; counts exact" if exact else "; COUNTS WRONG")),
            "target": f"stored == sent; PostgreSQL hub CPU <= {PG_CPU_TARGET_US:.0f} us/event",
            "note": "; ".join(notes), "data": data}
        if raw_n != 100_000:
            columns["note"] += f"; raw baseline stored {raw_n} rows of 100000"
        if exact and pg_why:
            return Result("stats_ingest", NOT_AVAILABLE, **columns)
        return Result.checked("stats_ingest", exact and pg_us <= PG_CPU_TARGET_US, **columns)
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
