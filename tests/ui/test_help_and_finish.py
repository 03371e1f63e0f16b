"""Issue 10, the citizen's visit: one tap must not wipe a visit (finishing asks first), a
Help button on every screen, Read aloud that says why it cannot read in a language without a
voice, and toolbar labels that do not look alike side by side."""

from __future__ import annotations

from itertools import pairwise

import pytest

from kiosk.core import languages, theme
from tests import content_variants
from tests.ui.conftest import event_types, find
from tests.ui.test_journey import assert_fresh

ALL_LANGS = list(languages.LANGUAGES)


def begin(h, lang="en"):
    h.tap(h.screen.start)
    h.tap(h.screen.choices[lang])
    assert h.app.lang == lang


def modal(h, name: str):
    """The one open dialog of class `name` (by name: no import of a class that may not
    exist yet)."""
    found = [m for m in h.app._modals if type(m).__name__ == name]
    assert len(found) == 1, f"one {name} open; open: {[type(m).__name__ for m in h.app._modals]}"
    return found[0]


def texts(widget) -> list[str]:
    return [w.text for w in find(widget) if getattr(w, "text", "")]


def on_guide(h, lang="en"):
    begin(h, lang)
    h.app.go("guide", id="register-to-vote")
    h.frames(2)
    assert h.screen.__class__.__name__ == "GuideScreen"
    return h.screen


# ----- 1. one tap wipes a visit ---------------------------------------------------------------
def test_one_tap_on_finish_and_clear_asks_first(kiosk):
    h = kiosk
    guide = on_guide(h)
    session = h.app.session_id
    h.tap(h.app.toolbar.buttons["start_again"])
    assert h.app.session_id == session, "one tap ended the session"
    assert h.screen is guide
    ask = modal(h, "ConfirmEndDialog")
    tr = h.app.tr
    assert tr("This will clear everything you did here. Clear and start again?") in texts(ask)
    assert ask.clear.text == tr("Clear and start again") and ask.go_back.text == tr("Go back")
    assert "session_end" not in event_types(h)


def test_one_tap_on_i_have_finished_asks_first(kiosk):
    h = kiosk
    guide = on_guide(h)
    session = h.app.session_id
    h.tap(guide.finish)
    assert h.app.session_id == session and h.screen is guide, "one tap ended the session"
    modal(h, "ConfirmEndDialog")
    h.app.go("tutorial_done", id="using-a-touchscreen")
    h.frames(2)
    for m in list(h.app._modals):
        m.dismiss(animation=False)
    h.tap(h.screen.finish)
    assert h.app.session_id == session
    modal(h, "ConfirmEndDialog")


def test_i_have_finished_is_not_beside_the_main_action(kiosk):
    """The main action (the footer) and ending the visit are apart: *I have finished* is
    not in the footer any more."""
    h = kiosk
    guide = on_guide(h)
    assert guide.finish.parent is not guide.footer
    assert guide.official.parent is guide.footer
    h.app.go("tutorial_done", id="using-a-touchscreen")
    h.frames(2)
    assert h.screen.finish.parent is not h.screen.footer


@pytest.mark.parametrize("how, outcome", [("toolbar", "start_again"), ("footer", "finished")])
def test_confirming_ends_the_session_through_end_session(kiosk, monkeypatch, how, outcome):
    h = kiosk
    ends = []
    real = h.app.end_session
    monkeypatch.setattr(h.app, "end_session", lambda o: (ends.append(o), real(o)))
    guide = on_guide(h, "ar")
    h.tap(h.app.toolbar.buttons["contrast"])
    h.tap(h.app.toolbar.buttons["text_size"])
    h.tap(h.app.toolbar.buttons["start_again"] if how == "toolbar" else guide.finish)
    h.tap(modal(h, "ConfirmEndDialog").clear)
    assert ends == [outcome]
    assert_fresh(h)
    end = next(e for e in h.outbox.all_events() if e["type"] == "session_end")
    assert end["outcome"] == outcome


