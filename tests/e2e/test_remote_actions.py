"""Remote actions end to end: the real hub (uvicorn on 127.0.0.1) and the terminal's real
syncer. A restart queued on the hub is picked up at the next sync, acted on (the process
exits for its supervisor and is started again) and reported; a token replacement leaves no
moment when the terminal holds no token the hub takes, wherever it is killed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import requests

from kiosk.hub import fleet
from kiosk.hub.app import create_app
from kiosk.hub.schema import terminal_actions
from kiosk.hub.settings import HubSettings
from kiosk.services import heartbeat, hub_client, token_swap
from kiosk.services.syncer import Syncer
from tests.hubtools import running


@pytest.fixture
def world(tmp_path):
    app = create_app(HubSettings(data_dir=tmp_path / "hub"))
    store = app.state.store
    terminal_id, token, centre = store.enrol(store.create_enrol_code("Peckham Library"))
    data = tmp_path / "terminal"
    with running(app) as base:
        hub_client.save_enrolment(data, base, {"terminal_id": terminal_id, "token": token,
                                               "centre": centre})
        yield {"app": app, "engine": store.engine, "base": base, "id": terminal_id,
               "token": token, "data": data}


def works(base: str, token: str) -> bool:
    """Does the hub take this token? (A request any terminal may make.)"""
    r = requests.get(base + "/api/v1/config", timeout=10,
                     headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (200, 401), r.text
    return r.status_code == 200


def action(engine, action_id: int) -> dict:
    with engine.connect() as c:
        return dict(c.execute(terminal_actions.select().where(
            terminal_actions.c.id == action_id)).one()._mapping)


# A terminal process: one sync round of the real syncer, as the app runs it. Its on_action
# does what the app does for a restart: end the process with the code its supervisor
# restarts it on.
ROUND = textwrap.dedent("""
    import json, os, sys
    from kiosk.services import heartbeat, hub_client
    from kiosk.services.syncer import Syncer

    data = sys.argv[1]
    enrolment = hub_client.load_enrolment(data)
    done = []

    def on_action(action):
        done.append(action["kind"])
        if action["kind"] == "restart":
            os._exit(heartbeat.RESTART_EXIT_CODE)
        return "ok"

    syncer = Syncer(data, enrolment["hub_url"], enrolment["token"], None, lambda v: None,
                    terminal_id=enrolment["terminal_id"], on_action=on_action)
    syncer.upload_events()
    print(json.dumps({"heartbeat": syncer.last_heartbeat, "done": done,
                      "uptime": syncer.tracker.state()}))
