"""Drive the real app without its main loop: for `kiosk shots`, `kiosk simulate`, the UI
tests and the benchmarks. Frames advance only when asked; touches are simulated at a
widget's centre, as a finger would land."""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

from kiosk.app import prepare


class Harness:
    def __init__(self, settings=None, catalogue=None, speech=None, browser=None, clock=None,
                 data_dir: str | Path | None = None, size=(1280, 800)):
        prepare(windowed=True, size=size, max_fps=0)
        from kivy.base import EventLoop, runTouchApp

        from kiosk.app.main import KioskApp, Services
        from kiosk.core import content
        from kiosk.core import settings as settings_mod
        from kiosk.services.browser import FakeBrowser
        from kiosk.services.outbox import Outbox
        from kiosk.services.speech import FakeSpeech

        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="kiosk-harness-")
            data_dir = self._tmp.name
        self.data_dir = Path(data_dir)
        self.settings = settings or settings_mod.load(environ={}, data_dir=str(data_dir))
        self.catalogue = catalogue or content.load(self.settings.content_dir)
        self.now = 1000.0
        self.today = date.today()  # the app's date (a notice's days): tests move it
        self.outbox = Outbox(self.data_dir / "outbox.db", self.settings.kiosk_id,
                             self.settings.centre_id or settings_mod.DEMO_CENTRE_ID)
        self.speech = speech or FakeSpeech()
        self.browser = browser or FakeBrowser()
        from kiosk.services.config_store import ConfigStore
        from kiosk.services.staff_access import StaffAccess

        services = Services(self.outbox, self.speech, self.browser,
                            clock or (lambda: self.now), today=lambda: self.today,
                            # Not enrolled: the default configuration (the demo centre)
                            # until a test saves a hub's document.
                            config_store=ConfigStore(self.data_dir, self.settings.kiosk_id,
                                                     self.settings.default_config or None),
                            staff_access=StaffAccess(self.data_dir, self.settings.kiosk_id,
                                                     clock=clock or (lambda: self.now)))
        self.app = KioskApp(self.settings, self.catalogue, services)
        self.app._run_prepare()
        runTouchApp(embedded=True)
        self.loop = EventLoop
        from kivy.core.window import Window

        self.window = Window
        Window.size = size
        self.frames(3, draw=True)

    # time and frames ---------------------------------------------------------------
    def frames(self, n: int = 2, draw: bool = False) -> None:
        """Run n frames: clock, input, layout. Drawing (slow with software GL) only when
        asked; screenshots ask."""
        from kivy.clock import Clock
        from kivy.lang import Builder

        for _ in range(n):
            if draw:
                self.loop.idle()
                continue
            Clock.tick()
            self.loop.dispatch_input()
            Builder.sync()
            Clock.tick_draw()
            Builder.sync()

    def advance(self, seconds: float) -> None:
        """Move the app's clock on (idle timeout, countdowns) and let it react."""
        self.now += seconds
        self.app.tick_idle()  # what the app's half-second clock would do meanwhile
        self.frames(2)

    def wait_for(self, predicate, timeout: float = 5.0) -> bool:
        """Run frames until predicate() is true (work done on background threads)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.frames(1)
            if predicate():
                return True
            time.sleep(0.01)
        return predicate()

    # touches -----------------------------------------------------------------------
    def tap(self, widget) -> None:
        from kivy.tests.common import UnitTestTouch

        more = getattr(self.screen, "more_for", lambda w: None)(widget)
        if more is not None:  # a footer action behind More (large text): as a finger would
            self.tap(more)
            widget = self.app._modals[-1].copy_of(widget)
        assert widget.get_root_window() is not None, f"{widget!r} is not on the screen"
        self.scroll_to(widget)  # a finger can only touch what is in view, if it is not
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(1)

    def scroll_to(self, widget) -> None:
        screen = self.app.current
        scroll = getattr(screen, "scroll", None)
        w = widget
        while w is not None and w is not scroll and w.parent is not w:  # Window is its own parent
            w = w.parent
        if w is scroll and scroll is not None and not self._in_view(widget, scroll):
            scroll.scroll_to(widget, padding=40, animate=False)
            self.frames(2)

    @staticmethod
    def _in_view(widget, scroll) -> bool:
        _, y = widget.to_window(*widget.pos)
        _, sy = scroll.to_window(*scroll.pos)
        return y >= sy and y + widget.height <= sy + scroll.height

    # looking -----------------------------------------------------------------------
    @property
    def screen(self):
        return self.app.current

    def screenshot(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.frames(2, draw=True)
        self.window.screenshot(name=str(path.with_suffix("")) + "%(counter)s.png")
        # Window.screenshot appends a counter; move the file to the exact name asked for.
        made = sorted(path.parent.glob(path.stem + "*.png"), key=lambda p: p.stat().st_mtime)
        made[-1].replace(path)
        return path

    def close(self) -> None:
        from kivy.base import stopTouchApp

        self.app.end_session("closed") if self.app.session_id else None
        self.app.stop()
        stopTouchApp()
        self.outbox.close()
        for w in list(self.window.children):
            self.window.remove_widget(w)
        if self._tmp:
            self._tmp.cleanup()
