"""Choose a language: each named in its own language and script, never by a flag."""

from __future__ import annotations

from kivy.metrics import dp
from kivy.uix.gridlayout import GridLayout

from kiosk.app.screens.base import KioskScreen
from kiosk.app.widgets.text import KButton
from kiosk.core import languages


class LanguageScreen(KioskScreen):
    def build(self):
        self.label("Choose your language", text_lang="en", role="title", bold=True)
        if self.app.lang != "en" and len(self.app.history) > 1:
            self.label(self.tr("Choose your language"), role="heading")
        cols = {1.0: 4, 1.5: 3}.get(self.app.text_scale, 2)  # names never break at 200 %
        grid = GridLayout(cols=cols, spacing=dp(20), size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        content_langs = set(self.app.catalogue.languages)
        self.choices: dict[str, KButton] = {}
        for lang in languages.offered():
            if lang.code not in content_langs and lang.code != "en":
                continue
            b = KButton(text=lang.native_name, text_lang=lang.code, kind="choice",
                        role="heading", min_height=dp(96), selected=lang.code == self.app.lang
                        and len(self.app.history) > 1)
            b.bind(on_release=lambda _b, c=lang.code: self.app.choose_language(c))
            self.choices[lang.code] = b
            grid.add_widget(b)
        self.add(grid)
