"""The attract screen: a calm invitation to a passer-by, in English and a rotating greeting
in the centre's languages. Touching anywhere starts a session."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from kiosk.app.screens.base import KioskScreen
from kiosk.app.widgets.layout import Spacer
from kiosk.app.widgets.text import KButton
from kiosk.core import languages

GREETING_SECONDS = 3.0


class AttractScreen(KioskScreen):
    has_toolbar = False

    def build(self):
        app = self.app
        centre = app.catalogue.centre
        self.scroll.do_scroll_y = False
        box = self.page
        box.padding = [dp(64), dp(80), dp(64), dp(40)]
        box.spacing = dp(28)
        self.label(centre.name.get("en"), text_lang="en", role="title", bold=True,
                   align="center")
        self.label(centre.greeting.get("en"), text_lang="en", role="lead", align="center",
                   colour_name="secondary_text")
        box.add_widget(Spacer(size_hint_y=None, height=dp(30)))
        codes = [c for c in app.catalogue.languages if languages.is_known(c)]
        self.greetings = [(languages.get(c).greeting, c) for c in codes if c != "en"]
        self.greeting = self.label("", role="display", align="center", min_height=dp(120))
        self.start = KButton(text="Touch to start", text_lang="en", kind="primary",
                             role="display", min_height=dp(140), size_hint_x=None,
                             width=dp(640), pos_hint={"center_x": 0.5})
        self.start.bind(on_release=lambda *_: app.start_session())
        row = BoxLayout(size_hint_y=None, height=dp(150))
        row.add_widget(Spacer())
        row.add_widget(self.start)
        row.add_widget(Spacer())
        self.add(row)
        if self.params.get("cleared"):
            self.label("Thank you. Everything from your visit has been cleared.",
                       text_lang="en", align="center", colour_name="secondary_text")
        self._turn = 0
        self._rotate()
        self._event = Clock.schedule_interval(self._rotate, GREETING_SECONDS)

    def _rotate(self, *_):
        if not self.greetings:
            self.greeting.text = "Welcome"
            return
        text, code = self.greetings[self._turn % len(self.greetings)]
        self.greeting.text_lang = code
        self.greeting.text = text
        self._turn += 1

    def on_touch_down(self, touch):
        # Anywhere on the screen starts, not only the button: a passer-by taps what they see.
        if self.collide_point(*touch.pos) and not self.app.session_id:
            self.app.start_session()
            return True
        return super().on_touch_down(touch)

    def on_leave(self, *args):
        self._event.cancel()

    def read_aloud_text(self) -> str:
        return "Touch to start"
