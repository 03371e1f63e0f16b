"""Configuration on the hub (kiosk/hub/configuration.py, routes/config.py, `kiosk-hub
config`), on the real hub over SQLite and PostgreSQL: scopes, locks, the audit, the
document a terminal fetches (ETag, 304), and what terminals report; what the hub keeps in
memory (tokens, documents) never outlives a revocation or a change, under load and with
several workers."""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
import requests

from kiosk import hub_cli
from kiosk.core.config import ConfigError
from kiosk.hub import configuration
from kiosk.hub.app import create_app
from kiosk.hub.configuration import Scope
from kiosk.hub.settings import HubSettings
from kiosk.hub.store import Store
from tests.hubtools import running
from tests.serverproc import hub_process

MON = datetime(2026, 11, 30, 9)
TUE = datetime(2026, 12, 1, 9)


@pytest.fixture
def hub(tmp_path, hub_db_url):
    """(base URL, Store, {terminal id: token}) with two terminals at Peckham, one at Brixton."""
    app = create_app(HubSettings(data_dir=tmp_path / "data", db=hub_db_url))
    store = app.state.store
    tokens = {}
    for centre in ("Peckham Library", "Peckham Library", "Brixton Library"):
        terminal_id, token, _ = store.enrol(store.create_enrol_code(centre))
        tokens[terminal_id] = token
    with running(app) as base:
        yield base, store, tokens


def get(base, token, etag=None):
    headers = {"Authorization": f"Bearer {token}"}
    if etag:
        headers["If-None-Match"] = etag
    return requests.get(base + "/api/v1/config", headers=headers, timeout=10)


def test_scopes_locks_and_the_audit(hub):
    _, store, tokens = hub
    e = store.engine
    peckham, _, brixton = list(tokens)
    configuration.set_value(e, Scope("all"), "session.idle_timeout", 200, "admin ada", MON)
    configuration.set_value(e, Scope("centre", "Peckham Library"), "session.idle_timeout",
                            300, "admin ada", TUE)
    configuration.set_value(e, Scope("terminal", peckham), "centre.name.ar", "مكتبة بيكهام",
                            "admin ada", TUE)
    eff = configuration.resolved(e, Scope("terminal", peckham))
    assert (eff["session.idle_timeout"].value, eff["session.idle_timeout"].source) == (300,
                                                                                     "centre")
    assert configuration.resolved(e, Scope("terminal", brixton))[
        "session.idle_timeout"].value == 200
    # rules between settings hold at the scope being set
    with pytest.raises(ConfigError, match="90 s must be shorter than the idle timeout .60 s"):
        configuration.set_value(e, Scope("terminal", brixton), "session.idle_timeout", 60,
                                "admin ada")
        configuration.set_value(e, Scope("terminal", brixton), "session.idle_warning", 90,
                                "admin ada")
    configuration.clear_value(e, Scope("terminal", brixton), "session.idle_timeout", "admin")
    # locked for all terminals: a centre can no longer set it
    configuration.set_lock(e, Scope("all"), "session.idle_timeout", True, "admin ada", TUE)
    with pytest.raises(ConfigError, match="is locked for all terminals; unlock it there"):
        configuration.set_value(e, Scope("centre", "Brixton Library"), "session.idle_timeout",
                                400, "admin ada")
    eff = configuration.resolved(e, Scope("terminal", peckham))["session.idle_timeout"]
    assert (eff.value, eff.locked_at) == (200, "all") and "locked at all" in eff.note
    with pytest.raises(ConfigError, match="no terminal 'nope'"):
        configuration.set_value(e, Scope("terminal", "nope"), "session.read_aloud", True, "x")
    assert configuration.clear_value(e, Scope("centre", "Peckham Library"),
                                     "session.idle_timeout", "admin ada")
    log = configuration.audit(e)
    assert [(r["action"], r["key"], r["old"], r["new"]) for r in log[:2]] == [
        ("clear", "session.idle_timeout", 300, None),
        ("lock", "session.idle_timeout", None, None)]
    assert {r["who"] for r in log} == {"admin ada", "admin"} and len(log) == 7


