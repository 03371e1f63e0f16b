"""Screenshots of the staff panel for docs/staff-guide.md, on a terminal that looks like a
real one (an installed content pack, an enrolment, a last sync, events waiting): the PIN pad
and its lock, status, settings, a validation error, typing a text, a locked setting and
maintenance mode; in English and in Arabic (right to left), and in high contrast.

They go to a temporary folder; with KIOSK_UPDATE_SCREENSHOTS=1 (`make shots`) to
docs/screenshots/staff-*.png (a test run does not change tracked files otherwise). Each is
checked for what a broken layout would show: drawn at all, and both themes' colours."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.settings import DEFAULT_CONTENT_DIR
from kiosk.services.config_store import ConfigStore
from tests import REPO_ROOT
from tests.ui.staff import (
    gesture,
    open_panel,
    pad_of,
    ready,
    section,
    set_pin,
    status_ready,
    type_pin,
)

BIN = Path(sys.executable).parent


def realistic_terminal(data: Path, tmp: Path):
    """A data folder as a terminal has it a few weeks after enrolment."""
    from kiosk.core import settings as settings_mod
    from kiosk.services import content_store, event_sync, hub_client, sync_log

    keys = tmp / "keys"
    subprocess.run([BIN / "kiosk-content", "keygen", "--out", keys], check=True,
                   capture_output=True)
    for version in (11, 12):
        pack = tmp / f"pack-{version}"
        subprocess.run([BIN / "kiosk-content", "build", DEFAULT_CONTENT_DIR, "--out", pack,
                        "--key", keys / "publisher.key", "--version", str(version)],
                       check=True, capture_output=True)
        content_store.install_pack(pack, content_store.ContentStore(data),
                                   str(keys / "publisher.pub"))
    hub_client.save_enrolment(data, "https://hub.southwark.example", {
        "terminal_id": "peckham-3", "token": "t" * 40, "centre": "peckham-library"})
    sync_log.record(data, {"status": "up_to_date", "content_version": 12,
                           "events_uploaded": 214})
    event_sync.record_last(data, {"status": "uploaded", "events_uploaded": 38})
    ConfigStore(data).save_hub({"layers": [
        {"name": "all", "values": {"session.idle_timeout": {
            "value": 180, "changed": "2026-11-02T10:00:00Z", "by": "admin ada"}},
         "locked": ["session.idle_timeout"]},
        {"name": "centre", "values": {
            "centre.name": {"value": "Peckham Library", "changed": "2026-11-20T09:30:00Z",
                            "by": "bea"},
            "centre.hours": {"value": "Monday to Friday: 9am to 8pm\nSaturday: 10am to 5pm",
                             "changed": "2026-11-20T09:30:00Z", "by": "bea"},
            "languages.offered": {"value": ["en", "pl", "ar", "bn", "es", "ro", "pt", "so"],
                                  "changed": "2026-11-20T09:30:00Z", "by": "bea"}}}]},
        '"c7"')
    return settings_mod.load(environ={}, data_dir=str(data), kiosk_id="peckham-3",
                             centre_id="peckham-library",
                             trusted_keys=str(keys / "publisher.pub"))


def colours(path: Path) -> set:
    from kivy.core.image import Image as CoreImage

    image = CoreImage(str(path), keep_data=True)
    w, h = image.width, image.height
    return {tuple(round(c * 255) for c in image.read_pixel(x, y)[:3])
            for x in range(0, w, 37) for y in range(0, h, 29)}


@pytest.fixture
def shots(tmp_path, monkeypatch):
    from kiosk.app.harness import Harness
    from kiosk.app.staff import status

    data = tmp_path / "terminal"
    s = realistic_terminal(data, tmp_path)
    # The hub of these pictures is not on this machine: it answers as a hub does.
    monkeypatch.setattr(status, "check_hub", lambda app: "reachable")
    h = Harness(settings=s, data_dir=data)
    from kiosk.services.hub_client import load_enrolment
    from kiosk.services.syncer import Syncer

    enrolment = load_enrolment(data)
    h.app.services.syncer = Syncer(data, enrolment["hub_url"], enrolment["token"],
                                   s.trusted_keys, lambda version: None, outbox=h.outbox)
    set_pin(h)
    out = REPO_ROOT / "docs" / "screenshots" if os.environ.get("KIOSK_UPDATE_SCREENSHOTS") \
        else tmp_path / "shots"
    made = []

    def shot(name):
        h.frames(3)
        path = h.screenshot(out / f"staff-{name}.png")
        made.append(path)
        return path

    yield h, shot, made
    h.close()


def test_staff_panel_screenshots(shots):
    h, shot, made = shots
    # A citizen is using the kiosk; staff make the gesture.
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    h.tap(h.screen.cards["services"])
    gesture(h)
    pad = pad_of(h)
    ready(h, pad)
    type_pin(h, pad, "48", ok=False)
    shot("pin")
    for _ in range(5):
        type_pin(h, pad, "1357")
    assert pad.locked_until is not None
    shot("pin-locked")
    h.tap(pad.cancel)
    h.advance(20)
    h.advance(11)
    panel = open_panel(h)
    status_ready(h)
    shot("status")
    h.screen.scroll.scroll_y = 0
    shot("actions")
    panel = section(h, "languages")
    row = panel.rows["languages.offered"]
    h.tap(row.lines["bn"]["up"])
    shot("languages")
    panel = section(h, "centre")
    shot("centre")
    h.tap(panel.rows["centre.greeting"].edit)
    from kiosk.app.simulate import type_on_keyboard

    editor = h.app._modals[-1]
    type_on_keyboard(h, editor.keyboard, "Free help with online forms")
    shot("typing")
    h.tap(editor.done)
    panel = section(h, "session")
    shot("session")  # the idle timeout locked for all terminals
    panel = section(h, "notice")
    h.tap(panel.rows["notice.start"].edit)
    from kivy.core.window import Window

    Window.dispatch("on_textinput", "24/12/2026")  # from a physical keyboard
    h.tap(h.app._modals[-1].done)
    h.tap(h.screen.save_button)
    assert "notice.start" in h.screen.state.errors
    shot("error")
    h.tap(h.screen.discard_button)
    panel = section(h, "status")
    status_ready(h)
    h.tap(h.screen.status.actions["maintenance"])
    h.advance(3 * 60 + 12)
    shot("maintenance")
    h.tap(h.screen.back_to_kiosk)
    # Right to left, and in high contrast.
    panel = open_panel(h)
    status_ready(h)
    h.app.switch_language("ar")
    status_ready(h)
    shot("ar-status")
    section(h, "languages")
    shot("ar-languages")
    section(h, "status")
    status_ready(h)
    h.tap(h.screen.contrast_button)
    shot("ar-status-contrast")
    h.app.switch_language("en")
    status_ready(h)
    shot("status-contrast")
    h.tap(h.screen.close_button)
    h.app.switch_language("ar")  # the pad in the panel's language, right to left
    gesture(h)
    pad = pad_of(h)
    ready(h, pad)
    type_pin(h, pad, "4809", ok=False)
    shot("ar-pin")
    h.tap(pad.cancel)

    for path in made:
        seen = colours(path)
        assert len(seen) > 3, f"{path.name} is blank"
        background = (0, 0, 0) if "contrast" in path.name else (255, 255, 255)
        assert background in seen, f"{path.name}: not the theme's background"
    assert len(made) == 15
