"""The `kiosk` command as operators and scripts use it: --smoke, shots, status, and one-line
errors for bad content and bad settings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.settings import DEFAULT_CONTENT_DIR

KIOSK = [sys.executable, "-m", "kiosk"]


def run(args, tmp_path, env=None, timeout=60):
    e = dict(os.environ, KIOSK_WINDOWED="1", SDL_NO_SIGNAL_HANDLERS="1",
             KIVY_HOME=str(tmp_path / "kivy"), **(env or {}))
    e.pop("KIOSK_DATA_DIR", None)
    return subprocess.run(KIOSK + args, capture_output=True, text=True, env=e, timeout=timeout,
                          check=False)


def test_smoke_draws_the_first_screen_and_exits(tmp_path):
    r = run(["--smoke", "--data-dir", str(tmp_path / "data")], tmp_path)
    assert r.returncode == 0, r.stderr
    line = r.stdout.strip().splitlines()[-1]
    assert line.startswith("ready in ") and line.endswith(" s")
    assert 0 < float(line.split()[2]) < 30
    assert (tmp_path / "data" / "outbox.db").exists()


def test_bad_content_stops_start_up_with_one_clear_line(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    path = content / "services" / "blue-badge.json"
    data = json.loads(path.read_text())
    del data["start"]["cost"]
    path.write_text(json.dumps(data))
    r = run(["--smoke", "--data-dir", str(tmp_path / "data")], tmp_path,
            env={"KIOSK_CONTENT_DIR": str(content)})
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "services/blue-badge.json" in lines[0] and "'blue-badge'" in lines[0]
    assert "start.cost" in lines[0] and "Traceback" not in r.stderr


@pytest.mark.parametrize("env,expected", [
    ({"KIOSK_IDLE_TIMEOUT": "soon"}, "KIOSK_IDLE_TIMEOUT"),
    ({"KIOSK_IDLE_WARNING": "5"}, "idle_warning"),
])
def test_bad_settings_give_one_line(tmp_path, env, expected):
    r = run(["--smoke", "--data-dir", str(tmp_path / "data")], tmp_path, env=env)
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1 and expected in r.stderr


def test_bad_config_file(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text("[kiosk]\nidle_timeout = \n")
    r = run(["--smoke", "--config", str(cfg), "--data-dir", str(tmp_path)], tmp_path)
    assert r.returncode == 1 and "not valid TOML" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_shots_renders_every_main_screen(tmp_path):
    out = tmp_path / "shots"
    r = run(["shots", "--out", str(out), "--lang", "en", "ar"], tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in out.glob("*.png"))
    from kiosk.app.shots import JOURNEY

    assert names == sorted(f"{lang}-{n}.png" for lang in ("en", "ar") for n, _ in JOURNEY)
    assert all(p.stat().st_size > 5000 for p in out.glob("*.png"))


def test_status_json(tmp_path):
    r = run(["status", "--json", "--data-dir", str(tmp_path)], tmp_path)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["services"] == 12 and report["tutorials"] >= 8
    assert report["queued_events"] == 0 and report["enrolled"] is False


def test_status_for_staff_is_plain_lines(tmp_path):
    from kiosk.services.outbox import Outbox

    box = Outbox(tmp_path / "outbox.db", "k", "c")
    box.record("00000000-0000-4000-8000-000000000000", "session_start")
    box.close()
    r = run(["status", "--data-dir", str(tmp_path)], tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("terminal:") and "bundled demo content" in lines[1]
    assert "usage events: 1 waiting to be sent" in lines
    assert "hub:          not enrolled (kiosk enrol CODE --hub URL)" in lines
    assert lines[-2:] == ["last sync:    never", "last upload:  never"]


def test_help_lists_the_commands(tmp_path):
    r = run(["--help"], tmp_path)
    assert r.returncode == 0
    for word in ("--smoke", "--windowed", "shots", "status", "--data-dir"):
        assert word in r.stdout
    assert Path(DEFAULT_CONTENT_DIR).is_dir()
