"""The hub's settings: one typed, frozen HubSettings, read once per command.

Layers, each overriding the one before: defaults, the config file's [hub] table, KIOSK_*
environment variables, command-line flags. Every value is converted and checked as its
layer is applied, so a wrong one raises SettingsError naming the setting and where it came
from ("KIOSK_RETENTION_DAYS: retention_days must be ...").
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from kiosk.core import resources
from kiosk.core.settings import SettingsError

__all__ = ["HubSettings", "SettingsError", "default_data_dir", "find_config", "load"]

DEFAULT_RETENTION_DAYS = 400
# Bounds shared with the command line's own checks (hub_cli), so both say the same.
RETENTION_DAYS = (1, 36_500)  # a century: further back than any date a hub can hold
PORTS = (1, 65_535)
WORKERS = (1, 64)
FILE_NAME = "hub.toml"
PACKAGED_CONFIG = resources.config_file(FILE_NAME)
TABLE = "hub"
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,18}")  # ASCII digits, short enough to be a setting


@dataclass(frozen=True)
class Source:
    """How a setting is written in each layer, and what values it takes."""
    env: str
    flag: str
    kind: str  # "path", "text" or "int"
    want: str  # what a good value is, for the error message
    bounds: tuple[int, int] | None = None
    optional: bool = False  # may be empty: a path becomes None, a text ""
    in_file: bool = True
    choices: tuple[str, ...] = ()  # a text that must be one of these
    secret: bool = False  # never shown back (an error names the setting, not the value)


def _source(**source: Any) -> dict[str, Source]:
    return {"source": Source(**source)}


@dataclass(frozen=True)
class HubSettings:
    # Not in the config file: the file is looked for in it.
    data_dir: Path = field(metadata=_source(
        env="KIOSK_DATA_DIR", flag="--data-dir", kind="path", want="a directory",
        in_file=False))
    # A database URL; empty: SQLite in DATA_DIR/hub.db (see db_url).
    db: str = field(default="", metadata=_source(
        env="KIOSK_HUB_DB", flag="--db", kind="text", want="a database URL", optional=True))
    # Publishers' public keys a pack must be signed with; None: publishing is refused.
    trusted_keys: Path | None = field(default=None, metadata=_source(
        env="KIOSK_TRUSTED_KEYS", flag="--trusted-keys", kind="path", want="a file",
        optional=True))
    # Raw usage events older than this many days are rolled up into daily counts.
    retention_days: int = field(default=DEFAULT_RETENTION_DAYS, metadata=_source(
        env="KIOSK_RETENTION_DAYS", flag="--days", kind="int",
        want="a whole number of days", bounds=RETENTION_DAYS))
    # `kiosk-hub serve`: where to listen, and how many server processes.
    host: str = field(default="127.0.0.1", metadata=_source(
        env="KIOSK_HUB_HOST", flag="--host", kind="text", want="an address to listen on"))
    port: int = field(default=8080, metadata=_source(
        env="KIOSK_HUB_PORT", flag="--port", kind="int", want="a port number", bounds=PORTS))
    workers: int = field(default=1, metadata=_source(
        env="KIOSK_HUB_WORKERS", flag="--workers", kind="int", want="a number of processes",
        bounds=WORKERS))
    # GET /metrics: with a token, only requests that bring it (Authorization: Bearer);
    # without one, only requests from this machine (loopback).
    metrics_token: str = field(default="", metadata=_source(
        env="KIOSK_METRICS_TOKEN", flag="--metrics-token", kind="text",
        want="a token of at least 16 characters", optional=True, secret=True))
    # The daily digest's mail server (`kiosk-hub digest`); no host: no digest is sent.
    smtp_host: str = field(default="", metadata=_source(
        env="KIOSK_SMTP_HOST", flag="--smtp-host", kind="text", want="a mail server's name",
        optional=True))
    smtp_port: int = field(default=587, metadata=_source(
        env="KIOSK_SMTP_PORT", flag="--smtp-port", kind="int", want="a port number",
        bounds=PORTS))
    # "starttls" (port 587), "tls" (port 465) or "none" (a relay on this machine only).
    smtp_security: str = field(default="starttls", metadata=_source(
        env="KIOSK_SMTP_SECURITY", flag="--smtp-security", kind="text",
        want="starttls, tls or none", choices=("starttls", "tls", "none")))
    smtp_user: str = field(default="", metadata=_source(
        env="KIOSK_SMTP_USER", flag="--smtp-user", kind="text", want="a user name",
        optional=True))
    smtp_password: str = field(default="", metadata=_source(
        env="KIOSK_SMTP_PASSWORD", flag="--smtp-password", kind="text", want="a password",
        optional=True, secret=True))
    smtp_from: str = field(default="kiosk-hub@localhost", metadata=_source(
        env="KIOSK_SMTP_FROM", flag="--smtp-from", kind="text",
        want="an e-mail address to send from"))
    # Behind a reverse proxy (nginx, config/kiosk-hub.nginx): the proxies' addresses whose
    # X-Forwarded-For and X-Forwarded-Proto are believed, so the hub sees the real client
    # (/metrics' loopback rule, the audit) and https (Secure cookies). Empty: none.
    trusted_proxies: str = field(default="", metadata=_source(
        env="KIOSK_HUB_TRUSTED_PROXIES", flag="--trusted-proxies", kind="text",
        want="proxy addresses separated by commas", optional=True))
    # The server's logs: "text" for people, "json" for one JSON object a line.
    log_format: str = field(default="text", metadata=_source(
        env="KIOSK_LOG_FORMAT", flag="--log-format", kind="text", want="text or json",
        choices=("text", "json")))

    def __post_init__(self) -> None:
        # Built by hand (tests, a worker) or by load(): the same conversion and checks.
        for f in fields(self):
            object.__setattr__(self, f.name, _convert(f.name, getattr(self, f.name),
                                                      "HubSettings"))

    @property
    def db_url(self) -> str:
        """The database to open: db, else SQLite in the data directory."""
        from kiosk.hub.store import default_db_url

        return self.db or default_db_url(self.data_dir)

    def to_json(self) -> str:
        """For `kiosk-hub serve --workers N`: each worker rebuilds these (from_json)."""
        return json.dumps({f.name: None if (v := getattr(self, f.name)) is None
                           else str(v) if isinstance(v, Path) else v for f in fields(self)})

    @classmethod
    def from_json(cls, text: str, origin: str) -> HubSettings:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise SettingsError(f"{origin}: not valid JSON ({e})") from None
        if not isinstance(data, dict) or set(data) != set(SOURCES):
            raise SettingsError(f"{origin}: not the hub's settings")
        return cls(**{name: _convert(name, value, origin) for name, value in data.items()})


SOURCES: dict[str, Source] = {f.name: f.metadata["source"] for f in fields(HubSettings)}


def _convert(name: str, value: Any, origin: str) -> Any:
    """value as the type of setting `name`, or SettingsError naming it and origin."""
    source = SOURCES[name]

    def wrong() -> SettingsError:
        want = source.want
        if source.bounds:
            want += f" from {source.bounds[0]} to {source.bounds[1]}"
        if source.secret:
            return SettingsError(f"{origin}: {name} must be {want}")
        return SettingsError(f"{origin}: {name} must be {want}, not {value!r}")

    if source.kind == "int":
        if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip()):
            number = int(value.strip())
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            raise wrong()
        low, high = source.bounds or (number, number)
        if not low <= number <= high:
            raise wrong()
        return number
    if isinstance(value, Path) and source.kind == "path":
        value = str(value)
    if source.optional and value in (None, ""):
        return None if source.kind == "path" else ""
    # TOML numbers, lists and tables are refused: a path or a URL is always a string.
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise wrong()
    if source.choices and value.strip().lower() not in source.choices:
        raise wrong()
    if source.choices:
        return value.strip().lower()
    if name == "metrics_token" and (len(value.strip()) < 16 or not value.isprintable()):
        raise wrong()
    return Path(value) if source.kind == "path" else value


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """~/.local/share/kiosk-hub, or $XDG_DATA_HOME/kiosk-hub."""
    base = environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "kiosk-hub"


def find_config(given: str | Path | None, data_dir: Path) -> Path | None:
    """The config file: `given` (--config, which must exist), else DATA_DIR/hub.toml, else
    the packaged config/hub.toml; None if there is none."""
    if given:
        path = Path(given)
        if not path.is_file():
            raise SettingsError(f"config file {path} does not exist")
        return path
    for path in (data_dir / FILE_NAME, PACKAGED_CONFIG):
        if path.is_file():
            return path
    return None


def file_layer(text: str, origin: str) -> dict[str, Any]:
    """The settings of a config file's [hub] table, converted; SettingsError naming a key
    that is not a setting. Other tables are left to other programs."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{origin}: not valid TOML ({e})") from None
    for key, value in data.items():
        if not isinstance(value, dict):  # a setting above [hub] would be silently lost
            raise SettingsError(f"{origin}: {key!r} is outside the [{TABLE}] table")
    table = data.get(TABLE, {})
    found = {}
    for key, value in table.items():
        if key not in SOURCES:
            raise SettingsError(f"{origin}: unknown setting {key!r}")
        if not SOURCES[key].in_file:
            raise SettingsError(f"{origin}: {key} cannot be set in the config file, which is "
                                f"looked for in it: use {SOURCES[key].flag} or "
                                f"{SOURCES[key].env}")
        found[key] = _convert(key, value, origin)
    return found


