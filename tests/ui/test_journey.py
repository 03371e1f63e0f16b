"""A citizen's whole journey by touches: attract, language, home, a service guide, the
official service, the phone hand-off, finish, and every piece of state cleared."""

from __future__ import annotations

from kiosk.app.widgets.dialogs import QRDialog
from kiosk.app.widgets.keyboard import TypedField
from tests.ui.conftest import confirm_end, event_types, find


def test_whole_journey_by_touch(kiosk):
    h = kiosk
    app = h.app
    assert h.screen.__class__.__name__ == "AttractScreen"
    h.tap(h.screen.start)
    assert app.session_id
    assert h.screen.__class__.__name__ == "LanguageScreen"

    h.tap(h.screen.choices["en"])
    assert h.screen.__class__.__name__ == "HomeScreen"
    h.tap(h.screen.cards["services"])
    assert h.screen.__class__.__name__ == "ServicesScreen"

    card = h.screen.cards["register-to-vote"]
    h.scroll_to(card)
    h.tap(card)
    assert h.screen.__class__.__name__ == "ServiceScreen"
    assert "Register to vote" in h.screen.read_aloud_text()

    # The citizen makes the text bigger and switches contrast on the way.
    h.tap(h.screen.toolbar.buttons["text_size"])
    h.tap(h.screen.toolbar.buttons["contrast"])
    assert app.text_scale == 1.5 and app.high_contrast

    h.tap(h.screen.start_now)
    guide = h.screen
    assert guide.__class__.__name__ == "GuideScreen"
    step1, step2 = guide.steps[0], guide.steps[1]
    h.tap(step1.toggle)
    assert step1.expanded and step1.body is not None and step1.body.parent is step1
    h.scroll_to(step2)
    h.tap(step2.marker)
    assert step2.expanded

    h.tap(guide.official)
    assert h.wait_for(lambda: h.browser.opened == ["https://www.gov.uk/register-to-vote"])
    assert h.wait_for(lambda: "official_link_opened" in event_types(h))

    h.tap(guide.phone)
    dialogs = [m for m in app._modals if isinstance(m, QRDialog)]
    assert len(dialogs) == 1
    assert h.wait_for(lambda: dialogs[0].code.ready)
    assert dialogs[0].url == "https://www.gov.uk/register-to-vote"
    buttons = find(dialogs[0], text="Close")
    h.tap(buttons[0])
    assert not app._modals

    confirm_end(h, guide.finish)
    assert_fresh(h)

    types = event_types(h)
    for expected in ("session_start", "language_chosen", "screen_view", "guide_opened",
                     "step_expanded", "official_link_opened", "qr_shown", "a11y_toggle",
                     "session_end"):
        assert expected in types, expected
    events = h.outbox.all_events()
    end = next(e for e in events if e["type"] == "session_end")
    assert end["outcome"] == "finished"
    assert len({e["session"] for e in events}) == 1
    steps = [e["outcome"] for e in events if e["type"] == "step_expanded"]
    assert steps == ["step-1", "step-2"]


def assert_fresh(h):
    """Nothing of the last session is left: the one reset path did its work."""
    app = h.app
    assert h.screen.__class__.__name__ == "AttractScreen"
    assert app.session_id == ""
    assert app.lang == "en" and not app.rtl
    assert app.text_scale == 1.0
    assert not app.high_contrast and app.theme.name == "standard"
    assert [p.screen for p in app.history] == ["attract"]
    assert len(app.manager.screens) == 1
    assert not app._modals and not app.idle_warning_open
    assert not find(app.root, TypedField)
    assert h.speech.stopped > 0 and not h.browser.is_open
    assert getattr(h.browser, "closed", 1) > 0  # the fake counts its close() calls


def test_start_again_clears_typing_and_language(kiosk):
    h = kiosk
    app = h.app
    h.tap(h.screen.start)
    h.tap(h.screen.choices["ar"])
    assert app.lang == "ar" and app.rtl
    app.go("lesson", id="on-screen-keyboard", index=1)
    h.frames(2)
    fields = find(h.screen, TypedField)
    assert fields, "the keyboard lesson has a typing practice"
    keyboard = h.screen.practice.keyboard
    for ch in "sam":
        h.scroll_to(keyboard.keys[ch])
        h.tap(keyboard.keys[ch])
    assert fields[0].text == "sam"
    # Read aloud never reads what was typed.
    app.toggle_read_aloud()
    said = h.speech.said[-1][0] if h.speech.said else ""
    assert "sam" not in said.split()
    confirm_end(h)
    assert_fresh(h)
    end = next(e for e in h.outbox.all_events() if e["type"] == "session_end")
    assert end["outcome"] == "start_again"
    assert all("sam" not in str(v) for e in h.outbox.all_events() for v in e.values())


