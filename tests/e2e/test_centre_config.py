"""A centre's configuration from the real hub to the citizen's screen: `kiosk-hub config set`
on a running `kiosk-hub serve`, the terminal's syncer fetching it at its next sync (the
running kiosk's own Syncer.sync_config, with app.config_changed as its callback), and the
real app (kiosk.app.harness, under Xvfb) showing it after the current session, never during
it. Then precedence end to end (all < centre < terminal < staff at the terminal, a lock, a
staff change made offline and a later hub change) and what the hub's pages say was used;
and a revoked terminal that goes on serving citizens."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import tempfile
import time

import pytest
import requests

from kiosk.core import config
from tests.e2e.test_hub_and_kiosk import run, world  # noqa: F401 (the shared hub fixture)
from tests.serverproc import BIN

os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kiosk-test-kivy-"))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")

CENTRE = "peckham"
PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def hub(w, *args: str, check: bool = True):
    return run([BIN / "kiosk-hub", *args, "--data-dir", str(w["hub_dir"])], w["env"],
               check=check)


def enrolled_terminal(w, name: str):
    """A terminal's data dir, enrolled at CENTRE with a one-time code: (dir, enrolment)."""
    from kiosk.services.hub_client import load_enrolment

    data = w["tmp"] / name
    code = hub(w, "enrol-code", "--centre", CENTRE).stdout.strip().splitlines()[-1]
    run([BIN / "kiosk", "enrol", code, "--hub", w["url"], "--data-dir", str(data)], w["env"])
    return data, load_enrolment(data)


@pytest.fixture
def terminal(world):  # noqa: F811 (the fixture imported above)
    """An enrolled terminal running the real app, and the syncer the kiosk runs with it."""
    from kiosk.app.harness import Harness
    from kiosk.services.syncer import Syncer

    data, enrolment = enrolled_terminal(world, "terminal")
    h = Harness(data_dir=data)
    syncer = Syncer(data, world["url"], enrolment["token"], None, lambda version: None,
                    terminal_id=enrolment["terminal_id"], on_new_config=h.app.config_changed)
    try:
        yield world, h, syncer, enrolment["terminal_id"]
    finally:
        h.close()


def sync(h, syncer) -> str:
    """The syncer's configuration round (as its thread runs it); the app hears of a change
    and builds the new offer off the UI thread."""
    before = h.app.offer
    status = syncer.sync_config()["config_status"]
    if status == "updated":
        assert h.wait_for(lambda: h.app.pending_offer is not None or h.app.offer != before)
        h.frames(2)
    return status


def start(h, lang="en"):
    h.tap(h.screen.start)
    h.tap(h.screen.choices[lang])


def clear(h):
    from tests.ui.conftest import confirm_end

    confirm_end(h)
    assert h.screen.__class__.__name__ == "AttractScreen" and h.app.pending_offer is None


def test_a_hub_change_reaches_the_terminal_at_its_next_sync_and_shows_after_the_session(
        terminal):
    w, h, syncer, terminal_id = terminal
    assert h.app.offer.centre.name.get("en") == "Demo Community Library", \
        "before any sync: the demo centre stands in"
    assert sync(h, syncer) == "updated"  # the hub's layers, empty so far
    assert h.app.offer.centre.name.get("en") == "", "a hub's configuration replaces the demo"

    start(h)
    h.tap(h.screen.cards["services"])
    hub(w, "config", "set", "--centre", CENTRE, "centre.name", "Peckham Library")
    hub(w, "config", "set", "--centre", CENTRE, "services.featured", "find-a-job")
    hub(w, "config", "set", "--centre", CENTRE, "languages.offered", "en, pl, ar")
    assert sync(h, syncer) == "updated"
    assert sync(h, syncer) == "unchanged", "a 304 until the hub changes again"
    h.tap(h.app.toolbar.buttons["back"])
    h.tap(h.screen.cards["services"])
    h.frames(2)
    assert h.screen.featured_heading is None and len(h.screen.cards) == 12, \
        "the citizen at the kiosk keeps what they had"

    clear(h)
    assert h.screen.centre_name.text == "Peckham Library"
    assert h.screen.codes == ["en", "pl", "ar"]
    start(h)
    h.tap(h.screen.cards["services"])
    h.frames(2)
    assert list(h.screen.cards)[:1] == ["find-a-job"] and h.screen.featured_heading is not None

    # The hub revokes the terminal: it keeps serving citizens with what it has, and says so
    # to staff (services.enrolment.status, which the staff panel shows; kiosk status).
    from kiosk.services import enrolment

    clear(h)
    hub(w, "revoke", terminal_id)
    assert sync(h, syncer).startswith("error:") and syncer.revoked
    state = enrolment.status(h.data_dir)
    assert state.revoked and state.refused_at and "401" in state.detail
    status = json.loads(run([BIN / "kiosk", "status", "--json", "--data-dir",
                             str(h.data_dir)], w["env"]).stdout)
    assert status["revoked"] and status["enrolled"]
    assert "no longer accepts" in run([BIN / "kiosk", "status", "--data-dir",
                                       str(h.data_dir)], w["env"]).stdout
    assert syncer.upload_events()["auth_refused"]
    assert h.app.offer.centre.name.get("en") == "Peckham Library", "its last configuration"
    start(h)
    h.tap(h.screen.cards["services"])
    h.frames(2)
    assert list(h.screen.cards)[:1] == ["find-a-job"]
    clear(h)
    # Enrolled again with a new code: the refusal is forgotten.
    code = hub(w, "enrol-code", "--centre", CENTRE).stdout.strip().splitlines()[-1]
    run([BIN / "kiosk", "enrol", code, "--hub", w["url"], "--data-dir", str(h.data_dir)],
        w["env"])
    assert enrolment.status(h.data_dir).enrolled


