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
        grid = GridLayout(cols=3, spacing=dp(24), size_hint_y=None, row_default_height=dp(110),
                          row_force_default=False)
        grid.bind(minimum_height=grid.setter("height"))
        content_langs = set(self.app.catalogue.languages)
        self.choices: dict[str, KButton] = {}
        for lang in languages.offered():
            if lang.code not in content_langs and lang.code != "en":
                continue
            b = KButton(text=lang.native_name, text_lang=lang.code, kind="choice",
                        role="heading", min_height=dp(110), selected=lang.code == self.app.lang
                        and len(self.app.history) > 1)
            b.bind(on_release=lambda _b, c=lang.code: self.app.choose_language(c))
            self.choices[lang.code] = b
            grid.add_widget(b)
        self.add(grid)
