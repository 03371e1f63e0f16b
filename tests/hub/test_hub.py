"""The hub end to end: the real app on uvicorn on 127.0.0.1 (a free port), `requests` as the
terminal, packs built and signed with kiosk.core.packs from the demo content, and the
`kiosk-hub` commands through main(argv)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from kiosk import hub_cli
from kiosk.core import packs
from kiosk.hub.app import create_app
from kiosk.hub.routes import terminals
from kiosk.hub.routes.content import parse_range
from kiosk.hub.settings import HubSettings
from kiosk.hub.store import Store, default_db_url, now_utc
from tests.hubtools import running
from tests.serverproc import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "content"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    key, pub = packs.generate_keypair(d)
    return packs.load_secret_key(key), pub


@pytest.fixture(scope="module")
def pack_v(tmp_path_factory, keys):
    """pack_v(n): a signed pack of the demo content, version n (built once per version)."""
    built: dict[int, Path] = {}

    def make(version: int) -> Path:
        if version not in built:
            out = tmp_path_factory.mktemp(f"pack{version}") / "pack"
            packs.build(DEMO, out, keys[0], version)
            built[version] = out
        return built[version]

    return make


@pytest.fixture(scope="module")
def hub(tmp_path_factory, keys):
    """A running hub: (base URL, data dir)."""
    data = tmp_path_factory.mktemp("hubdata")
    with running(create_app(HubSettings(data_dir=data, trusted_keys=keys[1]))) as base:
        yield base, data


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = hub_cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def new_code(data: Path, centre: str = "Brixton Library", **kw) -> str:
    store = Store(default_db_url(data))
    try:
        return store.create_enrol_code(centre, **kw)
    finally:
        store.close()


def enrol(base: str, code: str) -> requests.Response:
    return requests.post(f"{base}/api/v1/enrol", json={"code": code}, timeout=5)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def terminal(hub):
    base, data = hub
    r = enrol(base, new_code(data))
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def published(hub, pack_v, keys):
    """Version 10 published through the CLI; returns the pack's manifest."""
    _, data = hub
    pack = pack_v(10)
    assert hub_cli.main(["publish", str(pack), "--data-dir", str(data),
                         "--trusted-keys", str(keys[1])]) == 0
    return packs.verify(pack, keys[1])


# --- enrolment and tokens -------------------------------------------------------------

def test_enrol_code_once_only(hub, capsys):
    base, data = hub
    rc, out, _ = cli(capsys, "enrol-code", "--centre", "Peckham Library", "--data-dir",
                     str(data))
    assert rc == 0
    code = out.strip().splitlines()[-1]
    assert len(code.replace("-", "")) == 16
    r = enrol(base, code.lower())  # staff may type it in lower case
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["centre"] == "Peckham Library"
    assert body["terminal_id"] and len(body["token"]) >= 32
    again = enrol(base, code)
    assert again.status_code == 403
    assert again.json() == {"detail": terminals.BAD_CODE}  # as unknown or expired
    # Only digests are stored: neither the code nor the token appears in the database.
    raw = (data / "hub.db").read_bytes() + b"".join(
        p.read_bytes() for p in data.glob("hub.db-*"))
    assert code.replace("-", "").encode() not in raw and body["token"].encode() not in raw


def test_enrol_wrong_and_expired_codes_refused(hub):
    base, data = hub
    r = enrol(base, "AAAA-BBBB-CCCC-DDDD")
    assert r.status_code == 403 and r.json() == {"detail": terminals.BAD_CODE}
    old = new_code(data, now=now_utc() - timedelta(hours=25))  # a 24 h code made yesterday
    r = enrol(base, old)
    assert r.status_code == 403 and r.json() == {"detail": terminals.BAD_CODE}
    assert enrol(base, "x" * 65).status_code == 422  # oversized: refused by the schema


def test_token_required_everywhere_but_enrol(hub, terminal):
    base, _ = hub
    for path in ("content/manifest.json", "content/manifest.sig", "content/files/" + "0" * 64):
        url = f"{base}/api/v1/{path}"
        assert requests.get(url, timeout=5).status_code == 401
        r = requests.get(url, headers=auth("not-a-token"), timeout=5)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
        r = requests.get(url, headers={"Authorization": "Basic dTpw"}, timeout=5)
        assert r.status_code == 401


