"""Full garbage collections wait for a quiet moment (kiosk/app/collector.py)."""

from __future__ import annotations

import gc
from types import SimpleNamespace

import pytest

from kiosk.app import collector as mod
from kiosk.app.collector import IdleCollector


@pytest.fixture
def fake(monkeypatch):
    now = [100.0]
    collected = []
    monkeypatch.setattr(mod, "gc", SimpleNamespace(
        collect=lambda *a: collected.append(a) or 0, get_count=gc.get_count,
        get_threshold=gc.get_threshold, set_threshold=gc.set_threshold))
    c = IdleCollector(clock=lambda: now[0])
    yield c, now, collected
    c.stop()


def make_middle_generation_collect():
    """Allocate until Python has collected its middle generation at least once since the
    last full collection (gc.get_count()[2] > 0), as building a screen does."""
    keep = []
    while gc.get_count()[2] == 0:
        keep.append([[] for _ in range(1000)])
    return keep


def test_collects_only_after_a_quiet_moment(fake):
    c, now, collected = fake
    gc.collect()  # the real one: counts start at zero
    keep = make_middle_generation_collect()
    c.busy()
    now[0] += mod.QUIET / 2
    assert not c.tick() and not collected, "not while the citizen waits for the screen"
    now[0] += mod.QUIET
    assert c.tick() and len(collected) == 1
    del keep


def test_nothing_to_collect_when_nothing_outlived_the_young_generations(fake):
    c, now, collected = fake
    gc.collect()
    now[0] += 10 * mod.QUIET
    if gc.get_count()[2] == 0:
        assert not c.tick() and not collected


def test_python_full_collections_become_rare_and_come_back(fake):
    c, _, _ = fake
    before = gc.get_threshold()
    c.start()
    assert gc.get_threshold() == (*before[:2], mod.FULL_EVERY)
    c.start()  # twice changes nothing
    c.stop()
    assert gc.get_threshold() == before
