"""The fleet pages on the real hub (uvicorn on 127.0.0.1), SQLite and PostgreSQL, with the
hub's clock injected (app.state.clock): a terminal goes stale and then offline on the page,
the filters, one terminal's page (charts with text alternatives, its configuration, its
audit), remote actions queued from it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import requests

from kiosk.core import heartbeat as schema
from kiosk.hub import auth, configuration, fleet
from kiosk.hub.app import create_app
from kiosk.hub.configuration import Scope
from kiosk.hub.settings import HubSettings
from tests.hubtools import running

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
T0 = datetime(2026, 12, 1, 9, 0)


def beat(**kw) -> dict:
    hb = {"app_version": "1.4.0", "content_version": 7,
          "content_expires": "2027-06-01T00:00:00Z", "queued": 0, "set_aside": 0,
          "uptime_s": 7200, "disk_free_bytes": 40 * 2**30, "disk_total_bytes": 100 * 2**30,
          "memory_bytes": 150 * 2**20, "maintenance": False}
    hb.update(kw)
    return schema.check(hb)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def hub(tmp_path, hub_db_url):
    # No housekeeping: it would thin the history by the real clock while the test writes
    # heartbeats in the past.
    app = create_app(HubSettings(data_dir=tmp_path / "data", db=hub_db_url), roll_up=False)
    app.state.clock = clock = Clock(T0)
    store = app.state.store
    e = store.engine
    auth.set_admin_password(e, "ada", PASSWORD)
    auth.set_staff_user(e, "bea", PASSWORD, ["Peckham Library"])
    ids = {}
    for name, centre in (("p1", "Peckham Library"), ("p2", "Peckham Library"),
                         ("b1", "Brixton Library")):
        ids[name], _, _ = store.enrol(store.create_enrol_code(centre), now=T0 - timedelta(
            days=2))
    # A week of heartbeats every 10 minutes from p1; p2's disk is nearly full; b1 is fine.
    for m in range(0, 7 * 24 * 60, 10):
        at = T0 - timedelta(days=7) + timedelta(minutes=m)
        fleet.record_heartbeat(e, ids["p1"], beat(queued=(m // 10) % 2 * 13,
                                                         failed_rounds=int(m % 120 == 0)),
                               at)
    fleet.thin(e, T0)
    fleet.record_heartbeat(e, ids["p2"], beat(disk_free_bytes=3 * 2**30), T0)
    fleet.record_heartbeat(e, ids["b1"], beat(), T0)
    configuration.set_value(e, Scope("terminal", ids["p1"]), "notice.text", "Back at 2pm",
                            "admin ada")
    with running(app) as base:
        yield app, base, ids, clock


def sign_in(base: str, name: str) -> requests.Session:
    s = requests.Session()
    r = s.get(base + "/admin/login", timeout=10)
    r = s.post(base + "/admin/login", timeout=10, allow_redirects=False, data={
        "csrf": CSRF_RE.search(r.text).group(1), "name": name, "password": PASSWORD})
    assert r.status_code == 303, r.text
    return s


def row_of(html: str, terminal_id: str) -> str:
    m = re.search(rf'<tr id="terminal-{terminal_id}">(.*?)</tr>', html, re.DOTALL)
    assert m, terminal_id
    return m.group(1)


def test_a_terminal_goes_stale_then_offline_on_the_fleet_page(hub):
    app, base, ids, clock = hub
    admin = sign_in(base, "ada")
    page = admin.get(base + "/admin/fleet", timeout=10).text
    assert "Needs attention" in row_of(page, ids["p2"]) and "Disk almost full" in page
    assert ">OK<" in row_of(page, ids["b1"])
    assert page.index("Brixton Library") < page.index("Peckham Library")  # grouped, sorted
    clock.now = T0 + timedelta(minutes=61)
    page = admin.get(base + "/admin/fleet", timeout=10).text
    assert 'tag--stale">Stale<' in row_of(page, ids["b1"])
    assert "Not heard from for 61 minutes" in row_of(page, ids["b1"])
    clock.now = T0 + timedelta(days=1, minutes=1)
    page = admin.get(base + "/admin/fleet", timeout=10).text
    assert 'tag--offline">Offline<' in row_of(page, ids["b1"])
    assert re.search(r'id="count-offline">\s*<span class="big-number__value">3<', page)
    # A heartbeat brings it back.
    fleet.record_heartbeat(app.state.store.engine, ids["b1"], beat(), clock.now)
    assert ">OK<" in row_of(admin.get(base + "/admin/fleet", timeout=10).text, ids["b1"])


def test_filters_by_centre_and_by_status(hub):
    _, base, ids, _ = hub
    admin = sign_in(base, "ada")
    page = admin.get(base + "/admin/fleet", params={"centre": "Peckham Library"},
                     timeout=10).text
    assert ids["p1"] in page and ids["p2"] in page and ids["b1"] not in page
    page = admin.get(base + "/admin/fleet", params={"status": "attention"}, timeout=10).text
    assert ids["p2"] in page and ids["b1"] not in page and "Showing 1 of 3" in page
    r = admin.get(base + "/admin/fleet", params={"status": "purple"}, timeout=10)
    assert r.status_code == 400 and "Choose a status from the list" in r.text
    assert admin.get(base + "/admin/fleet", params={"centre": "Nowhere"},
                     timeout=10).status_code == 200  # an admin: simply nothing there


def test_centre_staff_see_only_their_centres(hub):
    _, base, ids, _ = hub
    staff = sign_in(base, "bea")
    page = staff.get(base + "/admin/fleet", timeout=10).text
    assert ids["p1"] in page and ids["b1"] not in page and "Brixton" not in page
    assert staff.get(base + f"/admin/fleet/{ids['b1']}", timeout=10).status_code == 404
    assert staff.get(base + "/admin/fleet", params={"centre": "Brixton Library"},
                     timeout=10).status_code == 404
    page = staff.get(base + f"/admin/fleet/{ids['p1']}", timeout=10).text
    assert "Replace the terminal" not in page and "Restart the app" in page


def test_one_terminals_page(hub):
    _, base, ids, _ = hub
    admin = sign_in(base, "ada")
    r = admin.get(base + f"/admin/fleet/{ids['p1']}", timeout=10)
    assert r.status_code == 200
    page = r.text
    for chart in ("chart-queue", "chart-disk", "chart-syncs"):
        m = re.search(rf'<svg [^>]*aria-labelledby="{chart}-title {chart}-desc"', page)
        assert m, chart
        assert f'<desc id="{chart}-desc">' in page
    assert "<polyline" in page and "<rect" in page
    assert "Latest 13, lowest 13, highest 13, over 168 hours" in page  # most in each hour
    assert page.count("<tr><td>") >= 24 * 7  # the figures in a table too
    assert "Back at 2pm" in page and "admin ada" in page  # configuration and audit
    assert "40.0 GB of 100.0 GB (40 %)" in page and "1.4.0" in page
    assert "Replace the terminal" in page


def test_an_action_is_queued_and_shown_until_it_is_done(hub):
    app, base, ids, clock = hub
    staff = sign_in(base, "bea")
    page = staff.get(base + f"/admin/fleet/{ids['p1']}", timeout=10).text
    csrf = CSRF_RE.search(page).group(1)
    url = base + f"/admin/fleet/{ids['p1']}/actions"
    r = staff.post(url, data={"csrf": csrf, "action": "restart"}, timeout=10)
    assert r.status_code == 200 and "Queued: Restart the app" in r.text
    assert "Waiting for the terminal" in r.text
    assert staff.post(url, data={"csrf": csrf, "action": "replace_token"},
                      timeout=10).status_code == 403
    assert staff.post(url, data={"csrf": "wrong", "action": "restart"},
                      timeout=10).status_code == 403
    e = app.state.store.engine
    sent = fleet.record_heartbeat(e, ids["p1"], beat(), clock.now)
    assert [a["kind"] for a in sent] == ["restart"]
    page = staff.get(base + f"/admin/fleet/{ids['p1']}", timeout=10).text
    assert "Sent to the terminal" in page
    fleet.record_heartbeat(e, ids["p1"], beat(results=[
        {"id": sent[0]["id"], "outcome": "done", "message": "restarted"}]), clock.now)
    page = staff.get(base + f"/admin/fleet/{ids['p1']}", timeout=10).text
    assert 'tag--action-done">Done<' in page and "restarted" in page