def test_revoked_terminal_refused_and_listed(hub, capsys):
    base, data = hub
    t = enrol(base, new_code(data, "Camden Library")).json()
    url = f"{base}/api/v1/content/manifest.sig"
    assert requests.get(url, headers=auth(t["token"]), timeout=5).status_code in (200, 404)
    rc, out, _ = cli(capsys, "terminals", "--json", "--data-dir", str(data))
    assert rc == 0
    listed = {row["id"]: row for row in json.loads(out)}
    assert listed[t["terminal_id"]]["centre"] == "Camden Library"
    assert listed[t["terminal_id"]]["status"] == "active"
    assert listed[t["terminal_id"]]["health"] == "ok"  # just enrolled: seen now
    assert listed[t["terminal_id"]]["last_seen"].endswith("Z")
    rc, out, _ = cli(capsys, "revoke", t["terminal_id"], "--data-dir", str(data))
    assert rc == 0 and "revoked" in out
    assert requests.get(url, headers=auth(t["token"]), timeout=5).status_code == 401
    rc, out, _ = cli(capsys, "terminals", "--data-dir", str(data))
    line = next(ln for ln in out.splitlines() if ln.startswith(t["terminal_id"]))
    assert "Camden Library" in line and line.rstrip().endswith("revoked  Needs attention")
    rc, out, _ = cli(capsys, "revoke", t["terminal_id"], "--data-dir", str(data))
    assert rc == 0 and "already" in out


# --- content ---------------------------------------------------------------------------

def test_no_content_before_publish(tmp_path):
    data = tmp_path / "fresh"
    with running(create_app(HubSettings(data_dir=data))) as base:
        t = enrol(base, new_code(data)).json()
        for name in ("manifest.json", "manifest.sig"):
            r = requests.get(f"{base}/api/v1/content/{name}", headers=auth(t["token"]),
                             timeout=5)
            assert r.status_code == 404 and r.json() == {"detail": "no content published yet"}
        r = requests.get(f"{base}/api/v1/content/files/{'a' * 64}", headers=auth(t["token"]),
                         timeout=5)
        assert r.status_code == 404


def test_manifest_etag_and_304(hub, terminal, published, pack_v):
    base, _ = hub
    h = auth(terminal["token"])
    r = requests.get(f"{base}/api/v1/content/manifest.json", headers=h, timeout=5)
    assert r.status_code == 200
    raw = (pack_v(10) / "manifest.json").read_bytes()
    assert r.content == raw
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["ETag"] == f'"{hashlib.sha256(raw).hexdigest()}"'
    r2 = requests.get(f"{base}/api/v1/content/manifest.json",
                      headers={**h, "If-None-Match": r.headers["ETag"]}, timeout=5)
    assert r2.status_code == 304 and r2.content == b""
    r3 = requests.get(f"{base}/api/v1/content/manifest.json",
                      headers={**h, "If-None-Match": '"' + "0" * 64 + '"'}, timeout=5)
    assert r3.status_code == 200
    sig = requests.get(f"{base}/api/v1/content/manifest.sig", headers=h, timeout=5)
    assert sig.status_code == 200
    assert sig.content == (pack_v(10) / "manifest.sig").read_bytes()


def test_files_by_hash_and_range(hub, terminal, published, pack_v):
    base, _ = hub
    h = auth(terminal["token"])
    entry = max(published.files, key=lambda f: f.size)
    assert entry.size > 100
    blob = (pack_v(10) / "files" / entry.sha256).read_bytes()
    url = f"{base}/api/v1/content/files/{entry.sha256}"
    r = requests.get(url, headers=h, timeout=5)
    assert r.status_code == 200 and r.content == blob
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["Accept-Ranges"] == "bytes"
    # A download cut off after 100 bytes resumes from there.
    cut = 100
    r = requests.get(url, headers={**h, "Range": f"bytes={cut}-"}, timeout=5)
    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes {cut}-{entry.size - 1}/{entry.size}"
    assert blob[:cut] + r.content == blob
    assert hashlib.sha256(blob[:cut] + r.content).hexdigest() == entry.sha256
    r = requests.get(url, headers={**h, "Range": "bytes=10-19"}, timeout=5)
    assert r.status_code == 206 and r.content == blob[10:20]
    assert r.headers["Content-Range"] == f"bytes 10-19/{entry.size}"
    r = requests.get(url, headers={**h, "Range": f"bytes={entry.size}-"}, timeout=5)
    assert r.status_code == 416 and r.headers["Content-Range"] == f"bytes */{entry.size}"
    for bad in ("ABC", "0" * 63, entry.sha256.upper(), "g" * 64):
        r = requests.get(f"{base}/api/v1/content/files/{bad}", headers=h, timeout=5)
        assert r.status_code == 400, bad
    r = requests.get(f"{base}/api/v1/content/files/{'0' * 64}", headers=h, timeout=5)
    assert r.status_code == 404