def test_a_terminal_fetches_its_layers_with_an_etag(hub):
    base, store, tokens = hub
    peckham, _, brixton = list(tokens)
    r = get(base, tokens[peckham])
    assert r.status_code == 200 and r.headers["ETag"]
    assert [layer["name"] for layer in r.json()["layers"]] == ["all", "centre", "terminal"]
    assert get(base, tokens[peckham], r.headers["ETag"]).status_code == 304
    configuration.set_value(store.engine, Scope("centre", "Peckham Library"),
                            "languages.offered", ["en", "pl", "ar"], "admin ada")
    changed = get(base, tokens[peckham], r.headers["ETag"])
    assert changed.status_code == 200
    centre = changed.json()["layers"][1]
    assert centre["values"]["languages.offered"]["value"] == ["en", "pl", "ar"]
    # the other centre's terminal is not affected: still 304 on its own ETag
    b = get(base, tokens[brixton])
    assert "languages.offered" not in json.dumps(b.json())
    assert get(base, tokens[brixton], b.headers["ETag"]).status_code == 304
    assert requests.get(base + "/api/v1/config", timeout=10).status_code == 401


def test_terminals_report_what_they_use_and_staff_changes_are_audited(hub):
    base, store, tokens = hub
    peckham = next(iter(tokens))
    report = {"etag": '"abc"', "problems": [], "values": {
        "session.idle_timeout": {"value": 240, "source": "staff",
                                 "changed": "2026-12-01T10:00:00Z", "note": ""}}}
    url = base + "/api/v1/config/report"
    headers = {"Authorization": f"Bearer {tokens[peckham]}"}
    assert requests.post(url, json=report, headers=headers, timeout=10).status_code == 204
    assert requests.post(url, json=report, headers=headers, timeout=10).status_code == 204
    assert configuration.reported(store.engine, peckham)["values"][
        "session.idle_timeout"]["value"] == 240
    staff = [r for r in configuration.audit(store.engine) if r["action"] == "staff"]
    assert len(staff) == 1 and staff[0]["who"] == f"staff at terminal {peckham}"
    for body, status in [(b"[" * 10000, 422), (b"not json", 422), (b"{}" + b" " * 300_000, 413),
                         (json.dumps({"values": {"k": {"value": 1, "source": "hub"}}}), 422),
                         (json.dumps({"values": {}, "problems": ["x" * 600]}), 422)]:
        r = requests.post(url, data=body, headers=headers, timeout=10)
        assert r.status_code == status, (body[:40], r.text)


def run_cli(capsys, *argv):
    rc = hub_cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_the_config_command(hub, capsys):
    _, store, tokens = hub
    peckham = next(iter(tokens))
    db = ["--db", str(store.engine.url.render_as_string(hide_password=False))]
    rc, out, err = run_cli(capsys, "config", "set", "--centre", "Peckham Library",
                           "session.idle_timeout", "300", *db)
    assert rc == 0, err
    assert "session.idle_timeout = 300 for centre Peckham Library" in out
    rc, out, err = run_cli(capsys, "config", "set", "--centre", "Peckham Library",
                           "centre.name.ar", "مكتبة بيكهام", *db)
    assert rc == 0, err
    rc, out, _ = run_cli(capsys, "config", "show", "--terminal", peckham, *db)
    line = next(x for x in out.splitlines() if x.startswith("session.idle_timeout"))
    assert "300" in line and "centre Peckham Library" in line
    rc, out, _ = run_cli(capsys, "config", "show", "--terminal", peckham, "--json", *db)
    data = json.loads(out)
    assert data["session.idle_timeout"] == {"value": 300, "source": "centre", "locked_at": None,
                                            "changed": data["session.idle_timeout"]["changed"],
                                            "by": data["session.idle_timeout"]["by"],
                                            "note": ""}
    assert data["centre.name.ar"]["value"] == "مكتبة بيكهام"
    rc, out, err = run_cli(capsys, "config", "lock", "--all", "session.idle_timeout", *db)
    assert rc == 0 and "locked" in out
    rc, out, err = run_cli(capsys, "config", "set", "--centre", "Peckham Library",
                           "session.idle_timeout", "100", *db)
    assert rc == 1 and err == ("kiosk-hub: session.idle_timeout: is locked for all terminals; "
                               "unlock it there first\n")
    rc, out, err = run_cli(capsys, "config", "unlock", "--all", "session.idle_timeout", *db)
    assert rc == 0
    for argv, message in [
        (["set", "--all", "session.idle_timeout", "5"], "between 60 and 600, not 5"),
        (["set", "--all", "session.nap", "5"], "session.nap: no such setting"),
        (["set", "--terminal", "t-none", "session.read_aloud", "on"], "no terminal 't-none'"),
        (["lock", "--all", "centre.name.ar"], "lock centre.name itself"),
    ]:
        rc, out, err = run_cli(capsys, "config", *argv, *db)
        assert rc == 1 and message in err and err.count("\n") == 1, err


