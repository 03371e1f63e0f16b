"""A kill -9 of the kiosk, and the supervisor brings it back within 5 s.

systemd is not available to tests, so the unit's own command line (config/kiosk.service's
ExecStart and Environment, with its /opt/kiosk/ installation replaced by this one) runs
under config/kiosk-supervise, the shipped supervisor that the terminal's X session uses
with the same restart rule. Every process started here is in one process group, killed at
the end, passed or failed."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.browsertools import private_display, wait_for

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "config" / "kiosk.service"
SUPERVISE = ROOT / "config" / "kiosk-supervise"
XINITRC = ROOT / "config" / "session" / "xinitrc"
INSTALLED = "/opt/kiosk/"  # where the unit expects the kiosk's virtual environment
BIN = Path(sys.executable).parent


def unit_service() -> dict[str, list[str]]:
    """The [Service] section: each key with all its values (systemd allows repeats)."""
    values: dict[str, list[str]] = {}
    section = None
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        if section == "Service":
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def unit_command(home: Path) -> tuple[list[str], dict[str, str]]:
    service = unit_service()
    argv = shlex.split(service["ExecStart"][-1].lstrip("-"))
    assert argv[0].startswith(INSTALLED), argv
    argv[0] = str(BIN / argv[0][len(INSTALLED + "bin/"):])
    env = {}
    for item in service.get("Environment", []):
        for pair in shlex.split(item):
            key, _, value = pair.partition("=")
            env[key] = value.replace("%h", str(home))
    return argv, env


def test_the_unit_restarts_always_and_soon():
    service = unit_service()
    assert service["Restart"] == ["always"]
    assert float(service["RestartSec"][0]) <= 1
    assert service["RestartPreventExitStatus"] == ["3"], "staff's maintenance exit only"
    assert "StartLimitIntervalSec=0" in UNIT.read_text(), "it never gives up"


def test_the_x_session_runs_the_units_command_under_the_supervisor():
    argv = shlex.split(unit_service()["ExecStart"][-1])
    last = [line for line in XINITRC.read_text().splitlines() if line.startswith("exec ")][-1]
    assert shlex.split(last)[1:] == ["/opt/kiosk/config/kiosk-supervise", *argv]


def children(pid: int) -> list[int]:
    """The kiosks the supervisor runs (its children but its `sleep` between two)."""
    try:
        kids = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    found = []
    for kid in kids:
        try:
            argv = Path(f"/proc/{kid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a.endswith(b"/kiosk") for a in argv):
            found.append(kid)
    return found


@pytest.fixture
def supervised(tmp_path):
    """`kiosk-supervise <ExecStart>` on an X screen of its own; yields (proc, ready file)."""
    with private_display("1024x768x24") as display:
        argv, unit_env = unit_command(tmp_path)
        ready = tmp_path / "ready"
        env = {**os.environ, **unit_env, "DISPLAY": display, "KIOSK_READY_FILE": str(ready)}
        log = (tmp_path / "supervise.log").open("wb")
        proc = subprocess.Popen([SUPERVISE, *argv], env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=log, start_new_session=True)
        try:
            yield proc, ready, tmp_path
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the supervisor and every kiosk
            except ProcessLookupError:
                pass
            proc.wait()
            log.close()


def ready_pid(ready: Path) -> int | None:
    try:
        return int(ready.read_text())
    except (OSError, ValueError):
        return None


def test_kill_9_and_the_supervisor_brings_it_back_within_5_s(supervised):
    proc, ready, tmp = supervised
    assert wait_for(lambda: ready_pid(ready) is not None, 90), \
        "the kiosk did not start: " + (tmp / "supervise.log").read_text()[-2000:]
    first = ready_pid(ready)
    assert children(proc.pid) == [first], "the kiosk runs as the supervisor's child"
    assert (tmp / ".local/share/kiosk").is_dir(), "the unit's Environment is used"
    ready.unlink()
    os.kill(first, signal.SIGKILL)
    killed = time.monotonic()
    assert wait_for(lambda: [p for p in children(proc.pid) if p != first], 5), \
        "no new kiosk within 5 s of kill -9"
    came_back = time.monotonic() - killed
    # Its window is up (first frame drawn) soon after; start-up itself is slower on a
    # shared, loaded test machine than on a terminal, so that deadline is wider.
    assert wait_for(lambda: ready_pid(ready) not in (None, first), 60), \
        "the new kiosk did not draw its window: " + (tmp / "supervise.log").read_text()[-2000:]
    second = ready_pid(ready)
    assert second != first and proc.poll() is None
    print(f"new kiosk process after {came_back:.2f} s, window after "
          f"{time.monotonic() - killed:.2f} s")
    # The supervisor's own stop: SIGTERM stops the kiosk cleanly, then itself.
    proc.send_signal(signal.SIGTERM)
    assert wait_for(lambda: proc.poll() is not None, 20), "the supervisor did not stop"
    assert not Path(f"/proc/{second}").exists() or \
        Path(f"/proc/{second}/stat").read_text().split()[2] == "Z"


def test_maintenance_exit_is_not_restarted_until_maintenance_ends(tmp_path):
    """Exit status 3 (staff left kiosk mode): the maintenance command runs instead, and
    the kiosk starts again when it ends."""
    runs = tmp_path / "runs"
    kiosk = f"echo run >> {runs}; [ $(grep -c run {runs}) -ge 3 ] && sleep 30; exit 3"
    env = {**os.environ, "KIOSK_MAINTENANCE_COMMAND": f"echo maintenance >> {runs}"}
    proc = subprocess.Popen([SUPERVISE, "sh", "-c", kiosk], env=env, start_new_session=True,
                            stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: runs.exists() and runs.read_text().count("run") >= 3, 10)
        assert runs.read_text().split() == ["run", "maintenance", "run", "maintenance", "run"]
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
