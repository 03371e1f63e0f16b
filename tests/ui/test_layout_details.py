"""Small things an older first-time user notices: letters drawn backwards, a home screen that
scrolls for no reason, one language tile taller than the others, a hole in the toolbar."""

from __future__ import annotations

import pytest

from kiosk.core import languages


def start(h, lang: str, scale: float = 1.0):
    h.app.start_session()
    h.app.choose_language(lang)
    h.app.text_scale = scale
    h.frames(3)


def drawn_points(icon) -> list[tuple]:
    from kivy.graphics import Line

    icon.draw()
    return [tuple(round(v, 2) for v in i.points) for i in icon.canvas.children
            if isinstance(i, Line)]


def test_letters_are_never_mirrored(kiosk):
    """The "Aa" of Text size reads the same in every language; arrows do turn round."""
    from kiosk.app.widgets.icon import Icon

    h = kiosk
    start(h, "ar")
    shown = h.app.toolbar.buttons["text_size"].icon
    plain = Icon(name="text", size=shown.size, pos=shown.pos)
    assert drawn_points(shown) == drawn_points(plain), "Aa is drawn mirrored in Arabic"
    back = h.app.toolbar.buttons["back"].icon
    unmirrored = Icon(name="back", size=back.size, pos=back.pos)
    assert drawn_points(back) != drawn_points(unmirrored), "Back points the other way"


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_the_arabic_script_home_fits_without_scrolling(kiosk, lang):
    h = kiosk
    start(h, lang)
    screen = h.screen
    assert screen.__class__.__name__ == "HomeScreen"
    assert screen.page.height <= screen.scroll.height, (
        f"{lang} home is {screen.page.height:.0f} px tall in {screen.scroll.height:.0f} px")
    assert screen.rail.width == 0, "no Up and Down when nothing scrolls"


@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0])
def test_language_tiles_are_all_the_same_height(kiosk, scale):
    h = kiosk
    start(h, "ur", scale)  # Urdu's Nastaliq is the tallest script
    h.app.open_languages()
    h.frames(3)
    heights = {code: round(b.height) for code, b in h.screen.choices.items()}
    assert len(set(heights.values())) == 1, heights
    rows = {round(b.y) for b in h.screen.choices.values()}
    cols = h.screen.grid.cols
    assert len(rows) == -(-len(heights) // cols), "rows as many as the tiles need"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_no_gap_where_back_would_be(kiosk, lang):
    """The first screen of a session has nowhere to go back to: Back is not there, and
    Home takes its place at the start of the toolbar."""
    h = kiosk
    h.app.start_session()
    h.frames(3)
    if lang != "en":  # the language screen in Arabic: chosen, then Start again to it
        h.app.choose_language(lang)
        h.app.history = h.app.history[:0]
        h.app.go("language")
        h.frames(3)
    bar = h.app.toolbar
    assert len(h.app.history) == 1 and h.screen.__class__.__name__ == "LanguageScreen"
    home = bar.buttons["home"]
    pad = bar.padding[0]
    if languages.get(lang).rtl:
        gap = bar.right - pad - home.to_window(home.right, 0)[0]
    else:
        gap = home.to_window(home.x, 0)[0] - (bar.x + pad)
    assert abs(gap) <= 1, f"{gap:.0f} px before Home"
    back = bar.buttons["back"]
    assert back.get_root_window() is None or back.width == 0, "Back is not on the bar"

    h.app.go("home")  # somewhere to go back to now
    h.frames(3)
    assert back.get_root_window() is not None and not back.disabled
    assert (back.to_window(back.x, 0)[0] > home.to_window(home.x, 0)[0]) == \
        languages.get(lang).rtl, "Back first in reading order"
