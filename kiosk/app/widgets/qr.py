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


def matrix(url: str) -> list[list[bool]]:
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
        self.fbind("pos", self._draw)
        self.fbind("size", self._draw)
        self.fbind("url", self._make)
        self._make()

    def _make(self, *_):
        url = self.url
        if not url:
            return

        def work():  # building the matrix takes milliseconds: not on the UI thread
            rows = matrix(url)
            Clock.schedule_once(lambda dt: self._ready(url, rows))

        threading.Thread(target=work, daemon=True, name="qr").start()

    def _ready(self, url, rows):
        if url == self.url:
            self._rows = rows
            self._draw()

    @property
    def ready(self) -> bool:
        return self._rows is not None

    def _draw(self, *_):
        self.canvas.clear()
        if not self._rows:
            return
        n = len(self._rows)
        tex = Texture.create(size=(n, n), colorfmt="luminance")
        tex.blit_buffer(luminance_bytes(self._rows), colorfmt="luminance", bufferfmt="ubyte")
        tex.mag_filter = tex.min_filter = "nearest"
        side = min(self.width, self.height)
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(texture=tex, size=(side, side),
                      pos=(self.center_x - side / 2, self.center_y - side / 2))