# --- what the hub keeps in memory is never older than the request (kiosk/hub/fresh.py) ----

def test_a_revoked_token_is_refused_at_once_and_a_new_one_accepted(hub):
    """Tokens are kept in memory; a revocation or an enrolment made from another process
    (`kiosk-hub revoke`, `kiosk-hub enrol-code` and `kiosk enrol`: another Store here)
    counts for the very next request, on every route of the terminals' API."""
    base, store, tokens = hub
    peckham, other, _ = list(tokens)
    for t in (peckham, other):  # both known to the hub's memory
        assert get(base, tokens[t]).status_code == 200
    elsewhere = Store(store.url)
    try:
        elsewhere.revoke(peckham)
        auth = {"Authorization": f"Bearer {tokens[peckham]}"}
        assert get(base, tokens[peckham]).status_code == 401
        assert requests.get(base + "/api/v1/content/manifest.json", headers=auth,
                            timeout=10).status_code == 401
        assert requests.post(base + "/api/v1/events", json={"events": []}, headers=auth,
                             timeout=10).status_code == 401
        assert get(base, tokens[other]).status_code == 200
        _, new_token, _ = elsewhere.enrol(elsewhere.create_enrol_code("Brixton Library"))
        r = get(base, new_token)
        assert r.status_code == 200 and r.json()["layers"][2]["name"] == "terminal"
    finally:
        elsewhere.close()


def test_under_load_a_change_or_a_revocation_counts_for_the_next_request(hub, monkeypatch):
    """Terminals keep asking from other threads, and the database is slow to answer (the
    versions are read, then the answer takes 20 ms to come back), so the hub is nearly
    always in the middle of reading the versions when a change commits: a request sent
    after the change must not be answered from a read that began before it (a 304 for the
    old document, or a revoked token accepted)."""
    base, store, tokens = hub
    read = store.versions

    def slow_versions():
        versions = read()
        time.sleep(0.02)
        return versions

    monkeypatch.setattr(store, "versions", slow_versions)
    peckham, other, brixton = list(tokens)
    stop = threading.Event()
    errors: list[str] = []

    def busy(token: str) -> None:
        with requests.Session() as s:
            while not stop.is_set():
                r = s.get(base + "/api/v1/config", timeout=10,
                          headers={"Authorization": f"Bearer {token}"})
                if r.status_code != 200:
                    errors.append(f"background: {r.status_code}")

    threads = [threading.Thread(target=busy, args=(tokens[t],))
               for t in (other, brixton) for _ in range(3)]
    elsewhere = Store(store.url)
    for t in threads:
        t.start()
    try:
        with requests.Session() as s:
            auth = {"Authorization": f"Bearer {tokens[peckham]}"}
            tag = s.get(base + "/api/v1/config", headers=auth, timeout=10).headers["ETag"]
            for i in range(25):
                configuration.set_value(elsewhere.engine, Scope("centre", "Peckham Library"),
                                        "notice.text", f"Notice {i}", "admin ada")
                r = s.get(base + "/api/v1/config", timeout=10,
                          headers={**auth, "If-None-Match": tag})
                assert r.status_code == 200 and f"Notice {i}" in r.text, (i, r.status_code)
                tag = r.headers["ETag"]
                assert s.get(base + "/api/v1/config", timeout=10,
                             headers={**auth, "If-None-Match": tag}).status_code == 304
            elsewhere.revoke(peckham)
            assert s.get(base + "/api/v1/config", headers=auth, timeout=10).status_code == 401
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        elsewhere.close()
    assert not errors, errors[:3]


