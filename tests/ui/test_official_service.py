"""Opening an official service from a guide, with a browser that covers the kiosk (a fake
here; tests/ui/test_official_browser.py has the real Chromium): Back to the kiosk, the
browser ending by itself, the idle timeout while it is open, offline, and the events."""

from __future__ import annotations

import pytest

from kiosk.app.harness import Harness
from kiosk.app.widgets.browserbar import BrowserCover
from kiosk.app.widgets.dialogs import IdleDialog, OfflineDialog, QRDialog
from kiosk.services.browser import FakeBrowser
from tests.ui.conftest import event_types
from tests.ui.test_journey import assert_fresh


@pytest.fixture
def kiosk(tmp_path):
    h = Harness(data_dir=tmp_path, browser=FakeBrowser(window=True))
    yield h
    h.close()


def to_guide(h, lang="en", service="register-to-vote"):
    h.tap(h.screen.start)
    h.tap(h.screen.choices[lang])
    h.app.go("guide", id=service)
    h.frames(3)
    return h.screen


def cover(h):
    found = [w for w in h.window.children if isinstance(w, BrowserCover)]
    return found[0] if found else None


def events(h, type_):
    return [e for e in h.outbox.all_events() if e["type"] == type_]


def test_back_to_the_kiosk_returns_to_the_guide_as_it_was(kiosk):
    h = kiosk
    guide = to_guide(h)
    h.tap(guide.steps[0].toggle)
    assert guide.steps[0].expanded
    h.tap(guide.official)
    bar = cover(h)
    assert bar is not None, "the kiosk's bar covers the window while the browser is open"
    assert bar.back.text == "Back to the kiosk"
    assert h.wait_for(lambda: h.browser.opened == ["https://www.gov.uk/register-to-vote"])
    call = h.browser.calls[-1]
    # The browser goes below the bar, across the window.
    x, y, w, hh = call["area"]  # on the screen: from the window's own position
    assert (x, y) == (h.window.left, h.window.top + round(bar.bar_height))
    assert w == h.window.width
    assert hh == h.window.height - round(bar.bar_height)
    assert {"gov.uk", "nhs.uk"} <= set(call["sites"]) and call["lang"] == "en"
    assert h.wait_for(lambda: "official_link_opened" in event_types(h))
    h.now += 42
    h.tap(bar.back)
    assert cover(h) is None and h.browser.closed >= 1 and not h.browser.is_open
    assert h.screen is guide and guide.steps[0].expanded, "the guide is as it was left"
    closed = events(h, "official_service_closed")
    assert len(closed) == 1
    assert closed[0]["outcome"] == "back" and closed[0]["duration_ms"] == 42000
    assert closed[0]["content_id"] == "register-to-vote"
    # Never an address: nothing in any event names a site.
    assert all("gov.uk" not in str(v) for e in h.outbox.all_events() for v in e.values())