def load(flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None,
         config: str | Path | None = None) -> HubSettings:
    """The effective settings: defaults < config file < environment < flags.

    flags: setting name -> the command line's value, None when not given. config: the
    --config file, if given. An empty environment variable or flag counts as not set."""
    environ = os.environ if environ is None else environ
    flags = {k: v for k, v in (flags or {}).items() if v is not None and v != ""}
    unknown = set(flags) - set(SOURCES)
    if unknown:
        raise ValueError(f"not hub settings: {sorted(unknown)}")

    def from_env(name: str) -> Any:
        raw = environ.get(SOURCES[name].env)
        return _convert(name, raw, SOURCES[name].env) if raw else None

    def from_flag(name: str) -> Any:
        return _convert(name, flags[name], SOURCES[name].flag) if name in flags else None

    # The data directory first: the config file may be in it.
    data_dir = from_flag("data_dir") or from_env("data_dir") or default_data_dir(environ)
    values: dict[str, Any] = {"data_dir": data_dir}
    path = find_config(config, data_dir)
    if path is not None:
        origin = f"config file {path}"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise SettingsError(f"{origin}: {e}") from None
        values.update(file_layer(text, origin))
    for name in SOURCES:
        for layer in (from_env, from_flag):
            value = layer(name)
            if value is not None:
                values[name] = value
    return HubSettings(**values)
