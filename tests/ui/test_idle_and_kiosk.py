"""The session ends by itself when nobody is there, and the kiosk cannot be left or changed
with the keyboard or the window manager."""

from __future__ import annotations

from kivy.core.window import Window

from kiosk.app.widgets.dialogs import IdleDialog
from tests.ui.conftest import confirm_end, event_types, find
from tests.ui.test_journey import assert_fresh


def start(h, lang="en"):
    h.tap(h.screen.start)
    h.tap(h.screen.choices[lang])
    h.tap(h.screen.cards["services"])


def idle_dialog(h):
    dialogs = [m for m in h.app._modals if isinstance(m, IdleDialog)]
    return dialogs[0] if dialogs else None


def test_idle_warning_then_continue_keeps_the_session(kiosk):
    h = kiosk
    h.app.idle_timeout = 10
    start(h)
    session = h.app.session_id
    h.advance(9)
    assert idle_dialog(h) is None, "no warning before the quiet time is over"
    h.advance(2)
    dialog = idle_dialog(h)
    assert dialog is not None and h.app.idle_warning_open
    assert dialog.seconds >= 20
    assert "30 seconds" in dialog.countdown.text
    h.advance(12)
    assert "18 seconds" in dialog.countdown.text, "the countdown is visible and moves"
    h.tap(dialog.more)
    assert idle_dialog(h) is None and not h.app.idle_warning_open
    assert h.app.session_id == session
    assert h.screen.__class__.__name__ == "ServicesScreen"
    # Touching the screen counts as being there: no warning while someone is busy.
    h.advance(8)
    h.tap(h.screen.cards["blue-badge"])
    h.advance(8)
    assert idle_dialog(h) is None
    types = event_types(h)
    assert "idle_warning" in types and "idle_continue" in types
    assert "idle_timeout" not in types


def test_no_answer_ends_the_session_and_clears_everything(kiosk):
    h = kiosk
    h.app.idle_timeout = 10
    start(h, "ar")
    h.app.toggle_contrast()
    h.app.cycle_text_size()
    h.advance(11)
    assert idle_dialog(h) is not None
    h.advance(29)
    assert h.app.session_id, "still waiting: 30 seconds to answer"
    h.advance(2)
    assert_fresh(h)
    events = h.outbox.all_events()
    types = [e["type"] for e in events]
    assert types[-2:] == ["idle_timeout", "session_end"]
    assert events[-1]["outcome"] == "timeout"


def test_attract_screen_never_times_out(kiosk):
    h = kiosk
    h.app.idle_timeout = 10
    h.advance(100)
    assert idle_dialog(h) is None
    assert event_types(h) == []


def test_keys_and_close_requests_do_not_leave_the_kiosk(kiosk):
    h = kiosk
    start(h)
    screen = h.screen
    for key, mods in ((27, []), (282, []), (292, []), (285, ["alt"]), (113, ["ctrl"])):
        codepoint = "q" if key == 113 else None
        handled = Window.dispatch("on_key_down", key, 0, codepoint, mods)
        h.frames(1)
        assert handled, f"key {key} {mods} was not swallowed"
    assert Window.dispatch("on_request_close") is True
    h.frames(2)
    assert h.app.open_settings() is False
    assert h.screen is screen and h.app.session_id
    assert not find(h.app.root, cls=None, text="Kivy")  # the settings panel never appeared


def test_read_aloud_reads_the_screen_and_stops_at_reset(kiosk):
    h = kiosk
    start(h)
    h.tap(h.screen.toolbar.buttons["read_aloud"])
    assert h.app.speaking
    text, lang = h.speech.said[-1]
    assert lang == "en" and "Get help with a service" in text
    assert h.screen.toolbar.buttons["read_aloud"].label.text == "Stop reading"
    stops = h.speech.stopped
    h.tap(h.screen.toolbar.buttons["read_aloud"])
    assert not h.app.speaking and h.speech.stopped > stops
    h.tap(h.screen.toolbar.buttons["read_aloud"])
    confirm_end(h)
    assert not h.app.speaking and h.speech.stopped > stops + 1


def test_read_aloud_reads_an_open_dialog_not_the_screen_behind_it(kiosk):
    """The toolbar is under an open dialog, out of reach: while Read aloud is on, a dialog
    that opens (Help, the idle warning, More) is read in place of the screen, and the
    reading stops when it closes."""
    h = kiosk
    h.app.idle_timeout = 10
    start(h, "ar")
    behind = h.app.tr("Get help with a service")
    h.tap(h.app.toolbar.buttons["read_aloud"])
    assert behind in h.speech.said[-1][0]

    h.tap(h.app.toolbar.buttons["help"])
    text, lang = h.speech.said[-1]
    assert lang == "ar" and h.app.tr("Ask a member of staff") in text and behind not in text
    assert h.app.speaking
    stops = h.speech.stopped
    said = len(h.speech.said)
    h.tap(h.app._modals[-1].close)
    assert not h.app.speaking and h.speech.stopped > stops, "nothing left to read"
    assert len(h.speech.said) == said
    assert h.app.toolbar.buttons["read_aloud"].label.text == h.app.tr("Read aloud")

    h.app.toggle_read_aloud()  # on again, and a dialog opened by nobody's tap
    h.advance(11)
    assert idle_dialog(h) is not None
    assert h.app.tr("Do you need more time?") in h.speech.said[-1][0]
    h.tap(idle_dialog(h).more)
    assert not h.app.speaking

    h.tap(h.app.toolbar.buttons["help"])  # Read aloud off: opening a dialog says nothing
    assert len(h.speech.said) == said + 2
    h.app.toggle_read_aloud()  # as the button would, were it in reach: the dialog is read
    assert h.app.tr("Ask a member of staff") in h.speech.said[-1][0]


def test_read_aloud_in_a_language_without_a_voice_says_so(kiosk):
    from kiosk.services.speech import FakeSpeech

    h = kiosk
    h.speech.voices = False  # as for Somali, or a terminal without espeak-ng
    assert isinstance(h.speech, FakeSpeech)
    start(h)
    h.tap(h.screen.toolbar.buttons["read_aloud"])
    assert not h.app.speaking and not h.speech.said
    texts = [getattr(w, "text", "") for m in h.app._modals for w in find(m)]
    assert any("not available" in t for t in texts)


def test_somali_has_no_voice_so_read_aloud_says_so(kiosk):
    """Somali has no espeak-ng voice: the button says so rather than reading English."""
    h = kiosk
    assert h.speech.voices  # the fake has voices for every language that has one
    h.tap(h.screen.start)
    h.tap(h.screen.choices["so"])
    h.tap(h.screen.toolbar.buttons["read_aloud"])
    assert not h.speech.said and not h.app.speaking
    texts = [getattr(w, "text", "") for m in h.app._modals for w in find(m)]
    assert h.app.fmt("Read aloud is not available in {language} yet.",
                     language="Soomaali") in texts
    for m in list(h.app._modals):
        m.dismiss(animation=False)
    h.app.switch_language("pl")  # a language with a voice reads in that language
    h.frames(2)
    h.tap(h.app.toolbar.buttons["read_aloud"])
    assert h.speech.said and h.speech.said[-1][1] == "pl"


def test_every_voice_in_the_registry_exists_in_espeak():
    import shutil
    import subprocess

    import pytest

    from kiosk.core import languages

    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed")
    listed = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True,
                            check=True).stdout
    names = {line.split()[1] for line in listed.splitlines()[1:] if line.split()}
    for lang in languages.LANGUAGES.values():
        if lang.voice:
            assert lang.voice in names, f"{lang.code}: no espeak-ng voice {lang.voice!r}"
