"""Settings: defaults < config file (TOML) < KIOSK_<NAME> environment < command-line flags."""

from __future__ import annotations

import pytest

from kiosk.core import settings
from kiosk.core.settings import Settings, SettingsError
from tests import REPO_ROOT


def test_defaults():
    s = settings.load(None, environ={})
    assert s == Settings()
    assert s.idle_timeout == 120.0 and s.idle_warning == 30.0
    assert s.windowed is False and s.speech is True
    assert s.kiosk_id == "demo-kiosk"
    assert s.content_dir == str(settings.DEFAULT_CONTENT_DIR)


def test_shipped_config_file_loads():
    path = REPO_ROOT / "config" / "kiosk.toml"
    s = settings.load(path.read_text(encoding="utf-8"), str(path), environ={})
    assert s.idle_timeout >= 5 and s.idle_warning >= 20


def test_config_file_overrides_defaults():
    s = settings.load('[kiosk]\nidle_timeout = 60\nkiosk_id = "whitechapel-1"\n'
                      'windowed = true\n', environ={})
    assert s.idle_timeout == 60.0 and isinstance(s.idle_timeout, float)
    assert s.kiosk_id == "whitechapel-1"
    assert s.windowed is True
    assert s.idle_warning == 30.0  # untouched settings keep their defaults


def test_config_file_without_table():
    assert settings.load("idle_warning = 45\n", environ={}).idle_warning == 45.0


def test_environment_overrides_config_file():
    text = "[kiosk]\nidle_timeout = 60\nwindowed = true\n"
    s = settings.load(text, environ={"KIOSK_IDLE_TIMEOUT": "90", "KIOSK_WINDOWED": "0",
                                     "KIOSK_HUB_URL": "https://hub.example.org"})
    assert s.idle_timeout == 90.0
    assert s.windowed is False
    assert s.hub_url == "https://hub.example.org"


def test_flags_override_environment():
    s = settings.load("[kiosk]\nidle_timeout = 60\n", environ={"KIOSK_IDLE_TIMEOUT": "90"},
                      idle_timeout=75, windowed=None)
    assert s.idle_timeout == 75.0 and s.windowed is False


def test_uses_os_environ_by_default(monkeypatch):
    monkeypatch.setenv("KIOSK_IDLE_TIMEOUT", "33")
    assert settings.load("[kiosk]\nidle_timeout = 60\n").idle_timeout == 33.0


@pytest.mark.parametrize("where, text, environ, name", [
    ("config file", '[kiosk]\nidle_timeout = "soon"\n', {}, "idle_timeout"),
    ("config file", "[kiosk]\nidle_timeout = true\n", {}, "idle_timeout"),
    ("config file", "[kiosk]\nidle_timeout = [60]\n", {}, "idle_timeout"),
    ("config file", "[kiosk]\nwindowed = 2\n", {}, "windowed"),
    ("config file", "[kiosk]\nkiosk_id = [1, 2]\n", {}, "kiosk_id"),
    ("KIOSK_IDLE_TIMEOUT", None, {"KIOSK_IDLE_TIMEOUT": "two minutes"}, "idle_timeout"),
    ("KIOSK_IDLE_TIMEOUT", None, {"KIOSK_IDLE_TIMEOUT": "nan"}, "idle_timeout"),
    ("KIOSK_IDLE_TIMEOUT", None, {"KIOSK_IDLE_TIMEOUT": "inf"}, "idle_timeout"),
    ("KIOSK_WINDOWED", None, {"KIOSK_WINDOWED": "maybe"}, "windowed"),
])
def test_bad_value_names_the_setting(where, text, environ, name):
    with pytest.raises(SettingsError) as info:
        settings.load(text, environ=environ)
    assert name in str(info.value) and where in str(info.value)


@pytest.mark.parametrize("text, environ", [
    ("[kiosk]\nidle_warning = 19\n", {}),
    ("[kiosk]\nidle_warning = 0\n", {}),
    (None, {"KIOSK_IDLE_WARNING": "10"}),
])
def test_idle_warning_under_20_seconds_is_refused(text, environ):
    with pytest.raises(SettingsError, match="idle_warning"):
        settings.load(text, environ=environ)


def test_idle_warning_of_20_seconds_is_allowed():
    assert settings.load("[kiosk]\nidle_warning = 20\n", environ={}).idle_warning == 20.0


def test_too_short_idle_timeout_is_refused():
    with pytest.raises(SettingsError, match="idle_timeout"):
        settings.load(None, environ={"KIOSK_IDLE_TIMEOUT": "1"})


@pytest.mark.parametrize("text", ["[kiosk]\nidle_timeot = 60\n", "speech_rate = 1\n"])
def test_unknown_key_is_refused(text):
    with pytest.raises(SettingsError, match="unknown setting"):
        settings.load(text, environ={})


def test_bad_toml_is_refused():
    with pytest.raises(SettingsError, match="kiosk.toml"):
        settings.load("[kiosk\nidle_timeout = 60\n", "kiosk.toml", environ={})
