"""The usage-event schema: an allow-list of what may ever be recorded about a session.

An event says what kind of thing happened (a screen was viewed, a guide opened...), on which
content, in which language, for how long and with what outcome. It never carries typed
text or anything that could link two sessions to one person: the session id is random and
never reused. Anything outside this schema is rejected, on the kiosk and on the hub alike.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from kiosk.core.protocol import UUID_RE

SCHEMA_VERSION = 1

TYPES = frozenset({
    "session_start",        # the attract screen was touched
    "session_end",          # outcome: finished | start_again | timeout; duration_ms
    "screen_view",          # content_id: the screen's name
    "language_chosen",      # language: the chosen code
    "guide_opened",         # content_id: service id
    "step_expanded",        # content_id: service id; outcome: step-<n>
    "official_link_opened", # content_id: service id; outcome: ok | demo | failed | offline
    "official_service_closed",  # content_id: service id; duration_ms: how long the browser
                            # was open; outcome: back | closed | crashed | session_end
                            # (never an address visited inside it)
    "qr_shown",             # content_id: service id
    "tutorial_started",     # content_id: tutorial id
    "practice_answered",    # content_id: tutorial id; outcome: correct | incorrect
    "tutorial_completed",   # content_id: tutorial id; duration_ms
    "a11y_toggle",          # content_id: text_size | contrast | read_aloud; outcome: new value
    "idle_warning",         # the "more time?" dialog was shown
    "idle_continue",        # the citizen asked for more time
    "idle_timeout",         # nobody answered: the session ends
})

OUTCOME_RE = re.compile(r"^[a-z0-9_.\-]{1,40}$")
ID_RE = re.compile(r"^[a-z0-9_.\-]{1,80}$")
LANG_RE = re.compile(r"^[a-z]{2,3}$")

# field -> (required, check)
FIELDS = ("event_id", "kiosk", "centre", "time", "session", "type", "content_id", "language",
          "duration_ms", "outcome")


class EventError(ValueError):
    """An event that does not fit the schema; the message names the field."""


def _uuid(value: Any) -> bool:
    """A UUID in its canonical form (lowercase, hyphenated), as str(uuid.UUID(...)) gives;
    a regular expression, because the hub checks two per event (a tenth of uuid.UUID's cost)."""
    return isinstance(value, str) and UUID_RE.match(value) is not None


def validate(event: dict) -> dict:
    """Return the event if it fits the schema exactly; raise EventError naming the field."""
    if not isinstance(event, dict):
        raise EventError("an event must be an object")
    extra = set(event) - set(FIELDS)
    if extra:
        raise EventError(f"field {min(extra)!r} is not allowed in an event")
    for name in ("event_id", "session"):
        if not _uuid(event.get(name)):
            raise EventError(f"field {name!r} must be a lowercase UUID")
    for name in ("kiosk", "centre"):
        if not (isinstance(event.get(name), str) and ID_RE.fullmatch(event[name])):
            raise EventError(f"field {name!r} must be an id of up to 80 characters [a-z0-9_.-]")
    t = event.get("time")
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not 1.5e9 < t < 4.2e9:
        raise EventError("field 'time' must be a Unix time in seconds")
    if not isinstance(event.get("type"), str) or event["type"] not in TYPES:
        raise EventError(f"field 'type': {event.get('type')!r} is not a known event type")
    cid = event.get("content_id")
    if cid is not None and not (isinstance(cid, str) and ID_RE.fullmatch(cid)):
        raise EventError("field 'content_id' must be an id of up to 80 characters [a-z0-9_.-]")
    lang = event.get("language")
    if lang is not None and not (isinstance(lang, str) and LANG_RE.fullmatch(lang)):
        raise EventError("field 'language' must be a language code")
    d = event.get("duration_ms")
    if d is not None and (isinstance(d, bool) or not isinstance(d, int) or not 0 <= d < 86_400_000):
        raise EventError("field 'duration_ms' must be a whole number of milliseconds under a day")
    out = event.get("outcome")
    if out is not None and not (isinstance(out, str) and OUTCOME_RE.fullmatch(out)):
        raise EventError("field 'outcome' must be a short code [a-z0-9_.-]")
    return event


def make(kiosk: str, centre: str, session: str, type: str, time: float, *,
         content_id: str | None = None, language: str | None = None,
         duration_ms: int | None = None, outcome: str | None = None) -> dict:
    """A new, checked event with a fresh random id."""
    return validate({
        "event_id": str(uuid.uuid4()), "kiosk": kiosk, "centre": centre, "time": time,
        "session": session, "type": type, "content_id": content_id, "language": language,
        "duration_ms": duration_ms, "outcome": outcome,
    })


def new_session_id() -> str:
    """A random session id: random, so it links nothing to anything outside the session."""
    return str(uuid.uuid4())


def json_schema() -> dict:
    """The schema above as JSON Schema, for the hub's /openapi.json (what `validate`
    enforces, written from the same constants; tests/hub/test_fuzz_api.py sends what it
    allows). The time's bounds here are the schema's; the hub also refuses events more
    than a day ahead or older than it keeps them, which no static schema can say."""
    text = {"type": "string"}
    nullable = lambda s: {"anyOf": [s, {"type": "null"}]}
    return {
        "type": "object", "additionalProperties": False,
        "required": ["event_id", "kiosk", "centre", "time", "session", "type"],
        "properties": {
            "event_id": {**text, "pattern": UUID_RE.pattern.replace("\\Z", "$")},
            "session": {**text, "pattern": UUID_RE.pattern.replace("\\Z", "$")},
            "kiosk": {**text, "pattern": ID_RE.pattern},
            "centre": {**text, "pattern": ID_RE.pattern},
            "time": {"type": "number", "exclusiveMinimum": 1.5e9, "exclusiveMaximum": 4.2e9,
                     "description": "Unix time in seconds"},
            "type": {**text, "enum": sorted(TYPES)},
            "content_id": nullable({**text, "pattern": ID_RE.pattern}),
            "language": nullable({**text, "pattern": LANG_RE.pattern}),
            "duration_ms": nullable({"type": "integer", "minimum": 0,
                                     "exclusiveMaximum": 86_400_000}),
            "outcome": nullable({**text, "pattern": OUTCOME_RE.pattern}),
        },
    }
