"""A screen that goes leaves nothing behind on the long-lived objects (the app, the Window,
kivy.metrics.Metrics): building and dropping the same screens 200 times leaves their
observer counts as they were, and no dropped screen stays alive."""

from __future__ import annotations

import gc

from kivy.uix.screenmanager import Screen


def observers(d) -> dict[str, int]:
    out = {}
    for name in list(d.properties()) + list(getattr(d, "__events__", ())):
        try:
            out[name] = len(d.get_property_observers(name))
        except Exception:  # not a property or event of this dispatcher
            pass
    return out


def screens_alive() -> int:
    return sum(1 for o in gc.get_objects() if issubclass(type(o), Screen))


def test_screens_built_and_dropped_leave_nothing_behind(kiosk):
    from kivy.metrics import Metrics

    h = kiosk
    h.app.go("home")
    h.frames(2)
    for name in ("services", "tutorials", "help_here", "home"):  # warm up
        h.app.go(name)
        h.frames(1)
    gc.collect()
    long_lived = {"app": h.app, "window": h.window, "metrics": Metrics}
    before = {k: observers(v) for k, v in long_lived.items()}
    alive = screens_alive()
    for i in range(200):
        h.app.go(("services", "tutorials", "help_here", "home")[i % 4])
        h.frames(1)
    import time
    end = time.monotonic() + 2  # scroll animations (Animation._instances) hold a screen
    while time.monotonic() < end:  # until they finish, on the real clock
        h.frames(1)
        time.sleep(0.02)
    gc.collect()
    after = {k: observers(v) for k, v in long_lived.items()}
    grown = {f"{k}.{p}": (before[k].get(p, 0), n) for k, d in after.items()
             for p, n in d.items() if n > before[k].get(p, 0) + 1}
    assert not grown, f"observers left behind by dropped screens: {grown}"
    assert screens_alive() <= alive + 1, "dropped screens stay alive"
