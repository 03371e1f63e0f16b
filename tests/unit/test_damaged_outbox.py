"""A damaged outbox database (issue 15, faults to prove): detected when the outbox opens,
set aside and kept for inspection; the terminal starts a clean one and keeps recording;
staff see it in `kiosk status` and the hub in the heartbeat's last error."""

from __future__ import annotations

import json
import sqlite3

import pytest

from kiosk import cli
from kiosk.services import heartbeat
from kiosk.services.outbox import Outbox


def damaged_file(path) -> None:
    """A real outbox with rows, then a page in the middle of it overwritten."""
    ob = Outbox(path, "k", "c", flush_interval=0.05)
    for i in range(300):
        ob.record("0" * 8 + "-0000-4000-8000-" + f"{i:012d}", "screen_view",
                  content_id="home")
    ob.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[2 * page:3 * page] = b"\xa5" * page
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["garbage", "torn page"])
def test_a_damaged_outbox_is_set_aside_and_a_new_one_records(tmp_path, damage, capsys):
    data = tmp_path / "data"
    data.mkdir()
    path = data / "outbox.db"
    if damage == "garbage":
        path.write_bytes(b"this is not a database, whatever it was" * 100)
    else:
        damaged_file(path)
    before = path.read_bytes()
    ob = Outbox(path, "k", "c", flush_interval=0.05)
    ob.record("11111111-2222-4333-8444-555555555555", "session_start")
    ob.flush()
    assert [e["type"] for e in ob.all_events()] == ["session_start"]
    ob.close()
    kept = list(data.glob("outbox.db.damaged-*"))
    assert [p.name for p in kept if not p.name.endswith(("-wal", "-shm"))], kept
    main = next(p for p in kept if not p.name.endswith(("-wal", "-shm")))
    assert main.read_bytes() == before  # kept as it was, for inspection
    assert "damaged" in heartbeat.Tracker(data).state()["last_error"]["message"]
    assert cli.main(["status", "--json", "--data-dir", str(data)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["set_aside"][0]["kept_as"] == main.name
    assert status["queued_events"] == 1
    cli.main(["status", "--data-dir", str(data)])
    assert "DAMAGED" in capsys.readouterr().out


def test_a_sound_outbox_is_left_alone(tmp_path):
    path = tmp_path / "outbox.db"
    ob = Outbox(path, "k", "c", flush_interval=0.05)
    ob.record("11111111-2222-4333-8444-555555555555", "session_start")
    ob.close()
    again = Outbox(path, "k", "c", flush_interval=0.05)
    assert len(again.all_events()) == 1
    again.close()
    assert not list(tmp_path.glob("*.damaged-*"))


def test_a_damaged_content_store_is_set_aside_and_the_bundled_content_serves(tmp_path):
    """The installed pack damaged since it was verified (a file cut short by a disk fault):
    the kiosk used to refuse to start on it. Now it is kept aside, staff and the fleet are
    told, and the kiosk starts on the bundled content until the next sync."""
    import shutil

    from kiosk.core import settings as settings_mod
    from kiosk.services.damaged import set_aside_notes

    data = tmp_path / "data"
    version = data / "content" / "versions" / "7"
    shutil.copytree(settings_mod.DEFAULT_CONTENT_DIR, version)
    guide = next(version.rglob("services/*.json"))
    guide.write_bytes(guide.read_bytes()[: len(guide.read_bytes()) // 2])  # cut short
    (data / "content" / "current").write_text('{"version": 7, "dir": "versions/7"}')
    s = settings_mod.load(None, data_dir=str(data))
    catalogue = cli._load_content(s)
    assert catalogue.services  # the bundled content
    kept = list(data.glob("content.damaged-*"))
    assert len(kept) == 1 and (kept[0] / "versions" / "7").is_dir()
    assert not (data / "content").exists()
    assert set_aside_notes(data)[-1]["what"] == "content"
    assert "content: damaged" in heartbeat.Tracker(data).state()["last_error"]["message"]
