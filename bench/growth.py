"""The `growth` benchmark (issue 17): how costs grow with the size of the work, plotted.

- The dashboard's report (kiosk.hub.reports.report, what the Usage page shows) on
  PostgreSQL (tests/pgserver.py) holding 1, 5 and 20 million raw events, generated straight
  into the database (INSERT ... SELECT from generate_series: a year of 100 centres, the
  event types in the proportions `kiosk simulate` makes), then VACUUM ANALYZE. Timed: the
  default period (the last 28 days) and a whole year, all centres, the median of 3 each.
  Extrapolated to a year of a 2,000-terminal city (YEAR_EVENTS).
- Installing a content pack in-process (the syncer's sync_content against a real
  `kiosk-hub serve`) of 10, 50 and 200 MiB (the demo content plus 1 MiB files).

Writes docs/performance-growth.png (when matplotlib is installed) and reports the slopes.
No pass/fail target beyond running: the figure is the shape. It is the slowest benchmark:
filling 20 million rows took about 35 minutes on a loaded 2-core machine (the whole run 45). BENCH_GROWTH_EVENTS (e.g.
"1,5,20", millions) and BENCH_GROWTH_PACKS ("10,50,200", MiB) choose the sizes.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from common import Result, Settings
from stats_ingest import progress

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PNG = ROOT / "docs" / "performance-growth.png"
MIB = 1024 * 1024
EVENT_MILLIONS = [float(x) for x in os.environ.get("BENCH_GROWTH_EVENTS", "1,5,20").split(",")]
PACK_MIB = [int(x) for x in os.environ.get("BENCH_GROWTH_PACKS", "10,50,200").split(",")]
# A year of a city: 2,000 terminals, each about 30 sessions a day of about 15 events
# (kiosk simulate's sessions average 15), 365 days.
YEAR_EVENTS = 2000 * 30 * 15 * 365

# The proportions of `kiosk simulate --sessions 30 --seed 1` (rounded), by type.
_TYPES = [("screen_view", 40), ("session_start", 7), ("session_end", 7),
          ("language_chosen", 7), ("guide_opened", 10), ("step_expanded", 14),
          ("tutorial_started", 4), ("tutorial_completed", 3), ("official_link_opened", 4),
          ("official_service_closed", 4)]
_GEN_SQL = """
insert into events (event_id, terminal_id, centre, time, day, hour_of_week, session, type,
                    content_id, language, duration_ms, outcome, received)
select md5(cast(:seed as text) || g::text)::uuid::text,
       'term' || lpad((g % 2000)::text, 8, '0'),
       'library-' || lpad((g % 100)::text, 3, '0'),
       t, t::date, (extract(isodow from t)::int - 1) * 24 + extract(hour from t)::int,
       md5('s' || cast(:seed as text) || (g / 15)::text)::uuid::text,
       (array[{types}])[1 + (hashint % {ntypes})],
       (array['universal-credit', 'council-tax', 'blue-badge', 'bus-pass', 'using-a-touchscreen',
              'spotting-scams', 'on-screen-keyboard', 'home'])[1 + (hashint % 8)],
       (array['en', 'en', 'en', 'ar', 'bn', 'pl', 'so', 'ur', 'ta', 'tr'])[1 + (g % 10)],
       case when hashint % 3 = 0 then (hashint % 600000) end,
       case when hashint % 5 = 0 then 'finished' end,
       t
from (select g, hashint8(g) & 2147483647 as hashint,
             timestamp '{end}' - ((g * 31536000 / cast(:n as bigint)) || ' seconds')::interval as t
      from generate_series(cast(:first as bigint), cast(:last as bigint)) as g) s
