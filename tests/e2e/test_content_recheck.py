"""The installed content checked again at start (issue 15): a file whose bytes no longer
match the signed manifest's hash (a disk fault, a hand edit) or that no longer parses is
found, the content is set aside (kept for inspection), the kiosk starts on the content it
came with, staff see it in `kiosk status`, the hub's fleet view in the heartbeat, and the
next sync installs the pack again.

The start path only compares each file's size and modification stamp with those noted at
install (and hashes a file whose stamp changed); the full hash of every file runs after the
first frame, before the syncer starts (docs/architecture.md)."""

from __future__ import annotations

import json
import os

import sqlalchemy as sa

from kiosk.core.settings import DEFAULT_CONTENT_DIR
from kiosk.services.content_store import ContentStore
from tests.e2e import test_hub_and_kiosk as hk
from tests.e2e.test_hub_and_kiosk import BIN, enrol, publish, run, sync

world = hk.world  # the fixture: a hub on loopback with a publisher's keys


def status(w, data) -> dict:
    return json.loads(run([BIN / "kiosk", "status", "--json", "--data-dir", str(data)],
                          w["env"]).stdout)


def flip_a_letter(path) -> None:
    """The same size, still valid JSON, other bytes: what a quiet disk fault leaves."""
    text = path.read_text(encoding="utf-8")
    i = text.index('"en": "') + len('"en": "')
    path.write_text(text[:i] + ("X" if text[i] != "X" else "Y") + text[i + 1:],
                    encoding="utf-8")


def test_a_changed_file_in_the_installed_pack_is_found_at_start(world):
    w = world
    publish(w, DEFAULT_CONTENT_DIR, 5)
    data = enrol(w, w["tmp"] / "terminal")
    assert sync(w, data)["content_version"] == 5
    guide = ContentStore(data).current_content_dir() / "services" / "blue-badge.json"
    size = guide.stat().st_size
    flip_a_letter(guide)
    damaged = guide.read_bytes()
    assert len(damaged) == size
    json.loads(guide.read_text(encoding="utf-8"))  # it still loads: only the hash tells

    smoke = run([BIN / "kiosk", "--smoke", "--data-dir", str(data)], w["env"])
    assert "ready in" in smoke.stdout
    s = status(w, data)
    assert s["content_version"] is None  # the content it came with
    assert s["set_aside"][-1]["what"] == "content"
    assert "blue-badge.json" in s["set_aside"][-1]["problem"]
    kept = data / s["set_aside"][-1]["kept_as"]
    assert (kept / "versions" / "5" / "services" / "blue-badge.json").read_bytes() == damaged
    text = run([BIN / "kiosk", "status", "--data-dir", str(data)], w["env"]).stdout
    assert "DAMAGED:      content" in text

    report = sync(w, data)  # the pack again, and the heartbeat tells the fleet view
    assert report["status"] == "updated" and report["content_version"] == 5
    assert report["heartbeat"] == "sent"
    engine = sa.create_engine(f"sqlite:///{w['hub_dir'] / 'hub.db'}")
    try:
        with engine.connect() as c:
            row = c.execute(sa.text("select error_class, error_message from "
                                    "terminal_health")).one()
    finally:
        engine.dispose()
    assert row[0] == "DamagedData" and row[1].startswith("content: damaged"), row
    # The pack installed again is sound, and the start after it keeps it.
    assert ContentStore(data).check_installed(full=True) is None
    run([BIN / "kiosk", "--smoke", "--data-dir", str(data)], w["env"])
    assert status(w, data)["content_version"] == 5
    assert len(status(w, data)["set_aside"]) == 1


def test_the_full_check_finds_what_the_stamps_cannot(world):
    """Bytes changed with the size and modification time kept (bit rot): the start path's
    stamps cannot see it; the full hash after the first frame can, and sets it aside."""
    from kiosk import cli
    from kiosk.core import settings as settings_mod

    w = world
    publish(w, DEFAULT_CONTENT_DIR, 5)
    data = enrol(w, w["tmp"] / "terminal")
    sync(w, data)
    store = ContentStore(data)
    guide = store.current_content_dir() / "services" / "blue-badge.json"
    st = guide.stat()
    flip_a_letter(guide)
    os.utime(guide, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert store.check_installed() is None  # the cheap check: the stamps agree
    assert "blue-badge.json" in store.check_installed(full=True)

    s = settings_mod.load(None, data_dir=str(data))
    switched = []

    class App:
        def content_installed(self, folder):
            switched.append(folder)

    assert cli._recheck_content(s, App()) is not None
    assert switched == [s.content_dir]  # the app goes back to the content it came with
    assert ContentStore(data).installed_version() is None
    assert status(w, data)["set_aside"][-1]["what"] == "content"