def test_go_back_keeps_everything(kiosk):
    from kiosk.app.widgets.keyboard import TypedField

    h = kiosk
    app = h.app
    begin(h, "ar")
    h.tap(app.toolbar.buttons["text_size"])
    app.go("lesson", id="on-screen-keyboard", index=1)
    h.frames(2)
    lesson = h.screen
    keyboard = lesson.practice.keyboard
    for ch in "sam":
        h.tap(keyboard.keys[ch])
    field = find(lesson, TypedField)[0]
    assert field.text == "sam"
    before = ([(p.screen, dict(p.params)) for p in app.history], app.session_id)
    h.tap(app.toolbar.buttons["start_again"])
    ask = modal(h, "ConfirmEndDialog")
    h.tap(ask.go_back)
    assert not app._modals
    assert h.screen is lesson and field.text == "sam"
    assert app.lang == "ar" and app.rtl and app.text_scale == 1.5
    assert ([(p.screen, dict(p.params)) for p in app.history], app.session_id) == before
    assert "session_end" not in event_types(h)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_go_back_comes_first_in_reading_order(kiosk, lang):
    h = kiosk
    on_guide(h, lang)
    h.tap(h.app.toolbar.buttons["start_again"])
    ask = modal(h, "ConfirmEndDialog")
    order = [w for w in find(ask) if w in (ask.go_back, ask.clear)]
    assert order == [ask.go_back, ask.clear]
    gx, gy = ask.go_back.to_window(*ask.go_back.center)
    cx, cy = ask.clear.to_window(*ask.clear.center)
    if abs(gy - cy) < 1:  # side by side: the start of the line comes first
        assert (gx > cx) if h.app.rtl else (gx < cx)
    else:  # one above the other
        assert gy > cy
    assert ask.go_back.kind == "primary", "the safe choice is the one that stands out"


def test_the_idle_timeout_still_ends_without_asking(kiosk):
    h = kiosk
    h.app.idle_timeout = 10
    on_guide(h, "bn")
    h.tap(h.app.toolbar.buttons["start_again"])  # asked, and then nobody answers
    modal(h, "ConfirmEndDialog")
    h.advance(11)
    h.advance(h.app.idle_warning + 1)
    assert_fresh(h)
    end = next(e for e in h.outbox.all_events() if e["type"] == "session_end")
    assert end["outcome"] == "timeout"


def test_finish_and_clear_is_not_styled_as_navigation(kiosk):
    h = kiosk
    on_guide(h)
    bar = h.app.toolbar.buttons
    finish = bar["start_again"]
    assert finish.label.text.split() == h.app.tr("Finish and clear").split()
    assert tuple(finish.bg) != tuple(bar["home"].bg), "not the nav button's colours"
    x = lambda w: w.to_window(*w.pos)[0]
    assert x(finish) == max(x(b) for b in bar.values()), "at the far end"
    h.app.switch_language("ar")
    h.frames(2)
    bar = h.app.toolbar.buttons
    assert x(bar["start_again"]) == min(x(b) for b in bar.values()), "far end, mirrored"


def test_finish_and_clear_takes_two_lines_only_when_the_bar_needs_it(kiosk):
    h = kiosk
    on_guide(h, "so")
    finish = h.app.toolbar.buttons["start_again"]
    assert "\n" not in finish.label.text
    h.app.text_scale = 2.0  # Somali at 200 %: one line would push it off the screen
    h.frames(3)
    assert "\n" in finish.label.text
    x1 = finish.to_window(finish.right, 0)[0]
    assert x1 <= h.window.width
    h.app.text_scale = 1.0
    h.frames(3)
    assert "\n" not in finish.label.text


# ----- 2. a way to ask for help ---------------------------------------------------------------
SCREENS = [("home", {}), ("services", {}), ("service", {"id": "register-to-vote"}),
           ("guide", {"id": "register-to-vote"}), ("tutorials", {}),
           ("lesson", {"id": "using-a-touchscreen", "index": 0}),
           ("tutorial_done", {"id": "using-a-touchscreen"}), ("help_here", {}),
           ("language", {})]


def test_help_is_on_every_screen(kiosk):
    h = kiosk
    begin(h)
    for name, params in SCREENS:
        h.app.go(name, **params)
        h.frames(2)
        button = h.app.toolbar.buttons.get("help")
        assert button is not None and button.get_root_window() is not None, name
        assert button.label.text == "Help"


