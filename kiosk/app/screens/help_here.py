"""Help here: the centre's own information, set by its staff (configuration, not the
city-wide content): its name and line, opening hours, address, who can help and when, phone
numbers, accessibility notes, and a few local links, each with a QR code to open it on the
citizen's phone. A field not written in the citizen's language shows in English, and the
page says so."""

from __future__ import annotations

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from kiosk.app.screens.base import KioskScreen
from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.qr import QRCode
from kiosk.app.widgets.text import KLabel

QR_SIZE = dp(200)


class HelpHereScreen(KioskScreen):
    def build(self):
        app, tr = self.app, self.tr
        centre = app.offer.centre

        def label(text: str, lang: str = "", **kwargs):
            return lambda: KLabel(text=text, text_lang=lang, size_hint_y=None, **kwargs)

        # Each text is looked up now (so the page knows what is shown in English); the
        # widgets below the fold are made on the next frame (KioskScreen.fill).
        parts = [label(*app.text(centre.name), role="title", bold=True)]
        if centre.greeting is not None and centre.greeting.get("en"):
            parts.append(label(*app.text(centre.greeting), role="lead"))
        self.sections: dict[str, BoxLayout] = {}  # a box of labels, one a line
        for key, heading, text in (
                ("hours", tr("Opening hours"), centre.hours),
                ("help", tr("Who can help"), centre.help),
                ("address", tr("Address"), centre.address),
                ("phones", tr("Phone numbers"), centre.phones),
                ("accessibility", tr("Accessibility"), centre.accessibility)):
            if text is not None:
                parts.append(label(heading, role="heading", bold=True))
                shown = app.text(text)
                parts.append(lambda k=key, t=shown: self._lines(k, *t))
        self.links: list[tuple[KLabel, QRCode]] = []
        if centre.links:
            parts.append(label(tr("Useful websites"), role="heading", bold=True))
            parts.append(label(tr("Point your phone's camera at a code to open the website "
                                  "on your phone.")))
            for link in centre.links:
                title = app.text(link.title)
                parts.append(lambda lk=link, t=title: self._link(lk, *t))
        self.fill(self.page, parts, now=6)

    def _lines(self, key: str, shown: str, lang: str) -> BoxLayout:
        """A field's lines (a day's hours, a sentence about who helps) each a paragraph of
        its own, a little apart; in the citizen's language or, said at the top, English."""
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(8))
        box.bind(minimum_height=box.setter("height"))
        for line in shown.split("\n"):
            if line.strip():
                box.add_widget(KLabel(text=line, text_lang=lang, size_hint_y=None))
        self.sections[key] = box
        return box

    def _link(self, link, title: str, title_lang: str) -> Panel:
        """A link's title and address beside its QR code (the code on the reading
        direction's end side, so the words are read first)."""
        row = Panel(orientation="horizontal", spacing=dp(24), padding=[dp(20), dp(16)])
        words = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(8),
                          pos_hint={"top": 1})
        words.bind(minimum_height=words.setter("height"))
        heading = KLabel(text=title, text_lang=title_lang, role="lead", bold=True,
                         size_hint_y=None)
        words.add_widget(heading)
        words.add_widget(KLabel(text=link.url, text_lang="en", role="small",
                                colour_name="panel_text", size_hint_y=None))
        code = QRCode(url=link.url, size_hint=(None, None), size=(QR_SIZE, QR_SIZE),
                      pos_hint={"top": 1})
        for w in ((code, words) if self.app.rtl else (words, code)):
            row.add_widget(w)  # the row is as tall as the taller of the two
        self.links.append((heading, code))
        return row
