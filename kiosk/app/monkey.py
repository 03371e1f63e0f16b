"""A mischievous member of the public, for the monkey test and `make soak`: random taps
(mostly on things that can be tapped, sometimes anywhere), drags, long presses and keys
(typing, and every escape key), with the app's clock moving on between them and now and then
a long walk away, so sessions time out and new ones start. Seeded: the same seed gives the
same actions. Drives the real app through `kiosk.app.harness.Harness`, without drawing.
"""

from __future__ import annotations

import random
from collections.abc import Callable

# Every escape key (main.is_blocked_key) and ordinary typing: (key, codepoint, modifiers).
KEYS = [
    (27, None, []), (282, None, []), (285, None, []), (292, None, []), (285, None, ["alt"]),
    (9, None, ["alt"]), (113, "q", ["ctrl"]), (119, "w", ["ctrl"]), (309, None, []),
    (100, "d", ["meta"]), (1073741925, None, []), (9, None, []), (13, None, []),
    (8, None, []), (32, " ", []), (97, "a", []), (122, "z", []), (49, "1", []),
    (273, None, []), (274, None, []), (280, None, []), (281, None, []),
]
ACTIONS = ("tap", "tap", "tap", "tap_anywhere", "drag", "long_press", "key")


def tappable(root) -> list:
    """Widgets a finger could mean to tap: those with on_press or on_release, on the window."""
    found = []

    def walk(w):
        if w.disabled or getattr(w, "opacity", 1) == 0:
            return
        events = getattr(w, "__events__", ())
        if "on_release" in events or "on_press" in events:
            found.append(w)
        for c in w.children:
            walk(c)

    for top in root.children:
        walk(top)
    return found


class Monkey:
    def __init__(self, h, seed: int):
        self.h = h
        self.rng = random.Random(seed)
        self.counts: dict[str, int] = {}

    def act(self) -> str:
        kind = self.rng.choice(ACTIONS)
        getattr(self, kind)()
        self.counts[kind] = self.counts.get(kind, 0) + 1
        # Time passes: mostly seconds, sometimes long enough for the idle warning and timeout.
        r = self.rng.random()
        self.h.advance(self.rng.uniform(0.05, 3) if r < 0.97 else self.rng.uniform(60, 400))
        return kind

    def _point(self) -> tuple[float, float]:
        w, h = self.h.window.size
        return self.rng.uniform(0, w - 1), self.rng.uniform(0, h - 1)

    def _on_screen(self, widget) -> tuple[float, float] | None:
        x, y = widget.to_window(*widget.center)
        w, h = self.h.window.size
        return (x, y) if 0 <= x < w and 0 <= y < h else None

    def tap(self) -> None:
        targets = [t for t in tappable(self.h.window) if self._on_screen(t)]
        if not targets:
            return self.tap_anywhere()
        self._touch(*self._on_screen(self.rng.choice(targets)))

    def tap_anywhere(self) -> None:
        self._touch(*self._point())

    def _touch(self, x: float, y: float, hold: float = 0.0, moves=()) -> None:
        from kivy.tests.common import UnitTestTouch

        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.h.frames(1)
        for mx, my in moves:
            touch.touch_move(mx, my)
            self.h.frames(1)
        if hold:
            self.h.now += hold
            self.h.frames(2)
        touch.touch_up()
        self.h.frames(1)

    def drag(self) -> None:
        x, y = self._point()
        ex, ey = self._point()
        steps = self.rng.randint(2, 6)
        moves = [(x + (ex - x) * i / steps, y + (ey - y) * i / steps) for i in range(1, steps + 1)]
        self._touch(x, y, moves=moves)

    def long_press(self) -> None:
        targets = [t for t in tappable(self.h.window) if self._on_screen(t)]
        x, y = (self._on_screen(self.rng.choice(targets)) if targets and self.rng.random() < 0.7
                else self._point())
        self._touch(x, y, hold=self.rng.uniform(1.0, 4.0))

    def key(self) -> None:
        key, codepoint, mods = self.rng.choice(KEYS)
        window = self.h.window
        window.dispatch("on_key_down", key, 0, codepoint, mods)
        if codepoint and not mods:
            window.dispatch("on_textinput", codepoint)
        self.h.frames(1)
        window.dispatch("on_key_up", key, 0)
        self.h.frames(1)


def run(h, actions: int, seed: int, check: Callable[[int], None] | None = None) -> dict:
    """`actions` random actions; `check(i)` after each (the test's invariants)."""
    monkey = Monkey(h, seed)
    for i in range(actions):
        monkey.act()
        if check is not None:
            check(i)
    return monkey.counts
