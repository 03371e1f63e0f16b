"""Bigger text, as a low-vision citizen uses it: the toolbar's words grow too (within the bar),
Text size and Contrast say their state in words, the footer keeps to one row (the main
action, and More for the rest), buttons fit their words, and cards go to one column."""

from __future__ import annotations

import itertools

import pytest

from tests.ui.conftest import find


def start(h, lang: str, scale: float = 1.0):
    h.app.start_session()
    h.app.choose_language(lang)
    h.app.text_scale = scale
    h.frames(3)


def shown(label) -> str:
    return label.text.replace("\n", " ")


def lines(label) -> int:
    label.texture_update()
    return len(label._label._cached_lines)


@pytest.mark.parametrize("lang", ["en", "ar", "ta"])
def test_text_size_and_contrast_say_their_state_in_words(kiosk, lang):
    h = kiosk
    start(h, lang)
    app = h.app
    bar = app.toolbar.buttons
    size, contrast = bar["text_size"].label, bar["contrast"].label
    for n in (100, 150, 200, 100):
        want = app.fmt("Text size: {n} %", n=n)
        assert shown(size) == want and app.num(n) in want, (shown(size), want)
        assert lang == "en" or want != f"Text size: {n} %", "translated"
        h.tap(bar["text_size"])
    for state in ("off", "on", "off"):
        assert shown(contrast) == app.tr(f"Contrast: {state}")
        h.tap(bar["contrast"])


@pytest.mark.parametrize("lang", ["en", "ta", "ur"])
def test_toolbar_words_grow_with_the_text_and_stay_in_the_bar(kiosk, lang):
    h = kiosk
    start(h, lang)
    bar = h.app.toolbar
    small = {k: b.label.font_size for k, b in bar.buttons.items()}
    h.app.text_scale = 2.0
    h.frames(3)
    grown = {k: b.label.font_size / small[k] for k, b in bar.buttons.items()}
    least = 1.4 if lang == "en" else 1.15
    assert min(grown.values()) >= least, f"toolbar words grew only {grown}"
    # Within the bar's space: across the window, a fifth of its height at most, no overlap.
    assert bar.height <= h.window.height * 0.2 + 1, f"toolbar {bar.height:.0f} px tall"
    boxes = sorted((b.to_window(b.x, 0)[0], b.to_window(b.right, 0)[0])
                   for b in bar.buttons.values() if b.parent is not None)
    assert boxes[0][0] >= 0 and boxes[-1][1] <= h.window.width, boxes
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(boxes)), "buttons overlap"
    for b in bar.buttons.values():
        assert b.label.texture_size[0] <= b.width + 1 and b.natural_height <= bar.height, b.label.text


# The guide's two actions do not fit side by side at 200 % in Somali ("Fur adeegga rasmiga
# ah", "Ku sii wad taleefankaaga") or Tamil; in English they do (I have finished is at the
# end of the page, not in the footer).
@pytest.mark.parametrize("lang", ["so", "ta"])
def test_the_footer_keeps_to_one_row_with_more_for_the_rest(kiosk, lang):
    h = kiosk
    start(h, lang, 2.0)
    h.app.go("guide", id="register-to-vote")
    h.frames(3)
    screen = h.screen
    shown_now = [b for b in reversed(screen.footer.children)]
    assert shown_now == [screen.official, screen.more], "the main action, then More"
    room = screen.footer.width - screen.footer.padding[0] - screen.footer.padding[2]
    assert screen.official.width + screen.more.width <= room + 1, "both on the row"
    assert all(lines(b) == 1 for b in shown_now), "each on one line"
    assert screen.footer.height < h.window.height * 0.17

    h.tap(screen.phone)  # behind More: the harness opens More and taps it there, as a finger
    assert h.app._modals and type(h.app._modals[-1]).__name__ == "QRDialog"
    h.app._modals[-1].dismiss(animation=False)
    h.frames(1)

    h.tap(screen.more)
    dialog = h.app._modals[-1]
    texts = [b.text for b in dialog.actions]
    assert texts == [screen.phone.text]
    assert all(b.font_size >= screen.official.font_size for b in dialog.actions), \
        "large type"
    h.tap(dialog.close)
    assert not h.app._modals

    h.app.text_scale = 1.0  # everything fits again: both, no More
    h.frames(3)
    assert list(reversed(screen.footer.children)) == [screen.official, screen.phone]
    assert all(lines(b) == 1 for b in screen.footer.children)


def test_a_lesson_footer_keeps_its_main_action_first_in_arabic(kiosk):
    h = kiosk
    start(h, "ar", 2.0)
    h.app.go("lesson", id="using-a-touchscreen", index=0)
    h.frames(3)
    screen = h.screen
    row = list(screen.footer.children)  # children are stored last-first: right to left
    assert row[0] is screen.next, "the main action on the right, first in reading order"
    assert all(lines(b) == 1 for b in row)


@pytest.mark.parametrize("lang, scale", [("ta", 1.5), ("ta", 2.0), ("en", 2.0)])
def test_show_all_steps_fits_its_words(kiosk, lang, scale):
    h = kiosk
    start(h, lang, scale)
    h.app.go("guide", id="register-to-vote")
    h.frames(3)
    b = h.screen.show_all
    assert lines(b) == 1, f"'{b.text}' on {lines(b)} lines"
    assert b.texture_size[0] <= b.width


@pytest.mark.parametrize("where", [("services", {}), ("tutorials", {}),
                                   ("tutorial_done", {"id": "using-a-touchscreen"})])
def test_cards_go_to_one_column_with_bigger_text(kiosk, where):
    from kiosk.app.screens.home import Card

    h = kiosk
    start(h, "en")
    h.app.go(where[0], **where[1])
    h.frames(3)

    def columns():
        cards = [c for c in find(h.screen.page, Card)]
        return len({round(c.to_window(c.x, 0)[0]) for c in cards})

    assert columns() == 2
    for scale in (1.5, 2.0):
        h.tap(h.app.toolbar.buttons["text_size"])  # on this screen, as it is shown
        assert h.app.text_scale == scale
        h.frames(2)
        assert columns() == 1, f"at {scale:.0%}"
    h.tap(h.app.toolbar.buttons["text_size"])
    h.frames(2)
    assert columns() == 2
