"""Replacing the terminal's token (a remote action) with no moment when it has none that
works, whenever the process is killed.

1. The hub sends a new token with the action; it keeps the old one working, and the new one
   as pending.
2. Here, hub.json is rewritten whole (core/files.py) with the new token beside the old:
   {"token": old, "pending_token": new}. A kill before this leaves the old token, which
   still works; the hub sends a fresh new one with the action next time.
3. The new token is confirmed (POST token/confirm, with it): from that moment the hub takes
   only the new one.
4. hub.json is rewritten with the new token alone.

A kill between 2 and 4 leaves both tokens on disk: `settle` (at the start of every sync
round, and before `kiosk sync --once` does anything) confirms the pending one again. If the
hub takes it (confirmed then, or before the kill), it becomes the token. If the hub refuses
it (a later delivery of the action replaced it), it is dropped and the old one, which the
hub still takes, stays. A hub that cannot be reached changes nothing: both stay, and the
next round tries again.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from kiosk.core import files

log = logging.getLogger(__name__)


def _write(data_dir: str | Path, enrolment: dict) -> None:
    from kiosk.services.hub_client import hub_file

    files.write_atomic(hub_file(data_dir), json.dumps(enrolment, indent=2) + "\n", perms=0o600)


def begin(data_dir: str | Path, new_token: str, action_id: int | None = None) -> dict:
    """Step 2: the new token on disk beside the old one, atomically (OSError if it cannot
    be written: nothing changed, the old token still works)."""
    from kiosk.services.hub_client import HubError, load_enrolment

    enrolment = load_enrolment(data_dir)
    if enrolment is None:
        raise HubError("not enrolled: no token to replace")
    enrolment = {**enrolment, "pending_token": new_token, "pending_action": action_id}
    _write(data_dir, enrolment)
    return enrolment


def settle(client, data_dir: str | Path) -> str:
    """Steps 3 and 4 for a pending token on disk, if there is one. Returns "none",
    "confirmed" (the new token is the only one now; the client uses it), "dropped" (the hub
    did not know it: the old one stays) or "pending" (the hub could not be asked)."""
    from kiosk.services.hub_client import AuthError, HubError, load_enrolment

    enrolment = load_enrolment(data_dir)
    pending = (enrolment or {}).get("pending_token")
    if not pending:
        return "none"
    rest = {k: v for k, v in enrolment.items() if k not in ("pending_token", "pending_action")}
    try:
        client.confirm_token(pending)
    except AuthError:
        log.warning("the hub did not take the replacement token; keeping the current one")
        _write(data_dir, rest)
        return "dropped"
    except HubError as e:
        log.warning("could not confirm the replacement token yet: %s", e)
        return "pending"
    _write(data_dir, {**rest, "token": pending})
    client.set_token(pending)
    log.warning("the terminal's token was replaced, as the hub asked")
    return "confirmed"


def replace(client, data_dir: str | Path, new_token: str, action_id: int | None = None) -> str:
    """The whole replacement: begin, then settle (see the module's text)."""
    try:
        begin(data_dir, new_token, action_id)
    except OSError as e:
        log.warning("cannot store the replacement token: %s", e)
        return "not stored"
    return settle(client, data_dir)
