"""The staff panel's PIN (kiosk/services/staff_access.py): set at first start, needed to
change it, five wrong tries lock with a growing delay (on an injected clock), and the lock
survives a restart."""

from __future__ import annotations

import pytest

from kiosk.core import config
from kiosk.services import staff_access
from kiosk.services.config_store import ConfigStore
from kiosk.services.staff_access import PinError, StaffAccess


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def access(tmp_path):
    clock = Clock()
    a = StaffAccess(tmp_path, "t1", clock=clock)
    a.set_pin("481516")
    return a, clock


def test_first_pin_then_changes_need_the_old_one(tmp_path):
    a = StaffAccess(tmp_path, "t1")
    assert not a.has_pin()
    a.set_pin("2468")
    assert a.has_pin() and a.check("2468").ok and not a.check("1357").ok
    with pytest.raises(PinError, match="the current PIN is needed"):
        a.set_pin("9753")
    with pytest.raises(PinError, match="the current PIN is needed"):
        a.set_pin("9753", old="0000")
    a.set_pin("9753", old="2468")
    assert a.check("9753").ok and not a.check("2468").ok
    stored = ConfigStore(tmp_path).values()["staff.pin_hash"]
    assert stored.startswith("$argon2id$") and "9753" not in stored
    assert "staff.pin_hash" not in ConfigStore(tmp_path).report()["values"]  # never reported


@pytest.mark.parametrize("pin, why", [("123", "4 to 8 digits"), ("123456789", "4 to 8 digits"),
                                      ("12a4", "4 to 8 digits"), ("1111", "a run or one digit"),
                                      ("1234", "a run"), ("8765", "a run")])
def test_weak_or_malformed_pins_are_refused(tmp_path, pin, why):
    with pytest.raises(PinError, match=why):
        StaffAccess(tmp_path).set_pin(pin)


def test_five_wrong_tries_lock_with_a_growing_delay(access, tmp_path):
    a, clock = access
    for left in (4, 3, 2, 1):
        attempt = a.check("000000")
        assert (attempt.ok, attempt.tries_left, attempt.wait) == (False, left, 0.0)
    fifth = a.check("000000")
    assert (fifth.ok, fifth.tries_left, fifth.wait) == (False, 0, 30.0)
    # while locked, even the right PIN is not checked
    assert a.check("481516") == staff_access.Attempt(False, 30.0, 0)
    clock.now += 29
    assert not a.check("481516").ok
    clock.now += 1.5
    sixth = a.check("999999")  # one more wrong: twice as long
    assert sixth.wait == 60.0
    # a restart (a new object on the same folder) keeps the lock
    again = StaffAccess(tmp_path, "t1", clock=clock)
    assert again.locked_for() == 60.0
    clock.now += 61
    assert again.check("481516").ok
    assert again.check("000000").tries_left == 4  # the right PIN reset the count


def test_a_clock_set_far_back_cannot_lock_for_more_than_an_hour(access):
    a, clock = access
    for _ in range(5):
        a.check("000000")
    clock.now -= 10 * 86400
    assert a.locked_for() == staff_access.MAX_LOCK


def test_a_pin_hash_from_the_hub_and_a_later_staff_change(tmp_path):
    hub_hash = staff_access.hash_pin("13579")
    store = ConfigStore(tmp_path, "t1")
    store.save_hub({"layers": [{"name": "centre", "values": {
        "staff.pin_hash": {"value": hub_hash, "changed": "2026-12-01T09:00:00Z"}}}]}, None)
    a = StaffAccess(tmp_path, "t1")
    assert a.check("13579").ok
    a.set_pin("864202", old="13579")  # later than the hub's: it wins
    assert a.check("864202").ok and not a.check("13579").ok
    with pytest.raises(config.ConfigError, match="argon2id hash"):
        config.check("staff.pin_hash", "13579")
