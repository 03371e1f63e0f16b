"""Helpers for the staff panel's tests, screenshots and benchmark: touches at window
positions (held for a while on the app's clock), the corner gesture, the PIN pad."""

from __future__ import annotations

PIN = "480913"


def touch_at(h, x: float, y: float, hold: float = 0.0, to: tuple | None = None) -> None:
    """A finger down at (x, y), held `hold` seconds of the app's clock (and moved to `to`),
    then lifted."""
    from kivy.tests.common import UnitTestTouch

    t = UnitTestTouch(x, y)
    t.touch_down()
    h.frames(1)
    if to is not None:
        t.touch_move(*to)
        h.frames(1)
    if hold:
        h.now += hold
    t.touch_up()
    h.frames(1)


def corner(h, c: int, inset: float = 6) -> tuple[float, float]:
    """A point in corner c: 0 bottom left, 1 bottom right, 2 top right, 3 top left."""
    w, ht = h.window.width, h.window.height
    return ((inset, inset), (w - inset, inset), (w - inset, ht - inset), (inset, ht - inset))[c]


def gesture(h, first: int = 0) -> None:
    """Hold corner `first` for three seconds, then tap the opposite one."""
    touch_at(h, *corner(h, first), hold=3.2)
    h.now += 1
    touch_at(h, *corner(h, (first + 2) % 4))
    h.frames(2)


def pad_of(h):
    from kiosk.app.staff.pinpad import PinPad

    pads = [m for m in h.app._modals if isinstance(m, PinPad)]
    return pads[-1] if pads else None


def ready(h, pad) -> None:
    assert h.wait_for(lambda: not pad.busy and bool(pad.steps)), "the pad did not get ready"


def type_pin(h, pad, digits: str, ok: bool = True) -> None:
    """Tap the digits (and OK) on the pad's own keys; wait for any check to finish."""
    for d in digits:
        h.tap(pad.keys[d])
    if ok:
        h.tap(pad.keys["ok"])
        assert h.wait_for(lambda: not pad.busy, 10), "the PIN check did not finish"
        h.frames(2)


def set_pin(h, pin: str = PIN) -> None:
    """A PIN on this terminal already (as the hub or an earlier visit would have set it)."""
    h.app.services.staff_access.set_pin(pin)


def open_panel(h, pin: str = PIN, first: int = 0):
    """The whole way in: gesture, PIN, panel with its status read."""
    gesture(h, first)
    pad = pad_of(h)
    assert pad is not None, "the gesture did not open the PIN pad"
    ready(h, pad)
    type_pin(h, pad, pin)
    assert h.wait_for(lambda: h.app.staff_open, 10), "the panel did not open"
    panel = h.screen
    assert type(panel).__name__ == "StaffPanel"
    return panel


def section(h, name: str):
    """Show a section of the panel, with the configuration read."""
    h.tap(h.screen.nav_buttons[name])
    panel = h.screen
    assert h.wait_for(lambda: panel.state.resolved is not None), "settings were not read"
    h.frames(2)
    return h.screen


def status_ready(h):
    panel = h.screen
    assert h.wait_for(lambda: panel.state.status is not None and panel.status is not None
                      and panel.status.actions and not panel.state.hub_checking, 20), \
        "the status was not read"
    h.frames(2)
    return h.screen
