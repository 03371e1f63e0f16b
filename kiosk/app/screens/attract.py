"""The attract screen: a calm invitation to a passer-by, in each of the centre's languages in
turn, its default first, in its order (the centre's name and line, its notice, a greeting
and "Touch to start", all in one language, in its own script and direction). Touching
anywhere starts a session.

After a session, a thank-you line in the language the citizen used says everything has been
cleared; it goes after a short while, as it tells which language the last person read."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from kiosk.app.screens.base import KioskScreen
from kiosk.app.widgets.layout import Spacer
from kiosk.app.widgets.notice import Notice
from kiosk.app.widgets.text import KButton
from kiosk.core import i18n, languages

GREETING_SECONDS = 3.0
THANKS_SECONDS = 30.0
TOUCH = i18n.N_("Touch to start")
THANKS = i18n.N_("Thank you. Everything from your visit has been cleared.")


def interface(msgid: str, code: str) -> tuple[str, str]:
    """An interface string in `code` and the language it is really in (English when it is
    not translated, so it is not drawn in another script's direction)."""
    text = i18n.tr(msgid, code)
    return text, code if code == "en" or text != msgid else "en"


class AttractScreen(KioskScreen):
    has_toolbar = False

    def build(self):
        app = self.app
        self.scroll.do_scroll_y = False
        box = self.page
        box.padding = [dp(64), dp(64), dp(64), dp(32)]
        box.spacing = dp(24)
        offer = app.offer
        # The default language first, then the others in the centre's order.
        self.codes = [offer.default_language] + [c for c in offer.languages
                                                 if c != offer.default_language]
        self.greetings = [(languages.get(c).greeting, c) for c in self.codes]
        self.centre_name = self.label("", role="title", bold=True, align="center")
        self.tagline = self.label("", role="lead", align="center",
                                  colour_name="secondary_text")
        # The centre's notice, on the days it is meant for (checked at each turn: the
        # attract screen may stay up from one day to the next).
        self.centre_notice = Notice("", "", size_hint_x=None, pos_hint={"center_x": 0.5},
                                    width=min(dp(900), Window.width * 0.8))
        self.notice_text = self.centre_notice.lines[0]
        self.notice_text.role = "lead"
        self.notice_text.align = "center"
        self.add(self.centre_notice)
        box.add_widget(Spacer(size_hint_y=None, height=dp(16)))
        self.greeting = self.label("", role="display", align="center", min_height=dp(120))
        self.start = KButton(text=TOUCH, text_lang="en", kind="primary", role="display",
                             min_height=dp(140), size_hint_x=None, width=dp(640))
        self.start.bind(on_release=lambda *_: app.start_session())
        row = BoxLayout(size_hint_y=None)
        self.start.bind(height=row.setter("height"))
        row.add_widget(Spacer())
        row.add_widget(self.start)
        row.add_widget(Spacer())
        self.add(row)
        self.thanks = None
        if self.params.get("cleared"):
            text, lang = interface(THANKS, self.params.get("lang") or "en")
            self.thanks = self.label(text, text_lang=lang, align="center",
                                     colour_name="secondary_text")
        self._thanks_until = app.services.clock() + THANKS_SECONDS
        self._turn = 0
        self._rotate()
        self._event = Clock.schedule_interval(self._rotate, GREETING_SECONDS)

    def _rotate(self, *_):
        code = self.codes[self._turn % len(self.codes)]
        self._turn += 1
        app = self.app
        centre = app.offer.centre
        notice = app.offer.notice_on(app.services.today())
        for label, text in ((self.centre_name, centre.name), (self.tagline, centre.greeting),
                            (self.notice_text, notice)):
            label.text_lang = text.lang_for(code) if text is not None else "en"
            label.text = text.get(code) if text is not None else ""
        self._show_notice(notice is not None)
        self.greeting.text_lang = code
        self.greeting.text = languages.get(code).greeting
        touch, lang = interface(TOUCH, code)
        self.start.text_lang = lang
        self.start.text = touch
        if self.thanks is not None and self.app.services.clock() >= self._thanks_until:
            self.thanks.text = ""
            self.thanks.opacity = 0

    def _show_notice(self, show: bool) -> None:
        box = self.centre_notice
        if show and box.parent is None:  # under the centre's name and line
            self.page.add_widget(box, index=len(self.page.children) - 2)
        elif not show and box.parent is not None:
            self.page.remove_widget(box)

    def on_touch_down(self, touch):
        # Anywhere on the screen starts, not only the button: a passer-by taps what they see.
        if self.collide_point(*touch.pos) and not self.app.session_id:
            self.app.start_session()
            return True
        return super().on_touch_down(touch)

    def on_leave(self, *args):
        self._event.cancel()

    def read_aloud_text(self) -> str:
        return self.start.text
