"""A QR code drawn from its module matrix (the qrcode library), so the citizen can carry on
with the official service on their own phone."""

from __future__ import annotations

import threading

import qrcode
from kivy.clock import Clock
from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import StringProperty
from kivy.uix.widget import Widget

# Matrices already made, by address: the same few codes (a centre's links, the official
# services) are shown again and again, and making one costs milliseconds of CPU (on a
# thread, but the same CPU the next screen is built with). Written from the worker
# threads, read on the UI thread: one dict assignment each, safe under the GIL.
_MADE: dict[str, list[list[bool]]] = {}
_MADE_MAX = 256


def matrix(url: str) -> list[list[bool]]:
    rows = _MADE.get(url)
    if rows is None:
        if len(_MADE) >= _MADE_MAX:
            _MADE.clear()
        rows = _MADE[url] = _make_matrix(url)
    return rows


def _make_matrix(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def luminance_bytes(rows: list[list[bool]]) -> bytes:
    """Rows top to bottom as one byte per module (0 black, 255 white), bottom row first for
    OpenGL's texture origin."""
    return b"".join(bytes(0 if dark else 255 for dark in row) for row in reversed(rows))


class QRCode(Widget):
    """Always black on white, whatever the theme: phone cameras read that best."""

    url = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._rows = None
        self._rect = None
        self.fbind("pos", self._draw)
        self.fbind("size", self._draw)
        self.fbind("url", self._make)
        self._make()

    def _make(self, *_):
        url = self.url
        if not url:
            return
        rows = _MADE.get(url)
        if rows is not None:  # made before: drawn at once, no thread
            self._ready(url, rows)
            return

        def work():  # building the matrix takes milliseconds: not on the UI thread
            rows = matrix(url)
            Clock.schedule_once(lambda dt: self._ready(url, rows))

        threading.Thread(target=work, daemon=True, name="qr").start()

    def _ready(self, url, rows):
        if url == self.url:
            self._rows = rows
            self.canvas.clear()
            n = len(rows)
            tex = Texture.create(size=(n, n), colorfmt="luminance")
            tex.blit_buffer(luminance_bytes(rows), colorfmt="luminance", bufferfmt="ubyte")
            tex.mag_filter = tex.min_filter = "nearest"
            with self.canvas:
                Color(1, 1, 1, 1)
                self._rect = Rectangle(texture=tex)
            self._draw()

    @property
    def ready(self) -> bool:
        return self._rows is not None

    def _draw(self, *_):
        # Moving or resizing only moves the square: the texture is made once per code.
        if not self._rows:
            return
        side = min(self.width, self.height)
        self._rect.size = (side, side)
        self._rect.pos = (self.center_x - side / 2, self.center_y - side / 2)
