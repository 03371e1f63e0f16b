"""The heartbeat: what a terminal says about its own health at each sync, for the fleet pages.

Both sides use this module: the terminal builds a heartbeat that `check` accepts
(services/heartbeat.py), and the hub refuses one that it does not (routes/heartbeat.py).
It is an allow-list, like usage events: versions, counts, sizes, a flag and three times,
never anything a citizen typed or did. The last error is its class and a short message
from the terminal's own sync code, with anything that looks like a token, an e-mail
address or a long number cut out (`scrub`); the last citizen session is rounded down to
the hour, so it says the terminal was used, not when someone stood at it.

Unknown fields are ignored, not refused: a newer terminal may say more than an older hub
understands, and a heartbeat is information, not input the hub acts on.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from kiosk.core.protocol import ACTIONS, MAX_ACTIONS, MAX_ERROR_CHARS

APP_VERSION_RE = re.compile(r"^[0-9A-Za-z.+\-]{1,40}\Z")
CLASS_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,79}\Z")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")
CONFIG_VERSION_RE = re.compile(r'^[\x21-\x7e]{1,80}\Z')  # an ETag as the hub sent it
BIG = 2**62  # any count or size above this is not a real one
OUTCOMES = ("done", "failed")

# field -> kind; every field may be missing or null except where `required` says
FIELDS: dict[str, str] = {
    "app_version": "app_version",
    "content_version": "count",
    "content_expires": "time",
    "config_version": "config_version",
    "queued": "count",            # usage events waiting to be sent
    "set_aside": "count",         # events the hub refused, kept on the terminal
    "uptime_s": "count",          # seconds since the kiosk app (or `kiosk sync`) started
    "disk_free_bytes": "count",   # on the terminal's data disk
    "disk_total_bytes": "count",
    "memory_bytes": "count",      # resident memory of the process
    "failed_rounds": "count",     # sync rounds that failed since the last heartbeat arrived
    "error_streak": "count",      # sync rounds in a row that ended in an error, up to now
    "last_error": "error",        # {"class", "message", "at"}
    "maintenance": "bool",        # staff put the terminal in maintenance mode
    "last_session_hour": "hour",  # the last citizen session, rounded down to the hour
    "results": "results",         # outcomes of remote actions: [{"id", "outcome", "message"}]
}
REQUIRED = ("app_version", "queued", "set_aside", "uptime_s", "maintenance")


class HeartbeatError(ValueError):
    """A heartbeat the hub will not keep; the message names the field."""


def iso(dt: datetime) -> str:
    """A time as heartbeats carry it: UTC, whole seconds, 'Z'."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """A heartbeat's time as a naive UTC datetime (as the hub stores times)."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def hour_of(dt: datetime | float | None) -> str | None:
    """A time rounded down to its hour, as a heartbeat's last_session_hour (a Unix time or a
    datetime; naive means UTC)."""
    if dt is None:
        return None
    if not isinstance(dt, datetime):
        dt = datetime.fromtimestamp(float(dt), UTC)
    return iso(dt.replace(minute=0, second=0, microsecond=0))


# A token, a key or a hash (20+ characters of one), an e-mail address, a long number (a phone
# number, a card): none of these belongs in an error message shown on the hub.
_SECRETS = re.compile(r"[A-Za-z0-9_\-]{20,}|[^\s@<>()\"']+@[^\s@<>()\"']+|\+?\d(?:[ \-]?\d){9,}")
_QUERY = re.compile(r"\?[^\s\"')]*|\b(?:token|key|password|secret|pin)=\S*", re.IGNORECASE)


