"""The start-up baseline: a bare Kivy app that shows "Hello" and exits after its first frame.

bench/run.py times it against `kiosk --smoke`: both print `ready in N.NNN s` once their first
frame is on screen, then exit. The figure printed here counts from the top of this script;
the harness itself times from spawn to that line, which also covers the interpreter's start.
Fullscreen unless `--windowed` is given, as the kiosk is deployed; other command-line
arguments are ignored (the harness may append the kiosk's own).
"""

import sys
import time

STARTED = time.perf_counter()

# Imported after the clock starts, on purpose: importing Kivy is part of the start-up.
if "--windowed" not in sys.argv:
    # As the kiosk is deployed (kiosk.app.prepare): fullscreen, borderless, at the corner,
    # the screen's size. Only the window mode is copied, nothing the kiosk does for itself.
    from kivy.config import Config

    Config.set("graphics", "fullscreen", "auto")
    Config.set("graphics", "borderless", "1")
    Config.set("graphics", "resizable", "0")
from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.label import Label


class HelloApp(App):
    def build(self):
        return Label(text="Hello")

    def on_start(self):
        Window.bind(on_flip=self._first_flip)

    def _first_flip(self, *_):
        # Handlers of on_flip run just before the buffer swap; a call scheduled from here
        # runs at the start of the next frame, right after the swap (checked: within ~1 ms).
        Window.unbind(on_flip=self._first_flip)
        Clock.schedule_once(self._ready)

    def _ready(self, _dt):
        print(f"ready in {time.perf_counter() - STARTED:.3f} s", flush=True)
        self.stop()


if __name__ == "__main__":
    HelloApp().run()
