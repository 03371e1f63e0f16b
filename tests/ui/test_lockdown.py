"""The window's lockdown as the app configures it: which keys do nothing, Kivy's config
(one input provider, no multitouch emulation, no modules, no Esc exit, no screen saver),
and only staff's maintenance exit lets the window close."""

from __future__ import annotations

import pytest
from kivy.config import Config

from kiosk.app.main import MAINTENANCE_EXIT, is_blocked_key

SWALLOWED = [
    (27, None, []), (282, None, []), (285, None, []), (292, None, []),  # Esc F1 F4 F11
    (285, None, ["alt"]), (9, None, ["alt"]), (9, None, ["alt", "shift"]),  # Alt+F4, Alt+Tab
    (113, "q", ["ctrl"]), (119, "w", ["ctrl"]), (113, None, ["ctrl"]),  # Ctrl+Q, Ctrl+W
    (113, "a", ["ctrl"]),  # Ctrl+Q on an AZERTY keyboard gives "a" as the character
    (309, None, []), (1073742051, None, []), (1073742055, None, []),  # Super, left, right
    (100, "d", ["meta"]), (101, "e", ["meta"]),  # Super+D, Super+E
    (1073741925, None, []), (27, None, ["alt"]), (32, " ", ["alt"]),  # Menu, window menus
]
KEPT = [(97, "a", []), (32, " ", []), (8, None, []), (9, None, []), (13, None, []),
        (97, "A", ["shift"]), (273, None, [])]


@pytest.mark.parametrize("key,codepoint,mods", SWALLOWED)
def test_escape_keys_are_swallowed(key, codepoint, mods):
    assert is_blocked_key(key, codepoint, mods)


@pytest.mark.parametrize("key,codepoint,mods", KEPT)
def test_typing_keys_still_work(key, codepoint, mods):
    assert not is_blocked_key(key, codepoint, mods)


def test_kivy_is_configured_for_a_kiosk(kiosk):
    assert Config.get("kivy", "exit_on_escape") == "0"
    assert Config.get("graphics", "allow_screensaver") == "0"
    assert dict(Config.items("input")) == {"mouse": "mouse,disable_multitouch"}
    assert dict(Config.items("modules")) == {}, "no inspector, monitor or other module"
    assert kiosk.app.open_settings() is False


def test_only_maintenance_mode_lets_the_window_close(kiosk):
    """Staff's maintenance mode (the staff panel) lets the window close; the kiosk then exits
    with MAINTENANCE_EXIT, so the supervisor opens a maintenance terminal instead of
    starting it again at once."""
    from kiosk.app.staff.access import StaffMode

    h = kiosk
    assert h.app._on_request_close() is True and h.app.exit_status == 0
    h.app.staff = StaffMode(h.app)
    h.app.staff.start_maintenance()
    assert h.app._on_key_down(None, 27, 0, None, []) is False, "keys work in maintenance"
    assert h.app._on_request_close() is False
    assert h.app.exit_status == MAINTENANCE_EXIT
    h.app.staff.end_maintenance()
    h.app.exit_status = 0
    assert h.app._on_request_close() is True
