"""Help here: the centre's own information, set by its staff."""

from __future__ import annotations

from kiosk.app.screens.base import KioskScreen


class HelpHereScreen(KioskScreen):
    def build(self):
        centre = self.app.catalogue.centre
        self.content(centre.name, role="title", bold=True)
        for heading, texts in ((self.tr("Opening hours"), centre.opening_hours),
                               (self.tr("Who can help"), centre.help),
                               (self.tr("Contact"), centre.contact)):
            if not texts:
                continue
            self.label(heading, role="heading", bold=True)
            for t in texts:
                self.content(t)
