"""The monkey test: a seeded stream of random taps, drags, long presses and keys (every
escape key among them) on the real app. No crash, no exit, nothing but the citizen's
screens and dialogs (the staff panel never opens), and memory after the first 500 actions
grows less than 5 % to the end. `make test` runs 2,000 actions; `make soak` 20,000
(KIOSK_MONKEY_ACTIONS).

Memory is measured on a terminal that has shown each of its screens and languages once, as
one has within its first hours in a library: the test first opens every kind of screen, and
the home screen and a lesson in every offered language. Without that, RSS grew 13-17 % from action 500 to 2,000, all of it
in steps at the first use of a language (its fonts at each size, their shaping tables: the
Urdu Nastaliq face costs 0.6 MiB per size) and flat once each language had been seen, which
says nothing about leaks. What did leak, Kivy's pixel-scale observers of dead widgets (20,000
in 2,000 actions), is cleared in quiet moments (app/collector.py; test_screen_churn.py)."""

from __future__ import annotations

import gc
import os

from kiosk.app import monkey

ACTIONS = int(os.environ.get("KIOSK_MONKEY_ACTIONS", "2000"))
SEED = int(os.environ.get("KIOSK_MONKEY_SEED", "12"))
CITIZEN_DIALOGS = {"MessageDialog", "QRDialog", "OfflineDialog", "IdleDialog",
                   "ConfirmEndDialog", "HelpDialog", "MoreDialog",
                   "PinPad"}  # the corner gesture made by chance asks for the PIN, no more
CITIZEN_SCREENS = {"attract", "language", "home", "services", "service", "guide",
                   "tutorials", "lesson", "tutorial_done", "help_here"}


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def warm_up(h) -> None:
    """Every kind of screen once, and every offered language once (its home screen and a
    lesson with its keyboard)."""
    for name, params in (("services", {}), ("service", {"id": "universal-credit"}),
                         ("guide", {"id": "universal-credit"}), ("tutorials", {}),
                         ("tutorial_done", {"id": "on-screen-keyboard"}), ("help_here", {})):
        h.app.go(name, **params)
        h.frames(2, draw=True)
    for code in h.app.offer.languages:
        h.app._set_language(code)
        for name, params in (("home", {}), ("lesson", {"id": "on-screen-keyboard",
                                                      "index": 0})):
            h.app.go(name, **params)
            h.frames(2, draw=True)
    h.app._set_language(h.app.offer.default_language)
    h.app.go("attract", remember=False)
    h.frames(2)


def test_monkey(kiosk):
    h = kiosk
    from kivy.base import EventLoop

    warm_up(h)
    stops = []
    h.app.stop = lambda *a: stops.append(a)  # an exit the app asked for is a failure
    memory = {}

    def check(i):
        assert not stops, f"action {i}: the app asked to stop"
        assert EventLoop.status == "started", f"action {i}: the event loop ended"
        place = h.app.history[-1].screen if h.app.history else None
        assert place in CITIZEN_SCREENS, f"action {i}: {place} is not a citizen's screen"
        assert not h.app.staff_open, f"action {i}: the staff panel opened"
        for modal in h.app._modals:
            assert type(modal).__name__ in CITIZEN_DIALOGS, f"action {i}: {modal!r} opened"
        for w in h.window.children:  # nothing else on the window (a panel, the inspector)
            assert type(w).__name__ in CITIZEN_DIALOGS | {"Backdrop", "BrowserCover"}, \
                f"action {i}: {w!r} on the window"
        if i + 1 == 500 or i + 1 == ACTIONS:
            gc.collect()
            memory[i + 1] = rss_bytes()

    counts = monkey.run(h, ACTIONS, SEED, check)
    assert set(counts) == set(monkey.ACTIONS), counts
    events = [e["type"] for e in h.outbox.all_events()]
    assert events.count("session_start") >= 3, "the monkey got past the attract screen"
    growth = memory[ACTIONS] / memory[500] - 1
    print(f"{ACTIONS} actions {counts}; sessions {events.count('session_start')}; "
          f"memory {memory[500] / 2**20:.1f} -> {memory[ACTIONS] / 2**20:.1f} MiB "
          f"({growth:+.1%})")
    assert growth < 0.05, f"memory grew {growth:.1%} from action 500 to {ACTIONS}"
