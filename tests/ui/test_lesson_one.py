"""The first lesson as a first-time user meets it: the practice is on the screen without
scrolling (at 100 % and 200 % text), and the Up and Down page buttons are taught before a
lesson page needs them."""

from __future__ import annotations

import pytest

from kiosk.core import i18n

LANGS = ["en", "ar", "ur", "bn", "ta"]
TUTORIAL = "using-a-touchscreen"


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    from kiosk.app.harness import Harness

    harness = Harness(data_dir=tmp_path_factory.mktemp("lesson-one"))
    yield harness
    harness.close()


def show_lesson(h, lang: str, scale: float, index: int = 0):
    app = h.app
    app.end_session("start_again")
    app.start_session()
    app.choose_language(lang)
    app.text_scale = scale
    app.go("lesson", id=TUTORIAL, index=index)
    h.frames(4)
    return h.screen


def rect(w):
    x0, y0 = w.to_window(w.x, w.y)
    x1, y1 = w.to_window(w.right, w.top)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def inside(inner, outer) -> bool:
    return (inner[0] >= outer[0] - 0.5 and inner[1] >= outer[1] - 0.5
            and inner[2] <= outer[2] + 0.5 and inner[3] <= outer[3] + 0.5)


@pytest.mark.parametrize("scale", [1.0, 2.0], ids=["100", "200"])
@pytest.mark.parametrize("lang", LANGS)
def test_every_practice_target_is_in_view_without_scrolling(h, lang, scale):
    screen = show_lesson(h, lang, scale)
    practice = screen.practice
    assert practice.__class__.__name__ == "TapTargetPractice"
    assert screen.scroll.scroll_y == 1, "nothing has scrolled the page"
    page = rect(screen.scroll)
    for n in range(len(practice.item.targets)):
        target = practice.target_button
        assert inside(rect(target), page), (
            f"{lang} at {int(scale * 100)} %: target {n + 1} {target.text!r} at {rect(target)} "
            f"is not inside the visible page {page}")
        practice.hit()  # as a tap would, without anything scrolling
        h.frames(2)
        assert screen.scroll.scroll_y == 1


@pytest.mark.parametrize("lang", LANGS)
def test_lesson_one_needs_no_page_buttons_at_normal_size(h, lang):
    """The page buttons are taught in lesson two: lesson one fits the screen, also once its
    practice is done."""
    screen = show_lesson(h, lang, 1.0)
    assert screen.rail.disabled, f"{lang}: lesson one is longer than the screen"
    for _ in screen.practice.item.targets:
        screen.practice.hit()
    h.frames(3)
    assert screen.practice.done
    assert screen.rail.disabled, f"{lang}: lesson one grows past the screen when done"


def test_lesson_two_teaches_the_up_and_down_buttons(h):
    tutorial = h.app.catalogue.tutorials[TUTORIAL]
    second = tutorial.lessons[1]
    for lang in ("en", "ar", "ur", "bn", "pl", "ro"):
        text = " ".join(p.get(lang) for p in second.body)
        for word in ("Up", "Down"):
            assert i18n.tr(word, lang) in text, f"{lang}: lesson two does not name {word}"
    first = " ".join(p.get("en") for p in second.body[:1])
    assert "Up" in first and "Down" in first, "the buttons come first, sliding after"


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_progress_fills_from_the_right_in_right_to_left(h, lang):
    from kiosk.app.screens.tutorials import LessonProgress
    from tests.ui.conftest import find

    screen = show_lesson(h, lang, 1.0)
    bar = find(screen, LessonProgress)[0]
    fill = [i for i in bar.canvas.children if type(i).__name__ == "Rectangle"][-1]
    assert fill.pos[0] + fill.size[0] == pytest.approx(bar.x + bar.width)
