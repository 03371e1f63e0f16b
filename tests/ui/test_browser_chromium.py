"""The official-service browser in a real Chromium (Debian's), on a private X screen, with
loopback web servers that log every request: only the allowed sites load, nothing of the
browser is left when it is closed or crashes, input anywhere counts, its windows stay in
their area below the kiosk's bar."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

import pytest

from kiosk.services.browser import ChromiumBrowser, processes_of
from tests.browsertools import CHROMIUM, LogServer, private_display, wait_for, xdotool

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

AREA = (0, 120, 1280, 680)  # below a 120-pixel kiosk bar, as the app asks


@pytest.fixture(scope="module")
def display():
    with private_display() as name:
        yield name


@pytest.fixture
def servers():
    allowed, blocked = LogServer("127.0.0.1"), LogServer("127.0.0.2")
    yield allowed, blocked
    allowed.close()
    blocked.close()


@pytest.fixture
def short_tmp():
    """A short temporary folder: Chromium's socket path under it must stay under 108 bytes
    (pytest's own tmp_path is too long)."""
    folder = Path(tempfile.mkdtemp(prefix="kb-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def browser(display, short_tmp):
    b = ChromiumBrowser(display=display, temp_root=short_tmp, extra_args=["--disable-gpu"])
    yield b
    b.close()
    assert b.wait_closed(15)


def start_page(blocked: LogServer, allowed: LogServer) -> str:
    """A page on the allowed site that reaches for the blocked one every way it can: an
    image, a frame, a script fetch, a redirect through the allowed site, the allowed
    server by its IP address (not on the list), and a link filling the window."""
    b = blocked.url
    return f"""<!doctype html><html><body style="margin:0">
<img src="{b('/img')}"><iframe src="{b('/frame')}"></iframe>
<img src="/redirect"><img src="{allowed.url('/by-ip')}">
<a id="go" href="{b('/linked')}" onclick="navigator.sendBeacon('/clicked')"
   style="display:block;width:100vw;height:100vh;background:#8c8">the blocked site</a>
<script>
fetch("{b('/fetch')}").catch(() => {{}}).finally(() => navigator.sendBeacon("/loaded"));
</script></body></html>"""


def serve_start(allowed: LogServer, blocked: LogServer) -> None:
    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", blocked.url("/redirected"))
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    allowed.pages.update({"/start": start_page(blocked, allowed), "/redirect": redirect})


def click_in_area(display: str) -> None:
    x, y, w, h = AREA
    xdotool(display, "mousemove", str(x + w // 2), str(y + h // 2))
    time.sleep(0.3)  # a click at once after the move can be lost
    xdotool(display, "click", "1")


def test_only_the_allowed_sites_load(browser, servers, display):
    allowed, blocked = servers
    serve_start(allowed, blocked)
    # The allowed site by name (localhost); the other server and the allowed server's own
    # IP address are not on the list.
    assert browser.open(allowed.url("/start", host="localhost"), sites=["localhost"],
                        area=AREA) == "ok"
    assert wait_for(lambda: "/loaded" in allowed.paths(), 30), allowed.requests
    assert ("/start", f"localhost:{allowed.port}") in allowed.requests
    click_in_area(display)  # a real click on the link to the blocked site
    assert wait_for(lambda: "/clicked" in allowed.paths(), 10), "the link was not clicked"
    time.sleep(2)  # time for the navigation the click started
    assert blocked.requests == [], "a blocked site received a request"
    assert "/by-ip" not in allowed.paths(), "an IP address not on the list was reached"
    assert browser.is_open


def test_the_test_would_see_a_leak(browser, servers, display):
    """The same page with the other server on the list: it is reached (so the test above
    proves the blocking, not a broken set-up)."""
    allowed, blocked = servers
    serve_start(allowed, blocked)
    browser.open(allowed.url("/start", host="localhost"), sites=["localhost", "127.0.0.2"],
                 area=AREA)
    assert wait_for(lambda: "/loaded" in allowed.paths(), 30)
    assert wait_for(lambda: {"/img", "/frame", "/fetch", "/redirected"} <=
                    set(blocked.paths()), 10), blocked.requests
    click_in_area(display)
    assert wait_for(lambda: "/linked" in blocked.paths(), 10), blocked.requests


def test_a_blocked_address_does_not_open(browser, servers):
    allowed, blocked = servers
    blocked.pages["/"] = "<p>blocked</p>"
    allowed.pages["/"] = "<p>allowed</p>"
    assert browser.open(blocked.url("/"), sites=["localhost"], area=AREA) == "ok"
    time.sleep(3)
    assert blocked.requests == []
    browser.open(allowed.url("/", host="localhost"), sites=["localhost"], area=AREA)
    assert wait_for(lambda: "/" in allowed.paths(), 30)


def test_downloads_are_off(browser, servers, short_tmp):
    allowed, _ = servers

    def attachment(handler):
        body = b"a citizen's letter"
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Disposition", 'attachment; filename="letter.txt"')
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    allowed.pages["/letter"] = attachment
    downloads = Path.home() / "Downloads"
    before = set(downloads.iterdir()) if downloads.is_dir() else set()
    browser.open(allowed.url("/letter", host="localhost"), sites=["localhost"], area=AREA)
    assert wait_for(lambda: "/letter" in allowed.paths(), 30)
    time.sleep(2)
    saved = [p for p in short_tmp.rglob("letter*")]
    assert saved == [], saved
    after = set(downloads.iterdir()) if downloads.is_dir() else set()
    assert after == before


def nothing_left(run) -> bool:
    """An independent scan: no process in the group, with the marker, or naming the
    folder; and the folder gone."""
    return not processes_of(run.proc.pid, run.marker, str(run.folder)) and \
        not run.folder.exists()


def test_closing_mid_load_leaves_nothing(browser, servers):
    allowed, _ = servers
    release = threading.Event()

    def slow(handler):  # a page that never finishes loading
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        handler.wfile.write(b"<p>loading")
        handler.wfile.flush()
        release.wait(30)

    allowed.pages["/slow"] = slow
    browser.open(allowed.url("/slow", host="localhost"), sites=["localhost"], area=AREA)
    run = browser.last_run
    assert wait_for(lambda: "/slow" in allowed.paths(), 30)
    assert len(run.processes()) > 1, "Chromium runs in several processes"
    assert (run.folder / "profile").is_dir()
    started = time.monotonic()
    browser.close()
    assert time.monotonic() - started < 0.1, "close() does not wait"
    assert not browser.is_open
    assert browser.wait_closed(15)
    release.set()
    assert nothing_left(run)
    assert run.left == []


def test_a_crash_is_noticed_and_cleaned_up(browser, servers):
    allowed, _ = servers
    allowed.pages["/"] = "<p>hello</p>"
    ended = []
    browser.open(allowed.url("/", host="localhost"), sites=["localhost"], area=AREA,
                 on_exit=ended.append)
    run = browser.last_run
    assert wait_for(lambda: "/" in allowed.paths(), 30)
    os.kill(run.proc.pid, signal.SIGKILL)  # the browser's main process dies
    assert wait_for(lambda: ended == ["crashed"], 10)
    assert browser.wait_closed(15)
    assert nothing_left(run)
    assert not browser.is_open


def test_input_anywhere_on_the_screen_counts(browser, servers, display):
    allowed, _ = servers
    allowed.pages["/"] = "<p>hello</p>"
    browser.open(allowed.url("/", host="localhost"), sites=["localhost"], area=AREA)
    assert wait_for(lambda: "/" in allowed.paths(), 30)
    time.sleep(0.5)
    seen = browser.activity()
    assert seen is not None
    time.sleep(1)
    assert browser.activity() == seen, "no input, no activity"
    xdotool(display, "mousemove", "10", "10")
    assert wait_for(lambda: browser.activity() > seen, 5)


def test_windows_stay_in_their_area(browser, servers, display):
    from kiosk.services import x11

    allowed, _ = servers
    allowed.pages["/"] = ('<a href="#" onclick="window.open(\'/popup\', \'_blank\', '
                          '\'left=0,top=0,width=300,height=200\');return false" '
                          'style="display:block;width:100vw;height:100vh">open</a>'
                          '<script>onload = () => navigator.sendBeacon("/ready")</script>')
    allowed.pages["/popup"] = "<p>a popup</p>"
    browser.open(allowed.url("/", host="localhost"), sites=["localhost"], area=AREA)
    assert wait_for(lambda: "/ready" in allowed.paths(), 30)
    click_in_area(display)
    assert wait_for(lambda: "/popup" in allowed.paths(), 10)
    pid = browser.last_run.proc.pid
    with x11.open_display(display) as d:
        def placed():
            shown = [g for w in d.windows_of([pid]) if (g := d.geometry(w)).viewable]
            return len(shown) >= 2 and all((g.x, g.y, g.width, g.height) == AREA
                                           for g in shown)
        assert wait_for(placed, 10), [d.geometry(w) for w in d.windows_of([pid])]


def test_leftover_folders_are_swept(tmp_path):
    stale = tmp_path / "kiosk-browser-stale"
    (stale / "profile").mkdir(parents=True)
    b = ChromiumBrowser(temp_root=tmp_path)
    assert b.sweep() == 1 and not stale.exists()


def test_a_missing_browser_fails_cleanly(tmp_path):
    b = ChromiumBrowser("no-such-browser", temp_root=tmp_path)
    assert b.open("https://www.gov.uk/", sites=["gov.uk"]) == "failed"
    assert b.open("file:///etc/passwd") == "failed"
    assert list(tmp_path.iterdir()) == []


def test_two_openings_at_once_leave_one_browser(browser, servers):
    allowed, _ = servers
    allowed.pages["/"] = "<p>hello</p>"
    runs = []

    def open_one():
        browser.open(allowed.url("/", host="localhost"), sites=["localhost"], area=AREA)
        runs.append(browser.last_run)

    threads = [threading.Thread(target=open_one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    first, second = runs  # in the order they opened: openings come one at a time
    assert first is not second, "each opening made its own browser"
    assert first.done.wait(15) and nothing_left(first), "the earlier one was stopped"
    assert browser.is_open and browser.last_run is second