def test_parse_range():
    assert parse_range(None, 10) is None
    assert parse_range("bytes=2-", 10) == (2, 9)
    assert parse_range("bytes=2-4", 10) == (2, 4)
    assert parse_range("bytes=2-400", 10) == (2, 9)
    assert parse_range("bytes=-3", 10) == (7, 9)
    assert parse_range("bytes=10-", 10) == "unsatisfiable"
    assert parse_range("bytes=5-2", 10) is None
    assert parse_range("bytes=0-1,4-5", 10) is None
    assert parse_range("items=0-1", 10) is None


def test_publish_refuses_older_equal_and_tampered(hub, published, pack_v, keys, capsys,
                                                  tmp_path):
    _, data = hub
    for v in (10, 9):
        rc, _, err = cli(capsys, "publish", str(pack_v(v)), "--data-dir", str(data),
                         "--trusted-keys", str(keys[1]))
        assert rc == 1
        assert err == (f"kiosk-hub: pack version {v} is not newer than the current "
                       "version 10\n")
    bad = tmp_path / "tampered"
    shutil.copytree(pack_v(11), bad)
    victim = next((bad / "files").iterdir())
    victim.write_bytes(victim.read_bytes()[:-1] + b"!")
    rc, _, err = cli(capsys, "publish", str(bad), "--data-dir", str(data),
                     "--trusted-keys", str(keys[1]))
    assert rc == 1 and err.startswith("kiosk-hub: ") and err.count("\n") == 1
    assert "SHA-256 mismatch" in err or "truncated" in err or "longer" in err
    assert json.loads((data / "content" / "current").read_text())["version"] == 10
    other = tmp_path / "otherkey"
    _, other_pub = packs.generate_keypair(other)
    rc, _, err = cli(capsys, "publish", str(pack_v(11)), "--data-dir", str(data),
                     "--trusted-keys", str(other_pub))
    assert rc == 1 and "unknown key" in err
    rc, _, err = cli(capsys, "publish", str(tmp_path / "nope"), "--data-dir", str(data),
                     "--trusted-keys", str(keys[1]))
    assert rc == 1 and "no such pack" in err


def test_publish_newer_keeps_previous_files(hub, terminal, published, pack_v, keys, capsys,
                                            tmp_path, monkeypatch):
    base, data = hub
    h = auth(terminal["token"])
    # A v12 whose content differs: one file changed, so its old blob is only in v10.
    src = tmp_path / "content"
    shutil.copytree(DEMO, src)
    changed = src / "content.json"
    doc = json.loads(changed.read_text(encoding="utf-8"))
    changed.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    pack12 = tmp_path / "pack12"
    packs.build(src, pack12, keys[0], 12)
    monkeypatch.setenv("KIOSK_TRUSTED_KEYS", str(keys[1]))
    monkeypatch.setenv("KIOSK_DATA_DIR", str(data))
    rc, out, err = cli(capsys, "publish", str(pack12))
    assert rc == 0, err
    assert "version 12" in out
    r = requests.get(f"{base}/api/v1/content/manifest.json", headers=h, timeout=5)
    assert r.content == (pack12 / "manifest.json").read_bytes()
    old = next(f for f in published.files if f.path == "content.json")
    assert not (pack12 / "files" / old.sha256).exists()
    r = requests.get(f"{base}/api/v1/content/files/{old.sha256}", headers=h, timeout=5)
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == old.sha256
    assert (data / "content" / "10" / "manifest.json").exists()
    pointer = json.loads((data / "content" / "current").read_text())
    assert pointer == {"version": 12, "previous": 10}


def test_openapi_lists_routes(hub):
    base, _ = hub
    r = requests.get(f"{base}/openapi.json", timeout=5)
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p in ("/api/v1/enrol", "/api/v1/content/manifest.json", "/api/v1/content/manifest.sig",
              "/api/v1/content/files/{sha256}"):
        assert p in paths, p
    assert "bearer" in json.dumps(r.json()["components"]["securitySchemes"]).lower()


