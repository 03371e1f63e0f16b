"""The PIN pad: large digit keys, Delete and OK on the screen, or a physical keyboard's digits,
Backspace and Enter.

Three uses:
- `enter`: the PIN that opens the panel. When the terminal has no PIN yet (first start, none
  from the hub), it asks staff to choose one instead, twice.
- `first`: choosing the first PIN.
- `change`: the current PIN, then a new one twice.

The PIN is checked and hashed (argon2, tens of milliseconds on purpose) on a worker thread;
the pad says "Checking..." meanwhile. After five wrong PINs the StaffAccess lock holds, and
the pad says how long to wait, counting down on the app's clock, its keys greyed. What is
typed shows as dots only, is private (never read aloud) and goes with the pad.
"""

from __future__ import annotations

import threading

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Ellipse, Line
from kivy.metrics import dp
from kivy.properties import NumericProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk.app.staff import st, stn
from kiosk.app.widgets.dialogs import Dialog
from kiosk.app.widgets.text import KButton, KLabel

MAX_DIGITS = 8
MIN_DIGITS = 4
BACKSPACE, ENTER, NUMPAD_ENTER, ESCAPE = 8, 13, 271, 27
NUMPAD_0 = 256  # numpad 0..9 are 256..265


class PinDots(Widget):
    """As many filled circles as digits typed, and empty ones up to four: never the digits."""

    count = NumericProperty(0)
    private = True

    def __init__(self, **kwargs):
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", dp(44))
        super().__init__(**kwargs)
        from kivy.app import App

        self.app = App.get_running_app()
        for prop in ("count", "pos", "size"):
            self.fbind(prop, self.restyle)
        self.restyle()

    def restyle(self, *_):
        t = self.app.theme
        d = dp(26)
        gap = dp(14)
        shown = max(MIN_DIGITS, int(self.count))
        x = self.center_x - (shown * d + (shown - 1) * gap) / 2
        y = self.center_y - d / 2
        self.canvas.clear()
        with self.canvas:
            Color(*t.text)
            for i in range(shown):
                if i < self.count:
                    Ellipse(pos=(x, y), size=(d, d))
                else:
                    Line(ellipse=(x + 1, y + 1, d - 2, d - 2), width=dp(1.6))
                x += d + gap


def pin_problem(pin: str) -> str:
    """Why a new PIN cannot be used, in the panel's language ("" when it can)."""
    from kiosk.core import config

    try:
        config.check_pin(pin)
    except config.ConfigError as e:
        if "4 to 8" in e.problem:
            return st("A PIN is 4 to 8 digits.")
        return st("Choose a PIN that is not a run (like 1234) or one digit repeated "
                  "(like 1111).")
    return ""