def sign_in(base: str, name: str) -> requests.Session:
    s = requests.Session()
    token = CSRF_RE.search(s.get(f"{base}/admin/login", timeout=10).text).group(1)
    r = s.post(f"{base}/admin/login", data={"csrf": token, "name": name,
                                            "password": PASSWORD},
               timeout=10, allow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return s


def reported_rows(text: str) -> dict[str, str]:
    """The terminal page's table of what the terminal reports it uses: label -> row text."""
    table = html.unescape(text.split('id="table-reported"', 1)[1].split("</table>", 1)[0])
    rows = {}
    for row in table.split("<tr>")[2:]:
        cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
                 for c in row.split("</t")[:-1]]
        if cells:
            rows[cells[0]] = " ".join(cells)
    return rows


def test_precedence_locks_and_the_later_change_end_to_end(terminal):
    """Hub values for all terminals, the centre and the terminal, a lock, a staff change
    made at the terminal while it is offline, and a later hub change: the terminal uses what
    core.config.resolve says, the citizen sees it, and the hub's terminal page says which
    value was used and why."""
    w, h, syncer, t = terminal
    store = h.app.services.config_store
    for args in (("--all", "session.idle_timeout", "200"),
                 ("--centre", CENTRE, "session.idle_timeout", "300"),
                 ("--terminal", t, "session.idle_timeout", "240"),
                 ("--all", "session.read_aloud", "on"),
                 ("--centre", CENTRE, "notice.text", "Hub notice"),
                 ("--centre", CENTRE, "centre.greeting", "Hub greeting, first")):
        hub(w, "config", "set", *args)
    hub(w, "config", "lock", "--all", "session.read_aloud")
    refused = hub(w, "config", "set", "--centre", CENTRE, "session.read_aloud", "off",
                  check=False)
    assert refused.returncode == 1 and "locked" in refused.stderr, "not lower down on the hub"
    assert sync(h, syncer) == "updated"

    # Offline: staff change the notice and the greeting at the terminal.
    time.sleep(1.1)  # changes are timed to the second: this one is later than the hub's
    store.set_staff({"notice.text": "Staff notice", "centre.greeting": "Staff greeting"})
    with pytest.raises(config.ConfigError, match="locked"):
        store.set_staff({"session.read_aloud": False})  # nor at the terminal
    h.app.config_changed()
    assert h.wait_for(lambda: h.screen.tagline.text == "Staff greeting")
    h.frames(2)
    # Later, the hub changes the greeting too: the later change wins when the terminal syncs.
    time.sleep(1.1)
    hub(w, "config", "set", "--centre", CENTRE, "centre.greeting", "Hub greeting")
    start(h)
    assert sync(h, syncer) == "updated"

    used = store.resolved()
    assert (used["session.idle_timeout"].value, used["session.idle_timeout"].source) == \
        (240, "terminal")
    assert (used["notice.text"].value, used["notice.text"].source) == ("Staff notice", "staff")
    greeting = used["centre.greeting"]
    assert (greeting.value, greeting.source) == ("Hub greeting", "centre")
    assert "older than the centre value" in greeting.note
    assert used["session.read_aloud"].value is True
    assert used["session.read_aloud"].locked_at == "all"

    # The citizen at the kiosk keeps the staff's greeting; the next one sees the hub's.
    assert h.app.offer.centre.greeting.get("en") == "Staff greeting"
    assert h.app.pending_offer.centre.greeting.get("en") == "Hub greeting"
    clear(h)
    assert h.screen.tagline.text == "Hub greeting"
    assert h.screen.notice_text.text == "Staff notice"
    start(h)
    assert h.app.idle_timeout == 240 and h.app.read_aloud_on
    assert h.screen.centre_notice.lines[0].text == "Staff notice"

    # The hub: its own values (no staff changes) in `config show --json`, and on the
    # terminal's page what the terminal reported it uses, and why.
    shown = json.loads(hub(w, "config", "show", "--terminal", t, "--json").stdout)
    assert (shown["session.idle_timeout"]["value"], shown["session.idle_timeout"]["source"]) \
        == (240, "terminal")
    assert shown["session.read_aloud"]["locked_at"] == "all"
    assert shown["notice.text"]["value"] == "Hub notice"
    subprocess.run([BIN / "kiosk-hub", "admin-user", "ada", "--password-stdin",
                    "--data-dir", str(w["hub_dir"])], input=PASSWORD + "\n", text=True,
                   env=w["env"], check=True, capture_output=True, timeout=60)
    page = sign_in(w["url"], "ada").get(f"{w['url']}/admin/terminals/{t}", timeout=10)
    assert page.status_code == 200
    rows = reported_rows(page.text)
    notice = next(v for k, v in rows.items() if k.startswith("Notice"))
    assert "Staff notice" in notice and "Hub notice" in notice
    assert "the later change wins, so the terminal uses the staff's value" in notice
    greeting_row = next(v for k, v in rows.items() if k.startswith("Greeting"))
    assert "the terminal uses the hub's value" in greeting_row
    assert "It has the hub's latest settings." in page.text
