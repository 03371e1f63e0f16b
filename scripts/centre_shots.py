#!/usr/bin/env python3
"""Screenshots for docs/staff-guide.md: what citizens see of a centre's settings (its
notice, featured guides, its own information with a QR code per link, its languages), in a
demo kiosk set up as a centre would set it. `make shots` runs it; needs a display (Xvfb
via scripts/with-display.sh).

    scripts/centre_shots.py docs/screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

EXAMPLE = {  # as staff would set them at the terminal (or the hub for the centre)
    "languages.offered": ("en", "bn", "ar", "pl", "so"),
    "notice.text": "Digital help drop-in every Tuesday 10am to 12 noon",
    "notice.text.bn": "প্রতি মঙ্গলবার সকাল ১০টা থেকে দুপুর ১২টা ডিজিটাল সাহায্যের জন্য চলে আসুন",
    "services.featured": ("universal-credit", "find-a-job"),
    "session.read_aloud": False,
}


def main(out: Path) -> int:
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kiosk-shots-"))
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kiosk.app.harness import Harness

    with tempfile.TemporaryDirectory(prefix="kiosk-centre-shots-") as data:
        h = Harness(data_dir=data)
        try:
            app = h.app
            app.services.config_store.set_staff(EXAMPLE)
            app.config_changed()
            assert h.wait_for(lambda: app.offer.notice is not None), "the example applies"
            h.frames(3)
            shots = []
            shots.append(h.screenshot(out / "centre-attract.png"))
            app.start_session()
            h.frames(2)
            shots.append(h.screenshot(out / "centre-language.png"))
            app.choose_language("bn")
            h.frames(2)
            shots.append(h.screenshot(out / "centre-home-notice.png"))
            app.switch_language("en")
            app.go("services")
            h.frames(3)
            shots.append(h.screenshot(out / "centre-services-featured.png"))
            app.go("help_here")
            h.frames(2)
            h.wait_for(lambda: all(code.ready for _, code in h.screen.links))
            h.screen.scroll.scroll_y = 0  # the end of the page: the links and their codes
            h.frames(2)
            shots.append(h.screenshot(out / "centre-help-here-links.png"))
        finally:
            h.close()
    for path in shots:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