def test_help_says_how_to_get_help_and_records_nothing(kiosk):
    h = kiosk
    on_guide(h, "en")
    before = h.outbox.all_events()
    h.tap(h.app.toolbar.buttons["help"])
    dialog = modal(h, "HelpDialog")
    shown = "\n".join(texts(dialog))
    centre = h.app.offer.centre  # the demo centre's configuration
    assert "member of staff" in shown
    for hours in centre.hours.get("en").splitlines():
        assert hours in shown
    for name in ("Language", "Text size", "Contrast", "Read aloud"):
        assert f"“{name}”" in shown, name  # named as the toolbar shows them
        assert any(name in b.label.text for b in h.app.toolbar.buttons.values())
    assert "Ask staff for help in your language" not in shown, "the guide is in English"
    buttons = [w for w in find(dialog) if hasattr(w, "kind") and w.opacity > 0]
    assert buttons == [dialog.close], "one button closes it"
    h.tap(dialog.close)
    assert not h.app._modals and h.screen.__class__.__name__ == "GuideScreen"
    assert h.outbox.all_events() == before, "no usage event, nothing about the citizen"


@pytest.fixture
def no_tamil(tmp_path):
    """The app on a pack without Tamil content (the bundled content is in every language)."""
    h = content_variants.harness(tmp_path, content_variants.without(tmp_path, "ta"))
    yield h
    h.close()


def test_help_in_the_citizens_language_and_when_the_guide_is_in_english(no_tamil):
    h = no_tamil
    on_guide(h, "ta")  # no Tamil guides in this pack: the guide is shown in English
    h.tap(h.app.toolbar.buttons["help"])
    dialog = modal(h, "HelpDialog")
    shown = "\n".join(texts(dialog))
    tr = h.app.tr
    assert tr("Ask staff for help in your language") in shown
    assert tr("Ask staff for help in your language") != "Ask staff for help in your language"
    assert tr("Help") in shown and tr("Text size") in shown
    h.tap(dialog.close)
    # Bengali has the guide: nothing to apologise for.
    h.app.end_session("closed")
    h.frames(1)
    on_guide(h, "bn")
    h.tap(h.app.toolbar.buttons["help"])
    shown = "\n".join(texts(modal(h, "HelpDialog")))
    assert h.app.tr("Ask staff for help in your language") not in shown
    assert h.app.offer.centre.hours.get("bn").splitlines()[0] in shown


# ----- 3. read aloud without a voice ----------------------------------------------------------
def test_read_aloud_without_a_voice_is_disabled_and_says_why(kiosk):
    h = kiosk
    assert languages.get("so").voice is None
    on_guide(h, "so")
    button = h.app.toolbar.buttons["read_aloud"]
    standard = theme.STANDARD
    assert tuple(button.bg) == theme.rgba(standard.panel), "looks unavailable"
    assert tuple(button.label.color) == theme.rgba(standard.secondary_text)
    h.tap(button)
    assert not h.app.speaking and not h.speech.said
    shown = "\n".join(t for m in h.app._modals for t in texts(m))
    assert h.app.fmt("Read aloud is not available in {language} yet.",
                     language="Soomaali") in shown
    assert "Soomaali" in shown and "not available" not in shown, "in Somali, not English"
    events = [e for e in h.outbox.all_events() if e["type"] == "a11y_toggle"]
    assert events[-1]["outcome"] == "unavailable"
    for m in list(h.app._modals):
        m.dismiss(animation=False)
    h.tap(h.app.toolbar.buttons["help"])  # Help says so too, rather than "tap Read aloud"
    shown = "\n".join(texts(modal(h, "HelpDialog")))
    assert "Soomaali" in shown and "“Dhegeyso”" not in shown


def test_read_aloud_with_a_voice_looks_and_works_as_before(kiosk):
    h = kiosk
    on_guide(h, "en")
    button = h.app.toolbar.buttons["read_aloud"]
    assert tuple(button.bg) == tuple(h.app.toolbar.buttons["home"].bg)
    h.tap(button)
    assert h.app.speaking and h.speech.said and not h.app._modals