def test_what_terminals_asking_together_report_is_stored_before_each_answer(hub):
    """30 terminals ask at once, each reporting a new content version: the hub writes them
    together (fresh.SharedWrite), and each one's report is stored when it gets its answer."""
    base, store, tokens = hub
    for _ in range(27):
        terminal_id, token, _ = store.enrol(store.create_enrol_code("Brixton Library"))
        tokens[terminal_id] = token
    barrier = threading.Barrier(len(tokens))
    stored_then: dict[str, int | None] = {}

    def terminal(terminal_id: str, token: str) -> None:
        barrier.wait()
        r = requests.get(base + "/api/v1/config", timeout=30, headers={
            "Authorization": f"Bearer {token}", "X-Kiosk-Content-Version": "42"})
        assert r.status_code == 200
        stored_then[terminal_id] = {t.id: t for t in store.terminals()}[
            terminal_id].content_version

    threads = [threading.Thread(target=terminal, args=kv) for kv in tokens.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert stored_then == {t: 42 for t in tokens}


def test_several_workers_each_see_a_revocation_and_a_change_at_once(tmp_path, pg_url):
    """`kiosk-hub serve --workers 3` on PostgreSQL: each worker keeps its own tokens and
    documents, and knows them out of date from the database's versions, not its own
    memory. Kept-alive connections held by every worker (found from /proc) all see a
    revocation and a change made by another process, at once."""
    store = Store(pg_url)
    try:
        ta, token_a, _ = store.enrol(store.create_enrol_code("Peckham Library"))
        _, token_b, _ = store.enrol(store.create_enrol_code("Peckham Library"))
    finally:
        store.close()
    server = hub_process(tmp_path / "hub", None, pg_url, workers=3, log=tmp_path / "hub.log")
    server.start()
    conns: list[http.client.HTTPConnection] = []
    try:
        children = child_pids(server.proc.pid)  # the workers (and spawn's resource tracker)
        owners: dict[int, int] = {}
        deadline = time.monotonic() + 60
        while len(set(owners.values())) < 3:  # a connection held by each worker
            assert time.monotonic() < deadline, \
                f"connections reached only workers {set(owners.values())}"
            batch = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                     for _ in range(6)]
            for c in batch:
                c.connect()
            conns += batch
            time.sleep(0.2)
            owners = connection_owners(server.port, children, conns)
        workers = sorted(set(owners.values()))
        tags = []
        for c in conns:  # each worker now keeps both tokens and the document
            assert fetch(c, token_a)[0] == 200
            status, tag, _ = fetch(c, token_b)
            assert status == 200
            tags.append(tag)
        store = Store(pg_url)
        try:
            store.revoke(ta)
            configuration.set_value(store.engine, Scope("centre", "Peckham Library"),
                                    "notice.text", "Changed elsewhere", "admin ada")
        finally:
            store.close()
        for c, tag in zip(conns, tags, strict=True):
            worker = owners.get(c.sock.getsockname()[1])
            assert fetch(c, token_a)[0] == 401, f"worker {worker} of {workers}"
            status, _, body = fetch(c, token_b, tag)
            assert status == 200 and b"Changed elsewhere" in body, f"worker {worker}"
    finally:
        for c in conns:
            c.close()
        server.stop()


def fetch(conn: http.client.HTTPConnection, token: str, etag: str | None = None):
    headers = {"Authorization": f"Bearer {token}"}
    if etag:
        headers["If-None-Match"] = etag
    conn.request("GET", "/api/v1/config", headers=headers)
    r = conn.getresponse()
    return r.status, r.getheader("ETag"), r.read()


def child_pids(parent: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()]


def connection_owners(port: int, pids: list[int], conns) -> dict[int, int]:
    """{client port: pid of the worker holding the server's end}, from /proc/net/tcp and
    the workers' open sockets."""
    ours = {c.sock.getsockname()[1] for c in conns}
    inode_of: dict[str, int] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) in ours:
            inode_of[inode] = int(remote.split(":")[1], 16)
    owners = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inode_of:
                owners[inode_of[target[8:-1]]] = pid
    return owners
