"""The staff panel's actions against a real hub on loopback (`kiosk-hub serve`, as the e2e
tests run it): Sync now, Roll content back, Send set-aside events again, and a revoked
terminal saying how to enrol again. The panel calls the services; the results show."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess

import pytest

from kiosk.core import settings as settings_mod
from kiosk.core.settings import DEFAULT_CONTENT_DIR
from kiosk.services.content_store import ContentStore
from kiosk.services.hub_client import load_enrolment
from kiosk.services.syncer import Syncer
from tests.serverproc import BIN, hub_process
from tests.ui.conftest import find
from tests.ui.staff import open_panel, set_pin, status_ready


def run(cmd, env):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env,
                       timeout=120, check=False)
    assert r.returncode == 0, f"{cmd[0]} failed: {r.stderr}"
    return r


@pytest.fixture
def world(tmp_path):
    keys = tmp_path / "keys"
    env = dict(os.environ, KIVY_HOME=str(tmp_path / "kivy"), SDL_NO_SIGNAL_HANDLERS="1",
               KIOSK_TRUSTED_KEYS=str(keys / "publisher.pub"))
    env.pop("KIOSK_DATA_DIR", None)
    run([BIN / "kiosk-content", "keygen", "--out", keys], env)
    hub_dir = tmp_path / "hub"
    with hub_process(hub_dir, env, log=tmp_path / "hub.log") as hub:
        w = {"env": env, "keys": keys, "hub_dir": hub_dir, "url": hub.url, "tmp": tmp_path}
        data = tmp_path / "terminal"
        code = run([BIN / "kiosk-hub", "enrol-code", "--centre", "demo-library",
                    "--data-dir", hub_dir], env).stdout.strip().splitlines()[-1]
        run([BIN / "kiosk", "enrol", code, "--hub", hub.url, "--data-dir", data], env)
        w["data"] = data
        yield w


def publish(w, src, version):
    pack = w["tmp"] / f"pack-{version}"
    run([BIN / "kiosk-content", "build", src, "--out", pack, "--key",
         w["keys"] / "publisher.key", "--version", str(version)], w["env"])
    run([BIN / "kiosk-hub", "publish", pack, "--data-dir", w["hub_dir"]], w["env"])


@pytest.fixture
def terminal(world):
    """The kiosk on the enrolled terminal's data, with its syncer (not started: the panel's
    actions drive it)."""
    from kiosk.app.harness import Harness

    w = world
    # The hub is on loopback without TLS: allowed for this terminal, as for development.
    s = settings_mod.load(environ={}, data_dir=str(w["data"]), allow_insecure_hub=True,
                          trusted_keys=str(w["keys"] / "publisher.pub"))
    h = Harness(settings=s, data_dir=w["data"])
    enrolment = load_enrolment(w["data"])
    store = ContentStore(w["data"])

    def installed(version):
        h.app.content_installed(str(store.current_content_dir()))

    h.app.services.syncer = Syncer(w["data"], w["url"], enrolment["token"], s.trusted_keys,
                                   installed, outbox=h.outbox,
                                   terminal_id=enrolment["terminal_id"],
                                   on_new_config=h.app.config_changed)
    set_pin(h)
    yield h
    h.close()


def shown(h) -> list[str]:
    return [getattr(w, "text", "") for w in find(h.screen.body)]


def wait_result(h, name):
    """The action's result, once the status has been read again after it."""
    state = h.screen.state
    assert h.wait_for(lambda: name in state.results_at, 60), f"{name}: no result"
    assert h.wait_for(lambda: state.status_reads > state.results_at[name], 20)
    status_ready(h)
    return state.results[name]


def test_sync_now_then_roll_content_back(world, terminal):
    w, h = world, terminal
    publish(w, DEFAULT_CONTENT_DIR, 1)
    open_panel(h)
    status_ready(h)
    assert h.wait_for(lambda: h.screen.state.hub == "reachable", 20)
    assert any("answers." in t for t in shown(h))
    assert any(t.startswith("Enrolled with http://127.0.0.1") for t in shown(h))
    assert h.screen.status.actions["rollback"].disabled
    h.tap(h.screen.status.actions["sync"])
    result = wait_result(h, "sync")
    assert "New content installed (version 1)" in result
    assert h.wait_for(lambda: h.screen.state.status["content_version"] == 1, 10)
    # A newer version on the hub: Sync now again, then back to the first.
    src = w["tmp"] / "content-2"
    shutil.copytree(DEFAULT_CONTENT_DIR, src)
    guide = src / "services" / "blue-badge.json"
    item = json.loads(guide.read_text())
    item["summary"]["en"] += " Ask staff if you need help."
    guide.write_text(json.dumps(item, ensure_ascii=False, indent=2))
    publish(w, src, 2)
    status_ready(h)
    h.tap(h.screen.status.actions["sync"])
    assert "version 2" in wait_result(h, "sync")
    assert h.wait_for(lambda: h.screen.state.status["content_previous_version"] == 1, 10)
    status_ready(h)
    assert h.wait_for(lambda: h.app.pending_catalogue is not None, 10)
    assert h.app.staff_open, "new content waits for the panel to close"
    rollback = h.screen.status.actions["rollback"]
    assert not rollback.disabled
    h.tap(rollback)
    h.tap(h.app._modals[-1].yes)
    assert "version 1 is current again" in wait_result(h, "rollback")
    assert ContentStore(w["data"]).installed_version() == 1
    assert h.wait_for(lambda: h.app.pending_catalogue is not None and "Ask staff" not in
                      h.app.pending_catalogue.services["blue-badge"].summary.get("en"), 10)
    h.tap(h.screen.close_button)
    assert "Ask staff" not in h.app.catalogue.services["blue-badge"].summary.get("en")
    assert h.screen.__class__.__name__ == "AttractScreen"


def test_set_aside_events_are_sent_again(world, terminal):
    h = terminal
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    h.app.end_session("finished")
    h.outbox.flush()
    with sqlite3.connect(h.data_dir / "outbox.db") as conn:
        n = conn.execute("update events set sent = -1").rowcount
    assert n >= 3
    open_panel(h)
    status_ready(h)
    assert any(f"{n} set aside" in t for t in shown(h))
    h.tap(h.screen.status.actions["resend"])
    result = wait_result(h, "resend")
    assert f"{n} events queued again" in result and f"{n} usage events sent" in result
    assert h.wait_for(lambda: h.screen.state.status["rejected_events"] == 0 and
                      h.screen.state.status["queued_events"] == 0, 10)
    status_ready(h)
    assert h.screen.status.actions["resend"].disabled  # nothing set aside any more


def test_a_revoked_terminal_says_so_and_how_to_enrol_again(world, terminal):
    w, h = world, terminal
    enrolment = load_enrolment(w["data"])
    run([BIN / "kiosk-hub", "revoke", enrolment["terminal_id"], "--data-dir", w["hub_dir"]],
        w["env"])
    open_panel(h)
    status_ready(h)
    assert h.wait_for(lambda: h.screen.state.hub == "refused", 20)
    text = " ".join(shown(h))
    assert "Revoked: the hub no longer accepts this terminal" in text
    assert "kiosk enrol CODE --hub ADDRESS" in text
    h.tap(h.screen.status.actions["sync"])
    assert "refused" in wait_result(h, "sync")
    # The citizens are still served: the panel closes onto the attract screen.
    h.tap(h.screen.close_button)
    assert h.screen.__class__.__name__ == "AttractScreen"