def test_touches_under_the_bar_do_not_reach_the_guide(kiosk):
    h = kiosk
    guide = to_guide(h)
    h.tap(guide.official)
    assert h.wait_for(lambda: h.browser.is_open)
    from kivy.tests.common import UnitTestTouch

    step = guide.steps[1]
    x, y = step.toggle.to_window(*step.toggle.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    h.frames(1)
    touch.touch_up()
    h.frames(1)
    assert not step.expanded


def test_the_kiosk_returns_when_the_browser_ends_by_itself(kiosk):
    h = kiosk
    guide = to_guide(h, "ar")
    h.tap(guide.official)
    bar = cover(h)
    assert bar.back.text == h.app.tr("Back to the kiosk", "ar") != "Back to the kiosk"
    assert h.wait_for(lambda: h.browser.is_open)
    assert h.browser.calls[-1]["lang"] == "ar"
    h.frames(2)
    h.browser.exit("crashed")  # from the watcher's thread, in the real one
    assert h.wait_for(lambda: cover(h) is None)
    assert h.screen is guide and h.app.official is None
    assert events(h, "official_service_closed")[0]["outcome"] == "crashed"


def test_the_idle_timeout_applies_while_the_browser_is_open(kiosk):
    h = kiosk
    h.app.idle_timeout = 10
    guide = to_guide(h)
    h.tap(guide.official)
    assert h.wait_for(lambda: h.browser.is_open)
    h.frames(2)
    h.advance(8)
    h.browser.inputs += 1  # someone used the browser (input anywhere on the screen)
    h.advance(4)
    assert not [m for m in h.app._modals if isinstance(m, IdleDialog)], \
        "input in the browser counts as being there"
    h.advance(11)
    dialogs = [m for m in h.app._modals if isinstance(m, IdleDialog)]
    assert dialogs and h.browser.hidden, "the warning shows over the browser"
    h.tap(dialogs[0].more)
    assert not h.browser.hidden and h.browser.is_open and cover(h) is not None
    h.advance(11)
    assert h.browser.hidden
    h.advance(31)  # nobody answers: the session ends, and the browser with it
    assert_fresh(h)
    assert cover(h) is None and not h.browser.is_open
    types = event_types(h)
    assert types.index("official_service_closed") < types.index("session_end")
    assert events(h, "official_service_closed")[0]["outcome"] == "session_end"


def test_finish_and_clear_closes_the_browser(kiosk):
    h = kiosk
    guide = to_guide(h)
    h.tap(guide.official)
    assert h.wait_for(lambda: h.browser.is_open)
    h.app.end_session("start_again")  # what Finish and clear does once confirmed
    h.frames(2)
    assert_fresh(h)
    assert cover(h) is None and not h.browser.is_open


def test_offline_the_button_says_so_and_the_guide_offers_other_ways(kiosk):
    h = kiosk
    h.browser.offline.add("www.gov.uk")
    guide = to_guide(h, service="council-tax")
    assert guide.official.text == "Official website: no connection now"
    assert guide.offline_notice is not None
    text = guide.read_aloud_text()
    assert "The official website cannot be reached at the moment" in text
    ways = h.app.catalogue.services["council-tax"].start.other_ways
    assert ways and all(w.get("en") in text for w in ways)
    h.tap(guide.official)
    dialogs = [m for m in h.app._modals if isinstance(m, OfflineDialog)]
    assert len(dialogs) == 1 and not h.browser.opened and cover(h) is None
    assert events(h, "official_link_opened")[-1]["outcome"] == "offline"
    h.tap(dialogs[0].phone)
    assert [m for m in h.app._modals if isinstance(m, QRDialog)]


def test_online_the_button_opens(kiosk):
    h = kiosk
    guide = to_guide(h)
    assert guide.official.text == "Open the official service"
    assert guide.offline_notice is None
    guide.show_reachable(False)  # the check's answer arrives later
    assert guide.offline_notice is not None and guide.official.kind == "secondary"
    guide.show_reachable(True)
    assert guide.offline_notice is None and guide.official.kind == "primary"


def test_demo_mode_still_only_explains(tmp_path):
    from kiosk.services.browser import DemoBrowser

    h = Harness(data_dir=tmp_path / "d", browser=DemoBrowser())
    try:
        guide = to_guide(h)
        h.tap(guide.official)
        assert cover(h) is None
        assert h.wait_for(lambda: "official_link_opened" in event_types(h))
        assert events(h, "official_link_opened")[-1]["outcome"] == "demo"
        assert any(getattr(m, "title", "") == "Demo mode" for m in h.app._modals)
    finally:
        h.close()


def test_the_cli_uses_the_real_browser_outside_demo_mode(tmp_path):
    """kiosk/cli.py: DemoBrowser only with --demo; otherwise the configured Chromium."""
    from kiosk import cli
    from kiosk.core import settings
    from kiosk.services.browser import ChromiumBrowser, DemoBrowser

    real = cli.make_browser(settings.load(None, environ={"KIOSK_BROWSER": "google-chrome"},
                                          data_dir=str(tmp_path)))
    assert isinstance(real, ChromiumBrowser) and real.executable == "google-chrome"
    demo = cli.make_browser(settings.load(None, environ={}, data_dir=str(tmp_path),
                                          demo=True))
    assert isinstance(demo, DemoBrowser)
