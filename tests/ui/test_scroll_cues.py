"""Where a page ends and where it goes on: a clear line above the footer, text that fades
out rather than being cut in half at the edge, Up greyed at the top and Down at the bottom
(following the page as it scrolls, by buttons or by a finger), and the scroll bar on the
same side as Up and Down (the left in right-to-left languages)."""

from __future__ import annotations

import pytest

from kiosk.core import theme
from tests.ui.pixels import Shot, dominant, hex_of, text_contrast

THEMES = {"standard": theme.STANDARD, "high_contrast": theme.HIGH_CONTRAST}


def long_guide(h, lang="en", contrast=False):
    h.app.start_session()
    h.app.choose_language(lang)
    if contrast:
        h.app.toggle_contrast()
    h.app.go("guide", id="universal-credit")
    h.frames(3)
    h.screen.toggle_all()
    h.frames(3)
    return h.screen


def rect(w):
    x0, y0 = w.to_window(w.x, w.y)
    x1, y1 = w.to_window(w.right, w.top)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


@pytest.mark.parametrize("contrast", [False, True], ids=["standard", "contrast"])
def test_a_clear_line_above_the_footer_and_a_fade_where_the_page_is_cut(kiosk, tmp_path,
                                                                        contrast):
    h = kiosk
    screen = long_guide(h, contrast=contrast)
    t = THEMES[h.app.theme.name]
    shot = Shot(h.screenshot(tmp_path / "guide.png"))
    footer_top = rect(screen.footer)[3]
    # The rows just above the footer, across the page's width: one solid line.
    line = [shot.at(x, footer_top + 1) for x in range(int(dp(60)), h.window.width - int(dp(60)),
                                                      7)]
    colour = hex_of(dominant(line))
    assert line.count(dominant(line)) == len(line), "one unbroken line above the footer"
    assert theme.contrast(colour, t.background) >= 3.0, f"the line {colour} is too faint"
    # The last few pixels of the page above the line are the page's colour: text running
    # under the edge fades out instead of showing half a line.
    scroll = rect(screen.scroll)
    edge = shot.region((scroll[0], scroll[1], scroll[2] - dp(20), scroll[1] + 3))
    assert {hex_of(p) for p in edge} == {t.background}, "text cut at the edge of the page"

    # At the end of the page there is nothing to fade.
    for _ in range(40):
        if screen.scroll.scroll_y == 0:
            break
        h.tap(screen.page_down)
    assert screen.scroll.scroll_y == 0
    assert screen.fade_colour.a == 0


def dp(v):
    from kivy.metrics import dp as kdp

    return kdp(v)


def test_up_is_greyed_at_the_top_and_down_at_the_bottom(kiosk, tmp_path):
    h = kiosk
    screen = long_guide(h)
    up, down = screen.page_up, screen.page_down
    assert screen.scroll.scroll_y == 1
    assert up.disabled and not down.disabled, "at the top: Up greyed, Down ready"

    shot = Shot(h.screenshot(tmp_path / "top.png"))
    ratio, ink, back = text_contrast(shot.region(rect(up.label)))
    t = theme.STANDARD
    assert back != t.button and ratio >= 4.5, f"Up greyed but readable ({ink} on {back})"
    ratio, ink, back = text_contrast(shot.region(rect(down.label)))
    assert back == t.button and ratio >= 4.5, f"Down as a button ({ink} on {back})"

    h.tap(down)
    assert not up.disabled and not down.disabled, "in the middle: both"
    for _ in range(40):
        if down.disabled:
            break
        h.tap(down)
    assert screen.scroll.scroll_y == 0 and down.disabled and not up.disabled, "at the end"
    h.tap(down)  # a greyed button does nothing
    assert screen.scroll.scroll_y == 0

    screen.scroll.scroll_y = 1  # a finger scrolled back to the top
    h.frames(1)
    assert up.disabled and not down.disabled


@pytest.mark.parametrize("lang, side", [("en", "right"), ("ar", "left")])
def test_the_scroll_bar_is_beside_up_and_down(kiosk, tmp_path, lang, side):
    h = kiosk
    screen = long_guide(h, lang)
    assert screen.scroll.bar_pos_y == side
    rail = rect(screen.rail)
    scroll = rect(screen.scroll)
    if side == "left":
        assert rail[0] - scroll[0] < dp(20), "Up and Down at the left edge with the bar"
    else:
        assert scroll[2] - rail[2] < dp(20), "Up and Down at the right edge with the bar"
    # In the picture: the bar's colour at the scroll view's edge on that side.
    shot = Shot(h.screenshot(tmp_path / "bar.png"))
    x = scroll[0] + dp(5) if side == "left" else scroll[2] - dp(5)
    top = scroll[3] - dp(10)
    assert hex_of(shot.at(x, top)) != theme.STANDARD.background, "the bar is drawn there"


