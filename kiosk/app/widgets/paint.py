"""Backgrounds drawn from Python: a border and a fill as rounded rectangles.

Kivy's kv canvas rules compile and bind an expression per instruction per widget, which was
the largest cost of building a screen; this draws the same with one update per change."""

from __future__ import annotations

from kivy.graphics import Color, RoundedRectangle
from kivy.metrics import dp


class Boxed:
    """Mixin for widgets with `bg` and `edge` colour properties."""

    edge_width = dp(3)
    radius = dp(8)

    def _init_paint(self):
        with self.canvas.before:
            self._edge_colour = Color(*self.edge)
            self._edge_rect = RoundedRectangle(radius=[self.radius])
            self._bg_colour = Color(*self.bg)
            self._bg_rect = RoundedRectangle(radius=[max(0, self.radius - 2)])
        for prop in ("pos", "size"):
            self.fbind(prop, self._repaint_shape)
        self.fbind("bg", self._repaint_colour)
        self.fbind("edge", self._repaint_colour)
        self._repaint_shape()

    def _repaint_shape(self, *_):
        w = self.edge_width
        self._edge_rect.pos = self.pos
        self._edge_rect.size = self.size
        self._bg_rect.pos = (self.x + w, self.y + w)
        self._bg_rect.size = (max(0, self.width - 2 * w), max(0, self.height - 2 * w))

    def _repaint_colour(self, *_):
        self._edge_colour.rgba = self.edge
        self._bg_colour.rgba = self.bg


def restyle_tree(widget) -> None:
    """Call `restyle()` on a widget and everything under it that has one (text size,
    contrast or screen size changed)."""
    restyle = getattr(widget, "restyle", None)
    if restyle is not None:
        restyle()
    for child in widget.children:
        restyle_tree(child)


def style_key(app) -> tuple:
    """What a widget's style depends on: a widget put away off the window (and so missed by
    `restyle_all`) compares this before it is shown again."""
    return app.lang, app.theme.name, app.text_scale, app.base_font