""")


def terminal_round(data) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", ROUND, str(data)], capture_output=True,
                          text=True, timeout=120, check=False)


def test_a_restart_is_picked_up_acted_on_and_reported(world):
    engine, data = world["engine"], world["data"]
    aid = fleet.queue_action(engine, world["id"], "restart", "staff bea")
    assert action(engine, aid)["state"] == "queued"
    first = terminal_round(data)
    # Picked up at the sync and acted on: the process ended to be restarted.
    assert first.returncode == heartbeat.RESTART_EXIT_CODE, first.stderr
    assert action(engine, aid)["state"] == "sent"
    # The supervisor starts it again; its first sync reports the outcome.
    second = terminal_round(data)
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["done"] == [] and report["heartbeat"]["heartbeat"] == "sent"
    done = action(engine, aid)
    assert done["state"] == "done" and done["outcome"] == "restarted"
    health = fleet.health(engine)[world["id"]]
    assert health["uptime_s"] < 60  # the restarted process said so
    # Not done twice: the next round has nothing to do.
    third = terminal_round(data)
    assert third.returncode == 0 and json.loads(third.stdout)["done"] == []


def test_leave_maintenance_goes_to_the_app_and_a_failure_is_reported(world):
    engine = world["engine"]
    aid = fleet.queue_action(engine, world["id"], "leave_maintenance", "admin ada")
    said = []

    def on_action(a):
        said.append(a["kind"])
        raise RuntimeError("the staff panel is open")

    syncer = Syncer(world["data"], world["base"], world["token"], None, lambda v: None,
                    on_action=on_action, app_status=lambda: {"maintenance": True})
    syncer.upload_events()
    assert said == ["leave_maintenance"]
    assert fleet.health(engine)[world["id"]]["maintenance"] is True
    syncer.upload_events()
    done = action(engine, aid)
    assert done["state"] == "failed" and "staff panel is open" in done["outcome"]


class Killed(BaseException):
    """The process dies here (nothing after it runs, no cleanup but what is on disk)."""


def on_disk(data) -> list[str]:
    e = hub_client.load_enrolment(data)
    return [t for t in (e["token"], e.get("pending_token")) if t]


@pytest.mark.parametrize("kill_at", ["before_begin", "after_begin", "after_confirm",
                                     "not_killed"])
def test_a_token_replacement_never_leaves_the_terminal_without_a_working_token(
        world, monkeypatch, kill_at):
    engine, base, data, old = world["engine"], world["base"], world["data"], world["token"]
    aid = fleet.queue_action(engine, world["id"], "replace_token", "admin ada")
    real_begin, real_confirm = token_swap.begin, hub_client.HubClient.confirm_token

    def begin(*a, **kw):
        if kill_at == "before_begin":
            raise Killed
        out = real_begin(*a, **kw)
        if kill_at == "after_begin":
            raise Killed
        return out

    def confirm(self, token):
        real_confirm(self, token)  # the hub has it: the old token stops working now
        if kill_at == "after_confirm":
            raise Killed

    monkeypatch.setattr(token_swap, "begin", begin)
    monkeypatch.setattr(hub_client.HubClient, "confirm_token", confirm)
    syncer = Syncer(data, base, old, None, lambda v: None)
    try:
        syncer.upload_events()
    except Killed:
        pass
    # Whatever the moment: a token on disk that the hub takes.
    assert any(works(base, t) for t in on_disk(data)), kill_at
    monkeypatch.undo()
    # The process is started again from what is on disk, and syncs until it is settled.
    for _ in range(3):
        enrolment = hub_client.load_enrolment(data)
        assert any(works(base, t) for t in on_disk(data))
        Syncer(data, base, enrolment["token"], None, lambda v: None).upload_events()
    final = hub_client.load_enrolment(data)
    assert "pending_token" not in final and final["token"] != old
    assert works(base, final["token"]) and not works(base, old)
    assert action(engine, aid)["state"] == "done"
    assert (data / "hub.json").stat().st_mode & 0o777 == 0o600


def test_a_pending_token_the_hub_replaced_since_is_dropped_for_the_old_one(world):
    """Delivered twice (the first answer was lost): the terminal holds the first new token,
    the hub only the second. The first is refused, so the terminal keeps its old one, which
    still works, and takes the second at the next sync."""
    engine, base, data, old = world["engine"], world["base"], world["data"], world["token"]
    fleet.queue_action(engine, world["id"], "replace_token", "admin ada")
    first = fleet.record_heartbeat(engine, world["id"], _beat())[0]["token"]
    fleet.record_heartbeat(engine, world["id"], _beat())  # delivered again: a new token
    token_swap.begin(data, first)
    with hub_client.HubClient(base, old) as client:
        assert token_swap.settle(client, data) == "dropped"
    assert on_disk(data) == [old] and works(base, old)
    Syncer(data, base, old, None, lambda v: None).upload_events()
    assert hub_client.load_enrolment(data)["token"] not in (old, first)
    assert not works(base, old)


def _beat() -> dict:
    from kiosk.core import heartbeat as schema

    return schema.check({"app_version": "1.0", "queued": 0, "set_aside": 0, "uptime_s": 1,
                         "maintenance": False})
