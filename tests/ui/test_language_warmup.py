"""The first switch to a language reads no catalogue on the UI thread (issue 17): the
offered languages' catalogues (and their font files, into the page cache) are loaded on a
worker thread after the kiosk shows its first frame."""

from __future__ import annotations

import sys
import threading

_watch: dict = {"on": False, "opened": []}


def _audit(event, args):
    if _watch["on"] and event == "open" and threading.current_thread() is threading.main_thread():
        _watch["opened"].append(str(args[0]))


sys.addaudithook(_audit)  # cannot be removed: it only records while a test asks it to


def test_first_switch_to_each_offered_language_opens_no_file(kiosk):
    from kiosk.core import i18n

    codes = kiosk.app.offer.languages
    assert {"bn", "ar", "ta", "ur"} <= set(codes)
    assert kiosk.wait_for(lambda: kiosk.app.languages_warm, timeout=30)
    kiosk.app.start_session()
    kiosk.app.choose_language("en")
    kiosk.app.go("guide", id="universal-credit")
    kiosk.frames(2)
    for code in ("bn", "ar", "ta", "ur"):
        _watch["opened"].clear()
        _watch["on"] = True
        try:
            kiosk.app.switch_language(code)
            kiosk.frames(2)
        finally:
            _watch["on"] = False
        assert kiosk.app.lang == code
        assert kiosk.app.toolbar.buttons["home"].label.text == i18n.tr("Home", code) != "Home"
        read = [p for p in _watch["opened"] if p.endswith((".mo", ".po"))]
        assert read == [], f"switching to {code} read {read} on the UI thread"
