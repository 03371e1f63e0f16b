"""The gesture that opens the staff panel: press and hold a corner of the screen for three
seconds, then, within five seconds, tap the diagonally opposite corner.

Watched at window level (before any screen or dialog sees a touch), so it works the same on
every screen, over dialogs too. A citizen does not make it by chance: a long press alone does
nothing, and so does a tap on a corner that did not follow one.

A touch that starts in a corner is held back from the widgets until it ends, so a staff
member's three-second press does not also press what is under it (on the attract screen it
would start a citizen's session). When it turns out to be an ordinary tap (shorter than the
hold, or not the second half of the gesture), it is given to the widgets then, where it was
released: a button in a corner still works, on release, as buttons do. A touch that moves
out of its corner (a scroll starting there) is given to the widgets at once and followed as
usual. Only what completes the gesture, or arms it, is kept from them.

Times come from the app's clock (`services.clock`), so tests move it instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kivy.core.window import WindowBase
from kivy.metrics import dp

HOLD = 3.0          # seconds a corner is held to arm the gesture
THEN_WITHIN = 5.0   # seconds from the end of the hold to the tap on the opposite corner
TAP_MAX = 1.5       # the second touch is a tap: shorter than this
CORNER_SHARE = 0.1  # a corner is this share of the window's shorter side, square...
CORNER_MIN = dp(64)  # ...and never smaller than a fingertip


@dataclass
class _Held:
    corner: int
    since: float
    start: tuple[float, float]


class CornerGesture:
    """Watches the window's touches; calls `on_gesture()` (once per gesture) when it is
    made. Corners: 0 bottom left, 1 bottom right, 2 top right, 3 top left; the opposite of
    corner c is (c + 2) % 4."""

    def __init__(self, window, clock: Callable[[], float], on_gesture: Callable[[], None]):
        self.window = window
        self.clock = clock
        self.on_gesture = on_gesture
        self.held: dict[int, _Held] = {}  # touch uid -> a touch held back from the widgets
        self.armed: tuple[int, float] | None = None  # (corner held, when it was let go)
        self.bound = False

    # ----- binding -------------------------------------------------------------------
    def bind(self) -> None:
        if not self.bound:
            self.window.bind(on_touch_down=self._down, on_touch_move=self._move,
                             on_touch_up=self._up)
            self.bound = True

    def unbind(self) -> None:
        if self.bound:
            self.window.unbind(on_touch_down=self._down, on_touch_move=self._move,
                               on_touch_up=self._up)
            self.bound = False
        self.held.clear()
        self.armed = None

    # ----- geometry ------------------------------------------------------------------
    def size(self) -> float:
        return max(CORNER_MIN, min(self.window.width, self.window.height) * CORNER_SHARE)

    def corner_at(self, x: float, y: float) -> int | None:
        s = self.size()
        w, h = self.window.width, self.window.height
        left, right = x <= s, x >= w - s
        bottom, top = y <= s, y >= h - s
        if bottom and left:
            return 0
        if bottom and right:
            return 1
        if top and right:
            return 2
        if top and left:
            return 3
        return None

    # ----- touches -------------------------------------------------------------------
    @staticmethod
    def _ours(touch) -> bool:
        # A finger, or the mouse's left button; never the wheel or a right click.
        return getattr(touch, "button", "left") in (None, "left")

    def _down(self, window, touch):
        if not self._ours(touch):
            return False
        corner = self.corner_at(*touch.pos)
        if corner is None:
            self.armed = None  # anything else in between: start again
            return False
        self.held[touch.uid] = _Held(corner, self.clock(), tuple(touch.pos))
        return True  # held back from the widgets until we know what it is

    def _move(self, window, touch):
        held = self.held.get(touch.uid)
        if held is None:
            return False
        if self.corner_at(*touch.pos) == held.corner:
            return True
        # Out of its corner: not the gesture (a scroll, a drag). The widgets get it now,
        # where it started, and follow it from here.
        del self.held[touch.uid]
        self.armed = None
        self._give(touch, held.start)
        return False

    def _up(self, window, touch):
        held = self.held.pop(touch.uid, None)
        if held is None:
            return False
        now = self.clock()
        length = now - held.since
        armed, self.armed = self.armed, None
        if armed is not None and held.corner == (armed[0] + 2) % 4 and \
                now - armed[1] <= THEN_WITHIN and length < TAP_MAX:
            self.on_gesture()
            return True
        if length >= HOLD:
            self.armed = (held.corner, now)
            return True
        # An ordinary tap in a corner: the widgets get all of it now.
        self._give(touch, None)
        return False

    def _give(self, touch, at: tuple[float, float] | None) -> None:
        """Give a held-back touch's down to the widgets (as the window would have), at `at`
        (where it started) or where it is now."""
        if at is None:
            WindowBase.on_touch_down(self.window, touch)
            return
        now = tuple(touch.pos)
        touch.pos = at
        touch.x, touch.y = at
        try:
            WindowBase.on_touch_down(self.window, touch)
        finally:
            touch.pos = now
            touch.x, touch.y = now
