"""The hub's and the kiosk's data are their owner's alone (issue 15, finding 6): folders
0700 and the hub's SQLite database 0600, made so when created and checked (and closed,
with a warning) at every start."""

from __future__ import annotations

import logging
import os
import stat

from kiosk import cli
from kiosk.hub.app import create_app
from kiosk.hub.settings import HubSettings


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_hub_makes_its_folder_and_database_private(tmp_path):
    data = tmp_path / "hub"
    app = create_app(HubSettings(data_dir=data))
    app.state.store.close()
    assert mode(data) == 0o700
    assert mode(data / "hub.db") & 0o077 == 0
    assert mode(data / "secret.key") == 0o600


def test_a_hub_started_on_open_data_closes_it_and_says_so(tmp_path, caplog):
    data = tmp_path / "hub"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    db = tmp_path / "elsewhere.db"
    first = create_app(HubSettings(data_dir=data, db=f"sqlite:///{db}"))
    first.state.store.close()
    os.chmod(data, 0o755)
    os.chmod(db, 0o644)
    with caplog.at_level(logging.WARNING):
        again = create_app(HubSettings(data_dir=data, db=f"sqlite:///{db}"))
    again.state.store.close()
    assert mode(data) == 0o700 and mode(db) == 0o600
    assert "now 0700" in caplog.text


def test_the_kiosk_data_folder_is_private(tmp_path, capsys):
    data = tmp_path / "kiosk"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    cli.main(["status", "--json", "--data-dir", str(data)])
    assert mode(data) == 0o700
    fresh = tmp_path / "fresh"
    from kiosk.services import hub_client

    hub_client.save_enrolment(fresh, "https://hub.example.org",
                              {"terminal_id": "t", "token": "x", "centre": "c"})
    assert mode(fresh) == 0o700 and mode(fresh / "hub.json") == 0o600
