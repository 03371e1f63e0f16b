"""Settings: defaults, then the config file (TOML), then KIOSK_<NAME> environment variables.

Pure parsing, no side effects: the caller reads the file and passes its text. A wrong value
raises SettingsError naming the setting and where it came from.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, fields, replace

from kiosk.core import resources, sites

# The bundled demo content and the demo centre are package data (kiosk/core/resources.py).
DEFAULT_CONTENT_DIR = resources.content_dir()
# The demo centre: its own information (configuration, not content) and its id, for a
# terminal that no hub configures.
DEMO_CENTRE_CONFIG = resources.config_file("demo-centre.json")
DEMO_CENTRE_ID = "demo-library"


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    data_dir: str = ""  # filled in by the caller: --data-dir, KIOSK_DATA_DIR or a default
    content_dir: str = str(DEFAULT_CONTENT_DIR)
    kiosk_id: str = "demo-kiosk"
    centre_id: str = ""  # empty: the centre the terminal is enrolled at, else the demo's
    # A configuration document (the hub's form) used until a hub sends one: the demo centre's
    # information. Empty: none (a terminal not enrolled then shows no centre information
    # until staff set it).
    default_config: str = str(DEMO_CENTRE_CONFIG)
    idle_timeout: float = 120.0  # seconds of quiet before the "more time?" warning
    idle_warning: float = 30.0  # seconds the warning counts down (at least 20)
    windowed: bool = False
    demo: bool = False
    hub_url: str = ""
    trusted_keys: str = ""
    hub_timeout: float = 30.0  # seconds to wait for the hub's answer before trying again
    speech: bool = True
    # The official-service browser: Debian's Chromium, or Chrome or Edge by name or path.
    browser: str = "chromium"
    # Sites every service may load besides its own (each with everything under it).
    browser_allow: str = "gov.uk nhs.uk"

    def check(self, origin: str = "settings") -> Settings:
        if self.idle_timeout < 5:
            raise SettingsError(f"{origin}: idle_timeout must be at least 5 seconds")
        if not 0.1 <= self.hub_timeout <= 600:
            raise SettingsError(f"{origin}: hub_timeout must be between 0.1 and 600 seconds")
        if self.idle_warning < 20:
            raise SettingsError(f"{origin}: idle_warning must be at least 20 seconds "
                                "(WCAG 2.2.1 asks for at least 20 s to answer)")
        if not self.browser.strip():
            raise SettingsError(f"{origin}: browser must name a program (chromium, "
                                "google-chrome, microsoft-edge or a path)")
        try:
            sites.parse_list(self.browser_allow)
        except sites.SiteError as e:
            raise SettingsError(f"{origin}: browser_allow: {e}") from None
        return self


_TYPES = {f.name: f.type for f in fields(Settings)}


def _convert(name: str, value, origin: str):
    kind = _TYPES[name]
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
            if not math.isfinite(number):  # "nan" would disable every check and timer
                raise ValueError
            return number
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise TypeError
        return str(value)
    except (ValueError, TypeError):  # TypeError: a TOML list or table where a number goes
        want = {"bool": "true or false", "float": "a number"}.get(kind, "a string")
        raise SettingsError(f"{origin}: {name} must be {want}, not {value!r}") from None


def load(config_text: str | None = None, config_origin: str = "config file",
         environ: dict | None = None, **overrides) -> Settings:
    """Defaults < config file < environment < explicit overrides (command-line flags)."""
    environ = os.environ if environ is None else environ
    s = Settings()
    if config_text:
        try:
            data = tomllib.loads(config_text)
        except tomllib.TOMLDecodeError as e:
            raise SettingsError(f"{config_origin}: not valid TOML ({e})") from None
        data = data.get("kiosk", data)
        for key, value in data.items():
            if key not in _TYPES:
                raise SettingsError(f"{config_origin}: unknown setting {key!r}")
            s = replace(s, **{key: _convert(key, value, config_origin)})
    for name in _TYPES:
        env = f"KIOSK_{name.upper()}"
        if env in environ:
            s = replace(s, **{name: _convert(name, environ[env], env)})
    for key, value in overrides.items():
        if value is not None:
            s = replace(s, **{key: _convert(key, value, f"--{key.replace('_', '-')}")})
    return s.check(config_origin)
