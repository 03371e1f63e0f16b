"""The soak (issue 15): simulated citizen sessions on the real app (headless Kivy, touches
through the real screens: a language, a service guide and its steps, the official service,
the phone code, a lesson and its practice, the centre's help; ended by *I have finished*,
*Finish and clear* or walking away), while the real background syncer sends the real outbox
to a real hub on loopback every three seconds, with its configuration rounds and heartbeats.

At the end every session's events are on the hub, exactly: the same events, by event id,
for each session id, none missing and none twice. And the kiosk's memory (RSS, after a
collection, at the end of every tenth session) grows less than 5 % over the measured window:
from session 100 to the end in `make soak` (1,000 sessions, KIOSK_SOAK_SESSIONS), from
session 20 to the end in `make test` (100 sessions: the first 20 are the terminal's first
use of screens and faces that a warm-up cannot reach, as test_monkey.py explains).
KIOSK_SOAK_CSV names a file for the memory curve, measured every ten sessions (scripts/soak_plot.py draws it)."""

from __future__ import annotations

import collections
import csv
import gc
import os
import random
import subprocess
import time
from pathlib import Path

import sqlalchemy as sa

from tests.serverproc import BIN, hub_process
from tests.ui.test_monkey import rss_bytes, warm_up

SESSIONS = int(os.environ.get("KIOSK_SOAK_SESSIONS", "100"))
WINDOW_FROM = 100 if SESSIONS >= 500 else 20  # where the measured window starts
SEED = int(os.environ.get("KIOSK_SOAK_SEED", "15"))
EVERY = 10  # sessions between two measurements of memory


def hub_events(hub_dir: Path) -> list[tuple[str, str]]:
    engine = sa.create_engine(f"sqlite:///{hub_dir / 'hub.db'}")
    try:
        with engine.connect() as c:
            return [tuple(r) for r in c.execute(sa.text("select event_id, session from events"))]
    finally:
        engine.dispose()


def enrol(hub, data: Path, env: dict) -> dict:
    from kiosk.services import hub_client

    code = subprocess.run([BIN / "kiosk-hub", "enrol-code", "--centre", "Brixton Library",
                           "--data-dir", str(hub.dir)], env=env, capture_output=True,
                          text=True, check=True, timeout=120).stdout.strip().splitlines()[-1]
    with hub_client.HubClient(hub.url) as client:
        enrolment = client.enrol(code)
    hub_client.save_enrolment(data, hub.url, enrolment)
    return enrolment


def test_soak_sessions_are_all_counted_and_memory_stays_flat(tmp_path):
    from kiosk.app.harness import Harness
    from kiosk.app.simulate import Citizen
    from kiosk.services.syncer import Syncer

    env = dict(os.environ)
    env.pop("KIOSK_DATA_DIR", None)
    hub = hub_process(tmp_path / "hub", env, log=tmp_path / "hub.log")
    hub.dir = tmp_path / "hub"
    data = tmp_path / "terminal"
    data.mkdir()
    with hub:
        enrolment = enrol(hub, data, env)
        h = Harness(data_dir=data)
        syncer = Syncer(data, hub.url, enrolment["token"], None, lambda v: None,
                        outbox=h.outbox, events_interval=3.0, first_delay=(0.5, 1.0),
                        interval=3600.0, terminal_id=enrolment["terminal_id"])
        syncer.start()
        curve = []
        out = open(os.environ["KIOSK_SOAK_CSV"], "w", newline="") \
            if os.environ.get("KIOSK_SOAK_CSV") else None  # noqa: SIM115 (closed below)
        if out:
            csv.writer(out).writerow(["session", "rss_mib", "seconds"])
        try:
            warm_up(h)
            rng = random.Random(SEED)
            citizen = Citizen(h, rng, [c for c in h.app.offer.languages if c != "en"])
            started = time.monotonic()
            for i in range(1, SESSIONS + 1):
                citizen.session()
                h.advance(rng.uniform(30, 600))  # the next person comes along
                if i % EVERY == 0 or i == SESSIONS:  # a full collection costs 0.6 s here
                    gc.collect()
                    curve.append((i, rss_bytes(), time.monotonic() - started))
                    if out:
                        csv.writer(out).writerow((i, f"{curve[-1][1] / 2**20:.2f}",
                                                  f"{curve[-1][2]:.1f}"))
                        out.flush()
        finally:
            if out:
                out.close()
            syncer.stop()
            h.outbox.flush()
            ours = [(e["event_id"], e["session"]) for e in h.outbox.all_events()]
            h.close()
        # The last events, recorded in the syncer's last second: one more round, by hand.
        last = Syncer(data, hub.url, enrolment["token"], None, lambda v: None,
                      terminal_id=enrolment["terminal_id"]).upload_events()
        assert not last["status"].startswith("error"), last
        theirs = hub_events(hub.dir)

    # Every session's events on the hub, exactly.
    assert len(theirs) == len({e for e, _ in theirs}), "an event is stored twice"
    by_session = collections.Counter(s for _, s in ours)
    assert collections.Counter(s for _, s in theirs) == by_session
    assert set(theirs) == set(ours)
    sessions = {s for _, s in ours}
    assert len(sessions) >= SESSIONS, (len(sessions), SESSIONS)

    rss = {i: r for i, r, _ in curve}
    growth = rss[SESSIONS] / rss[WINDOW_FROM] - 1
    print(f"soak: {SESSIONS} sessions, {len(ours)} events in {len(sessions)} sessions, all on "
          f"the hub; RSS {rss[WINDOW_FROM] / 2**20:.1f} MiB at session {WINDOW_FROM} -> "
          f"{rss[SESSIONS] / 2**20:.1f} MiB at {SESSIONS} ({growth:+.2%}), "
          f"{curve[-1][2]:.0f} s")
    assert growth < 0.05, f"memory grew {growth:.1%} from session {WINDOW_FROM} to {SESSIONS}"
