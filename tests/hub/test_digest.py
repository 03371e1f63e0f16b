"""The daily digest, sent by `kiosk-hub digest` to a real SMTP server (aiosmtpd) that the
test starts on loopback, through the settings in hub.toml: the right terminals, each
subscriber their own message, nothing when all is well."""

from __future__ import annotations

import email
import email.policy
import socket
from datetime import UTC, datetime, timedelta

import pytest
import requests
from aiosmtpd.controller import Controller

from kiosk import hub_cli
from kiosk.core import heartbeat as schema
from kiosk.hub import auth, digest, fleet
from kiosk.hub.app import create_app
from kiosk.hub.settings import HubSettings
from kiosk.hub.store import Store
from tests.hubtools import running

PASSWORD = "correct horse battery staple"


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def beat(**kw) -> dict:
    hb = {"app_version": "1.4.0", "queued": 0, "set_aside": 0, "uptime_s": 60,
          "disk_free_bytes": 40 * 2**30, "disk_total_bytes": 100 * 2**30,
          "maintenance": False}
    hb.update(kw)
    return schema.check(hb)


@pytest.fixture
def hub(tmp_path, smtp):
    _, port = smtp
    data = tmp_path / "hub"
    data.mkdir()
    (data / "hub.toml").write_text(
        f'[hub]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\nsmtp_security = "none"\n'
        'smtp_from = "hub@borough.example.org"\n', encoding="utf-8")
    store = Store(f"sqlite:///{data / 'hub.db'}")
    e = store.engine
    for name in ("ada", "bob", "cy"):
        auth.set_admin_password(e, name, PASSWORD)
    now = datetime.now().replace(microsecond=0)
    ids = {}
    for name, centre in (("fine", "Brixton Library"), ("full", "Brixton Library"),
                         ("quiet", "Peckham Library"), ("gone", "Peckham Library")):
        ids[name], _, _ = store.enrol(store.create_enrol_code(centre))
    fleet.record_heartbeat(e, ids["fine"], beat())
    fleet.record_heartbeat(e, ids["full"], beat(disk_free_bytes=2 * 2**30))
    yield store, data, ids, now
    store.close()


def age(store, terminal_id, when):
    """Make a terminal last seen at `when` (as if it went quiet then)."""
    import sqlalchemy as sa

    from kiosk.hub.schema import terminal_health, terminals

    with store.engine.begin() as c:
        c.execute(sa.update(terminals).where(terminals.c.id == terminal_id)
                  .values(last_seen=when))
        c.execute(sa.update(terminal_health).where(terminal_health.c.terminal_id ==
                                                   terminal_id).values(at=when))


def run(data, *args) -> int:
    return hub_cli.main(["digest", "--data-dir", str(data), *args])


def test_the_digest_reaches_each_subscriber_with_the_right_terminals(hub, smtp, capsys):
    store, data, ids, _ = hub
    inbox, _ = smtp
    utc = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    age(store, ids["quiet"], utc - timedelta(hours=3))
    age(store, ids["gone"], utc - timedelta(days=4))
    assert run(data, "--subscribe", "ada", "--email", "ada@borough.example.org") == 0
    assert run(data, "--subscribe", "bob", "--email", "bob@borough.example.org") == 0
    capsys.readouterr()
    assert run(data) == 0
    assert "digest of 3 terminals sent to 2 of 2 subscribers" in capsys.readouterr().out
    assert sorted(r for rcpt, _ in inbox.messages for r in rcpt) == [
        "ada@borough.example.org", "bob@borough.example.org"]
    for rcpt, msg in inbox.messages:
        assert msg["To"] == rcpt[0]  # each their own: no one sees another's address
        assert msg["From"] == "hub@borough.example.org"
        body = msg.get_content()
        for name in ("full", "quiet", "gone"):
            assert ids[name] in body
        assert ids["fine"] not in body
        assert "Disk almost full" in body and "Stale" in body and "Offline" in body
        assert body.index("Brixton Library") < body.index("Peckham Library")
        assert "3 terminals" in msg["Subject"]


def test_nothing_is_sent_when_all_is_well(hub, smtp, capsys):
    store, data, ids, _ = hub
    inbox, _ = smtp
    for name in ("full", "quiet", "gone"):
        fleet.record_heartbeat(store.engine, ids[name], beat())
    assert run(data, "--subscribe", "ada", "--email", "ada@borough.example.org") == 0
    capsys.readouterr()
    assert run(data) == 0
    assert "all is well" in capsys.readouterr().out
    assert inbox.messages == []


def test_unsubscribing_and_bad_input(hub, smtp, capsys):
    _, data, _, _ = hub
    inbox, _ = smtp
    assert run(data, "--subscribe", "ada", "--email", "ada@borough.example.org") == 0
    assert run(data, "--unsubscribe", "ada") == 0
    capsys.readouterr()
    assert run(data) == 0
    assert "no admin subscribes" in capsys.readouterr().out and inbox.messages == []
    assert run(data, "--subscribe", "ada", "--email", "not an address") == 1
    assert run(data, "--subscribe", "nobody", "--email", "n@example.org") == 1
    assert "no admin named 'nobody'" in capsys.readouterr().err
    assert run(data, "--dry-run") == 0
    assert "Subject: Kiosks:" in capsys.readouterr().out and inbox.messages == []


def test_a_mail_server_that_does_not_answer_is_one_line(hub, capsys, monkeypatch):
    _, data, _, _ = hub
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    assert run(data, "--subscribe", "ada", "--email", "ada@borough.example.org") == 0
    monkeypatch.setenv("KIOSK_SMTP_PORT", str(dead))  # over hub.toml's
    capsys.readouterr()
    assert run(data) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"kiosk-hub: mail server 127.0.0.1:{dead}: ")
    assert len(err.splitlines()) == 1


def test_an_admin_subscribes_on_the_terminals_page(tmp_path):
    import re

    app = create_app(HubSettings(data_dir=tmp_path / "data"))
    e = app.state.store.engine
    auth.set_admin_password(e, "ada", PASSWORD)
    auth.set_staff_user(e, "bea", PASSWORD, ["Peckham Library"])
    with running(app) as base:
        for name in ("ada", "bea"):
            s = requests.Session()
            r = s.get(base + "/admin/login", timeout=10)
            csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
            s.post(base + "/admin/login", data={"csrf": csrf, "name": name,
                                                "password": PASSWORD}, timeout=10)
            page = s.get(base + "/admin/fleet", timeout=10).text
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            if name == "bea":  # centre staff: no digest, and the POST is for admins
                assert "Daily e-mail" not in page
                assert s.post(base + "/admin/fleet/digest", data={
                    "csrf": csrf, "email": "bea@example.org"}, timeout=10).status_code == 403
                continue
            assert "Send me the daily e-mail" in page
            r = s.post(base + "/admin/fleet/digest", data={"csrf": csrf, "email": "nope"},
                       timeout=10)
            assert r.status_code == 400 and "Enter an e-mail address" in r.text
            r = s.post(base + "/admin/fleet/digest", data={
                "csrf": csrf, "email": "ada@borough.example.org"}, timeout=10)
            assert r.status_code == 200 and "ada@borough.example.org" in r.text
            assert digest.subscription(e, "ada") == "ada@borough.example.org"
            s.post(base + "/admin/fleet/digest", data={"csrf": csrf, "email": ""}, timeout=10)
            assert digest.subscription(e, "ada") is None
