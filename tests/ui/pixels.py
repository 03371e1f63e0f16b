"""Reading a screenshot the way an eye would: colours at places on the window, and the WCAG
contrast of the text inside a widget's box, from the pixels (not from the widget's colour
properties, which can say one thing while the screen shows another)."""

from __future__ import annotations

from collections import Counter

from kiosk.core import theme


class Shot:
    """A window screenshot; coordinates are the window's (origin bottom left)."""

    def __init__(self, path):
        from kivy.core.image import Image as CoreImage

        img = CoreImage(str(path), keep_data=True)
        self.width, self.height = img.texture.size
        # One RGBA pixel per item, R in the lowest byte; row 0 is the top of the window.
        self.pixels = memoryview(img.texture.pixels).cast("I")

    def at(self, x: float, y: float) -> int:
        x = min(self.width - 1, max(0, int(x)))
        row = min(self.height - 1, max(0, self.height - 1 - int(y)))
        return self.pixels[row * self.width + x]

    def region(self, rect, step: int = 1) -> list[int]:
        """Pixels inside (x0, y0, x1, y1), window coordinates."""
        x0, y0, x1, y1 = (round(v) for v in rect)
        x0, x1 = max(0, x0), min(self.width, x1)
        y0, y1 = max(0, y0), min(self.height, y1)
        out = []
        for y in range(y0, y1, step):
            row = (self.height - 1 - y) * self.width
            out.extend(self.pixels[row + x0:row + x1:step])
        return out

    def count(self, hex_colour: str) -> int:
        return self.pixels.tolist().count(packed(hex_colour))


def packed(hex_colour: str) -> int:
    """A theme colour as the screenshot stores it."""
    r, g, b, _ = (round(c * 255) for c in theme.rgba(hex_colour))
    return 0xFF000000 | b << 16 | g << 8 | r


def hex_of(pixel: int) -> str:
    return f"#{pixel & 0xFF:02x}{pixel >> 8 & 0xFF:02x}{pixel >> 16 & 0xFF:02x}"


def dominant(pixels: list[int]) -> int:
    return Counter(pixels).most_common(1)[0][0]


def text_contrast(pixels: list[int]) -> tuple[float, str, str]:
    """(contrast, ink, background) of text drawn in a box: the background is the box's
    commonest colour, the ink the colour furthest from it (the solid middle of a stroke;
    anti-aliased edges lie between the two)."""
    back = hex_of(dominant(pixels))
    best, ink = 1.0, back
    for p in set(pixels):
        c = theme.contrast(hex_of(p), back)
        if c > best:
            best, ink = c, hex_of(p)
    return best, ink, back


def is_large(label) -> bool:
    """WCAG large text: 18 pt (24 px), or 14 pt (18.66 px) bold."""
    return label.font_size >= 24 or (label.bold and label.font_size >= 18.66)