# ----- 4. labels that look alike side by side -----------------------------------------------------
def test_no_two_toolbar_buttons_share_their_first_word(kiosk):
    """Side by side (Polish "Start" beside "Zacznij od nowa") or a button apart (Somali "Dib
    u noqo" and "Dib u bilow"), labels that begin alike are mistaken for each other."""
    h = kiosk
    begin(h)
    h.app.go("guide", id="register-to-vote")
    adjacent, anywhere = [], []
    for lang in ALL_LANGS:
        h.app.switch_language(lang)
        h.frames(2)
        bar = sorted(h.app.toolbar.buttons.values(), key=lambda b: b.to_window(*b.pos)[0])
        words = [b.label.text.split()[0].casefold() for b in bar if b.opacity > 0]
        assert len(words) == len(h.app.toolbar.buttons), "Back shows on a guide"
        adjacent += [f"{lang}: {a!r} beside {b!r}" for a, b in pairwise(words) if a == b]
        anywhere += [f"{lang}: {w!r} begins {words.count(w)} labels" for w in set(words)
                     if words.count(w) > 1]
    assert not adjacent, adjacent
    assert not anywhere, anywhere


def test_home_is_not_called_start():
    """Home named "Start" (Polish), "the beginning" (Somali) or "Inizio" beside "Indietro"
    (Italian) reads like Start again or Back: Home says home page."""
    from kiosk.core import i18n

    assert i18n.tr("Home", "pl") == "Strona główna"
    assert i18n.tr("Home", "so") == "Hoyga"
    assert i18n.tr("Home", "it") == "Pagina iniziale"


# ----- the dialogs, looked at -----------------------------------------------------------------------
DIALOG_CASES = [pytest.param(which, lang, scale, contrast,
                             id=f"{which}-{lang}-{int(scale * 100)}{'-hc' if contrast else ''}")
                for which in ("help", "confirm", "no-voice")
                for lang in ("en", "ar", "ur", "bn", "ta", "pl", "so")
                for scale in (1.0, 2.0) for contrast in (False, True)
                if not (which == "no-voice" and lang != "so")]


@pytest.fixture(scope="module")
def one_app(tmp_path_factory):
    from kiosk.app.harness import Harness

    # Without Tamil content, so that Help in Tamil carries its longest text, "Ask staff for
    # help in your language" (the bundled content is in every language).
    variant = content_variants.without(tmp_path_factory.mktemp("content"), "ta")
    harness = Harness(data_dir=tmp_path_factory.mktemp("help-visual"), catalogue=variant)
    yield harness
    harness.close()


@pytest.mark.parametrize("which, lang, scale, contrast", DIALOG_CASES)
def test_dialogs_look_right(one_app, tmp_path, which, lang, scale, contrast):
    """Large type that fits its box, big targets apart, the close or answer buttons on the
    screen, in every script, at 100 % and 200 %, in both themes."""
    from tests.ui.test_visual import label_problems, picture_problems, target_problems

    h = one_app
    app = h.app
    app.end_session("closed")
    h.frames(1)
    app.start_session()
    app.choose_language(lang)
    app.text_scale = scale
    if contrast:
        app.toggle_contrast()
    app.go("guide", id="register-to-vote")
    h.frames(2)
    button = {"help": "help", "confirm": "start_again", "no-voice": "read_aloud"}[which]
    h.tap(app.toolbar.buttons[button])
    h.frames(3)
    assert app._modals, "a dialog is open"
    dialog = app._modals[-1]
    if which == "help":  # the longest Help where the guide is in English (Tamil, here)
        ask = app.tr("Ask staff for help in your language")
        assert (ask in "\n".join(texts(dialog))) == (lang == "ta"), ask
    problems = picture_problems(h.screenshot(tmp_path / f"{which}-{lang}.png"), h.window)
    problems += [p for _, p in label_problems(dialog)]
    problems += target_problems(dialog, h.window)
    x0, y0, x1, y1 = (*dialog.to_window(dialog.x, dialog.y),
                      *dialog.to_window(dialog.right, dialog.top))
    if y0 < -0.5 or y1 > h.window.height + 0.5 or x0 < -0.5 or x1 > h.window.width + 0.5:
        problems.append(f"the dialog sticks out of the window: {x0:.0f},{y0:.0f} "
                        f"{x1:.0f},{y1:.0f}")
    assert not problems, f"{which} in {lang} at {int(scale * 100)} %:\n  " + \
        "\n  ".join(problems)
