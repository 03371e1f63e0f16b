"""The hub's settings: defaults < config file's [hub] table < KIOSK_* environment < flags,
and one error message per kind of mistake, naming the setting and where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.hub import settings
from kiosk.hub.settings import HubSettings, SettingsError


@pytest.fixture
def data(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


def load(data: Path, toml: str | None = None, environ: dict | None = None, **flags):
    """settings.load with DATA_DIR/hub.toml holding toml, and only the given environment."""
    if toml is not None:
        (data / "hub.toml").write_text(toml, encoding="utf-8")
    return settings.load(flags, environ={"KIOSK_DATA_DIR": str(data), **(environ or {})})


def test_defaults(data):
    s = load(data)
    assert s == HubSettings(data_dir=data)
    assert (s.db, s.trusted_keys, s.retention_days) == ("", None, 400)
    assert (s.host, s.port, s.workers) == ("127.0.0.1", 8080, 1)
    assert s.db_url == f"sqlite:///{data / 'hub.db'}"


def test_the_shipped_config_file_is_read_when_the_data_directory_has_none(data):
    assert settings.find_config(None, data) == settings.PACKAGED_CONFIG
    assert settings.file_layer(settings.PACKAGED_CONFIG.read_text(encoding="utf-8"),
                               "shipped") == {}


FILE = ('[hub]\ndb = "sqlite:////srv/file.db"\ntrusted_keys = "/etc/file.pub"\n'
        'retention_days = 30\nhost = "0.0.0.0"\nport = 8000\nworkers = 2\n')


@pytest.mark.parametrize("environ, flags, expected", [
    # the file alone
    ({}, {}, {"db": "sqlite:////srv/file.db", "trusted_keys": Path("/etc/file.pub"),
              "retention_days": 30, "host": "0.0.0.0", "port": 8000, "workers": 2}),
    # the environment over the file
    ({"KIOSK_HUB_DB": "postgresql://env/hub", "KIOSK_TRUSTED_KEYS": "/etc/env.pub",
      "KIOSK_RETENTION_DAYS": "60", "KIOSK_HUB_HOST": "::1", "KIOSK_HUB_PORT": "9000",
      "KIOSK_HUB_WORKERS": "3"}, {},
     {"db": "postgresql://env/hub", "trusted_keys": Path("/etc/env.pub"),
      "retention_days": 60, "host": "::1", "port": 9000, "workers": 3}),
    # flags over the environment
    ({"KIOSK_HUB_DB": "postgresql://env/hub", "KIOSK_RETENTION_DAYS": "60",
      "KIOSK_HUB_PORT": "9000"},
     {"db": "postgresql://flag/hub", "retention_days": 90, "port": 9100, "workers": None},
     {"db": "postgresql://flag/hub", "retention_days": 90, "port": 9100, "workers": 2}),
    # an empty variable or flag is not set: the layer beneath shows through
    ({"KIOSK_HUB_DB": "", "KIOSK_RETENTION_DAYS": ""}, {"db": "", "trusted_keys": None},
     {"db": "sqlite:////srv/file.db", "retention_days": 30,
      "trusted_keys": Path("/etc/file.pub")}),
])
def test_precedence(data, environ, flags, expected):
    s = load(data, FILE, environ, **flags)
    assert {name: getattr(s, name) for name in expected} == expected


def test_data_directory_from_flag_then_environment_then_default(tmp_path):
    env = {"KIOSK_DATA_DIR": str(tmp_path / "env"), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    assert settings.load({"data_dir": str(tmp_path / "flag")}, env).data_dir == \
        tmp_path / "flag"
    assert settings.load({}, env).data_dir == tmp_path / "env"
    del env["KIOSK_DATA_DIR"]
    assert settings.load({}, env).data_dir == tmp_path / "xdg" / "kiosk-hub"


def test_the_config_file_is_found_in_the_data_directory_or_given(data, tmp_path):
    (data / "hub.toml").write_text("[hub]\nretention_days = 5\n")
    other = tmp_path / "other.toml"
    other.write_text("[hub]\nretention_days = 6\n[kiosk]\nidle_timeout = 60\n")
    env = {"KIOSK_DATA_DIR": str(data)}
    assert settings.load({}, env).retention_days == 5
    assert settings.load({}, env, config=other).retention_days == 6  # other tables: ignored
    assert settings.load({}, env, config=str(other)).retention_days == 6


def test_serve_workers_get_the_same_settings(data):
    s = load(data, FILE)
    assert HubSettings.from_json(s.to_json(), "workers") == s
    bare = HubSettings(data_dir=data)
    assert HubSettings.from_json(bare.to_json(), "workers") == bare


def test_built_by_hand_the_same_checks_apply(data):
    assert HubSettings(data_dir=str(data), trusted_keys="", port="80").port == 80
    with pytest.raises(SettingsError, match=r"^HubSettings: workers must be a number of "
                                            r"processes from 1 to 64, not 0$"):
        HubSettings(data_dir=data, workers=0)


D = "config file {data}/hub.toml"


@pytest.mark.parametrize("toml, environ, flags, message", [
    # values, from each layer
    ("[hub]\nretention_days = 0\n", {}, {},
     f"{D}: retention_days must be a whole number of days from 1 to 36500, not 0"),
    ('[hub]\nretention_days = "soon"\n', {}, {},
     f"{D}: retention_days must be a whole number of days from 1 to 36500, not 'soon'"),
    ("[hub]\nretention_days = 1.5\n", {}, {},
     f"{D}: retention_days must be a whole number of days from 1 to 36500, not 1.5"),
    ("[hub]\nretention_days = true\n", {}, {},
     f"{D}: retention_days must be a whole number of days from 1 to 36500, not True"),
    (None, {"KIOSK_RETENTION_DAYS": "soon"}, {},
     ("KIOSK_RETENTION_DAYS: retention_days must be a whole number of days from 1 to 36500, "
      "not 'soon'")),
    (None, {}, {"retention_days": 0},
     "--days: retention_days must be a whole number of days from 1 to 36500, not 0"),
    (None, {"KIOSK_HUB_PORT": "80a"}, {},
     "KIOSK_HUB_PORT: port must be a port number from 1 to 65535, not '80a'"),
    ("[hub]\nport = 70000\n", {}, {},
     f"{D}: port must be a port number from 1 to 65535, not 70000"),
    (None, {"KIOSK_HUB_WORKERS": "65"}, {},
     "KIOSK_HUB_WORKERS: workers must be a number of processes from 1 to 64, not '65'"),
    ("[hub]\ndb = 5\n", {}, {}, f"{D}: db must be a database URL, not 5"),
    ('[hub]\ntrusted_keys = ["a", "b"]\n', {}, {},
     f"{D}: trusted_keys must be a file, not ['a', 'b']"),
    ('[hub]\nhost = ""\n', {}, {}, f"{D}: host must be an address to listen on, not ''"),
    (None, {"KIOSK_HUB_HOST": "   "}, {},
     "KIOSK_HUB_HOST: host must be an address to listen on, not '   '"),
    # the file itself
    ("[hub]\ntrusted_key = 'x'\n", {}, {}, f"{D}: unknown setting 'trusted_key'"),
    ("db = 'sqlite://'\n[hub]\n", {}, {}, f"{D}: 'db' is outside the [hub] table"),
    ("[hub]\ndata_dir = '/srv'\n", {}, {},
     (f"{D}: data_dir cannot be set in the config file, which is looked for in it: use "
      "--data-dir or KIOSK_DATA_DIR")),
    ("[hub\n", {}, {},
     (f"{D}: not valid TOML (Expected ']' at the end of a table declaration (at line 1, "
      "column 5))")),
])
def test_errors_name_the_setting_and_where_it_came_from(data, toml, environ, flags,
                                                        message):
    with pytest.raises(SettingsError) as e:
        load(data, toml, environ, **flags)
    assert str(e.value) == message.format(data=data)


def test_a_config_file_that_is_given_must_exist(data, tmp_path):
    with pytest.raises(SettingsError) as e:
        settings.load({}, {"KIOSK_DATA_DIR": str(data)}, config=tmp_path / "nope.toml")
    assert str(e.value) == f"config file {tmp_path / 'nope.toml'} does not exist"


def test_a_config_file_that_is_not_utf8(data):
    (data / "hub.toml").write_bytes(b"[hub]\ndb = '\xff'\n")
    with pytest.raises(SettingsError, match=r"^config file .*/hub.toml: 'utf-8' codec can't"):
        load(data)


@pytest.mark.parametrize("text, message", [
    ("{", ("workers: not valid JSON (Expecting property name enclosed in double quotes: "
           "line 1 column 2 (char 1))")),
    ('{"data_dir": "/x"}', "workers: not the hub's settings"),
])
def test_worker_settings_that_do_not_fit(text, message):
    with pytest.raises(SettingsError) as e:
        HubSettings.from_json(text, "workers")
    assert str(e.value) == message


@pytest.mark.parametrize("argv, environ, message", [
    (["rollup", "--days", "0"], {},
     ("kiosk-hub: --days: retention_days must be a whole number of days from 1 to 36500, "
      "not 0")),
    (["terminals"], {"KIOSK_HUB_WORKERS": "0"},
     ("kiosk-hub: KIOSK_HUB_WORKERS: workers must be a number of processes from 1 to 64, "
      "not '0'")),
])
def test_kiosk_hub_says_what_is_wrong_in_one_line(data, capsys, monkeypatch, argv, environ,
                                                  message):
    from kiosk import hub_cli

    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert hub_cli.main([*argv, "--data-dir", str(data)]) == 1
    assert capsys.readouterr().err == message + "\n"


def test_packaged_hub_toml_documents_every_setting():
    """config/hub.toml names every setting a file may hold, each with its variable, and its
    shown defaults are the real ones."""
    from dataclasses import fields

    text = settings.PACKAGED_CONFIG.read_text(encoding="utf-8")
    for f in fields(settings.HubSettings):
        source = f.metadata["source"]
        if not source.in_file:
            continue
        assert f"# {f.name}" in text, f"{f.name} is not in config/hub.toml"
        assert source.env in text, f"{f.name}: {source.env} is not named"
    # uncommenting every "# key = value" line that shows a default gives a valid file
    import re

    shown = "\n".join(m.group(1) for m in re.finditer(
        r"^# ((?:retention_days|port|workers|host|log_format|smtp_port|smtp_security|"
        r"smtp_from) = \S+)", text, re.MULTILINE))
    layer = settings.file_layer("[hub]\n" + shown, "hub.toml")
    defaults = settings.HubSettings(data_dir="/x")
    for key, value in layer.items():
        assert getattr(defaults, key) == value, key