# ----- the Help dialog scrolls as the page does ---------------------------------------------
def open_help(h, lang, scale, contrast):
    h.app.start_session()
    h.app.choose_language(lang)
    h.app.text_scale = scale
    if contrast:
        h.app.toggle_contrast()
    h.app.go("guide", id="register-to-vote")
    h.frames(3)
    h.tap(h.app.toolbar.buttons["help"])
    h.frames(2)
    dialog = h.app._modals[-1]
    assert type(dialog).__name__ == "HelpDialog"
    return dialog


def lower_edge(dialog, shot):
    """The lowest rows of the dialog's text, across its width but for the scroll bar."""
    x0, y0, x1, _ = rect(dialog.scroll)
    bar = dp(20)
    x0, x1 = (x0 + bar, x1) if dialog.scroll.bar_pos_y == "left" else (x0, x1 - bar)
    return shot.region((x0, y0, x1, y0 + 3))


def greyed(shot, button, t) -> bool:
    ratio, ink, back = text_contrast(shot.region(rect(button.label)))
    assert ratio >= 4.5, f"{button.label.text!r}: {ink} on {back}, greyed or not, is readable"
    return back != t.button


@pytest.mark.parametrize("lang, contrast", [("en", False), ("ar", True), ("ur", False)],
                         ids=["en", "ar-contrast", "ur"])
def test_the_help_dialog_shows_where_its_text_goes_on_as_the_page_does(kiosk, tmp_path, lang,
                                                                       contrast):
    """Help at 200 % is longer than the window: Up is greyed at the top of its text and Down
    at the end (a greyed button does nothing), and a line running under the lower edge fades
    out into the dialog's background instead of being cut in half, while there is more."""
    from kiosk.app.widgets.text import KLabel
    from tests.ui.conftest import find

    h = kiosk
    dialog = open_help(h, lang, 2.0, contrast)
    t = THEMES[h.app.theme.name]
    scroll, body, up, down = dialog.scroll, dialog.body, dialog.up, dialog.down
    assert dialog.rail.opacity == 1 and body.height > scroll.height, "the text scrolls"

    assert scroll.scroll_y == 1
    shot = Shot(h.screenshot(tmp_path / f"help-{lang}-top.png"))
    assert up.disabled and greyed(shot, up, t), "at the top of the text: Up greyed"
    assert not down.disabled and not greyed(shot, down, t), "Down ready"

    # A line of text half under the lower edge: it fades out, it is not cut in half.
    extra = body.height - scroll.height
    line = next(w for w in find(body, KLabel) if w.text and w.height > dp(30) and
                scroll.height + dp(10) < body.top - w.center_y < body.height - dp(10))
    scroll.scroll_y = 1 - (body.top - line.center_y - scroll.height) / extra
    h.frames(2)
    bottom = rect(scroll)[1]
    assert rect(line)[1] < bottom < rect(line)[3], "the line straddles the lower edge"
    shot = Shot(h.screenshot(tmp_path / f"help-{lang}-middle.png"))
    edge = {hex_of(p) for p in lower_edge(dialog, shot)}
    assert edge == {t.background}, f"text cut at the dialog's lower edge: {sorted(edge)[:4]}..."
    assert getattr(dialog, "fade_height", 0) > 0
    assert not up.disabled and not down.disabled, "in the middle: both"

    for _ in range(40):
        if down.disabled:
            break
        h.tap(down)
    assert scroll.scroll_y == 0 and down.disabled and not up.disabled, "at the end"
    shot = Shot(h.screenshot(tmp_path / f"help-{lang}-end.png"))
    assert greyed(shot, down, t) and not greyed(shot, up, t)
    assert dialog.fade_height == 0, "nothing below: nothing fades"
    last = [w for w in find(body, KLabel) if w.text][-1]
    ratio, ink, back = text_contrast(shot.region(rect(last)))
    assert ratio >= 4.5, f"the last line is faded at the end: {ink} on {back}"
    h.tap(down)  # greyed: does nothing
    assert scroll.scroll_y == 0
    h.tap(up)
    assert 0 < scroll.scroll_y < 1 and not down.disabled
