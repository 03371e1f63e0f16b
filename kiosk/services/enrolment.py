"""Is this terminal enrolled with a hub, and does the hub still accept it? For the staff
panel and `kiosk status`: one small function, `status(data_dir)`.

A hub that refuses the terminal's token (401/403: an admin revoked it with `kiosk-hub
revoke`, or the hub's database was replaced) does not stop the terminal: it keeps serving
citizens with its last content and configuration. The refusal is remembered on disk
(DATA_DIR/hub-refused.json, written when the syncer or `kiosk sync` is refused, removed when
the hub accepts the token again or the terminal is enrolled again), so the state survives a
restart and staff can be told what to do before anything else is tried.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.core import files
from kiosk.services.hub_client import REFUSED_FILE, HubError, load_enrolment

log = logging.getLogger(__name__)

NOT_ENROLLED, ENROLLED, REVOKED = "not enrolled", "enrolled", "revoked"

HOW_TO_ENROL = (
    "To enrol this terminal again: ask an admin for a one-time enrolment code for your "
    "centre (on the hub: kiosk-hub enrol-code --centre CENTRE), then, in maintenance mode, "
    "run: kiosk enrol CODE --hub HUB-ADDRESS. Until then the terminal keeps serving "
    "citizens with the content and settings it has, and sends nothing to the hub.")
"""What staff should do, in English (the staff panel translates it like the rest of its
text); the same words for a terminal never enrolled and one the hub no longer accepts."""


@dataclass(frozen=True)
class Enrolment:
    """Where this terminal stands with its hub."""

    state: str  # NOT_ENROLLED, ENROLLED or REVOKED
    terminal_id: str = ""
    centre: str = ""
    hub_url: str = ""
    refused_at: str | None = None  # when the hub first refused the token (ISO 8601, UTC)
    detail: str = ""  # what the hub said, or why the enrolment file cannot be read

    @property
    def enrolled(self) -> bool:
        """Enrolled, and not refused by the hub as far as the terminal knows."""
        return self.state == ENROLLED

    @property
    def revoked(self) -> bool:
        return self.state == REVOKED


def _refused_file(data_dir: str | Path) -> Path:
    return Path(data_dir) / REFUSED_FILE


def status(data_dir: str | Path) -> Enrolment:
    """This terminal's enrolment, read from disk (small files: cheap, but not for a frame
    callback on a slow disk). Never raises: an unreadable enrolment counts as not
    enrolled, with the reason in `detail`."""
    try:
        enrolment = load_enrolment(data_dir)
    except HubError as e:
        return Enrolment(NOT_ENROLLED, detail=str(e))
    if enrolment is None:
        return Enrolment(NOT_ENROLLED)
    who = {"terminal_id": enrolment.get("terminal_id", ""),
           "centre": enrolment.get("centre", "") or "", "hub_url": enrolment.get("hub_url", "")}
    try:
        refused = json.loads(_refused_file(data_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Enrolment(ENROLLED, **who)
    except (OSError, ValueError):
        refused = {}  # a damaged note still says the hub refused us
    if not isinstance(refused, dict):
        refused = {}
    return Enrolment(REVOKED, **who, refused_at=str(refused.get("at") or "") or None,
                     detail=str(refused.get("detail") or ""))


def record_refused(data_dir: str | Path, detail: str) -> None:
    """The hub refused this terminal's token: remember it (the first time's date is kept).
    Best effort: a full disk must not turn a refusal into a crash."""
    path = _refused_file(data_dir)
    if path.exists():
        return
    log.warning("the hub refuses this terminal's token: %s", detail)
    try:
        files.write_atomic(path, json.dumps({
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "detail": detail[:500]}))
    except OSError as e:
        log.warning("could not note the refusal in %s: %s", path, e)


def record_accepted(data_dir: str | Path) -> None:
    """The hub accepted this terminal's token again (or it was enrolled again)."""
    try:
        _refused_file(data_dir).unlink()
        log.warning("the hub accepts this terminal's token again")
    except FileNotFoundError:
        pass
    except OSError as e:
        log.warning("could not clear %s: %s", _refused_file(data_dir), e)
