"""Home: three big choices, under the centre's notice when it has one today."""

from __future__ import annotations

from functools import cache

from kivy.metrics import dp
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.widget import Widget

from kiosk.app.screens.base import KioskScreen
from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.text import KLabel

# A font whose lines are more than this many times its size is tall (Urdu's Nastaliq, 2.5;
# Arabic 1.6, Indic scripts about 1.5, Latin 1.37).
TALL_LINES = 2.0


@cache
def _line_height(font_name: str, font_size: float, script: str, direction: str) -> int:
    """A font's line height as Kivy lays it out (the same for any text), measured at the
    label's own size: no other size of the font is opened (Kivy keeps few open)."""
    from kivy.core.text import Label as CoreLabel

    return CoreLabel(text="x", font_size=font_size, font_name=font_name,
                     font_script_name=script, font_direction=direction).render()[1]


def tall_lines(label: KLabel) -> bool:
    """Whether a label's lines are tall for its size (Nastaliq's)."""
    return _line_height(label.font_name, label.font_size, label.font_script_name,
                        label.font_direction) / label.font_size > TALL_LINES


class Card(ButtonBehavior, Panel):
    """A big tappable card: a heading and a line saying what is behind it.

    Around tall lines (Nastaliq's are nearly twice as tall as Latin ones) it keeps less
    space above, below and between them: at 100 % the Urdu home then shows every choice's
    heading on first view (it still scrolls a little, and says so: Up and Down, the fade)."""

    def __init__(self, heading: str, detail: str, heading_lang: str = "",
                 detail_lang: str = "", compact: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.heading = KLabel(text=heading, text_lang=heading_lang, role="heading", bold=True,
                              size_hint_y=None, colour_name="link")
        self.detail = KLabel(text=detail, text_lang=detail_lang, size_hint_y=None,
                             colour_name="panel_text")
        if "padding" not in kwargs:
            tall = tall_lines(self.heading) or tall_lines(self.detail)
            if tall or compact:
                self.spacing = dp(8)
            pad = dp(14) if tall or compact else dp(22)
            # The spacer at the end comes after one more gap: that gap is part of the
            # padding below, so the space under the text is the space above it.
            self.padding = [dp(28), pad, dp(28), max(0, pad - self.spacing)]
        self.add_widget(self.heading)
        self.add_widget(self.detail)
        app = self._app
        if heading_lang and heading_lang != app.lang:
            # Says why this card is in English: it has not been translated yet.
            self.add_widget(KLabel(text=app.tr("In English"), role="small", bold=True,
                                   size_hint_y=None, colour_name="secondary_text"))
        self.add_widget(Widget())  # takes any extra height, so the text stays at the top
        self.fbind("state", self._pressed)

    def _pressed(self, *_):
        self.bg_name = "focus" if self.state == "down" else "panel"


class HomeScreen(KioskScreen):
    def build(self):
        tr = self.tr
        self.centre_notice = None
        notice = self.app.offer.notice_on(self.app.services.today())
        if notice is not None:
            from kiosk.app.widgets.notice import Notice

            text, lang = self.app.text(notice)  # in English where not translated: noted
            # One line of it (More shows the rest): the three choices stay in view.
            self.centre_notice = self.add(Notice(tr("News from this centre"), text,
                                                 line_lang=lang, clamp=1))
        self.label(tr("What would you like to do?"), role="title", bold=True)
        self.cards = {}
        for key, heading, detail, target in (
            ("services", tr("Get help with a service"),
             tr("Step-by-step help with Universal Credit, Council Tax, passports, "
                "registering with a doctor and more."), "services"),
            ("tutorials", tr("Learn a skill"),
             tr("Short lessons with practice: using a touch screen, typing, staying safe "
                "online and more."), "tutorials"),
            ("help", tr("Help here"),
             tr("Opening hours, and who can help you in this centre."), "help_here"),
        ):
            # With the centre's notice above them, the cards are no taller than their
            # words, with less space around them: Help here, the last, stays in view at
            # 100 % in every language.
            notice = self.centre_notice is not None
            card = Card(heading, detail, compact=notice,
                        min_height=dp(112) if notice else dp(150))
            card.bind(on_release=lambda _c, t=target: self.app.go(t))
            self.cards[key] = card
            self.add(card)
