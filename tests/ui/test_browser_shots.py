"""The official-service browser as a person sees it: the kiosk's *Back to the kiosk* bar
above a real Chromium (English: the button on the left; Arabic: on the right), the idle
warning over the browser, and the guide's button when the site cannot be reached. Taken of
the whole X screen by tests/ui/browser_shots.py on a private X screen; with
KIOSK_UPDATE_SCREENSHOTS=1 (`make shots`) the pictures are copied to docs/screenshots/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browsertools import CHROMIUM, private_display

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

ROOT = Path(__file__).resolve().parents[2]


def test_back_to_the_kiosk_over_the_browser_and_offline(tmp_path):
    with private_display() as display:
        env = {**os.environ, "DISPLAY": display, "KIVY_NO_ARGS": "1", "KIVY_NO_FILELOG": "1",
               "KIVY_HOME": str(tmp_path / "kivy")}
        done = subprocess.run([sys.executable, "-m", "tests.ui.browser_shots",
                               str(tmp_path / "shots")], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    en, ar = report["browser-bar-en"], report["browser-bar-ar"]
    for shot in (en, ar):
        assert shot["page_below_bar"] > 0.9, "the browser fills the window below the bar"
        assert shot["page_in_bar"] < 0.05, "the browser never covers the bar"
    assert en["button_text"] == "Back to the kiosk"
    assert ar["button_text"] != "Back to the kiosk"
    assert en["button_left"] > 0.1 and en["button_right"] < 0.02, "English: on the left"
    assert ar["button_right"] > 0.1 and ar["button_left"] < 0.02, "Arabic: on the right"
    assert report["browser-idle-warning-en"]["page_visible"] < 0.2, \
        "the idle warning is not hidden by the browser"
    assert report["guide-offline-en"]["button"] == "Official website: no connection now"
    if os.environ.get("KIOSK_UPDATE_SCREENSHOTS"):
        for shot in report.values():
            shutil.copy(shot["file"], ROOT / "docs" / "screenshots" / Path(shot["file"]).name)