class PinPad(Dialog):
    """The pad. `on_success` is dispatched once the PIN is right (enter), set (first) or
    changed (change)."""

    __events__ = ("on_success",)

    def __init__(self, mode: str = "enter", **kwargs):
        kwargs.setdefault("size_hint", (0.86, None))
        super().__init__(**kwargs)
        assert mode in ("enter", "first", "change")
        app = self.app
        self.mode = mode
        self.access = app.services.staff_access
        self.clock = app.services.clock
        self.digits = ""
        self.steps: list[str] = []
        self.typed: dict[str, str] = {}
        self.locked_until: float | None = None
        self.busy = False
        self.done = False
        self.box.spacing = dp(16)
        self.box.padding = [dp(32), dp(24)]

        self.title = self.add(KLabel(text=st("Staff panel"), role="heading", bold=True,
                                     size_hint_y=None))
        columns = self.add(BoxLayout(size_hint_y=None, spacing=dp(32)))
        words = BoxLayout(orientation="vertical", spacing=dp(14), size_hint_y=None,
                          height=0)
        words.bind(minimum_height=words.setter("height"))
        self.prompt = KLabel(role="lead", bold=True, size_hint_y=None)
        self.hint = KLabel(role="body", colour_name="secondary_text", size_hint_y=None)
        self.dots = PinDots()
        self.message = KLabel(role="body", bold=True, colour_name="error", size_hint_y=None)
        self.cancel = KButton(text=st("Cancel"), kind="secondary")
        self.cancel.bind(on_release=lambda *_: self.dismiss(animation=False))
        for w in (self.prompt, self.hint, self.dots, self.message, Widget(size_hint_y=None,
                                                                           height=dp(8)),
                  self.cancel):
            words.add_widget(w)
        self.keys: dict[str, KButton] = {}
        pad = GridLayout(cols=3, spacing=dp(12), size_hint=(None, None), width=dp(420))
        pad.bind(minimum_height=pad.setter("height"))
        for name in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "delete", "0", "ok"):
            if name == "delete":
                b = KButton(text=st("Delete"), kind="secondary", min_height=dp(80))
                b.bind(on_release=lambda *_: self.delete())
            elif name == "ok":
                b = KButton(text=st("OK"), kind="primary", min_height=dp(80))
                b.bind(on_release=lambda *_: self.ok())
            else:
                b = KButton(text=name, text_lang="en", kind="secondary", role="title",
                            min_height=dp(80))
                b.bind(on_release=lambda _b, d=name: self.press(d))
            self.keys[name] = b
            pad.add_widget(b)
        # A phone's keypad reads the same in every script: only the columns swap sides.
        for w in ((pad, words) if app.rtl else (words, pad)):
            w.pos_hint = {"top": 1}
            columns.add_widget(w)
        words.bind(height=lambda *_: self._fit(columns, words, pad))
        pad.bind(height=lambda *_: self._fit(columns, words, pad))
        Window.bind(on_key_down=self._key)
        self.bind(on_dismiss=lambda *_: Window.unbind(on_key_down=self._key))
        self._show_step()
        if mode == "enter":
            self._begin_enter()
        else:
            self._start(mode)

    @staticmethod
    def _fit(columns, words, pad):
        columns.height = max(words.height, pad.height)

    # ----- steps ---------------------------------------------------------------------
    def _begin_enter(self) -> None:
        """Is there a PIN, and is the pad locked? Read from disk on a worker thread."""
        self._set_busy(True, st("One moment..."))

        def look():
            return self.access.has_pin(), self.access.locked_for()

        self._work(look, self._looked)

    def _looked(self, result, error) -> None:
        self._set_busy(False)
        if error is not None:
            self._fail(error)
            return
        has_pin, wait = result
        self._start("enter" if has_pin else "first")
        if wait > 0:
            self._lock(wait)

    def _start(self, mode: str) -> None:
        self.mode = mode
        self.steps = {"enter": ["pin"], "first": ["new", "again"],
                      "change": ["old", "new", "again"]}[mode]
        self.typed = {}
        self.digits = ""
        self._show_step()

    @property
    def step(self) -> str:
        return self.steps[len(self.typed)] if self.steps else "pin"

    def _show_step(self, message: str = "") -> None:
        prompts = {
            "pin": st("Enter the staff PIN"),
            "new": st("Choose a PIN for the staff panel") if self.mode == "first" else
            st("Choose a new PIN"),
            "again": st("Enter the same PIN again"),
            "old": st("Enter the current PIN"),
        }
        self.prompt.text = prompts[self.step] if self.steps else ""
        if self.mode == "first" and self.step == "new":
            self.hint.text = st("This terminal has no staff PIN yet. Choose one: 4 to 8 "
                                "digits, not a run (like 1234) or one digit repeated.")
        elif self.step == "new":
            self.hint.text = st("4 to 8 digits, not a run (like 1234) or one digit repeated.")
        elif self.step == "pin":
            self.hint.text = st("Type it on the keys, or on a keyboard, then OK.")
        else:
            self.hint.text = ""
        self.message.text = message
        self.dots.count = len(self.digits)

    # ----- typing --------------------------------------------------------------------
    def press(self, digit: str) -> None:
        if self.busy or self.locked_until is not None or self.done:
            return
        if len(self.digits) < MAX_DIGITS:
            self.digits += digit
            self.dots.count = len(self.digits)
            self.message.text = ""

    def delete(self) -> None:
        if self.busy or self.done:
            return
        self.digits = self.digits[:-1]
        self.dots.count = len(self.digits)

    def ok(self) -> None:
        if self.busy or self.locked_until is not None or self.done or not self.steps:
            return
        pin, self.digits = self.digits, ""
        self.dots.count = 0
        step = self.step
        if step in ("pin", "old"):
            if len(pin) < MIN_DIGITS:
                self._show_step(st("A PIN is 4 to 8 digits."))
                return
            self._check(pin, step)
            return
        if step == "new":
            problem = pin_problem(pin)
            if problem:
                self._show_step(problem)
                return
            self.typed["new"] = pin
            self._show_step()
            return
        # again
        if pin != self.typed.get("new"):
            self.typed.pop("new", None)
            self._show_step(st("The two PINs were different. Choose the PIN again."))
            return
        self._set_pin(self.typed["new"], self.typed.get("old"))

    def _key(self, window, key, scancode, codepoint, modifiers):
        if self.done:
            return False
        if codepoint and len(codepoint) == 1 and codepoint in "0123456789" and \
                not {"ctrl", "alt", "meta"} & set(modifiers):
            self.press(codepoint)
            return True
        if NUMPAD_0 <= key <= NUMPAD_0 + 9:
            self.press(str(key - NUMPAD_0))
            return True
        if key == BACKSPACE:
            self.delete()
            return True
        if key in (ENTER, NUMPAD_ENTER):
            self.ok()
            return True
        if key == ESCAPE:
            self.dismiss(animation=False)
            return True
        return False

    # ----- checking, on a worker thread -----------------------------------------------
    def _check(self, pin: str, step: str) -> None:
        self._set_busy(True, st("Checking..."))
        self._work(lambda: self.access.check(pin), lambda r, e: self._checked(pin, step, r, e))

    def _checked(self, pin, step, attempt, error) -> None:
        self._set_busy(False)
        if error is not None:
            self._fail(error)
            return
        if attempt.ok:
            if step == "old":
                self.typed["old"] = pin
                self._show_step()
                return
            self._succeed()
            return
        if attempt.wait > 0:
            self._lock(attempt.wait)
            return
        self._show_step(stn("That PIN is not right. {n} try left before the pad locks.",
                            "That PIN is not right. {n} tries left before the pad locks.",
                            attempt.tries_left))

    def _set_pin(self, new: str, old: str | None) -> None:
        from kiosk.services.staff_access import PinError

        self._set_busy(True, st("Saving the PIN..."))

        def done(_, error):
            self._set_busy(False)
            if isinstance(error, PinError):  # the current PIN was not right after all
                self._start(self.mode)
                self._show_step(st("The current PIN was not right. Start again."))
                return
            if error is not None:
                self._fail(error)
                return
            self._succeed()

        self._work(lambda: self.access.set_pin(new, old), done)

    def _succeed(self) -> None:
        self.done = True
        self.digits = ""
        self.typed = {}
        self.dispatch("on_success")

    def _fail(self, error: Exception) -> None:
        from kiosk.core.config import ConfigError

        if isinstance(error, ConfigError) and "locked" in error.problem:
            self._show_step(st("The PIN is set by your hub admin and cannot be changed here."))
        else:
            self._show_step(st("Something went wrong. Try again, or ask your hub admin."))

    # ----- the lock --------------------------------------------------------------------
    def _lock(self, wait: float) -> None:
        self.locked_until = self.clock() + wait
        self.digits = ""
        for key in self.keys.values():
            key.disabled = True
        self.tick()

    def tick(self) -> None:
        """The lock's countdown (the app's clock); keys come back when it is over."""
        if self.locked_until is None:
            return
        left = self.locked_until - self.clock()
        if left <= 0:
            self.locked_until = None
            for key in self.keys.values():
                key.disabled = False
            self._show_step()
            return
        self.dots.count = 0
        self.message.text = st("Too many wrong PINs.") + " " + wait_text(left)

    # ----- helpers ---------------------------------------------------------------------
    def _set_busy(self, busy: bool, message: str = "") -> None:
        self.busy = busy
        if busy:
            self.message.text = message

    def _work(self, fn, done) -> None:
        def run():
            try:
                result, error = fn(), None
            except Exception as e:  # noqa: BLE001 (shown to staff, never lost)
                result, error = None, e
            Clock.schedule_once(lambda dt: done(result, error))

        threading.Thread(target=run, daemon=True, name="staff-pin").start()

    def on_success(self):
        pass


def wait_text(seconds: float) -> str:
    """"Try again in 30 seconds." / "... in 2 minutes.", rounded up."""
    n = int(seconds + 0.999)
    if n <= 90:
        return stn("Try again in {n} second.", "Try again in {n} seconds.", n)
    minutes = (n + 59) // 60
    return stn("Try again in {n} minute.", "Try again in {n} minutes.", minutes)


