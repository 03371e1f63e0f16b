"""Text size, contrast and screen size changes restyle the window through one trigger: a
burst of changes costs one walk of the widget tree, and the walk is done before the next
frame is drawn, so a tap, a screenshot or the next frame already shows the new style."""

from __future__ import annotations

from kiosk.core import theme
from tests.ui.conftest import confirm_end, find


def count_walks(widget) -> list:
    """A list that grows by one each time a walk (`restyle_tree`) reaches `widget`. The walk
    looks `restyle` up on the widget; the widget's own bindings keep the method they bound,
    so only walks are counted."""
    walks = []
    own = widget.restyle

    def restyle(*args):
        walks.append(args)
        own(*args)

    widget.restyle = restyle
    return walks


def body_label(screen):
    """A plain label on the screen drawn in the theme's text colour."""
    from kiosk.app.widgets.text import KLabel

    return next(w for w in find(screen, KLabel)
                if type(w) is KLabel and w.colour_name == "text" and w.text)


def on_home(h):
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    assert h.screen.__class__.__name__ == "HomeScreen"


def test_three_changes_in_one_frame_are_one_walk_done_by_the_next_frame(kiosk):
    h = kiosk
    app = h.app
    on_home(h)
    label, button = body_label(h.screen), app.toolbar.buttons["home"]
    label_walks, button_walks = count_walks(label), count_walks(button)
    size_before = label.font_size
    standard = theme.rgba(theme.STANDARD.text)
    assert tuple(label.color) == standard

    app.toggle_contrast()  # theme
    app.cycle_text_size()  # text_scale
    app.base_font += 4  # what a change of screen size does
    assert label_walks == [] and button_walks == [], "coalesced: nothing walked yet"

    h.frames(1)
    assert len(label_walks) == 1 and len(button_walks) == 1, "one walk for three changes"
    contrast = theme.rgba(theme.HIGH_CONTRAST.text)
    assert tuple(label.color) == contrast != standard
    assert label.font_size > size_before * 1.5  # 150 % text on a larger base
    assert tuple(button.bg) == theme.rgba(theme.HIGH_CONTRAST.button)

    h.frames(3)
    assert len(label_walks) == 1 and len(button_walks) == 1, "and no walk without a change"


def test_the_end_of_a_session_restyles_once(kiosk):
    """Finish and clear resets theme and text size together: the toolbar (kept for the next
    session, off the window on the attract screen) is walked once, not once per reset."""
    h = kiosk
    app = h.app
    on_home(h)
    h.tap(app.toolbar.buttons["contrast"])
    h.tap(app.toolbar.buttons["text_size"])
    toolbar = app.toolbar
    button = toolbar.buttons["home"]
    assert tuple(button.bg) == theme.rgba(theme.HIGH_CONTRAST.button)
    walks = count_walks(button)

    confirm_end(h)
    assert h.screen.__class__.__name__ == "AttractScreen" and toolbar.parent is None
    assert len(walks) == 1
    assert tuple(button.bg) == theme.rgba(theme.STANDARD.button)


def test_a_tap_or_a_screenshot_right_after_a_change_sees_it_done(kiosk, tmp_path):
    from kivy.core.image import Image as CoreImage

    h = kiosk
    app = h.app
    on_home(h)
    label = body_label(h.screen)

    h.tap(app.toolbar.buttons["contrast"])  # colours read as soon as the tap is over
    assert tuple(label.color) == theme.rgba(theme.HIGH_CONTRAST.text)
    assert tuple(app.toolbar.buttons["home"].bg) == theme.rgba(theme.HIGH_CONTRAST.button)

    app.toggle_contrast()  # back to standard, and straight to a screenshot: no frame between
    img = CoreImage(str(h.screenshot(tmp_path / "after-toggle.png")), keep_data=True)
    assert img.texture.colorfmt == "rgba"
    pixels = memoryview(img.texture.pixels).cast("I")  # one RGBA pixel per item

    def packed(hex_colour: str) -> int:  # as the screenshot stores it: R in the lowest byte
        r, g, b, _ = (round(c * 255) for c in theme.rgba(hex_colour))
        return 0xFF000000 | b << 16 | g << 8 | r

    old = packed(theme.HIGH_CONTRAST.button)  # cyan toolbar buttons
    new = packed(theme.STANDARD.button)
    assert pixels.tolist().count(old) == 0, "no toolbar button left in the contrast colours"
    assert pixels.tolist().count(new) > 1000, "the toolbar buttons in standard colours"
