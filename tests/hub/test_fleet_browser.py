"""The fleet pages in a real browser: Debian's chromium driven by Playwright, the real hub on
uvicorn on 127.0.0.1, a borough's terminals with a week of heartbeats.

Signs in, filters the Terminals page by status, opens a terminal, queues a restart. Any
console error, failed request or HTTP error fails the test: that is how a
Content-Security-Policy violation (an inline style in a chart, say) shows up. Screenshots go
to a temp dir; with KIOSK_UPDATE_SCREENSHOTS=1 (`make shots`) they are copied to
docs/screenshots/hub-fleet.png and hub-fleet-terminal.png.
"""

from __future__ import annotations

import os
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.core import heartbeat as schema
from kiosk.hub import auth, configuration, fleet
from kiosk.hub.app import create_app
from kiosk.hub.configuration import Scope
from kiosk.hub.settings import HubSettings
from tests.hubtools import running

ROOT = Path(__file__).resolve().parents[2]
NAME, PASSWORD = "ada", "correct horse battery staple"
CENTRES = {"Brixton Library": 4, "Peckham Library": 3, "Whitechapel Idea Store": 3,
           "Canada Water Library": 2}


def beat(**kw) -> dict:
    hb = {"app_version": "1.4.2", "content_version": 12,
          "content_expires": "2027-06-01T00:00:00Z", "config_version": '"3f2a9c"',
          "queued": 0, "set_aside": 0, "uptime_s": 86_000, "disk_free_bytes": 41 * 2**30,
          "disk_total_bytes": 64 * 2**30, "memory_bytes": 182 * 2**20, "maintenance": False,
          "last_session_hour": "2026-12-01T14:00:00Z"}
    hb.update(kw)
    return schema.check(hb)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    data = tmp_path_factory.mktemp("fleet")
    app = create_app(HubSettings(data_dir=data))
    store = app.state.store
    e = store.engine
    auth.set_admin_password(e, NAME, PASSWORD)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    rng = random.Random(13)
    ids = {}
    for centre, n in CENTRES.items():
        for i in range(n):
            tid, _, _ = store.enrol(store.create_enrol_code(centre),
                                    now=now - timedelta(days=60))
            ids[(centre, i)] = tid
    # The one to look at: a week of heartbeats every 10 minutes, a bad afternoon with the
    # hub unreachable (failures, the queue growing), and its disk filling up.
    star = ids[("Peckham Library", 0)]
    for m in range(0, 7 * 24 * 60, 10):
        at = now - timedelta(days=7) + timedelta(minutes=m)
        trouble = 4 * 24 * 60 <= m < 4 * 24 * 60 + 300
        fleet.record_heartbeat(e, star, beat(
            queued=(m - 4 * 24 * 60) * 3 if trouble else rng.randint(0, 4),
            failed_rounds=rng.choice([0, 1, 2]) if trouble else 0,
            disk_free_bytes=int((14 - 8 * m / (7 * 24 * 60)) * 2**30)), at)
    fleet.thin(e, now)
    fleet.record_heartbeat(e, star, beat(disk_free_bytes=5 * 2**30, error_streak=0), now)
    configuration.set_value(e, Scope("terminal", star), "notice.text",
                            "Closed for training on Friday morning", "admin ada")
    configuration.set_value(e, Scope("centre", "Peckham Library"), "languages.offered",
                            ["en", "pl", "ro", "bn", "so"], "admin ada")
    fleet.queue_action(e, star, "restart", "staff bea", now - timedelta(hours=2))
    done = fleet.record_heartbeat(e, star, beat(), now - timedelta(hours=2))
    fleet.record_heartbeat(e, star, beat(results=[{"id": done[0]["id"], "outcome": "done",
                                                   "message": "restarted"}]),
                           now - timedelta(hours=1, minutes=58))
    fleet.record_heartbeat(e, star, beat(disk_free_bytes=5 * 2**30), now)
    # The others: most fine; one stale, one offline, one in maintenance, one failing.
    for (centre, i), tid in ids.items():
        if tid == star:
            continue
        when = now - timedelta(minutes=rng.randint(0, 3))
        kw = {}
        if (centre, i) == ("Brixton Library", 3):
            when = now - timedelta(hours=3)
        elif (centre, i) == ("Whitechapel Idea Store", 2):
            when = now - timedelta(days=3)
        elif (centre, i) == ("Canada Water Library", 1):
            kw = {"maintenance": True}
        elif (centre, i) == ("Whitechapel Idea Store", 0):
            kw = {"error_streak": 6, "last_error": {
                "class": "PackError", "message": "content: the pack's signature is not "
                "valid", "at": "2026-12-01T07:00:00Z"}}
        fleet.record_heartbeat(e, tid, beat(queued=rng.randint(0, 3), **kw), when)
        _seen(e, tid, when)
    with running(app) as base:
        yield base, star


def _seen(engine, terminal_id, when) -> None:
    import sqlalchemy as sa

    from kiosk.hub.schema import terminals

    with engine.begin() as c:
        c.execute(sa.update(terminals).where(terminals.c.id == terminal_id)
                  .values(last_seen=when))


def test_fleet_pages_in_a_browser(hub, browser, tmp_path):
    base, star = hub
    problems: list[str] = []
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda m: m.type in ("error", "warning")
            and problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400
            and problems.append(f"HTTP {r.status}: {r.url}"))
    shots = tmp_path / "shots"
    shots.mkdir()
    try:
        page.goto(f"{base}/admin/fleet")
        page.fill("#name", NAME)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("button:has-text('Sign in')")
        assert page.url.endswith("/admin/fleet")
        assert page.locator("table.table--fleet tbody tr").count() == sum(CENTRES.values())
        for word in ("OK", "Stale", "Offline", "Needs attention", "Maintenance"):
            assert page.locator(f"strong.tag:text-is('{word}')").count() >= 1, word
        page.screenshot(path=shots / "fleet.png", full_page=True)

        page.select_option("#status", "attention")
        with page.expect_navigation():
            page.click("button:has-text('Show terminals')")
        assert "status=attention" in page.url
        assert page.locator("table.table--fleet tbody tr").count() == 2

        with page.expect_navigation():
            page.click(f"a:text-is('{star}')")
        assert page.locator("h1").inner_text() == f"Terminal {star}"
        for chart in ("chart-queue", "chart-disk", "chart-syncs"):
            svg = page.locator(f"#{chart} svg")
            assert svg.get_attribute("role") == "img"
            box = svg.bounding_box()
            assert box and box["width"] > 300 and box["height"] >= 100
        assert "Closed for training" in page.inner_text("#table-settings")
        assert "restarted" in page.inner_text("#table-actions")
        page.screenshot(path=shots / "terminal.png", full_page=True)

        with page.expect_navigation():
            page.click("button:has-text('Leave maintenance mode')")
        assert "Queued: Leave maintenance mode" in page.inner_text(".notice-banner")
    finally:
        context.close()
        if os.environ.get("KIOSK_UPDATE_SCREENSHOTS"):
            out = ROOT / "docs" / "screenshots"
            for name, target in (("fleet.png", "hub-fleet.png"),
                                 ("terminal.png", "hub-fleet-terminal.png")):
                if (shots / name).exists():
                    shutil.copyfile(shots / name, out / target)
    assert problems == []
