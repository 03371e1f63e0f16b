#!/usr/bin/env python3
"""Runs the kiosk's benchmarks: prints one table and writes bench/results/latest.json.

    bench/run.py                    # all benchmarks
    bench/run.py startup memory     # only these
    bench/run.py --strict           # exit 1 unless every benchmark passes

Each benchmark is measured against a baseline in the same run (see bench/common.py). A
missed target is reported, not an error: the exit status is 0 unless a benchmark could not
run at all (1), or --strict is given and anything did not pass (1). Needs a display: use
`make bench`, which provides one (Xvfb when there is none).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
import traceback
from importlib import metadata
from pathlib import Path

from bidi_lines import bench_bidi_lines
from bundle import bench_bundle_size, bench_bundle_startup
from city import bench_city_day
from common import ERROR, PASS, Result, Settings
from config_apply import bench_config_apply
from config_fetch import bench_config_fetch
from event_record import bench_event_record
from fleet import bench_fleet_page, bench_heartbeat
from growth import bench_growth
from lang_switch import bench_lang_switch
from pack_sync import bench_pack_sync
from screen_build import bench_screen_build
from staff_panel import bench_staff_panel
from startup import bench_memory, bench_startup
from stats_ingest import bench_stats_ingest
from stats_sync import bench_stats_sync

BENCHMARKS = {
    "startup": bench_startup,
    "memory": bench_memory,
    "event_record": bench_event_record,
    "screen_build": bench_screen_build,
    "lang_switch": bench_lang_switch,
    "bidi_lines": bench_bidi_lines,
    "pack_sync": bench_pack_sync,
    "stats_ingest": bench_stats_ingest,
    "stats_sync": bench_stats_sync,
    "config_fetch": bench_config_fetch,
    "config_apply": bench_config_apply,
    "staff_panel": bench_staff_panel,
    "heartbeat": bench_heartbeat,
    "fleet_page": bench_fleet_page,
    "city_day": bench_city_day,
    "growth": bench_growth,
    "bundle_size": bench_bundle_size,
    "bundle_startup": bench_bundle_startup,
}
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
COLUMNS = ("benchmark", "measured", "baseline", "ratio/figure", "target", "result")


def run(name: str, settings: Settings) -> Result:
    print(f"running {name}...", file=sys.stderr, flush=True)
    try:
        return BENCHMARKS[name](settings)
    except Exception as exc:  # noqa: BLE001  (one broken benchmark must not stop the rest)
        traceback.print_exc()
        return Result.error(name, f"{type(exc).__name__}: {exc}")


def table(results: list[Result]) -> str:
    rows = [COLUMNS] + [(r.name, r.measured or "-", r.baseline or "-", r.figure or "-",
                         r.target or "-", r.status) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]

    def line(cells) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [line(row) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"{r.name}: {r.note}" for r in results if r.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def report(results: list[Result], settings: Settings) -> dict:
    try:
        kivy = metadata.version("kivy")
    except metadata.PackageNotFoundError:
        kivy = None
    return {
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "host": platform.node(), "cpus": os.cpu_count(), "load": os.getloadavg(),
        "python": platform.python_version(), "kivy": kivy,
        "kiosk_cmd_override": os.environ.get("BENCH_KIOSK_CMD"),
        "settings": vars(settings),
        "results": [vars(r) for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="benchmark",
                        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--runs", type=int, default=Settings.runs,
                        help="process runs of each side for startup/memory (default: %(default)s)")
    parser.add_argument("--calls", type=int, default=Settings.calls,
                        help="calls of each side for event_record (default: %(default)s)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 unless every benchmark passes")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; known: {', '.join(BENCHMARKS)}")
    settings = Settings(runs=args.runs, calls=args.calls)

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as kivy_home:
        # For benchmarks that import Kivy in this process (screen_build): it must not parse
        # this script's arguments nor write to ~/.kivy.
        for key, value in {"KIVY_NO_ARGS": "1", "KIVY_NO_FILELOG": "1",
                           "KIVY_HOME": kivy_home}.items():
            os.environ.setdefault(key, value)
        results = [run(name, settings) for name in (args.names or BENCHMARKS)]

    print(table(results))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report(results, settings), indent=2) + "\n")
    print(f"\nwritten to {RESULTS}")
    if any(r.status == ERROR for r in results):
        return 1
    return 1 if args.strict and any(r.status != PASS for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
