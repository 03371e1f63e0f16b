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

QR_SIZE = dp(200)


class HelpHereScreen(KioskScreen):
    def build(self):
        centre = self.app.offer.centre
        tr = self.tr
        self.content(centre.name, role="title", bold=True)
        if centre.greeting is not None and centre.greeting.get("en"):
            self.content(centre.greeting, role="lead")
        self.sections: dict[str, object] = {}
        for key, heading, text in (
                ("hours", tr("Opening hours"), centre.hours),
                ("help", tr("Who can help"), centre.help),
                ("address", tr("Address"), centre.address),
                ("phones", tr("Phone numbers"), centre.phones),
                ("accessibility", tr("Accessibility"), centre.accessibility)):
            if text is None:
                continue
            self.label(heading, role="heading", bold=True)
            self.sections[key] = self._lines(text)  # a box of labels, one a line
        self.links: list[tuple[object, QRCode]] = []
        if centre.links:
            self.label(tr("Useful websites"), role="heading", bold=True)
            self.label(tr("Point your phone's camera at a code to open the website on your "
                          "phone."))
            for link in centre.links:
                self.add(self._link(link))

    def _lines(self, text) -> BoxLayout:
        """A field's lines (a day's hours, a sentence about who helps) each a paragraph of
        its own, a little apart; in the citizen's language or, said at the top, English."""
        shown, lang = self.app.text(text)
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(8))
        box.bind(minimum_height=box.setter("height"))
        for line in shown.split("\n"):
            if line.strip():
                self.label(line, to=box, text_lang=lang)
        return self.add(box)

    def _link(self, link) -> Panel:
        """A link's title and address beside its QR code (the code on the reading
        direction's end side, so the words are read first)."""
        row = Panel(orientation="horizontal", spacing=dp(24), padding=[dp(20), dp(16)])
        words = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(8),
                          pos_hint={"top": 1})
        words.bind(minimum_height=words.setter("height"))
        title = self.content(link.title, to=words, role="lead", bold=True)
        self.label(link.url, to=words, text_lang="en", role="small",
                   colour_name="panel_text")
        code = QRCode(url=link.url, size_hint=(None, None), size=(QR_SIZE, QR_SIZE),
                      pos_hint={"top": 1})
        for w in ((code, words) if self.app.rtl else (words, code)):
            row.add_widget(w)  # the row is as tall as the taller of the two
        self.links.append((title, code))
        return row
