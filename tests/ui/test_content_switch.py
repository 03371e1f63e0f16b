"""New content arrives while the kiosk runs: it is loaded off the UI thread and switched to
between sessions, never in the middle of one."""

from __future__ import annotations

import json
import shutil

from kiosk.core.settings import DEFAULT_CONTENT_DIR
from tests.ui.conftest import confirm_end

SERVICE = "register-to-vote"


def new_content(tmp_path, title):
    """The bundled content with one guide's title changed (and an old pack's centre.json,
    which is ignored: a centre's information is configuration)."""
    folder = tmp_path / "new"
    shutil.copytree(DEFAULT_CONTENT_DIR, folder)
    path = folder / "services" / f"{SERVICE}.json"
    item = json.loads(path.read_text())
    item["title"] = {"en": title}
    path.write_text(json.dumps(item, ensure_ascii=False))
    (folder / "centre.json").write_text('{"id": "old-pack", "name": {"en": "Old Pack"}}')
    return folder


def title(h) -> str:
    return h.app.catalogue.services[SERVICE].title.get("en")


def test_switch_waits_for_the_session_to_end(kiosk, tmp_path):
    h = kiosk
    old = title(h)
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    h.tap(h.screen.cards["services"])
    h.app.content_installed(str(new_content(tmp_path, "Get on the electoral register")))
    assert h.wait_for(lambda: h.app.pending_catalogue is not None)
    assert title(h) == old, "not during a session"
    assert old in h.screen.read_aloud_text()
    confirm_end(h)
    assert title(h) == "Get on the electoral register"
    assert h.screen.__class__.__name__ == "AttractScreen"
    assert h.app.offer.centre.name.get("en") == "Demo Community Library", \
        "the centre's information comes from its configuration, not from the pack"
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    h.tap(h.screen.cards["services"])
    assert "Get on the electoral register" in h.screen.read_aloud_text()


def test_on_the_attract_screen_the_switch_is_immediate(kiosk, tmp_path):
    h = kiosk
    h.app.content_installed(str(new_content(tmp_path, "Register to vote today")))
    assert h.wait_for(lambda: title(h) == "Register to vote today")
    assert h.screen.__class__.__name__ == "AttractScreen"


def test_broken_new_content_is_not_used(kiosk, tmp_path):
    h = kiosk
    folder = new_content(tmp_path, "Broken")
    (folder / "content.json").write_text("{")
    before = h.app.catalogue
    h.app.content_installed(str(folder))
    h.wait_for(lambda: False, timeout=0.5)
    assert h.app.catalogue is before
