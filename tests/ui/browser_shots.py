"""Screenshots of the official-service browser under the kiosk's bar, taken of the whole X
screen (the kiosk's window and Chromium's together), with the facts a reviewer checks by eye
measured in pixels. Run on an X screen of its own (tests/ui/test_browser_shots.py does):

    DISPLAY=:N python -m tests.ui.browser_shots OUT_DIR

Prints one JSON object: for each picture, its file and what its pixels say.
"""

from __future__ import annotations

import json
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

PAGE = ("<!doctype html><body style='margin:0;background:#88cc88;font:32px sans-serif'>"
        "<h1 style='margin:40px'>GOV.UK: Register to vote</h1>"
        "<p style='margin:40px'>An official service, in the browser.</p></body>")
PAGE_RGB = (0x88, 0xCC, 0x88)


def near(a, b, tolerance=24) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


def main(out: Path) -> dict:
    from kiosk.app.harness import Harness
    from kiosk.core import theme
    from kiosk.services import x11
    from kiosk.services.browser import ChromiumBrowser
    from kiosk.services.reachability import Reachability
    from tests.browsertools import LogServer, wait_for

    def connect(target, timeout):  # GOV.UK is "offline" here; loopback is what it is
        if target[0].endswith("gov.uk"):
            raise OSError("no connection (for the picture)")
        return socket.create_connection(target, timeout=timeout)

    out.mkdir(parents=True, exist_ok=True)
    server = LogServer("127.0.0.1", {"/service": PAGE})
    folder = Path(tempfile.mkdtemp(prefix="kb-"))
    browser = ChromiumBrowser(temp_root=folder, extra_args=["--disable-gpu"],
                              reachability=Reachability(connect=connect))
    data = Path(tempfile.mkdtemp(prefix="kiosk-shots-"))
    h = Harness(data_dir=data, browser=browser)
    h.window.left, h.window.top = 0, 0
    h.frames(3, draw=True)
    display = x11.open_display()
    primary = tuple(int(theme.STANDARD.primary[i:i + 2], 16) for i in (1, 3, 5))
    report = {}

    def shoot(name: str) -> tuple[int, int, bytes]:
        h.frames(3, draw=True)
        time.sleep(0.5)  # Chromium paints on its own time
        h.frames(2, draw=True)
        display.screenshot(out / f"{name}.png")
        return display.capture()

    def pixel(shot, x, y):
        w, _, rgb = shot
        i = 3 * (y * w + x)
        return tuple(rgb[i:i + 3])

    def share(shot, box, colour) -> float:
        """The share of pixels in box (x0, y0, x1, y1) near colour, on a coarse grid."""
        x0, y0, x1, y1 = box
        points = [(x, y) for x in range(x0, x1, 8) for y in range(y0, y1, 4)]
        return sum(near(pixel(shot, x, y), colour) for x, y in points) / max(1, len(points))

    try:
        for lang in ("en", "ar"):
            h.tap(h.screen.start)
            h.tap(h.screen.choices[lang])
            h.app.go("guide", id="register-to-vote")
            h.frames(3)
            h.app.open_official("register-to-vote", server.url("/service", host="localhost"))
            assert h.wait_for(lambda: h.app.official is not None and
                              h.app.official.started is not None, 30)
            assert wait_for(lambda: server.paths().count("/service") >= 1, 30)
            time.sleep(1.5)
            shot = shoot(f"browser-bar-{lang}")
            bar = round(h.app.official.cover.bar_height)
            width = shot[0]
            report[f"browser-bar-{lang}"] = {
                "bar_height": bar,
                "button_left": share(shot, (0, 8, width // 2, bar - 8), primary),
                "button_right": share(shot, (width // 2, 8, width, bar - 8), primary),
                "page_below_bar": share(shot, (0, bar + 200, width, bar + 400), PAGE_RGB),
                "page_in_bar": share(shot, (0, 0, width, bar - 4), PAGE_RGB),
                "button_text": h.app.official.cover.back.text,
            }
            if lang == "en":  # the idle warning shows over the browser
                h.app.idle_timeout = 5
                h.advance(6)
                assert wait_for(lambda: browser.last_run.hidden, 5)
                time.sleep(1)
                shot = shoot("browser-idle-warning-en")
                report["browser-idle-warning-en"] = {
                    "page_visible": share(shot, (0, bar, width, shot[1]), PAGE_RGB)}
            h.app.end_session("start_again")
            assert browser.wait_closed(15)
            h.frames(3)
        # Offline: the button says so before anyone taps, and the guide offers other ways.
        h.tap(h.screen.start)
        h.tap(h.screen.choices["en"])
        h.app.go("guide", id="council-tax")
        h.frames(3)
        guide = h.screen
        assert h.wait_for(lambda: guide.offline_notice is not None, 10)
        shoot("guide-offline-en")
        report["guide-offline-en"] = {"button": guide.official.text}
    finally:
        h.close()
        browser.close()
        browser.wait_closed(15)
        display.close()
        server.close()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
    for name, facts in report.items():
        facts["file"] = str(out / f"{name}.png")
    return report


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