"""


def _fill(engine, millions_from: float, millions_to: float) -> None:
    import sqlalchemy as sa

    types = ", ".join("'" + t + "'" for t, w in _TYPES for _ in range(w))
    ntypes = sum(w for _, w in _TYPES)
    end = date(2026, 12, 1)
    sql = sa.text(_GEN_SQL.format(types=types, ntypes=ntypes, end=end.isoformat()))
    step = 1_000_000
    first = int(millions_from * 1e6)
    last_all = int(millions_to * 1e6)
    total = int(max(EVENT_MILLIONS) * 1e6)
    while first < last_all:
        last = min(last_all, first + step)
        with engine.begin() as c:
            c.execute(sql, {"seed": "g", "n": total, "first": first + 1, "last": last})
        first = last
    with engine.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("vacuum analyze events"))


def _report_times(engine) -> tuple[float, float]:
    from kiosk.hub import reports

    end = date(2026, 11, 30)
    month = reports.Filters(end - timedelta(days=27), end)
    year = reports.Filters(end - timedelta(days=364), end)
    out = []
    for f in (month, year):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            reports.report(engine, f, titles_by_id={})
            times.append(time.perf_counter() - start)
        out.append(statistics.median(times))
    return out[0], out[1]


def _dashboard() -> list[dict]:
    from kiosk.hub.store import Store
    from tests.pgserver import PgServer

    pg = PgServer().start()
    rows = []
    try:
        store = Store(pg.new_database())
        try:
            have = 0.0
            for m in EVENT_MILLIONS:
                progress(f"growth: {m:g} million events into PostgreSQL")
                t0 = time.perf_counter()
                _fill(store.engine, have, m)
                have = m
                progress(f"growth: filled in {time.perf_counter() - t0:.0f} s; timing the report")
                month, year = _report_times(store.engine)
                rows.append({"millions": m, "month_s": month, "year_s": year})
                progress(f"growth: {m:g} M events: 28 days {month * 1000:.0f} ms, "
                         f"a year {year * 1000:.0f} ms")
        finally:
            store.close()
    finally:
        pg.stop()
    return rows


def _installs() -> list[dict]:
    """In-process installs of packs of each size from a real hub (bench/pack_sync's way)."""
    from kiosk.core import packs
    from kiosk.core.settings import DEFAULT_CONTENT_DIR
    from kiosk.services import content_store, hub_client
    from tests.serverproc import hub_process

    rows = []
    for size in PACK_MIB:
        tmp = Path(tempfile.mkdtemp(prefix="bench-growth-"))
        hub = None
        try:
            env = dict(os.environ, KIOSK_TRUSTED_KEYS=str(tmp / "keys" / "publisher.pub"))
            env.pop("KIOSK_DATA_DIR", None)

            def run(*cmd, env=env):
                r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                                   env=env, timeout=900, check=False)
                if r.returncode:
                    raise RuntimeError(r.stderr.strip())
                return r.stdout

            run(BIN / "kiosk-content", "keygen", "--out", tmp / "keys")
            src = tmp / "src"
            shutil.copytree(DEFAULT_CONTENT_DIR, src)
            (src / "media").mkdir()
            rng = random.Random(size)
            for i in range(size):
                (src / "media" / f"file-{i:03}.bin").write_bytes(rng.randbytes(MIB))
            run(BIN / "kiosk-content", "build", src, "--out", tmp / "pack", "--key",
                tmp / "keys" / "publisher.key", "--version", 1)
            run(BIN / "kiosk-hub", "publish", tmp / "pack", "--data-dir", tmp / "hub")
            shutil.rmtree(src)
            hub = hub_process(tmp / "hub", env).start()
            trusted = packs.load_trusted_keys(tmp / "keys" / "publisher.pub")
            times = []
            for n in range(2):
                code = run(BIN / "kiosk-hub", "enrol-code", "--centre", "bench", "--data-dir",
                           tmp / "hub").strip().splitlines()[-1]
                data = tmp / f"t{n}"
                run(BIN / "kiosk", "enrol", code, "--hub", hub.url, "--data-dir", data)
                token = hub_client.load_enrolment(data)["token"]
                start = time.perf_counter()
                with hub_client.HubClient(hub.url, token) as client:
                    rep = content_store.sync_content(client, content_store.ContentStore(data),
                                                     trusted)
                times.append(time.perf_counter() - start)
                assert rep["status"] == "updated", rep
                shutil.rmtree(data)
            rows.append({"mib": size, "install_s": min(times)})
            progress(f"growth: a {size} MiB pack installed in {min(times):.2f} s")
        finally:
            if hub is not None:
                hub.stop()
            shutil.rmtree(tmp, ignore_errors=True)
    return rows


def _slope(xs, ys) -> tuple[float, float]:
    """Least-squares slope and intercept."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return b, my - b * mx


def _plot(dash: list[dict], inst: list[dict]) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no PNG: matplotlib is not installed"
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    xs = [r["millions"] for r in dash]
    a.plot(xs, [1000 * r["month_s"] for r in dash], "o-", label="last 28 days")
    a.plot(xs, [1000 * r["year_s"] for r in dash], "s-", label="a whole year")
    a.set_xlabel("raw events in the database (millions)")
    a.set_ylabel("report time (ms)")
    a.set_title("Dashboard report on PostgreSQL")
    a.legend()
    a.grid(alpha=0.3)
    b.plot([r["mib"] for r in inst], [r["install_s"] for r in inst], "o-")
    b.set_xlabel("content pack (MiB)")
    b.set_ylabel("install time (s)")
    b.set_title("Content pack install (download, hash, stage)")
    b.grid(alpha=0.3)
    fig.tight_layout()
    PNG.parent.mkdir(exist_ok=True)
    fig.savefig(PNG, dpi=90)
    plt.close(fig)
    return f"plot written to {PNG.relative_to(ROOT)}"


def bench_growth(settings: Settings) -> Result:
    from tests.pgserver import PgUnavailable

    try:
        dash = _dashboard()
    except PgUnavailable as e:
        return Result.not_available("growth", f"PostgreSQL not available: {e}")
    inst = _installs()
    plotted = _plot(dash, inst)
    ms, _ = _slope([r["millions"] for r in dash], [r["month_s"] for r in dash])
    ys, yi = _slope([r["millions"] for r in dash], [r["year_s"] for r in dash])
    ps, pi = _slope([r["mib"] for r in inst], [r["install_s"] for r in inst])
    city_m = YEAR_EVENTS / 1e6
    year_city = yi + ys * city_m
    return Result.checked(
        "growth", True,
        measured=(", ".join(f"{r['millions']:g} M: {1000 * r['month_s']:.0f}/"
                            f"{1000 * r['year_s']:.0f} ms" for r in dash)
                  + "; " + ", ".join(f"{r['mib']} MiB {r['install_s']:.2f} s" for r in inst)),
        baseline="-",
        figure=(f"report +{1000 * ms:.1f} ms (28 d) / +{1000 * ys:.0f} ms (year) per M events; "
                f"install {ps * 1000:.1f} ms/MiB"),
        target="shape (plotted)",
        note=(f"a year of a 2,000-terminal city is about {city_m:.0f} million events: the "
              f"whole-year report extrapolates to {year_city:.0f} s, the 28-day one stays "
              f"near {1000 * dash[-1]['month_s']:.0f} ms if it does not grow with the total; "
              f"install {pi:.2f} s + {ps * 1000:.1f} ms per MiB; {plotted}; load average "
              f"{os.getloadavg()[0]:.1f}"),
        data={"dashboard": dash, "installs": inst, "year_events": YEAR_EVENTS})
