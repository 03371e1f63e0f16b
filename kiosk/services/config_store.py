"""The terminal's configuration on disk: what the hub last sent and what staff changed here.

    DATA_DIR/config/hub.json     the hub's layers for this terminal (all, centre, terminal),
                                 with their locks and the ETag they came with
    DATA_DIR/config/staff.json   changes staff made at this terminal, each with its time

Until a hub has sent a configuration (no hub.json), a default document in the same form
stands in for the hub's layers when one is given (`defaults`: the demo centre's information,
config/demo-centre.json, for a terminal not enrolled with a hub).

Both are written whole or not at all (core/files.py), so a kill -9 or a power cut leaves
the old file or the new one. The effective configuration is core.config.resolve() over the
four layers. A file that cannot be read or is not valid is reported and left alone (never
overwritten with defaults: that would lose staff's work); the terminal keeps serving with
what it can read, so a broken hub or a broken file never stops citizens.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.core import config, files
from kiosk.core.config import (
    ConfigError,
    Effective,
    Layer,
    Setting,
    layer_from_json,
    layer_to_json,
    setting_to_json,
)
from kiosk.core.config import DocumentError as ConfigFileError

log = logging.getLogger(__name__)

FOLDER = "config"
HUB_FILE = "hub.json"
STAFF_FILE = "staff.json"
MAX_FILE_BYTES = 1_000_000


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Loaded:
    hub: list[Layer]
    staff: Layer
    etag: str | None
    problems: list[str]


class ConfigStore:
    """The configuration files of one terminal. Not for the UI thread: it reads and
    writes disk (the app loads it on a worker thread and applies it at the attract screen)."""

    def __init__(self, data_dir: str | Path, terminal: str = "",
                 defaults: str | Path | None = None):
        self.dir = Path(data_dir) / FOLDER
        self.terminal = terminal
        self.defaults = Path(defaults) if defaults else None

    @property
    def hub_path(self) -> Path:
        return self.dir / HUB_FILE

    @property
    def staff_path(self) -> Path:
        return self.dir / STAFF_FILE

    def _read(self, path: Path) -> Any:
        try:
            with path.open("rb") as f:
                raw = f.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as e:
            raise ConfigFileError(f"{path}: cannot be read ({e.strerror or e})") from None
        if len(raw) > MAX_FILE_BYTES:
            raise ConfigFileError(f"{path}: is larger than {MAX_FILE_BYTES} bytes")
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, ValueError) as e:
            raise ConfigFileError(f"{path}: is not valid JSON ({e})") from None

    def load(self) -> Loaded:
        """Both files; a file that cannot be used counts as empty and is named in
        `problems` (and logged), never rewritten."""
        problems: list[str] = []
        hub: list[Layer] = []
        etag = None
        path = self.hub_path
        try:
            data = self._read(path)
            if data is None and self.defaults is not None:
                path = self.defaults  # no hub has sent one yet: the default stands in
                data = self._read(path)
            if data is not None:
                if not isinstance(data, Mapping) or not isinstance(data.get("layers"), list):
                    raise ConfigFileError(f"{path}: needs a list of layers")
                hub = [layer_from_json(str(path), d) for d in data["layers"]]
                if any(layer.name == "staff" for layer in hub):
                    raise ConfigFileError(f"{path}: the hub cannot send staff changes")
                if path == self.hub_path and isinstance(data.get("etag"), str):
                    etag = data["etag"]
        except ConfigFileError as e:
            problems.append(str(e))
            hub = []
        staff = Layer("staff")
        try:
            data = self._read(self.staff_path)
            if data is not None:
                staff = layer_from_json(str(self.staff_path), data, "staff")
        except ConfigFileError as e:
            problems.append(str(e))
        for p in problems:
            log.error("configuration: %s", p)
        return Loaded(hub, staff, etag, problems)

    def resolved(self, loaded: Loaded | None = None) -> dict[str, Effective]:
        loaded = loaded or self.load()
        return config.resolve([*loaded.hub, loaded.staff])

    def values(self) -> dict[str, Any]:
        return config.values(self.resolved())

    # -- from the hub -----------------------------------------------------------------------

    def save_hub(self, document: Any, etag: str | None) -> None:
        """Keep what the hub sent, after checking all of it (ConfigFileError otherwise, and
        the last good configuration stays)."""
        where = "the hub's configuration"
        if not isinstance(document, Mapping) or not isinstance(document.get("layers"), list):
            raise ConfigFileError(f"{where}: needs a list of layers")
        layers = [layer_from_json(where, d) for d in document["layers"]]
        names = [layer.name for layer in layers]
        if "staff" in names or len(set(names)) != len(names):
            raise ConfigFileError(f"{where}: layers must be all, centre and terminal, once each")
        files.write_atomic(self.hub_path, json.dumps(
            {"etag": etag, "layers": [layer_to_json(layer) for layer in layers]},
            ensure_ascii=False, indent=1))

    # -- staff at the terminal --------------------------------------------------------------

    def set_staff(self, changes: Mapping[str, Any], now: str | None = None) -> dict[str, Any]:
        """Apply staff changes (key: value, values already parsed or raw), all or none:
        each is checked, a locked setting is refused, and the rules between settings must
        hold afterwards. Returns the new effective values."""
        loaded = self.load()
        before = config.resolve([*loaded.hub, loaded.staff])
        when = now or now_iso()
        by = f"staff at terminal {self.terminal}".strip()
        values = dict(loaded.staff.values)
        for key, raw in changes.items():
            value = config.check(key, raw)
            eff = before.get(key) or config.resolve([*loaded.hub], only=[key])[key]
            if eff.locked_at is not None:
                raise ConfigError(key, f"is locked by the hub ({eff.locked_at}); ask an admin")
            values[key] = Setting(value, when, by)
        staff = Layer("staff", values)
        after = config.values(config.resolve([*loaded.hub, staff]))
        errors = config.check_together(after)
        if errors:
            raise errors[0]
        files.write_atomic(self.staff_path, json.dumps(layer_to_json(staff),
                                                       ensure_ascii=False, indent=1))
        return after

    def report(self) -> dict:
        """What this terminal uses, for the hub to show: each key that is not a default,
        with its value and where it comes from, and any file problem."""
        loaded = self.load()
        resolved = config.resolve([*loaded.hub, loaded.staff])
        used = {k: {"value": setting_to_json(Setting(e.value, e.changed or "", e.by))["value"],
                    "source": e.source, "changed": e.changed, "note": e.note}
                for k, e in resolved.items()
                if e.source != "default" and k not in config.SECRET_KEYS}
        return {"etag": loaded.etag, "values": used, "problems": loaded.problems}


def sync(client, store: ConfigStore) -> dict:
    """One configuration round with the hub: fetch this terminal's layers (304 when the
    ETag still holds), keep them if they are valid, then report what the terminal uses.
    {"config_status": "updated" | "unchanged"}. Raises HubError (network, hub) or
    ConfigFileError (the hub sent something unusable: the last good configuration stays)."""
    from kiosk.services.hub_client import NotOffered

    loaded = store.load()
    try:
        doc, etag = client.get_config(loaded.etag if not loaded.problems else None)
    except NotOffered:  # a hub older than configuration: nothing to fetch or report
        return {"config_status": "not offered by the hub"}
    status = "unchanged"
    if doc is not None:
        store.save_hub(doc, etag)
        status = "updated"
    client.post_config_report(store.report())
    return {"config_status": status}
