"""Before a citizen opens a service or a lesson that is not yet in their language, a clear
box in their language says it is in English and that staff can help: on the service's start
page and on the lesson's first page (a small grey line is easy to miss).

The bundled content is in every language, so these tests run on a variant of it where some
languages are missing (a centre's partial pack: tests/content_variants.py)."""

from __future__ import annotations

import pytest
from kivy.metrics import dp

from kiosk.core import content, i18n
from kiosk.core.settings import DEFAULT_CONTENT_DIR
from tests import content_variants

CATALOGUE = content.load(DEFAULT_CONTENT_DIR)
SERVICE, TUTORIAL = "register-to-vote", "using-a-touchscreen"
NOT_IN_CONTENT = ["ta", "fa", "es", "so"]  # an interface, but no content in the variant
IN_CONTENT = ["ar", "bn", "ur", "pl"]
ASK = "Ask staff for help in your language."
SMALL_NOTE = "Some of this page is in English because it has not been translated yet."


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    from kiosk.app.harness import Harness

    variant = content_variants.without(tmp_path_factory.mktemp("content"), *NOT_IN_CONTENT)
    harness = Harness(data_dir=tmp_path_factory.mktemp("notice"), catalogue=variant)
    yield harness
    harness.close()


def visit(h, lang, screen, scale=1.0, **params):
    app = h.app
    app.end_session("start_again")
    app.start_session()
    app.choose_language(lang)
    app.text_scale = scale
    app.go(screen, **params)
    h.frames(4)
    return h.screen


def texts(widget):
    from kiosk.app.widgets.text import KLabel
    from tests.ui.conftest import find

    return [w.text for w in find(widget, KLabel)]


def in_view(h, widget):
    scroll = h.screen.scroll
    _, y0 = widget.to_window(widget.x, widget.y)
    _, y1 = widget.to_window(widget.x, widget.top)
    _, sy0 = scroll.to_window(scroll.x, scroll.y)
    return y0 >= sy0 - 0.5 and y1 <= sy0 + scroll.height + 0.5


def assert_notice(h, screen, lang, what):
    notice = getattr(screen, "notice", None)
    assert notice is not None, f"{lang}: no notice on the {what}"
    shown = texts(notice)
    assert i18n.tr(f"This {what} is in English", lang) in shown
    assert i18n.tr(ASK, lang) in shown
    for msgid in (f"This {what} is in English", ASK):
        assert i18n.tr(msgid, lang) != msgid, f"{lang}: {msgid!r} not translated"
    assert notice.edge_width >= dp(4), "a box that stands out, not a grey line"
    # Its heading is seen before anything else, without scrolling (at 200 % beside a
    # lesson's practice, the rest of the box may continue below).
    assert in_view(h, notice.children[-1]), "seen before anything else, without scrolling"
    assert notice.children[-1].text == i18n.tr(f"This {what} is in English", lang)
    assert i18n.tr(SMALL_NOTE, lang) not in screen.read_aloud_text(), "said once"


@pytest.mark.parametrize("scale", [1.0, 2.0], ids=["100", "200"])
@pytest.mark.parametrize("lang", NOT_IN_CONTENT)
def test_service_start_page_says_the_guide_is_in_english(h, lang, scale):
    screen = visit(h, lang, "service", scale, id=SERVICE)
    assert_notice(h, screen, lang, "guide")


@pytest.mark.parametrize("scale", [1.0, 2.0], ids=["100", "200"])
@pytest.mark.parametrize("lang", NOT_IN_CONTENT)
def test_first_lesson_page_says_the_lesson_is_in_english(h, lang, scale):
    screen = visit(h, lang, "lesson", scale, id=TUTORIAL, index=0)
    assert_notice(h, screen, lang, "lesson")


@pytest.mark.parametrize("lang", NOT_IN_CONTENT[:2])
def test_later_pages_keep_the_small_note(h, lang):
    screen = visit(h, lang, "lesson", id=TUTORIAL, index=1)
    assert getattr(screen, "notice", None) is None
    assert i18n.tr(SMALL_NOTE, lang) in screen.read_aloud_text()


@pytest.mark.parametrize("lang", IN_CONTENT)
def test_no_notice_when_the_content_is_in_the_language(h, lang):
    for screen in (visit(h, lang, "service", id=SERVICE),
                   visit(h, lang, "lesson", id=TUTORIAL, index=0)):
        assert getattr(screen, "notice", None) is None


def test_english_needs_no_notice(h):
    assert getattr(visit(h, "en", "service", id=SERVICE), "notice", None) is None


@pytest.mark.parametrize("lang", NOT_IN_CONTENT)
def test_the_shipped_content_needs_no_notice_in_these_languages(lang):
    """The opposite: the bundled content is now in these languages, so it shows no notice."""
    for item in (CATALOGUE.services[SERVICE], CATALOGUE.tutorials[TUTORIAL]):
        assert content.mostly_in(item, lang) and content.share_in(item, lang) == 1.0
