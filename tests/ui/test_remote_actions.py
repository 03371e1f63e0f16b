"""The hub's remote actions reach the app (issue 13): from the syncer's thread, acted on in
the UI thread, never in the middle of a citizen's session; and the heartbeat says whether
staff have the terminal in maintenance mode."""

from __future__ import annotations

import threading

import pytest

from kiosk.core.protocol import LEAVE_MAINTENANCE, RESTART
from kiosk.services.heartbeat import RESTART_EXIT_CODE
from tests.ui.staff import open_panel, set_pin


def from_syncer(h, action: dict) -> str:
    """Call remote_action as the syncer does, on another thread."""
    said = []
    t = threading.Thread(target=lambda: said.append(h.app.remote_action(action)))
    t.start()
    t.join(5)
    h.frames(3)
    return said[0]


@pytest.fixture
def stops(kiosk, monkeypatch):
    calls = []
    monkeypatch.setattr(kiosk.app, "stop", lambda *a: calls.append(kiosk.app.exit_status))
    return calls


def test_a_restart_waits_for_the_citizen_then_exits_for_the_supervisor(kiosk, stops):
    h = kiosk
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    said = from_syncer(h, {"id": "a1", "kind": RESTART})
    assert "no one" in said
    h.frames(5)
    assert stops == [], "the citizen's visit is not cut short"
    h.app.end_session("finished")
    h.frames(5)
    assert stops == [RESTART_EXIT_CODE]


def test_a_restart_on_the_attract_screen_is_at_once(kiosk, stops):
    from_syncer(kiosk, {"id": "a2", "kind": RESTART})
    kiosk.frames(3)
    assert stops == [RESTART_EXIT_CODE]


def test_leave_maintenance_from_the_hub_closes_the_panel_and_the_heartbeat_says_so(kiosk):
    h = kiosk
    assert h.app.heartbeat_status() == {"maintenance": False}
    assert from_syncer(h, {"id": "a3", "kind": LEAVE_MAINTENANCE}) == \
        "was not in maintenance mode"
    set_pin(h)
    open_panel(h)
    h.wait_for(lambda: h.screen.status is not None and h.screen.status.actions)
    h.tap(h.screen.status.actions["maintenance"])
    assert h.app.heartbeat_status() == {"maintenance": True}
    assert from_syncer(h, {"id": "a4", "kind": LEAVE_MAINTENANCE}) == "back to kiosk mode"
    h.frames(3)
    assert not h.app.in_maintenance and not h.app.staff_open
    assert h.app.heartbeat_status() == {"maintenance": False}


def test_an_unknown_action_is_refused_with_its_name(kiosk):
    with pytest.raises(ValueError, match="reboot"):
        kiosk.app.remote_action({"id": "a5", "kind": "reboot"})