def test_rtl_mirrors_the_toolbar(kiosk):
    h = kiosk
    h.tap(h.screen.start)
    h.tap(h.screen.choices["ar"])
    h.app.go("services")
    h.frames(3)
    bar = h.screen.toolbar.buttons
    assert bar["back"].to_window(*bar["back"].pos)[0] > bar["home"].to_window(
        *bar["home"].pos)[0], "Back is on the right in Arabic"
    assert bar["read_aloud"].to_window(*bar["read_aloud"].pos)[0] < h.window.width / 2
    h.app.end_session("start_again")
    h.frames(2)
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    h.app.go("services")
    h.frames(3)
    bar = h.screen.toolbar.buttons
    assert bar["back"].to_window(*bar["back"].pos)[0] < bar["home"].to_window(
        *bar["home"].pos)[0]


def test_help_here_and_back(kiosk):
    h = kiosk
    h.tap(h.screen.start)
    h.tap(h.screen.choices["bn"])
    h.tap(h.screen.cards["help"])
    assert h.screen.__class__.__name__ == "HelpHereScreen"
    text = h.screen.read_aloud_text()
    assert h.app.offer.centre.name.get("bn") in text
    h.tap(h.screen.toolbar.buttons["back"])
    assert h.screen.__class__.__name__ == "HomeScreen"
    h.tap(h.screen.toolbar.buttons["home"])
    assert h.screen.__class__.__name__ == "HomeScreen"


def test_untranslated_content_is_marked_in_english(tmp_path):
    """In a pack without Spanish content (the bundled content is in every language), Spanish
    has an interface but no content: each item falls back to English alone, and says so
    (tests/ui/test_language_notice.py has the notice box in detail)."""
    from tests import content_variants

    h = content_variants.harness(tmp_path, content_variants.without(tmp_path, "es"))
    try:
        _untranslated_content_is_marked_in_english(h)
    finally:
        h.close()


def _untranslated_content_is_marked_in_english(h):
    from kiosk.app.screens.home import Card

    h.tap(h.screen.start)
    h.tap(h.screen.choices["es"])
    h.tap(h.screen.cards["services"])
    h.frames(2)
    card = h.screen.cards["register-to-vote"]
    assert card.heading.text == "Register to vote" and card.heading.effective_lang == "en"
    tags = [getattr(w, "text", "") for w in find(card) if w not in (card.heading, card.detail)]
    assert h.app.tr("In English") in tags and h.app.tr("In English") != "In English"
    h.tap(card)
    # The start page of a service not in the language says so in a box, before the guide.
    note = h.app.tr("This guide is in English")
    assert note in h.screen.read_aloud_text() and note != "This guide is in English"
    h.app.switch_language("pl")  # translated: no marker, content in Polish
    h.frames(2)
    assert note not in h.screen.read_aloud_text()
    assert h.app.catalogue.services["register-to-vote"].title.get("pl") in \
        h.screen.read_aloud_text()
    assert not [c for c in find(h.app.root, Card)]  # a start page has no cards


def test_language_button_switches_the_current_screen_live(kiosk):
    h = kiosk
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    h.app.go("guide", id="register-to-vote")
    h.frames(2)
    h.tap(h.app.toolbar.buttons["language"])
    assert h.screen.__class__.__name__ == "LanguageScreen"
    h.tap(h.app.toolbar.buttons["language"])  # pressing it again changes nothing
    assert [p.screen for p in h.app.history][-3:] == ["home", "guide", "language"]
    h.tap(h.screen.choices["ur"])
    assert h.screen.__class__.__name__ == "GuideScreen" and h.app.lang == "ur" and h.app.rtl
    assert h.app.catalogue.services["register-to-vote"].guide.title.get("ur") in \
        h.screen.read_aloud_text()
    assert h.app.toolbar.lang == "ur"
    events = [e for e in h.outbox.all_events() if e["type"] == "language_chosen"]
    assert [e["language"] for e in events] == ["en", "ur"]