def scrub(message: str, limit: int = MAX_ERROR_CHARS) -> str:
    """An error message fit to leave the terminal: one line, query strings and anything
    that looks like a secret or a person's details replaced by '…', at most `limit`
    characters."""
    text = " ".join(str(message).split())
    text = _QUERY.sub(lambda m: m.group(0).split("=")[0] + "=…" if m.group(0)[0] != "?"
                      else "?…", text)
    text = _SECRETS.sub("…", text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def check(data: Any) -> dict:
    """The heartbeat's known fields, checked (unknown ones dropped); HeartbeatError naming
    the first field that is wrong."""
    if not isinstance(data, dict):
        raise HeartbeatError("a heartbeat must be a JSON object")
    out: dict[str, Any] = {}
    for name, kind in FIELDS.items():
        value = data.get(name)
        if value is None:
            if name in REQUIRED:
                raise HeartbeatError(f"{name}: missing")
            out[name] = [] if kind == "results" else None
            continue
        out[name] = _check(name, kind, value)
    return out


def _check(name: str, kind: str, value: Any) -> Any:
    def wrong(want: str) -> HeartbeatError:
        return HeartbeatError(f"{name}: must be {want}")

    if kind == "count":
        if type(value) is not int or not 0 <= value <= BIG:
            raise wrong("a whole number from 0")
        return value
    if kind == "bool":
        if type(value) is not bool:
            raise wrong("true or false")
        return value
    if kind == "app_version":
        if not isinstance(value, str) or not APP_VERSION_RE.match(value):
            raise wrong("a version such as 1.2.3")
        return value
    if kind == "config_version":
        if not isinstance(value, str) or not CONFIG_VERSION_RE.match(value):
            raise wrong("the configuration's ETag")
        return value
    if kind in ("time", "hour"):
        if not isinstance(value, str) or not TIME_RE.match(value):
            raise wrong("a UTC time such as 2026-03-01T14:00:00Z")
        try:
            when = parse_time(value)
        except ValueError:
            raise wrong("a real time") from None
        if kind == "hour" and (when.minute or when.second):
            raise wrong("a time on the hour (rounded down)")
        return value
    if kind == "error":
        if not isinstance(value, dict):
            raise wrong('an object {"class", "message", "at"}')
        cls, message, at = value.get("class"), value.get("message"), value.get("at")
        if not isinstance(cls, str) or not CLASS_RE.match(cls):
            raise wrong("an error with the name of its class")
        if not isinstance(message, str) or len(message) > MAX_ERROR_CHARS:
            raise wrong(f"an error with a message of at most {MAX_ERROR_CHARS} characters")
        if not isinstance(at, str) or not TIME_RE.match(at):
            raise wrong("an error with its time")
        return {"class": cls, "message": scrub(message), "at": at}
    if kind == "results":
        if not isinstance(value, list) or len(value) > MAX_ACTIONS:
            raise wrong(f"a list of at most {MAX_ACTIONS} results")
        results = []
        for r in value:
            if not isinstance(r, dict) or type(r.get("id")) is not int or \
                    not 0 < r["id"] <= BIG or r.get("outcome") not in OUTCOMES:
                raise wrong('results {"id", "outcome": "done" or "failed", "message"}')
            message = r.get("message") or ""
            if not isinstance(message, str) or len(message) > MAX_ERROR_CHARS:
                raise wrong(f"results with a message of at most {MAX_ERROR_CHARS} characters")
            results.append({"id": r["id"], "outcome": r["outcome"], "message": scrub(message)})
        return results
    raise AssertionError(kind)


def check_actions(data: Any) -> list[dict]:
    """The actions in the hub's answer to a heartbeat: [{"id", "kind", ...}], unknown kinds
    left out (an older terminal ignores what it cannot do). HeartbeatError when the answer
    is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("actions", []), list):
        raise HeartbeatError("the answer is not an acknowledgement of the heartbeat")
    out = []
    for a in data.get("actions", [])[:MAX_ACTIONS]:
        if not isinstance(a, dict) or type(a.get("id")) is not int or a["id"] <= 0:
            raise HeartbeatError("an action without an id")
        if a.get("kind") not in ACTIONS:
            continue
        if a["kind"] == "replace_token" and not (
                isinstance(a.get("token"), str) and 20 <= len(a["token"]) <= 200):
            raise HeartbeatError("a token replacement without a token")
        out.append(a)
    return out
