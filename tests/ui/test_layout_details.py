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


@pytest.mark.parametrize("lang", ["ar", "fa"])  # Persian shares the Arabic font
def test_the_arabic_home_fits_without_scrolling(kiosk, lang):
    h = kiosk
    start(h, lang)
    screen = h.screen
    assert screen.__class__.__name__ == "HomeScreen"
    from kiosk.app.widgets.text import KLabel
    from tests.ui.conftest import find

    lines = {w.text[:20]: (len(w._label._cached_lines), round(w.width))
             for w in find(screen.page, KLabel)}
    assert screen.page.height <= screen.scroll.height, (
        f"{lang} home is {screen.page.height:.0f} px tall in {screen.scroll.height:.0f} px "
        f"(window {h.window.size}, lines and widths {lines})")
    assert screen.rail.width == 0, "no Up and Down when nothing scrolls"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_up_and_down_go_again_when_the_text_is_made_smaller(kiosk, lang):
    """Up and Down take width from the page, so its text wraps longer: once shown at 200 %
    they must not keep a page that fits at 100 % scrolling (and its text squeezed)."""
    h = kiosk
    start(h, lang)
    screen = h.screen
    width = screen.scroll.width
    for _ in range(3):  # 150 %, 200 %, back to 100 %
        h.tap(h.app.toolbar.buttons["text_size"])
        h.frames(2)
        if h.app.text_scale == 2.0:
            assert screen.rail.width > 0, "the page scrolls at 200 %"
    assert h.app.text_scale == 1.0
    assert screen.rail.width == 0 and screen.scroll.width == width, "Up and Down gone"
    assert screen.page.height <= screen.scroll.height


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


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_up_and_down_never_narrow_the_page(kiosk, lang):
    """Up and Down stand in the page's margin, kept for them whether they show or not: a
    page that starts to scroll does not wrap its text longer (which could keep it
    scrolling after all, or make it jump)."""
    h = kiosk
    start(h, lang)

    def text_width(screen):
        return screen.scroll.width - screen.page.padding[0] - screen.page.padding[2]

    home = text_width(h.screen)
    assert h.screen.rail.width == 0
    h.app.go("guide", id="universal-credit")
    h.frames(3)
    h.screen.toggle_all()
    h.frames(3)
    assert h.screen.rail.width > 0
    assert text_width(h.screen) == home
