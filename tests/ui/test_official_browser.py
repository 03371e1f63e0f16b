"""The app's *Open the official service* with the real browser service and Debian's
Chromium (on a private X screen of its own, so input there is the test's alone; loopback
only): the kiosk returns when the browser is killed, the idle timeout applies while it is
open (judged from input anywhere on that screen), and the session's end leaves nothing."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from kiosk.app.harness import Harness
from kiosk.app.widgets.browserbar import BrowserCover
from kiosk.app.widgets.dialogs import IdleDialog
from kiosk.services.browser import ChromiumBrowser, processes_of
from tests.browsertools import CHROMIUM, LogServer, private_display, wait_for, xdotool
from tests.ui.test_journey import assert_fresh

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

PAGE = "<!doctype html><body style='background:#8c8'><h1>An official service</h1></body>"


@pytest.fixture(scope="module")
def display():
    with private_display() as name:
        yield name


@pytest.fixture
def site():
    server = LogServer("127.0.0.1", {"/service": PAGE})
    yield server
    server.close()


@pytest.fixture
def kiosk(display, tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="kb-"))  # short: Chromium's socket path
    browser = ChromiumBrowser(display=display, temp_root=folder, extra_args=["--disable-gpu"])
    h = Harness(data_dir=tmp_path, browser=browser)
    yield h
    h.close()
    assert browser.wait_closed(15)
    assert not list(folder.iterdir()), "a browser folder was left"
    shutil.rmtree(folder, ignore_errors=True)


def open_service(h, site) -> None:
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    h.app.go("guide", id="register-to-vote")
    h.frames(3)
    # The guide's own address is on GOV.UK; a loopback page stands in for it (its site
    # is allowed because it is the address asked for, as a guide's links are).
    h.app.open_official("register-to-vote", site.url("/service", host="localhost"))
    assert h.wait_for(lambda: "/service" in site.paths(), 30), "the browser did not load"
    assert h.wait_for(lambda: h.app.official is not None and
                      h.app.official.started is not None, 10)


def cover(h):
    return next((w for w in h.window.children if isinstance(w, BrowserCover)), None)


def nothing_left(run) -> bool:
    return not processes_of(run.proc.pid, run.marker, str(run.folder)) and \
        not run.folder.exists()


def test_open_official_starts_chromium_below_the_bar(kiosk, site):
    h = kiosk
    open_service(h, site)
    browser = h.browser
    run = browser.last_run
    assert browser.is_open and cover(h) is not None
    assert run.area[1] == h.window.top + round(cover(h).bar_height)
    argv = " ".join(run.proc.args)
    assert "--kiosk" in argv and "--incognito" in argv and "MAP * ~NOTFOUND" in argv
    for allowed in ("EXCLUDE gov.uk", "EXCLUDE *.nhs.uk", "EXCLUDE localhost"):
        assert allowed in argv
    h.tap(cover(h).back)
    assert cover(h) is None and not browser.is_open
    assert browser.wait_closed(15) and nothing_left(run)
    closed = [e for e in h.outbox.all_events() if e["type"] == "official_service_closed"]
    assert closed and closed[0]["outcome"] == "back" and closed[0]["duration_ms"] >= 0


def test_the_kiosk_returns_when_the_browser_is_killed(kiosk, site):
    h = kiosk
    open_service(h, site)
    guide = h.screen
    run = h.browser.last_run
    os.kill(run.proc.pid, signal.SIGKILL)
    assert h.wait_for(lambda: cover(h) is None, 15), "the kiosk did not come back"
    assert h.screen is guide and h.app.official is None
    assert h.browser.wait_closed(15) and nothing_left(run)
    closed = [e for e in h.outbox.all_events() if e["type"] == "official_service_closed"]
    assert [e["outcome"] for e in closed] == ["crashed"]


def test_the_idle_timeout_applies_while_the_browser_is_open(kiosk, site, display):
    h = kiosk
    h.app.idle_timeout = 10
    open_service(h, site)
    run = h.browser.last_run
    assert h.wait_for(lambda: h.browser.activity() is not None, 5)
    h.advance(8)
    seen = h.browser.activity()
    xdotool(display, "mousemove", "640", "500")  # someone moves in the browser
    assert wait_for(lambda: h.browser.activity() > seen, 5)
    h.advance(4)  # 12 s since the session's last touch, 4 s since the input in the browser
    assert not [m for m in h.app._modals if isinstance(m, IdleDialog)]
    h.advance(11)
    assert [m for m in h.app._modals if isinstance(m, IdleDialog)], "no warning"
    assert run.hidden, "the browser goes under the kiosk for the warning"
    h.advance(31)
    assert_fresh(h)
    assert h.browser.wait_closed(15) and nothing_left(run)


def test_finishing_stops_the_browser_and_deletes_its_profile(kiosk, site):
    h = kiosk
    open_service(h, site)
    run = h.browser.last_run
    assert (run.folder / "profile").is_dir() and len(run.processes()) > 1
    h.app.end_session("finished")
    h.frames(2)
    assert_fresh(h)
    assert h.browser.wait_closed(15)
    assert nothing_left(run), processes_of(run.proc.pid, run.marker, str(run.folder))
