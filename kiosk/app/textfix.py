"""The one global fix for Kivy 2.3.1's measuring of shaped text (see docs/architecture.md).

SDL2_ttf shapes text with HarfBuzz, but Kivy applies a label's script and direction to the
font only when it renders, not when it measures; the font cache ignores them too. So the
first layout of Arabic, Bengali or Tamil text is measured unshaped: Arabic comes out too
wide, Tamil too narrow and clipped. Before measuring, we render one space with the label's
options, which sets script and direction on the cached font. We remember per font what was
applied, so this costs one tiny render per font and setting, not one per measurement.

This relies on Kivy's private text API, which is why Kivy is pinned to 2.3.1 and
tests/ui/test_text_measure.py guards it.
"""

from __future__ import annotations

from kivy.core.text import text_sdl2
from kivy.core.text._text_sdl2 import _SurfaceContainer

_applied: dict[str, tuple[str, str]] = {}
_installed = False


def _wanted(options) -> tuple[str, str]:
    return (options.get("font_script_name") or "Zyyy", options.get("font_direction") or "ltr")


def _apply(label) -> None:
    font_id = label._get_font_id()
    wanted = _wanted(label.options)
    if _applied.get(font_id, ("Zyyy", "ltr")) != wanted:
        _SurfaceContainer(4, 4).render(label, " ", 0, 0)
        _applied[font_id] = wanted


def install() -> None:
    """Patch the SDL2 text provider once; safe to call more than once."""
    global _installed
    if _installed:
        return
    original = text_sdl2.LabelSDL2.get_extents

    def get_extents(self, text):
        _apply(self)
        return original(self, text)

    text_sdl2.LabelSDL2.get_extents = get_extents
    _installed = True
