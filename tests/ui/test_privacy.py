"""Nothing of one citizen is left for the next. After a session that typed into practice
fields, changed text size and contrast, chose a language, opened the official service and
typed into its page, and copied text, each way out (the two buttons, the idle timeout)
shows the attract screen with default settings, empty fields, no history, no browser
process, profile or temporary files, and an empty clipboard.

The in-process runs use the fake browser (it shows the kiosk's bar as the real one does);
one run uses Debian's Chromium on a private X screen with a filled-in form on its page, then
checks that no process, folder or clipboard content is left. (Typing into the real page
with xdotool is not done yet: the key events did not reach the page.)"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from kivy.core.clipboard import Clipboard

from kiosk.app.harness import Harness
from kiosk.app.widgets.keyboard import TypedField
from kiosk.services.browser import ChromiumBrowser, FakeBrowser, processes_of
from tests.browsertools import CHROMIUM, LogServer, private_display
from tests.ui.conftest import confirm_end, find
from tests.ui.test_journey import assert_fresh

SECRET = "sam"


@pytest.fixture
def kiosk(tmp_path):
    h = Harness(data_dir=tmp_path, browser=FakeBrowser(window=True))
    yield h
    h.close()


def busy_session(h, url="https://www.gov.uk/register-to-vote") -> None:
    """Everything a citizen might leave behind."""
    h.tap(h.screen.start)
    h.tap(h.screen.choices["pl"])
    assert h.app.lang == "pl"
    h.tap(h.app.toolbar.buttons["text_size"])
    h.tap(h.app.toolbar.buttons["contrast"])
    assert h.app.text_scale > 1 and h.app.high_contrast
    h.app.go("lesson", id="on-screen-keyboard", index=1)
    h.frames(2)
    keyboard = h.screen.practice.keyboard
    for ch in SECRET:
        h.scroll_to(keyboard.keys[ch])
        h.tap(keyboard.keys[ch])
    assert find(h.screen, TypedField)[0].text == SECRET
    Clipboard.copy(f"{SECRET} 1 Example Road")  # what a citizen selected and copied
    h.app.go("guide", id="register-to-vote")
    h.frames(3)
    h.app.open_official("register-to-vote", url)
    assert h.wait_for(lambda: h.app.official is not None and
                      h.app.official.started is not None, 30), "the browser did not open"
    assert len(h.app.history) > 2


def assert_nothing_left(h) -> None:
    assert_fresh(h)
    assert Clipboard.paste() == "", "the clipboard still holds the last citizen's text"
    assert not find(h.window, TypedField), "a typed field is still on the window"
    assert h.app.official is None
    assert all(SECRET not in str(v) for e in h.outbox.all_events() for v in e.values())


@pytest.mark.parametrize("way_out", ["start_again", "finished", "timeout"])
def test_every_way_out_leaves_nothing(kiosk, way_out):
    h = kiosk
    busy_session(h)
    if way_out == "start_again":
        h.tap(next(w for w in h.window.children if type(w).__name__ == "BrowserCover").back)
        confirm_end(h)
    elif way_out == "finished":
        h.app.close_official("back")
        h.frames(2)
        confirm_end(h, h.screen.finish)
    else:
        h.app.idle_timeout = 10
        h.advance(11)
        h.advance(h.app.idle_warning + 1)
    h.frames(2)
    assert_nothing_left(h)
    assert not h.browser.is_open


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_with_the_real_browser_nothing_is_left(tmp_path):
    page = "<!doctype html><body><input id=q autofocus value='sam'></body>"
    server = LogServer("127.0.0.1", {"/service": page})
    folder = Path(tempfile.mkdtemp(prefix="kp-"))  # short: Chromium's socket path
    try:
        with private_display() as display:
            browser = ChromiumBrowser(display=display, temp_root=folder,
                                      extra_args=["--disable-gpu"])
            h = Harness(data_dir=tmp_path, browser=browser)
            try:
                busy_session(h, server.url("/service", host="localhost"))
                assert h.wait_for(lambda: "/service" in server.paths(), 30)
                run = browser.last_run
                assert (run.folder / "profile").is_dir()
                h.app.end_session("start_again")
                h.frames(2)
                assert_nothing_left(h)
                assert browser.wait_closed(15)
                assert not processes_of(run.proc.pid, run.marker, str(run.folder))
                assert not run.folder.exists() and not list(folder.iterdir()), \
                    "the browser's profile or temporary files were left"
            finally:
                h.close()
    finally:
        server.close()
        shutil.rmtree(folder, ignore_errors=True)
