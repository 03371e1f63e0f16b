"""New content arrives while the kiosk runs: it is loaded off the UI thread and switched to
between sessions, never in the middle of one."""

from __future__ import annotations

import json
import shutil

from kiosk.core.settings import DEFAULT_CONTENT_DIR
from tests.ui.conftest import confirm_end


def new_content(tmp_path, name):
    folder = tmp_path / "new"
    shutil.copytree(DEFAULT_CONTENT_DIR, folder)
    centre = json.loads((folder / "centre.json").read_text())
    centre["name"]["en"] = name
    (folder / "centre.json").write_text(json.dumps(centre, ensure_ascii=False))
    return folder


def test_switch_waits_for_the_session_to_end(kiosk, tmp_path):
    h = kiosk
    old_name = h.app.catalogue.centre.name.get("en")
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    h.tap(h.screen.cards["help"])
    h.app.content_installed(str(new_content(tmp_path, "Whitechapel Idea Store")))
    assert h.wait_for(lambda: h.app.pending_catalogue is not None)
    assert h.app.catalogue.centre.name.get("en") == old_name, "not during a session"
    assert old_name in h.screen.read_aloud_text()
    confirm_end(h)
    assert h.app.catalogue.centre.name.get("en") == "Whitechapel Idea Store"
    assert h.screen.__class__.__name__ == "AttractScreen"
    assert "Whitechapel Idea Store" in [getattr(w, "text", "") for w in h.screen.page.children]


def test_on_the_attract_screen_the_switch_is_immediate(kiosk, tmp_path):
    h = kiosk
    h.app.content_installed(str(new_content(tmp_path, "Peckham Library")))
    assert h.wait_for(lambda: h.app.catalogue.centre.name.get("en") == "Peckham Library")
    assert h.screen.__class__.__name__ == "AttractScreen"


def test_broken_new_content_is_not_used(kiosk, tmp_path):
    h = kiosk
    folder = new_content(tmp_path, "Broken")
    (folder / "centre.json").write_text("{")
    before = h.app.catalogue
    h.app.content_installed(str(folder))
    h.wait_for(lambda: False, timeout=0.5)
    assert h.app.catalogue is before
