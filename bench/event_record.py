"""The `event_record` benchmark: what Outbox.record() costs the thread that calls it.

The kiosk records usage events from the UI thread, so record() must stay far below a frame's
budget. Calls are timed in batches (per-call time = batch time / batch size) with the
outbox's writer thread running as in the kiosk, and the median batch is reported against an
absolute target. The baseline, for context, is a function with the same signature that only
builds the same event dict and appends it to a deque; its batches alternate with record()'s.
"""

from __future__ import annotations

import collections
import statistics
import tempfile
import time
from pathlib import Path

from common import Result, Settings, ratio

BATCH = 200
TARGET_US = 50.0  # per call, below


def _time_batch(call, session: str, n: int) -> float:
    """Microseconds per call, over n calls."""
    start = time.perf_counter_ns()
    for _ in range(n):
        call(session, "screen_view", content_id="home", language="en")
    return (time.perf_counter_ns() - start) / n / 1000


def bench_event_record(settings: Settings) -> Result:
    # Imported here so that a kiosk package that does not import is this benchmark's error,
    # not the whole run's.
    from kiosk.core.events import new_session_id
    from kiosk.services.outbox import Outbox

    queue: collections.deque[dict] = collections.deque()

    def bare_record(session: str, type: str, **fields) -> dict:
        event = {"event_id": session, "kiosk": "bench-kiosk", "centre": "bench-centre",
                 "time": time.time(), "session": session, "type": type,
                 "content_id": None, "language": None, "duration_ms": None, "outcome": None,
                 **fields}
        queue.append(event)
        return event

    batches = max(1, settings.calls // BATCH)
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        outbox = Outbox(Path(tmp) / "outbox.db", kiosk="bench-kiosk", centre="bench-centre")
        try:
            session = new_session_id()
            _time_batch(bare_record, session, BATCH)  # warm-up
            _time_batch(outbox.record, session, BATCH)
            bare, record = [], []
            for _ in range(batches):
                bare.append(_time_batch(bare_record, session, BATCH))
                record.append(_time_batch(outbox.record, session, BATCH))
        finally:
            outbox.close()

    measured, baseline = statistics.median(record), statistics.median(bare)
    r = ratio(measured, baseline)
    return Result.checked(
        "event_record", measured < TARGET_US,
        measured=f"{measured:.1f} µs", baseline=f"{baseline:.2f} µs",
        figure=f"{measured:.1f} µs ({r:.0f}x)", target=f"< {TARGET_US:.0f} µs",
        data={"unit": "us per call", "record_median": measured, "bare_median": baseline,
              "ratio": r, "target": TARGET_US, "calls": batches * BATCH, "batch": BATCH,
              "record_batches": record, "bare_batches": bare},
    )
