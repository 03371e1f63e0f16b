"""The attract screen invites a passer-by in each of the centre's languages in turn (the
greeting and "Touch to start" together, each in its own script and direction), and the
thank-you line after a session is in the language the citizen used."""

from __future__ import annotations

import pytest

from kiosk.core import i18n, languages

TOUCH = "Touch to start"
THANKS = "Thank you. Everything from your visit has been cleared."


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    from kiosk.app.harness import Harness

    harness = Harness(data_dir=tmp_path_factory.mktemp("attract"))
    yield harness
    harness.close()


def test_greeting_and_touch_to_start_turn_together_through_the_languages(h):
    h.app.end_session("start_again")
    h.frames(2)
    screen = h.screen
    codes = [c for c in h.app.catalogue.languages if languages.is_known(c)]
    seen = {}
    for _ in range(len(codes)):
        lang = screen.start.text_lang or "en"
        assert screen.greeting.text_lang == lang, "greeting and button in one language"
        seen[lang] = (screen.greeting.text, screen.start.text)
        screen._rotate()
        h.frames(1)
    assert sorted(seen) == sorted(codes), "every language of the centre comes round"
    for code, (greeting, touch) in seen.items():
        assert greeting == languages.get(code).greeting
        assert touch == i18n.tr(TOUCH, code)
        if code != "en":
            assert touch != TOUCH, f"{code}: 'Touch to start' not translated"


@pytest.mark.parametrize("code", ["ar", "ur", "fa", "bn", "ta"])
def test_each_in_its_own_script_and_direction(h, code):
    h.app.end_session("start_again")
    h.frames(2)
    screen = h.screen
    for _ in range(len(screen.greetings)):
        if screen.start.text_lang == code:
            break
        screen._rotate()
    h.frames(1)
    lang = languages.get(code)
    for w in (screen.greeting, screen.start):
        assert w.effective_lang == code
        assert w.font_script_name == lang.script and w.font_direction == lang.direction


@pytest.mark.parametrize("code", ["ar", "bn", "pl", "ta"])
def test_thank_you_in_the_language_the_citizen_used(h, code):
    app = h.app
    app.end_session("start_again")
    app.start_session()
    app.choose_language(code)
    h.frames(1)
    app.end_session("finished")
    h.frames(2)
    thanks = h.screen.thanks
    assert thanks.text == i18n.tr(THANKS, code) != THANKS
    assert thanks.effective_lang == code
    assert app.lang == "en", "the next person starts from the usual language"


def test_the_thank_you_goes_before_the_next_person_comes(h):
    """It says which language the last person used: not for long."""
    app = h.app
    app.end_session("start_again")
    app.start_session()
    app.choose_language("ar")
    app.end_session("finished")
    h.frames(2)
    screen = h.screen
    assert screen.thanks.opacity == 1
    h.now += 60
    screen._rotate()
    assert screen.thanks.opacity == 0 and screen.thanks.text == ""
