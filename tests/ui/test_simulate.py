"""`kiosk simulate`: random but plausible sessions through the real UI, reproducible by seed,
recording real, valid events."""

from __future__ import annotations

from collections import Counter

from kiosk.core import events
from kiosk.core import settings as settings_mod


def simulate(tmp_path, name, sessions, seed):
    from kiosk.app.simulate import run

    s = settings_mod.load(environ={}, data_dir=str(tmp_path / name))
    report = run(s, sessions, seed)
    import sqlite3

    with sqlite3.connect(tmp_path / name / "outbox.db") as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("select * from events order by rowid")]
    return report, rows


def test_sessions_are_plausible_and_recorded(tmp_path):
    report, rows = simulate(tmp_path, "a", 8, seed=3)
    assert report["sessions"] == 8 and sum(report["endings"].values()) == 8
    assert report["events_recorded"] == len(rows)
    types = Counter(r["type"] for r in rows)
    assert types["session_start"] == types["session_end"] == 8
    assert types["language_chosen"] >= 8 and types["screen_view"] > 16
    by_session = Counter(r["session"] for r in rows)
    assert len(by_session) == 8, "each session has its own random id"
    for r in rows:
        events.validate({k: v for k, v in r.items() if k != "sent"})
    ends = Counter(r["outcome"] for r in rows if r["type"] == "session_end")
    assert ends == Counter(report["endings"])


def test_same_seed_same_sessions(tmp_path):
    _, first = simulate(tmp_path, "a", 4, seed=11)
    _, second = simulate(tmp_path, "b", 4, seed=11)
    _, other = simulate(tmp_path, "c", 4, seed=12)
    shape = [(r["type"], r["content_id"], r["language"], r["outcome"]) for r in first]
    assert shape == [(r["type"], r["content_id"], r["language"], r["outcome"]) for r in second]
    assert shape != [(r["type"], r["content_id"], r["language"], r["outcome"]) for r in other]
    assert {r["event_id"] for r in first}.isdisjoint(r["event_id"] for r in second)
