"""The step-by-step guide follows GOV.UK's step-by-step navigation: numbers in circles
joined by one vertical line, "and" / "or" in the line's place, Show / Hide beside each
title, task links aligned with the step's text, no highlight on an open step, and buttons in
GOV.UK's colours (the contrast theme's in high contrast). Mirrored in right-to-left."""

from __future__ import annotations

import pytest
from kivy.metrics import dp
from kivy.uix.behaviors import ButtonBehavior

from kiosk.app.widgets.text import KButton, KLabel
from tests.ui.conftest import find

SERVICE = "universal-credit"  # has an "or" step, links and paragraphs
SERVICES = [SERVICE, "renew-a-passport"]  # the second has an "and" step


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    from kiosk.app.harness import Harness

    harness = Harness(data_dir=tmp_path_factory.mktemp("steps"))
    yield harness
    harness.close()


def guide(h, lang="en", scale=1.0, contrast=False, service=SERVICE):
    app = h.app
    app.end_session("start_again")
    app.start_session()
    app.choose_language(lang)
    app.text_scale = scale
    if contrast:
        app.toggle_contrast()
    app.go("guide", id=service)
    h.frames(3)
    h.screen.toggle_all()
    h.frames(3)
    return h.screen


def x_of(w):
    return w.to_window(w.x, w.y)[0]


def text_box(label):
    """Where a label's text is drawn, in window x: (left, right)."""
    left = x_of(label) + label.pad[0]
    right = x_of(label) + label.width - label.pad[0]
    width = min(label.texture_size[0] - 2 * label.pad[0], right - left)
    if label.halign == "right":
        return right - width, right
    return left, left + width


def ink(label):
    """The left and right of the words themselves in a label's texture."""
    lines = label._label._cached_lines
    widest = max(line.w for line in lines)
    left, right = text_box(label)
    if label.halign == "right":
        return right - widest, right
    return left, left + widest


def test_numbers_are_circles_and_logic_words_not_buttons(h):
    logic = set()
    for service in SERVICES:
        screen = guide(h, service=service)
        logic |= {s.step.logic for s in screen.steps}
        for s in screen.steps:
            assert not isinstance(s.marker, ButtonBehavior), "a step number is not a button"
            assert s.marker.shape == ("circle" if s.step.logic == "number" else "word")
    assert logic == {"number", "and", "or"}


@pytest.mark.parametrize("service", SERVICES)
def test_one_line_joins_the_steps_through_their_markers(h, service):
    screen = guide(h, service=service)
    line = screen.step_list.line
    xs = set(line.points[0::2])
    assert len(xs) == 1, "one vertical line"
    x = xs.pop()
    for s in screen.steps:
        assert s.marker.center_x == pytest.approx(x, abs=1), "markers sit on the line"
    ys = line.points[1::2]
    first, last = screen.steps[0].marker, screen.steps[-1].marker
    assert max(ys) >= first.y and min(ys) <= last.y, "from the first step to the last"


def test_an_open_step_is_not_highlighted(h):
    screen = guide(h)
    focus = list(h.app.theme.focus)
    for s in screen.steps:
        assert s.expanded
        for w in find(s):
            assert list(getattr(w, "bg", [])) != focus, f"{w} is focus-yellow"
            assert list(getattr(w, "fill", [])) != focus, f"{w} is focus-yellow"


@pytest.mark.parametrize("lang", ["en", "ar", "bn", "ur"])
def test_show_and_hide_sit_beside_the_title(h, lang):
    screen = guide(h, lang)
    for s in screen.steps:
        left, right = ink(s.title)
        tl, tr = ink(s.toggle)
        gap = (tl - right) if not h.app.rtl else (left - tr)
        assert 0 <= gap <= dp(40), f"{lang}: Hide is {gap:.0f} px from {s.title.text!r}"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_task_links_line_up_with_the_text(h, lang):
    screen = guide(h, lang)
    edge = 1 if h.app.rtl else 0
    checked = 0
    for s in screen.steps:
        texts = [w for w in find(s.body, KLabel) if not isinstance(w, KButton)]
        links = [w for w in find(s.body, KButton)]
        title_edge = text_box(s.title)[edge]
        for w in texts + links:
            assert text_box(w)[edge] == pytest.approx(title_edge, abs=1.5), \
                f"{lang}: {w.text[:30]!r} starts at {text_box(w)[edge]:.0f}, the title at " \
                f"{title_edge:.0f}"
            checked += bool(links)
    assert checked


def rgba(hex_colour):
    from kiosk.core.theme import rgba as conv

    return list(conv(hex_colour))


@pytest.mark.parametrize("contrast", [False, True], ids=["standard", "high-contrast"])
def test_buttons_in_govuk_colours(h, contrast):
    from kiosk.core import theme

    screen = guide(h, contrast=contrast)
    t = theme.HIGH_CONTRAST if contrast else theme.STANDARD
    if not contrast:
        assert (t.primary, t.panel, t.panel_text) == ("#00703c", "#f3f2f1", "#0b0c0c")
    assert list(screen.official.bg) == rgba(t.primary)
    assert list(screen.official.color) == rgba(t.primary_text)
    for b in (screen.phone, screen.finish, screen.show_all):
        assert list(b.bg) == rgba(t.panel), f"{b.text} is a grey secondary button"
        assert list(b.color) == rgba(t.panel_text)
    marker = screen.steps[0].marker
    assert list(marker.fill) == rgba(t.background)
    assert list(marker.color) == rgba(t.text)
    assert list(screen.step_list.line_colour.rgba) == rgba(t.border)


def test_contrast_switched_on_the_guide_restyles_the_steps(h):
    from kiosk.core import theme

    screen = guide(h)
    h.app.toggle_contrast()
    h.frames(2)
    t = theme.HIGH_CONTRAST
    assert list(screen.steps[0].marker.fill) == rgba(t.background)
    assert list(screen.steps[0].marker.color) == rgba(t.text)
    assert list(screen.step_list.line_colour.rgba) == rgba(t.border)


@pytest.mark.parametrize("lang", ["ar", "ur", "fa"])
def test_right_to_left_mirrors_the_steps(h, lang):
    screen = guide(h, lang)
    line_x = screen.step_list.line.points[0]
    assert line_x > screen.step_list.center_x, "the line on the right"
    for s in screen.steps:
        assert x_of(s.marker) > x_of(s.title) > x_of(s.toggle)
    assert x_of(screen.show_all) + screen.show_all.width == pytest.approx(
        x_of(screen.steps[0].title) + screen.steps[0].title.width, abs=2) or \
        x_of(screen.show_all) > screen.step_list.center_x, "Show all steps on the right"


def test_tapping_a_step_number_still_opens_it(h):
    screen = guide(h)
    screen.toggle_all()  # all closed
    h.frames(2)
    step = screen.steps[1]
    assert not step.expanded
    h.tap(step.marker)
    assert step.expanded
