"""What staff need to know about a terminal: which content it runs and how old it is, the
usage events waiting to go, the last sync and its outcome, and whether it is enrolled with a
hub (or was revoked). `kiosk status` prints it; the staff panel shows it.

Reads disk (and, for `check_hub`, the network): never on the UI thread.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from kiosk.core import settings as settings_mod

# The rest is imported where it is used: content_dir_for runs while the kiosk starts, and
# the uploader's module brings requests with it.


def content_dir_for(s: settings_mod.Settings) -> tuple[str, int | None]:
    """Where the kiosk's content comes from: an explicitly configured folder, else the pack
    installed by `kiosk sync`, else the bundled demo content. (folder, pack version)"""
    if Path(s.content_dir).resolve() != settings_mod.DEFAULT_CONTENT_DIR.resolve():
        return s.content_dir, None
    if not (Path(s.data_dir) / "content" / "current").exists():
        return s.content_dir, None  # nothing installed: no need to load the pack code
    from kiosk.services.content_store import ContentStore

    store = ContentStore(Path(s.data_dir))
    installed = store.current_content_dir()
    if installed is not None and installed.is_dir():
        return str(installed), store.installed_version()
    return s.content_dir, None


def centre_id_for(s: settings_mod.Settings, enrolment: dict | None) -> str:
    """The centre named in usage events: the configured one, else the one the terminal is
    enrolled at, else the demo centre's (the hub stores the centre of the token anyway)."""
    return s.centre_id or (enrolment or {}).get("centre") or settings_mod.DEMO_CENTRE_ID


def revoked(data_dir: str | Path, syncer=None) -> bool:
    """Whether the hub refused this terminal's token the last time it was asked: the one
    place that knows how a refusal is reported. The syncer's own flag when it has one;
    else the refusal noted on disk (services.enrolment, kept until the hub accepts the
    token again or the terminal is enrolled again); else the newest of the last upload and
    the last sync, unless the terminal was enrolled again since."""
    from kiosk.services import enrolment, event_sync, sync_log

    flag = getattr(syncer, "revoked", None)
    if isinstance(flag, bool):
        return flag
    if enrolment.status(data_dir).revoked:
        return True
    entries = [e for e in (event_sync.last(data_dir), sync_log.last(data_dir)) if e]
    if not entries:
        return False
    newest = max(entries, key=lambda e: str(e.get("time", "")))
    status = str(newest.get("status", ""))
    refused = bool(newest.get("auth_refused")) or event_sync.REFUSED_TOKEN in status or \
        any(f"refused by the hub ({code}" in status for code in (401, 403))
    if refused:
        from kiosk.services.hub_client import hub_file

        try:  # enrolled again after the refusal: the old answer no longer holds
            enrolled = datetime.fromtimestamp(os.stat(hub_file(data_dir)).st_mtime, UTC)
            if enrolled.isoformat(timespec="seconds") > str(newest.get("time", "")):
                return False
        except OSError:
            pass
    return refused


def refused_at(data_dir: str | Path) -> str | None:
    """When the hub first refused this terminal's token, as noted (services.enrolment)."""
    from kiosk.services import enrolment

    return enrolment.status(data_dir).refused_at


def gather(s: settings_mod.Settings, catalogue, syncer=None) -> dict:
    """The terminal's state as `kiosk status --json` prints it."""
    from kiosk.services import damaged, event_sync, outbox, sync_log
    from kiosk.services.hub_client import HubError, load_enrolment

    data_dir = Path(s.data_dir)
    counts = outbox.counts(data_dir / "outbox.db") or {}  # {}: unreadable
    folder, version = content_dir_for(s)
    try:
        enrolment = load_enrolment(data_dir)
    except HubError:  # an unreadable hub.json: not enrolled, as far as status can tell
        enrolment = None
    content_made = content_expires = None
    previous = None
    out_of_date = False
    if version is not None:  # what staff need: how old the content is, and whether expired
        from kiosk.core import packs
        from kiosk.services.content_store import ContentStore

        store = ContentStore(data_dir)
        previous = store.previous_version()
        raw = store.manifest_raw(version)
        if raw:
            manifest = packs.parse_manifest(raw)
            content_made = manifest.created.isoformat()
            content_expires = manifest.expires.isoformat()
            out_of_date = manifest.expires <= datetime.now(UTC)
    from kiosk.services import hub_client

    hub_problem = None
    if enrolment:
        try:
            hub_client.hub_address(s.hub_url, enrolment, s.allow_insecure_hub)
        except hub_client.HubError as e:
            hub_problem = str(e)
    hub_url = (enrolment or {}).get("hub_url") or s.hub_url or None
    free, total, full = damaged.disk_space(data_dir)
    return {
        "kiosk_id": s.kiosk_id,
        "centre": centre_id_for(s, enrolment),
        "content_dir": folder,
        "content_version": version,  # None: the bundled demo content
        "content_previous_version": previous,  # what a rollback would go back to
        "content_made": content_made,
        "content_expires": content_expires,
        "content_out_of_date": out_of_date,
        "services": len(catalogue.services),
        "tutorials": len(catalogue.tutorials),
        "queued_events": counts.get("queued"),  # None: the outbox cannot be read
        "rejected_events": counts.get("rejected"),
        "last_sync": sync_log.last(data_dir),
        "last_event_upload": event_sync.last(data_dir),
        "enrolled": bool(enrolment),
        "revoked": bool(enrolment) and revoked(data_dir, syncer),
        "hub_refused_at": refused_at(data_dir),  # since when (None: not refused, or unknown)
        "hub_url": hub_url,
        # Tokens and events travel in clear (allowed by allow_insecure_hub, development).
        "hub_insecure": bool(hub_url) and hub_url.startswith("http://"),
        "allow_insecure_hub": s.allow_insecure_hub,
        # Why this terminal will not talk to its hub (http:// not allowed, a hub_url
        # setting that is not the enrolled hub), or None.
        "hub_problem": hub_problem,
        # Damaged data set aside at start, kept for inspection (services/outbox.py).
        "set_aside": damaged.set_aside_notes(data_dir),
        # Measured now: with a full disk, the notes above and the last sync's report may not
        # have been written (issue 15).
        "disk_free_bytes": free,
        "disk_total_bytes": total,
        "disk_full": full,
        "demo": s.demo,
    }


def check_hub(s: settings_mod.Settings, timeout: float = 5.0) -> str:
    """Ask the hub now, once, without retries: "reachable", "refused" (it answered but no
    longer accepts this terminal's token: revoked), "not enrolled", or "unreachable: why"."""
    from kiosk.services import hub_client
    from kiosk.services.config_store import ConfigStore

    try:
        enrolment = hub_client.load_enrolment(s.data_dir)
    except hub_client.HubError as e:
        return f"unreachable: {e}"
    if enrolment is None:
        return "not enrolled"
    etag = ConfigStore(s.data_dir).load().etag
    try:
        address = hub_client.hub_address(s.hub_url, enrolment, s.allow_insecure_hub)
        with hub_client.HubClient(address, enrolment["token"],
                                  retries=0, connect_timeout=min(3.0, timeout),
                                  read_timeout=timeout) as client:
            client.get_config(etag)
    except hub_client.AuthError:
        return "refused"
    except hub_client.NotOffered:
        return "reachable"  # an older hub without configuration: it answered
    except hub_client.HubError as e:
        return f"unreachable: {e}"
    return "reachable"
