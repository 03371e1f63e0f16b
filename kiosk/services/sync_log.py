"""The last sync's outcome, kept in DATA_DIR/last-sync.json for staff (`kiosk status`): when
it ran, and what happened (updated, up to date, or the error: an expired or badly signed
pack on the hub is something staff must hear about). The event uploader keeps its own last
report the same way (`name=event_sync.LAST_FILE`): it runs every minute or so."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from kiosk.core import files

FILE = "last-sync.json"


def record(data_dir: str | Path, report: dict, name: str = FILE) -> None:
    """Best effort: a full disk must not turn a sync report into a second failure."""
    path = Path(data_dir) / name
    entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"), **report}
    try:
        files.write_atomic(path, json.dumps(entry))
    except OSError:
        pass


def last(data_dir: str | Path, name: str = FILE) -> dict | None:
    try:
        data = json.loads((Path(data_dir) / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
