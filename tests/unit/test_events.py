"""The usage-event schema (an allow-list) and the on-disk outbox."""

from __future__ import annotations

import sqlite3
import time
import uuid

import pytest

from kiosk.core import events
from kiosk.core.events import EventError
from kiosk.services.outbox import Outbox

NOW = 1_750_000_000.0


def good(**changes) -> dict:
    event = events.make("demo-kiosk", "demo-library", events.new_session_id(), "guide_opened",
                        NOW, content_id="register-to-vote", language="ar")
    event.update(changes)
    return event


def test_make_gives_a_valid_event():
    session = events.new_session_id()
    e = events.make("demo-kiosk", "demo-library", session, "session_end", NOW,
                    language="bn", duration_ms=61_000, outcome="timeout")
    assert set(e) == set(events.FIELDS)
    assert e["session"] == session and e["type"] == "session_end"
    assert e["duration_ms"] == 61_000 and e["outcome"] == "timeout"
    assert str(uuid.UUID(e["event_id"])) == e["event_id"]
    assert events.validate(e) is e
    other = events.make("demo-kiosk", "demo-library", session, "session_end", NOW)
    assert other["event_id"] != e["event_id"]
    assert events.new_session_id() != session


@pytest.mark.parametrize("field", ["typed_text", "name", "postcode", "ip"])
def test_extra_field_is_refused(field):
    with pytest.raises(EventError, match=field):
        events.validate(good(**{field: "SW1A 1AA"}))


@pytest.mark.parametrize("field, value", [
    ("event_id", "not-a-uuid"),
    ("event_id", "A49E9F9B-25DA-4E51-9E3F-DC10A9AA638C"),
    ("event_id", None),
    ("session", "{5ebd37c2-4349-445a-aca8-4544adb009e3}"),
    ("session", 12345),
])
def test_bad_uuid_is_refused(field, value):
    with pytest.raises(EventError, match=field):
        events.validate(good(**{field: value}))


@pytest.mark.parametrize("value", ["keystroke", "", None, "GUIDE_OPENED"])
def test_unknown_type_is_refused(value):
    with pytest.raises(EventError, match="type"):
        events.validate(good(type=value))


@pytest.mark.parametrize("value", ["english", "EN", "e", 7, "en\n", "en-GB"])
def test_bad_language_is_refused(value):
    with pytest.raises(EventError, match="language"):
        events.validate(good(language=value))


@pytest.mark.parametrize("value", [-1, -0.5, 1.5, True, "100", 86_400_000])
def test_bad_duration_is_refused(value):
    with pytest.raises(EventError, match="duration_ms"):
        events.validate(good(duration_ms=value))


@pytest.mark.parametrize("field, value", [
    ("outcome", "ok\n"), ("outcome", "Typed: hello"), ("content_id", "a b"),
    ("kiosk", "kiosk\n"), ("centre", ""), ("time", "now"), ("time", 12.0), ("time", True),
])
def test_other_bad_values_are_refused(field, value):
    with pytest.raises(EventError, match=field):
        events.validate(good(**{field: value}))


@pytest.mark.parametrize("value", [None, [], "event", 42, [("type", "session_start")]])
def test_non_dict_is_refused(value):
    with pytest.raises(EventError):
        events.validate(value)


def test_optional_fields_may_be_absent():
    e = good()
    for name in ("content_id", "language", "duration_ms", "outcome"):
        del e[name]
    assert events.validate(e) is e


# The outbox

def rows(path) -> list[dict]:
    """What is on disk, read through a connection of our own (not the outbox's). The outbox
    opens its database on its writer thread, so the table may not be there yet."""
    conn = sqlite3.connect(str(path))
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("select * from events order by time")]
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):
            return []
        raise
    finally:
        conn.close()


def test_outbox_writes_within_a_second_without_close(tmp_path):
    path = tmp_path / "outbox.db"
    box = Outbox(path, "demo-kiosk", "demo-library")
    try:
        session = events.new_session_id()
        recorded = [box.record(session, "session_start"),
                    box.record(session, "guide_opened", content_id="register-to-vote",
                               language="bn"),
                    box.record(session, "session_end", duration_ms=5000, outcome="finished")]
        deadline = time.monotonic() + 1.5
        found = rows(path)
        while len(found) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
            found = rows(path)
        assert len(found) == 3, "events not on disk within about a second"
        by_id = {r["event_id"]: r for r in found}
        for e in recorded:
            stored = by_id[e["event_id"]]
            # Nothing but the schema's fields (plus the outbox's own "sent" flag).
            assert set(stored) <= set(events.FIELDS) | {"sent"}
            assert {k: stored[k] for k in events.FIELDS} == e
            assert stored["sent"] == 0
        assert box.pending() == 3
    finally:
        box.close()


def test_outbox_refuses_bad_events(tmp_path):
    box = Outbox(tmp_path / "outbox.db", "demo-kiosk", "demo-library")
    try:
        with pytest.raises((EventError, TypeError)):  # not a field make() even takes
            box.record(events.new_session_id(), "session_start", typed_text="secret")
        with pytest.raises(EventError):
            box.record(events.new_session_id(), "session_end", outcome="Typed: secret")
        with pytest.raises(EventError):
            box.record(events.new_session_id(), "keystroke")
        assert box.pending() == 0
    finally:
        box.close()
    assert rows(tmp_path / "outbox.db") == []


def test_outbox_close_flushes_everything(tmp_path):
    path = tmp_path / "outbox.db"
    box = Outbox(path, "demo-kiosk", "demo-library", flush_interval=60)  # the thread idles
    session = events.new_session_id()
    ids = {box.record(session, "screen_view", content_id=f"screen-{i}")["event_id"]
           for i in range(200)}
    box.close()
    assert {r["event_id"] for r in rows(path)} == ids
    # A new outbox on the same file sees them as still to send.
    again = Outbox(path, "demo-kiosk", "demo-library")
    try:
        assert again.pending() == 200
    finally:
        again.close()


def test_a_type_that_is_not_a_string_is_refused_not_a_crash():
    good = events.make("k", "c", events.new_session_id(), "session_start", 1.8e9)
    for bad in ({}, [], ["session_start"], 5, None):
        with pytest.raises(events.EventError, match="field 'type'"):
            events.validate({**good, "type": bad})
