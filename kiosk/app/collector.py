"""Full garbage collections while the kiosk is quiet, not in the frame that answers a tap.

Every screen is built anew and the old one dropped (docs/architecture.md), and Kivy widgets
hold reference cycles (parent and children, callbacks bound to themselves): a dropped screen
is freed only by a full collection, which walks every object the app holds. With Python's
default thresholds one came about every second screen change, inside the frame that built
the new screen, and on a kiosk's CPU it cost far more than the build: a 40 ms language
switch took 300 ms (bench/lang_switch.py).

So full collections wait until nothing has happened for a moment (`QUIET` seconds without
a touch or a new screen): the citizen is reading then. Python's own full collections are
kept as a backstop, made rarer (`FULL_EVERY` collections of the middle generation instead
of 10), for a kiosk that is never quiet; the young generations are collected as before.

The same quiet moment clears what Kivy leaves of dead widgets in one global list. Kivy
2.3.1 binds every NumericProperty given in units (its own defaults: a Label's "15sp", a
ScrollView's "2dp") to `kivy._metrics.pixel_scale_observers`, to recompute it the day the
screen's dpi changes; a widget that dies leaves its entry there, marked dead, until the list
is next dispatched, which on a kiosk is never. The monkey test found about eight more per
citizen action, twenty thousand in 2,000 actions. Dispatching it with nothing changed
drops the dead entries and changes no live value (a few milliseconds, once a quiet moment).
It runs just before the collection, which frees what it dropped (they hold cycles); the
widgets that this collection frees are dropped from the list at the next quiet moment.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

QUIET = 1.0  # seconds without a touch or a new screen before collecting
FULL_EVERY = 100  # Python's backstop: a full collection after this many middle ones


class IdleCollector:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.last_busy = clock()
        self._before: tuple[int, int, int] | None = None

    def start(self) -> None:
        """Make Python's own full collections rare (until stop())."""
        if self._before is None:
            self._before = gc.get_threshold()
            young, middle, _ = self._before
            gc.set_threshold(young, middle, FULL_EVERY)

    def stop(self) -> None:
        if self._before is not None:
            gc.set_threshold(*self._before)
            self._before = None

    def busy(self, *_) -> None:
        """Something happened that the citizen waits for (a touch, a new screen)."""
        self.last_busy = self.clock()

    def tick(self, *_) -> bool:
        """Collect when it has been quiet for a while and objects have outlived the young
        generations since the last full collection. True when it collected."""
        if self.clock() - self.last_busy < QUIET or gc.get_count()[2] == 0:
            return False
        prune_pixel_scale_observers()  # before: what it drops is freed by this collection
        gc.collect()
        return True


def prune_pixel_scale_observers() -> None:
    """Drop dead widgets' entries from Kivy's pixel-scale observers (see above)."""
    import kivy.properties  # noqa: F401  (first: kivy._metrics alone is a circular import)
    from kivy import _metrics

    _metrics.dispatch_pixel_scale()
