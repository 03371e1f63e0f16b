"""Choose a language: each named in its own language and script, never by a flag; the
centre's languages in its order, the session's language (at first the centre's default)
highlighted."""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp
from kivy.uix.gridlayout import GridLayout

from kiosk.app.screens.base import KioskScreen
from kiosk.app.widgets.text import KButton
from kiosk.core import languages


def columns(text_scale: float) -> int:
    return {1.0: 4, 1.5: 3}.get(text_scale, 2)  # names never break at 200 %


class LanguageGrid(GridLayout):
    """The language tiles: as many columns as the text size allows (following a change while
    the screen is shown), every tile as tall as the tallest (Urdu's Nastaliq), so the grid
    reads as one even set of choices."""

    def __init__(self, **kwargs):
        super().__init__(spacing=dp(20), size_hint_y=None, **kwargs)
        self.app = App.get_running_app()
        self.bind(minimum_height=self.setter("height"))
        self._even = Clock.create_trigger(self._even_heights, -1)
        self.restyle()

    def add_tile(self, tile: KButton) -> None:
        tile.bind(texture_size=self._even)
        self.add_widget(tile)
        self._even()

    def restyle(self, *_):
        self.cols = columns(self.app.text_scale)
        self._even()

    def _even_heights(self, *_):
        # From the texts' own heights (not the tiles'), so the tiles can shrink again.
        tiles = self.children
        tallest = max([dp(96)] + [t.texture_size[1] + 2 * t.pad[1] for t in tiles])
        for t in tiles:
            t.min_height = tallest


class LanguageScreen(KioskScreen):
    def build(self):
        self.label("Choose your language", text_lang="en", role="title", bold=True)
        if self.app.lang != "en":
            self.label(self.tr("Choose your language"), role="heading")
        self.grid = grid = LanguageGrid()
        self.choices: dict[str, KButton] = {}
        for code in self.app.offer.languages:
            lang = languages.get(code)
            b = KButton(text=lang.native_name, text_lang=lang.code, kind="choice",
                        role="heading", min_height=dp(96), selected=lang.code == self.app.lang)
            b.bind(on_release=lambda _b, c=lang.code: self.app.choose_language(c))
            self.choices[lang.code] = b
            grid.add_tile(b)
        self.add(grid)