# --- CLI errors ------------------------------------------------------------------------

def test_cli_errors_are_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("KIOSK_TRUSTED_KEYS", raising=False)
    monkeypatch.delenv("KIOSK_HUB_DB", raising=False)
    d = str(tmp_path / "hub")
    rc, _, err = cli(capsys, "publish", str(tmp_path), "--data-dir", d)
    assert rc == 1 and err == ("kiosk-hub: no trusted keys: give --trusted-keys FILE, set "
                               "KIOSK_TRUSTED_KEYS, or trusted_keys in the hub's config "
                               "file\n")
    rc, _, err = cli(capsys, "revoke", "nosuch", "--data-dir", d)
    assert rc == 1 and err.count("\n") == 1 and "no terminal 'nosuch'" in err
    rc, _, err = cli(capsys, "terminals", "--data-dir", d, "--db", "nosuchdb://x")
    assert rc == 1 and err.startswith("kiosk-hub: database URL") and err.count("\n") == 1
    rc, out, _ = cli(capsys, "terminals", "--data-dir", d)
    assert rc == 0 and "no terminals" in out
    rc, _, err = cli(capsys, "enrol-code", "--centre", "  ", "--data-dir", d)
    assert rc == 1 and err == "kiosk-hub: --centre must not be empty\n"
    with pytest.raises(SystemExit) as e:
        hub_cli.main(["enrol-code", "--centre", "X", "--hours", "0", "--data-dir", d])
    assert e.value.code == 2


def test_db_url_from_environment(tmp_path, capsys, monkeypatch):
    db = tmp_path / "elsewhere.db"
    monkeypatch.setenv("KIOSK_HUB_DB", f"sqlite:///{db}")
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "hub"))
    rc, _, _ = cli(capsys, "enrol-code", "--centre", "Hackney Central", "--hours", "1")
    assert rc == 0 and db.exists()
    assert not (tmp_path / "hub" / "hub.db").exists()


def test_serve_command(tmp_path):
    """`kiosk-hub serve` as operators run it: listens, answers, and a taken port is one line."""
    port = free_port()
    argv = [sys.executable, "-m", "kiosk.hub_cli", "serve", "--data-dir", str(tmp_path),
            "--host", "127.0.0.1", "--port", str(port)]
    with ServerProcess(argv, port=port) as hub:
        r = requests.get(hub.url + "/openapi.json", timeout=30)
        assert r.status_code == 200 and "/api/v1/enrol" in r.json()["paths"]
        assert (tmp_path / "hub.db").exists()
        second = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=30)
        assert second.returncode == 1
        assert second.stderr == (f"kiosk-hub: cannot listen on 127.0.0.1:{port}: "
                                 "Address already in use\n")
        assert hub.alive()
    assert not hub.alive()


def test_trusted_keys_from_the_hub_config_file(tmp_path, monkeypatch, capsys):
    """Trusted keys come from the flag, KIOSK_TRUSTED_KEYS, or the hub's config file."""
    from kiosk import hub_cli
    from kiosk.core import packs

    monkeypatch.delenv("KIOSK_TRUSTED_KEYS", raising=False)
    keys = tmp_path / "keys"
    hub_cli_main = hub_cli.main
    packs.generate_keypair(keys)
    from kiosk.content_cli import main as content_main
    from kiosk.core.settings import DEFAULT_CONTENT_DIR

    pack = tmp_path / "pack"
    assert content_main(["build", str(DEFAULT_CONTENT_DIR), "--out", str(pack), "--key",
                         str(keys / "publisher.key"), "--version", "3"]) == 0
    data = tmp_path / "hub"
    data.mkdir()
    assert hub_cli_main(["publish", str(pack), "--data-dir", str(data)]) == 1
    assert "no trusted keys" in capsys.readouterr().err
    (data / "hub.toml").write_text(f'[hub]\ntrusted_keys = "{keys / "publisher.pub"}"\n')
    assert hub_cli_main(["publish", str(pack), "--data-dir", str(data)]) == 0
    (data / "hub.toml").write_text('[hub]\ntrusted_key = "x"\n')
    assert hub_cli_main(["publish", str(pack), "--data-dir", str(data)]) == 1
    assert "unknown setting 'trusted_key'" in capsys.readouterr().err
