"""StaffMode: the way into the staff panel and out of it, and maintenance mode.

    the gesture ──► the PIN pad (over whatever screen is showing; Cancel changes nothing)
                └─► right PIN ──► app.end_session("staff"): the citizen's session ends with
                                  its session_end, through the one reset path
                              ──► the panel
    the panel ──► Close, a quiet minute, or the end of maintenance ──► app.end_session:
                  the attract screen, with any new configuration or content applied

While the panel is open the app counts as busy (`app.staff_open`): a configuration or
content that arrives meanwhile waits for the panel to close, as it would for a citizen.

Maintenance mode (from the panel) lets the window leave fullscreen and close, and the keys
the kiosk swallows (Esc, F1, F4, F11, Ctrl+Q) work again; it ends by itself after
`MAINTENANCE_SECONDS`, counting down on the panel, and then the panel closes too. While it
lasts the panel does not close after a quiet minute: staff are working on the machine.
"""

from __future__ import annotations

import logging

from kivy.core.window import Window

log = logging.getLogger(__name__)

QUIET_SECONDS = 60.0        # the panel closes itself after this long without a touch or key
PAD_QUIET_SECONDS = 30.0    # the PIN pad, sooner: it stands over a citizen's screen
MAINTENANCE_SECONDS = 15 * 60.0


class StaffMode:
    def __init__(self, app):
        self.app = app
        self.clock = app.services.clock
        self.pad = None
        self.maintenance_until: float | None = None
        self._fullscreen_before = None

    # ----- in ------------------------------------------------------------------------
    def gesture(self) -> None:
        """The corner gesture was made: ask for the PIN (unless the pad or panel is open)."""
        app = self.app
        if self.pad is not None or app.staff_open:
            return
        if app.services.staff_access is None:
            log.warning("staff gesture made, but this terminal has no staff access service")
            return
        from kiosk.app.staff.pinpad import PinPad

        pad = self.pad = PinPad("enter")
        pad.bind(on_success=lambda *_: self.open_panel(),
                 on_dismiss=lambda *_: self._pad_gone(pad))
        app.open_modal(pad)

    def _pad_gone(self, pad) -> None:
        if self.pad is pad:
            self.pad = None

    def open_panel(self) -> None:
        """The PIN was right: the citizen's session ends (through the one reset path), then
        the panel opens on its status."""
        app = self.app
        app.end_session("staff")
        app.staff_open = True
        app.last_activity = self.clock()
        app.go("staff", remember=False)

    # ----- out -----------------------------------------------------------------------
    def close_panel(self) -> None:
        self.app.end_session("staff")

    def reset(self) -> None:
        """Part of the one reset path (app.end_session): back to kiosk mode, panel closed."""
        self.end_maintenance()
        self.app.staff_open = False
        self.pad = None

    # ----- maintenance ---------------------------------------------------------------
    @property
    def in_maintenance(self) -> bool:
        return self.maintenance_until is not None

    def start_maintenance(self, seconds: float = MAINTENANCE_SECONDS) -> None:
        if self.maintenance_until is None:
            self._fullscreen_before = Window.fullscreen
        self.maintenance_until = self.clock() + seconds
        if Window.fullscreen:
            Window.fullscreen = False
        log.warning("maintenance mode for %d minutes", round(seconds / 60))

    def end_maintenance(self) -> None:
        if self.maintenance_until is None:
            return
        self.maintenance_until = None
        if self._fullscreen_before and Window.fullscreen != self._fullscreen_before:
            Window.fullscreen = self._fullscreen_before
        self._fullscreen_before = None
        log.warning("back to kiosk mode")

    def maintenance_left(self) -> float:
        if self.maintenance_until is None:
            return 0.0
        return max(0.0, self.maintenance_until - self.clock())

    # ----- time ----------------------------------------------------------------------
    def tick(self) -> None:
        """Twice a second (the app's idle tick): countdowns, and closing what was left."""
        app = self.app
        now = self.clock()
        quiet = now - app.last_activity
        if self.pad is not None:
            self.pad.tick()
            if quiet >= PAD_QUIET_SECONDS and self.pad is not None:
                self.pad.dismiss(animation=False)
        if not app.staff_open:
            return
        if self.maintenance_until is not None:
            if now >= self.maintenance_until:
                self.close_panel()
                return
        elif quiet >= QUIET_SECONDS:
            self.close_panel()
            return
        tick = getattr(app.current, "tick", None)
        if tick is not None:
            tick()
