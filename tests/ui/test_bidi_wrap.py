"""A Latin phrase inside right-to-left text that wraps onto a second line: Kivy breaks the
lines in logical order and kiosk/app/textfix.py reorders each line by UAX #9, so the
phrase starts on the first line ("Universal" at the left end of line one, "account" on
line two), as a bidi algorithm would show it."""

from __future__ import annotations

from pathlib import Path

from kiosk.core.bidi import for_rtl_renderer

FONT = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "KioskArabic-Regular.ttf"
TEXT = "قدّم طلبك على موقع Universal Credit account اليوم من فضلك"


def test_a_wrapped_latin_phrase_starts_on_the_first_line(kiosk):
    from kivy.core.text import Label as CoreLabel
    from kivy.core.text import text_sdl2

    drawn: list[str] = []
    cls = text_sdl2.LabelSDL2
    original = cls._render_text

    def record(self, text, x, y):
        drawn.append(text)
        return original(self, text, x, y)

    cls._render_text = record
    try:
        label = CoreLabel(text=TEXT, font_name=str(FONT), font_size=40,
                          font_direction="rtl", font_script_name="Arab",
                          text_size=(420, None), halign="right")
        label.refresh()
        label.texture.bind()  # the texture is filled (drawn) when first used
    finally:
        cls._render_text = original
    lines = ["".join(w.text for w in line.words) for line in label._cached_lines]
    assert len(lines) >= 2, lines
    assert " ".join(lines).split() == TEXT.split()  # broken in logical order
    first = next(i for i, t in enumerate(lines) if "Universal" in t)
    last = next(i for i, t in enumerate(lines) if "account" in t)
    assert first < last, lines  # the phrase wraps: it starts on the earlier line
    # Each line is reordered on its own, its Latin runs given reversed (the renderer
    # draws right to left, so they read left to right).
    assert drawn == [for_rtl_renderer(t) for t in lines if t]
    assert any("lasrevinU" in d for d in drawn)
