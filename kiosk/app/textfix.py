"""The one global fix for Kivy 2.3.1's measuring of shaped text (see docs/architecture.md),
and a cache that makes measuring cheap.

SDL2_ttf shapes text with HarfBuzz, but Kivy applies a label's script and direction to the
font only when it renders, not when it measures; the font cache ignores them too. So the
first layout of Arabic, Bengali or Tamil text is measured unshaped: Arabic comes out too
wide, Tamil too narrow and clipped. Before each render (which measures every word), we
render one space with the label's options when the cached font does not have them yet,
which sets script and direction on it. We remember per font what was applied, so that
costs one tiny render per font and setting (and again when Kivy has closed the font and
opened it anew: it keeps 64 open, and we follow the order in which it closes them).

Measuring is most of the cost of showing a screen: Kivy measures word by word, rebuilding
the font's id string twice per word. During a render the id is computed once, and each
(font, script, direction, text) measurement is cached, so the words a screen shares with
earlier screens, and every re-render, cost a dictionary lookup.

Kivy has no bidi algorithm either: in right-to-left text, once Kivy has broken it into lines
(in logical order), each line is reordered for drawing by the Unicode Bidirectional Algorithm
(kiosk/core/bidi.py, python-bidi), so "gov.uk", "020 7946 0018" and "(Gmail)" read
correctly inside Arabic, and a Latin phrase that wraps starts on the first line.

This relies on Kivy's private text API, which is why Kivy is pinned to 2.3.1 and
tests/ui/test_text_measure.py guards it.
"""

from __future__ import annotations

from kivy.core.text import text_sdl2
from kivy.core.text._text_sdl2 import _SurfaceContainer

from kiosk.core import bidi

# The fonts Kivy has open, as we count them, in the order it opened them, each with what
# was applied to it and the number of its opening. Kivy keeps 64 fonts open and closes the
# one it opened first (_text_sdl2's sdl2_cache: first in, first out; using a font does not
# keep it longer); a font opened again has nothing applied. Every font the label provider
# uses passes through render() or get_extents() below, so this follows Kivy's own order:
# forgetting a font earlier than Kivy closes it, as this once did, made a font used again
# in between count as newly opened and be remembered after Kivy had closed it. The oldest
# few are applied again before each use anyway, in case a font was opened without us.
_applied: dict[str, tuple[tuple[str, str], int]] = {}
_KIVY_OPEN_FONTS = 64
_UNSURE = 16
_opened = 0
# Keys are strings, not tuples: strings are not tracked by the garbage collector, so a large
# cache does not make every collection (a pause of the UI thread) longer.
_extents: dict[str, tuple[int, int]] = {}
_EXTENTS_MAX = 50_000
_installed = False


def _wanted(options) -> tuple[str, str]:
    return (options.get("font_script_name") or "Zyyy", options.get("font_direction") or "ltr")


def _apply(label, font_id: str, wanted: tuple[str, str]) -> None:
    global _opened
    known = _applied.get(font_id)
    if known is None:  # Kivy opens it now (again, if it had closed it): nothing applied
        _opened += 1
        known = _applied[font_id] = (("Zyyy", "ltr"), _opened)
        while len(_applied) > _KIVY_OPEN_FONTS:  # the one Kivy closes now
            del _applied[next(iter(_applied))]
    applied, number = known
    if applied != wanted or _opened - number >= _KIVY_OPEN_FONTS - _UNSURE:
        _SurfaceContainer(4, 4).render(label, " ", 0, 0)
        _applied[font_id] = (wanted, number)


def install() -> None:
    """Patch the SDL2 text provider once; safe to call more than once."""
    global _installed
    if _installed:
        return
    cls = text_sdl2.LabelSDL2
    original_render = cls.render
    original_extents = cls.get_extents
    original_render_lines = cls.render_lines
    font_id_of = cls._get_font_id

    def render(self, real=False):
        font_id = font_id_of(self)
        wanted = _wanted(self.options)
        _apply(self, font_id, wanted)
        self._get_font_id = lambda: font_id
        self._measure_key = f"{font_id}|{wanted[0]}|{wanted[1]}|"
        try:
            return original_render(self, real)
        finally:
            del self._get_font_id
            del self._measure_key

    def render_lines(self, lines, options, render_text, y, size):
        # Lines are broken in logical order (a Latin phrase that wraps keeps its first
        # words on the first line); each line is then reordered for drawing (UAX #9 works
        # line by line, rule L1-L4), remembered per line so a re-render costs a lookup.
        if _wanted(options)[1] == "rtl":
            draw = render_text

            def render_text(text, x, y_):
                return draw(bidi.for_rtl_renderer(text), x, y_)
        return original_render_lines(self, lines, options, render_text, y, size)

    def get_extents(self, text):
        key = self.__dict__.get("_measure_key")
        if key is None:  # measured outside a render: apply, but do not cache
            _apply(self, font_id_of(self), _wanted(self.options))
            return original_extents(self, text)
        found = _extents.get(key + text)
        if found is None:
            if len(_extents) >= _EXTENTS_MAX:
                _extents.clear()
            found = _extents[key + text] = tuple(original_extents(self, text))
        return found

    cls.render = render
    cls.render_lines = render_lines
    cls.get_extents = get_extents
    _installed = True
