"""The real kiosk (`kiosk --demo`, fullscreen) on an X screen of its own, attacked as a person
at the keyboard would: every escape key through xdotool (real X key events), and a window
manager's close request (WM_DELETE_WINDOW, sent as a window manager sends it). The kiosk
must still run, still cover the whole screen, and still answer a touch.

Xvfb and xdotool are installed by `make test` (scripts/system-deps.sh, as root): a missing
one fails here, loudly, rather than skipping the lockdown's proof."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.services import x11
from tests.browsertools import private_display, wait_for, xdotool

BIN = Path(sys.executable).parent
SCREEN = (1024, 768)  # not the kiosk's default 1280x800: the window must follow the screen

# Every key a person might try to leave, close, switch or reconfigure the kiosk with.
ESCAPE_KEYS = ["Escape", "F1", "F4", "F11", "alt+F4", "alt+Tab", "ctrl+q", "ctrl+w",
               "Super_L", "Super_R", "super+d", "super+e", "Menu", "alt+Escape", "alt+space",
               "ctrl+shift+q", "ctrl+alt+Delete"]


def require(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: run `make test` as root once (scripts/system-deps.sh "
                    f"installs it) or apt-get install {tool.lower()}")


class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class _Event(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


def send_close_request(display_name: str, window: int) -> None:
    """What a window manager sends when its close button or Alt+F4 is used: a
    WM_PROTOCOLS client message carrying WM_DELETE_WINDOW."""
    x, _ = x11._load()
    x.XOpenDisplay.restype = ctypes.c_void_p
    d = x.XOpenDisplay(display_name.encode())
    assert d, f"cannot open {display_name}"
    try:
        protocols = x.XInternAtom(d, b"WM_PROTOCOLS", False)
        delete = x.XInternAtom(d, b"WM_DELETE_WINDOW", False)
        ev = _Event()
        ev.xclient.type = 33  # ClientMessage
        ev.xclient.window = window
        ev.xclient.message_type = protocols
        ev.xclient.format = 32
        ev.xclient.data[0] = delete
        ev.xclient.data[1] = 0  # CurrentTime
        x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                                 ctypes.POINTER(_Event)]
        assert x.XSendEvent(d, window, False, 0, ctypes.byref(ev))
        x.XSync(d, False)
    finally:
        x.XCloseDisplay(d)


@pytest.fixture
def kiosk_on_x(tmp_path):
    require("Xvfb")
    require("xdotool")
    with private_display(f"{SCREEN[0]}x{SCREEN[1]}x24") as name:
        ready = tmp_path / "ready"
        env = {**os.environ, "DISPLAY": name, "KIOSK_READY_FILE": str(ready),
               "KIOSK_DATA_DIR": str(tmp_path / "data")}
        env.pop("KIOSK_WINDOWED", None)
        log = (tmp_path / "kiosk.err").open("wb")
        proc = subprocess.Popen([BIN / "kiosk", "--demo"], env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=log, start_new_session=True)
        try:
            assert wait_for(lambda: ready.exists() or proc.poll() is not None, 90), \
                "the kiosk did not draw its first frame within 90 s"
            assert proc.poll() is None, (tmp_path / "kiosk.err").read_text()[-2000:]
            yield name, proc, tmp_path
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            log.close()


def kiosk_window(name: str, pid: int) -> int:
    display = x11.open_display(name)
    assert display is not None, "X (libX11, libXss) is not usable"
    with display:
        windows = display.windows_of([pid])
        assert windows, "the kiosk has no window"
        return windows[0]


def assert_fullscreen(name: str, window: int) -> None:
    display = x11.open_display(name)
    with display:
        geo = display.geometry(window)
        root = display.geometry(display.root)
        on_top = display.stacking()[-1]
    assert geo is not None and geo.viewable, "the kiosk's window is not shown"
    assert (geo.x, geo.y, geo.width, geo.height) == (0, 0, root.width, root.height) == \
        (0, 0, *SCREEN), f"the window is not the whole screen: {geo}"
    assert on_top == window, "another window is above the kiosk"


def test_escape_keys_and_close_requests_leave_it_running_fullscreen(kiosk_on_x):
    name, proc, _ = kiosk_on_x
    window = kiosk_window(name, proc.pid)
    assert_fullscreen(name, window)
    # Also what `xdotool getwindowgeometry` says, as an admin would check it.
    out = subprocess.run(["xdotool", "getwindowgeometry", str(window)], capture_output=True,
                         text=True, env={**os.environ, "DISPLAY": name}, check=True).stdout
    assert f"Geometry: {SCREEN[0]}x{SCREEN[1]}" in out, out
    xdotool(name, "mousemove", str(SCREEN[0] // 2), str(SCREEN[1] // 2))  # focus follows it
    for keys in ESCAPE_KEYS:
        xdotool(name, "key", "--clearmodifiers", keys)
        xdotool(name, "sleep", "0.15")
        assert proc.poll() is None, f"{keys} ended the kiosk"
    for _ in range(3):  # a window manager's close button, Alt+F4, or `wmctrl -c`
        send_close_request(name, window)
    assert not wait_for(lambda: proc.poll() is not None, 2), "a close request ended the kiosk"
    assert kiosk_window(name, proc.pid) == window, "the kiosk made a new window"
    assert_fullscreen(name, window)
    # A person still gets an answer: a tap on the attract screen starts a session (the
    # screen changes), so input reached the app all along and it is not stuck.
    before = _picture(name)
    xdotool(name, "click", "1")
    assert wait_for(lambda: _picture(name) != before, 10), "a touch did nothing"
    assert proc.poll() is None
    # The supervisor's stop (SIGTERM) is obeyed, cleanly: SDL does not turn it into a
    # close request that the kiosk would refuse.
    os.kill(proc.pid, signal.SIGTERM)
    assert wait_for(lambda: proc.poll() is not None, 15), "SIGTERM did not stop the kiosk"
    assert proc.returncode == 0


def _picture(name: str) -> bytes:
    with x11.open_display(name) as display:
        return display.capture()[2]
