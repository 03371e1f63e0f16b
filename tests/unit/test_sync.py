"""kiosk enrol and kiosk sync --once against a fake hub on 127.0.0.1 serving real signed packs:
first install, 304, delta update, resumed download, and every manifest or file the terminal
must refuse while keeping the content it has."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.core import content, packs, protocol
from kiosk.services import content_store, hub_client

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "content"
CODE = "ABCD-1234"
TOKEN = "tok-" + "x" * 40
CHANGED = "services/council-tax.json"  # the one file version 2 changes


# ---------------------------------------------------------------------------------------
# The fake hub

class FakeHub:
    def __init__(self):
        self.pack: Path | None = None
        self.log: list[tuple[str, str, dict]] = []  # (method, path, headers)
        self.cut_once: set[str] = set()  # sha256s whose next download stops halfway
        self.corrupt: set[str] = set()  # sha256s served with one byte flipped
        self.sig_override: bytes | None = None
        self.codes = {CODE}
        self.fail_next = 0  # answer this many GETs with 503 + Retry-After first
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, code, body=b"", headers=None, ctype="application/json"):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, code, data):
                self._send(code, json.dumps(data).encode())

            def do_POST(self):
                if self.path == "/api/v1/heartbeat":  # a hub older than heartbeats
                    self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    return self._json(404, {"detail": "Not Found"})
                hub.log.append(("POST", self.path, dict(self.headers)))
                n = int(self.headers.get("Content-Length", 0))
                data = json.loads(self.rfile.read(n) or b"{}")
                if self.path != "/api/v1/enrol":
                    return self._json(404, {"detail": "not found"})
                if data.get("code") not in hub.codes:
                    return self._json(403, {"detail": "unknown or used enrolment code"})
                hub.codes.discard(data["code"])
                self._json(200, {"terminal_id": "t-1", "token": TOKEN, "centre": "camden"})

            def do_GET(self):
                if self.path == "/api/v1/config":  # a hub older than configuration
                    return self._json(404, {"detail": "Not Found"})
                hub.log.append(("GET", self.path, dict(self.headers)))
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._json(401, {"detail": "no or bad token"})
                if hub.fail_next:
                    hub.fail_next -= 1
                    return self._send(503, b"{}", {"Retry-After": "0"})
                pack = hub.pack
                if self.path == "/api/v1/content/manifest.json":
                    raw = (pack / packs.MANIFEST).read_bytes()
                    etag = f'"{hashlib.sha256(raw).hexdigest()}"'
                    if self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.send_header("ETag", etag)
                        self.end_headers()
                        return
                    return self._send(200, raw, {"ETag": etag})
                if self.path == "/api/v1/content/manifest.sig":
                    sig = hub.sig_override or (pack / packs.SIGNATURE).read_bytes()
                    return self._send(200, sig)
                prefix = "/api/v1/content/files/"
                if self.path.startswith(prefix):
                    sha = self.path[len(prefix):]
                    blob = pack / packs.FILES / sha
                    if not protocol.SHA256_RE.fullmatch(sha) or not blob.is_file():
                        return self._json(404, {"detail": "no such file"})
                    data = blob.read_bytes()
                    if sha in hub.corrupt:
                        data = bytes([data[0] ^ 1]) + data[1:]
                    start = 0
                    rng = self.headers.get("Range")
                    if rng:
                        start = int(rng.removeprefix("bytes=").rstrip("-"))
                    body = data[start:]
                    self.send_response(206 if rng else 200)
                    self.send_header("Content-Length", str(len(body)))
                    if rng:
                        self.send_header("Content-Range",
                                         f"bytes {start}-{len(data) - 1}/{len(data)}")
                    self.end_headers()
                    if sha in hub.cut_once:
                        hub.cut_once.discard(sha)
                        self.wfile.write(body[:len(body) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    self.wfile.write(body)
                    return
                self._json(404, {"detail": "not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def gets(self, what: str) -> list[tuple[str, str, dict]]:
        return [e for e in self.log if e[0] == "GET" and what in e[1]]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    key, pub = packs.generate_keypair(d)
    other_key, _ = packs.generate_keypair(tmp_path_factory.mktemp("other"))
    return packs.load_secret_key(key), pub, packs.load_secret_key(other_key)


@pytest.fixture(scope="module")
def built(tmp_path_factory, keys):
    """v1: the demo; v2: the demo with ONE file changed; v3 expired; v3 unknown key."""
    base = tmp_path_factory.mktemp("packs")
    src2 = base / "src2"
    shutil.copytree(DEMO, src2)
    with (src2 / CHANGED).open("a", encoding="utf-8") as f:
        f.write("\n")
    sk, _, other = keys
    past = datetime.now(UTC) - timedelta(days=30)
    out = {}
    out[1] = (base / "v1", packs.build(DEMO, base / "v1", sk, 1))
    out[2] = (base / "v2", packs.build(src2, base / "v2", sk, 2))
    out["expired"] = (base / "v3x", packs.build(src2, base / "v3x", sk, 3, valid_days=1,
                                                now=past))
    out["unknown"] = (base / "v3u", packs.build(src2, base / "v3u", other, 3))
    return out


@pytest.fixture
def hub():
    h = FakeHub()
    yield h
    h.stop()


@pytest.fixture
def terminal(tmp_path, hub, keys, built, monkeypatch):
    """An enrolled terminal's data dir, with the fake hub serving v1."""
    monkeypatch.setenv("KIOSK_TRUSTED_KEYS", str(keys[1]))
    monkeypatch.delenv("KIOSK_HUB_URL", raising=False)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    hub.pack = built[1][0]
    data = tmp_path / "data"
    assert cli.main(["enrol", CODE, "--hub", hub.url, "--data-dir", str(data)]) == 0
    return data


def sync(data: Path, capsys) -> tuple[int, dict, str]:
    capsys.readouterr()
    rc = cli.main(["sync", "--once", "--json", "--data-dir", str(data)])
    out, err = capsys.readouterr()
    return rc, json.loads(out.strip().splitlines()[-1]), err


def tree_files(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.is_file()}


def assert_installed(data: Path, version: int, src: Path) -> None:
    store = content_store.ContentStore(data)
    assert store.installed_version() == version
    d = store.current_content_dir()
    assert d == data / "content" / "versions" / str(version)
    assert tree_files(d) == tree_files(src)
    content.load(d)


# ---------------------------------------------------------------------------------------
# Enrolment

def test_enrol_stores_the_token_privately(terminal, hub):
    f = terminal / "hub.json"
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert json.loads(f.read_text()) == {"hub_url": hub.url, "terminal_id": "t-1",
                                         "token": TOKEN, "centre": "camden"}


def test_enrol_with_a_bad_code_fails_in_one_line(tmp_path, hub, capsys):
    rc = cli.main(["enrol", "WRONG", "--hub", hub.url, "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 1 and "403" in err and "unknown or used enrolment code" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "hub.json").exists()


def test_sync_without_enrolment_fails_in_one_line(tmp_path, capsys, keys, monkeypatch):
    monkeypatch.setenv("KIOSK_TRUSTED_KEYS", str(keys[1]))
    rc = cli.main(["sync", "--once", "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 1 and "not enrolled" in err and len(err.strip().splitlines()) == 1


def test_a_bad_token_is_refused(terminal, capsys):
    f = terminal / "hub.json"
    data = json.loads(f.read_text())
    data["token"] = "revoked"
    f.write_text(json.dumps(data))
    rc, report, err = sync(terminal, capsys)
    assert rc == 1 and "401" in err and report["status"].startswith("error")


# ---------------------------------------------------------------------------------------
# The happy path: install, 304, delta

def test_first_sync_installs_then_304_then_one_changed_file(terminal, hub, built, capsys):
    rc, r, _ = sync(terminal, capsys)
    v1 = built[1][1]
    assert rc == 0 and r["status"] == "updated" and r["content_version"] == 1
    assert r["events_uploaded"] == 0
    assert r["files_downloaded"] == len({f.sha256 for f in v1.files})
    assert r["bytes_downloaded"] >= v1.total_bytes
    assert_installed(terminal, 1, DEMO)

    hub.log.clear()
    rc, r, _ = sync(terminal, capsys)
    assert rc == 0 and r["status"] == "up_to_date" and r["content_version"] == 1
    assert r["bytes_downloaded"] == 0 and r["files_downloaded"] == 0
    assert [e[1] for e in hub.log] == ["/api/v1/content/manifest.json"]  # a 304, nothing else

    hub.pack = built[2][0]
    hub.log.clear()
    rc, r, _ = sync(terminal, capsys)
    changed = next(f for f in built[2][1].files if f.path == CHANGED)
    assert rc == 0 and r["status"] == "updated" and r["content_version"] == 2
    assert r["files_downloaded"] == 1
    assert [e[1] for e in hub.gets("/files/")] == [f"/api/v1/content/files/{changed.sha256}"]
    raw = (built[2][0] / "manifest.json").read_bytes()
    sig = (built[2][0] / "manifest.sig").read_bytes()
    assert r["bytes_downloaded"] == changed.size + len(raw) + len(sig)
    store = content_store.ContentStore(terminal)
    assert store.installed_version() == 2 and store.previous_version() == 1
    assert (terminal / "content" / "versions" / "1").is_dir()  # kept for a staff rollback
    # blobs: exactly those of v1 and v2
    want = {f.sha256 for f in built[1][1].files} | {f.sha256 for f in built[2][1].files}
    assert {p.name for p in (terminal / "content" / "blobs").iterdir()} == want
    assert json.loads((terminal / "content" / "current").read_text()) == \
        {"version": 2, "dir": "versions/2"}


def test_gc_drops_versions_named_by_neither_current_nor_previous(terminal, hub, built, keys,
                                                                 capsys, tmp_path):
    sk = keys[0]
    v3 = packs.build(DEMO, tmp_path / "v3", sk, 3)
    for pack in (built[1][0], built[2][0], tmp_path / "v3"):
        hub.pack = pack
        assert sync(terminal, capsys)[0] == 0
    versions = sorted(p.name for p in (terminal / "content" / "versions").iterdir())
    assert versions == ["2", "3"]
    want = {f.sha256 for f in built[2][1].files} | {f.sha256 for f in v3.files}
    assert {p.name for p in (terminal / "content" / "blobs").iterdir()} == want
    assert sorted(p.name for p in (terminal / "content" / "manifests").iterdir()) == \
        ["2.json", "2.sig", "2.stamp", "3.json", "3.sig", "3.stamp"]  # stamps: issue 15
    store = content_store.ContentStore(terminal)
    assert store.rollback() == 2 and store.installed_version() == 2
    assert_installed(terminal, 2, built[2][0].parent / "src2")


# ---------------------------------------------------------------------------------------
# Resuming a cut download

def test_a_cut_download_resumes_with_range(terminal, hub, built, capsys):
    biggest = max(built[1][1].files, key=lambda f: f.size)
    hub.cut_once.add(biggest.sha256)
    rc, r, _ = sync(terminal, capsys)
    assert rc == 0 and r["status"] == "updated"
    assert_installed(terminal, 1, DEMO)
    reqs = hub.gets(biggest.sha256)
    assert len(reqs) == 2
    assert "Range" not in reqs[0][2]
    assert reqs[1][2]["Range"] == f"bytes={biggest.size // 2}-"
    assert not list((terminal / "content" / "blobs").glob("*.part"))


def test_a_part_file_left_by_an_earlier_run_is_resumed(terminal, hub, built, capsys):
    biggest = max(built[1][1].files, key=lambda f: f.size)
    blobs = terminal / "content" / "blobs"
    blobs.mkdir(parents=True)
    data = (built[1][0] / "files" / biggest.sha256).read_bytes()
    (blobs / f"{biggest.sha256}.part").write_bytes(data[:1000])
    rc, r, _ = sync(terminal, capsys)
    assert rc == 0 and r["status"] == "updated"
    assert hub.gets(biggest.sha256)[0][2]["Range"] == "bytes=1000-"
    assert_installed(terminal, 1, DEMO)


def test_download_refuses_more_bytes_than_expected(hub, built, tmp_path):
    hub.pack = built[1][0]
    f = max(built[1][1].files, key=lambda f: f.size)
    client = hub_client.HubClient(hub.url, TOKEN, retries=0)
    with pytest.raises(hub_client.DownloadError, match="more than"):
        client.download(f.sha256, tmp_path / "x.part", f.size - 10)
    assert (tmp_path / "x.part").stat().st_size == f.size - 10


# ---------------------------------------------------------------------------------------
# Refusals: the installed content stays

def install_v2(terminal, hub, built, capsys):
    hub.pack = built[2][0]
    assert sync(terminal, capsys)[0] == 0
    src2 = built[2][0].parent / "src2"
    return tree_files(content_store.ContentStore(terminal).current_content_dir()), src2


def refused(terminal, capsys, *words):
    before = (terminal / "content" / "current").read_bytes()
    rc, r, err = sync(terminal, capsys)
    assert rc == 1, r
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for w in words:
        assert w in err and w in r["status"]
    assert r["status"].startswith("error")
    assert (terminal / "content" / "current").read_bytes() == before
    return r


def test_rollback_to_an_older_version_is_refused(terminal, hub, built, capsys):
    _, src2 = install_v2(terminal, hub, built, capsys)
    hub.pack = built[1][0]
    r = refused(terminal, capsys, "version 1", "version 2 is installed")
    assert r["content_version"] == 2
    assert_installed(terminal, 2, src2)


def test_an_expired_manifest_is_refused(terminal, hub, built, capsys):
    _, src2 = install_v2(terminal, hub, built, capsys)
    hub.pack = built["expired"][0]
    refused(terminal, capsys, "expired")
    assert_installed(terminal, 2, src2)
    assert not (terminal / "content" / "versions" / "3").exists()


def test_an_unknown_key_is_refused(terminal, hub, built, capsys):
    _, src2 = install_v2(terminal, hub, built, capsys)
    hub.pack = built["unknown"][0]
    refused(terminal, capsys, "unknown key")
    assert_installed(terminal, 2, src2)


def test_a_bad_signature_is_refused(terminal, hub, built, capsys):
    _, src2 = install_v2(terminal, hub, built, capsys)
    good = (built[2][0] / "manifest.sig").read_bytes()  # the trusted key, over v2's bytes
    hub.pack = built["unknown"][0]  # a v3 manifest presented with v2's signature
    hub.sig_override = good
    refused(terminal, capsys, "bad signature")
    assert_installed(terminal, 2, src2)


def test_a_file_with_the_wrong_hash_is_refused_and_not_kept(terminal, hub, built, capsys):
    hub.pack = built[1][0]
    bad = built[1][1].files[-1]  # fetched last: the others are in the store by then
    hub.corrupt.add(bad.sha256)
    refused_first = sync(terminal, capsys)
    assert refused_first[0] == 1 and "SHA-256 mismatch" in refused_first[2]
    blobs = terminal / "content" / "blobs"
    assert not (blobs / bad.sha256).exists() and not (blobs / f"{bad.sha256}.part").exists()
    assert content_store.ContentStore(terminal).installed_version() is None
    assert not (terminal / "content" / "current").exists()
    hub.corrupt.clear()  # the next cycle gets it right, fetching only what is missing
    hub.log.clear()
    rc, r, _ = sync(terminal, capsys)
    assert rc == 0 and r["files_downloaded"] == 1
    assert_installed(terminal, 1, DEMO)


def test_wrong_hash_on_an_update_keeps_the_old_content(terminal, hub, built, capsys):
    hub.pack = built[1][0]
    assert sync(terminal, capsys)[0] == 0
    hub.pack = built[2][0]
    changed = next(f for f in built[2][1].files if f.path == CHANGED)
    hub.corrupt.add(changed.sha256)
    refused(terminal, capsys, "SHA-256 mismatch")
    assert_installed(terminal, 1, DEMO)


# ---------------------------------------------------------------------------------------
# Crash safety

def test_a_crash_between_staging_and_switch_leaves_the_old_version_current(
        terminal, hub, built, capsys, monkeypatch):
    hub.pack = built[1][0]
    assert sync(terminal, capsys)[0] == 0
    hub.pack = built[2][0]

    real_switch = content_store.ContentStore.switch

    def crash(self, version):
        raise OSError("power cut (simulated)")

    monkeypatch.setattr(content_store.ContentStore, "switch", crash)
    rc, r, err = sync(terminal, capsys)
    assert rc == 1 and "power cut" in err
    assert (terminal / "content" / "versions" / "2").is_dir()  # staged, never switched to
    assert_installed(terminal, 1, DEMO)
    monkeypatch.setattr(content_store.ContentStore, "switch", real_switch)
    rc, r, _ = sync(terminal, capsys)  # the next cycle restages and switches
    assert rc == 0 and r["content_version"] == 2 and r["files_downloaded"] == 0
    assert_installed(terminal, 2, built[2][0].parent / "src2")


# ---------------------------------------------------------------------------------------
# Retries

def test_a_busy_hub_is_retried(terminal, hub, built, capsys):
    hub.fail_next = 2
    rc, r, _ = sync(terminal, capsys)
    assert rc == 0 and r["status"] == "updated"
    assert [e[1] for e in hub.log[1:4]] == ["/api/v1/content/manifest.json"] * 3


def test_a_hub_that_stays_busy_is_an_error_not_a_traceback(terminal, hub, capsys):
    hub.fail_next = 100
    client = hub_client.HubClient(hub.url, TOKEN, retries=2, backoff_factor=0)
    with pytest.raises(hub_client.HubError, match="503"):
        client.get_manifest()
    assert len(hub.log) == 1 + 3  # the enrolment, then one try and two retries


def test_retry_policy():
    retry = hub_client.make_retry()
    assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    assert retry.respect_retry_after_header
    assert "POST" not in retry.allowed_methods
    assert getattr(retry, "backoff_jitter", 1) > 0
    client = hub_client.HubClient("http://127.0.0.1:9", "t")
    assert client.timeout == (5.0, 30.0)
    assert client.session.headers["Authorization"] == "Bearer t"


def test_versions_are_hard_links_to_the_blobs_or_hashed_copies(terminal, hub, built, capsys,
                                                                monkeypatch):
    """A version's files are links to their checked blobs (no second copy to write); where
    the file system refuses links, copies hashed as they are made, and a blob changed on
    disk since it was checked is refused then."""
    rc, r, _ = sync(terminal, capsys)
    assert rc == 0 and r["status"] == "updated"
    store = content_store.ContentStore(terminal)
    f = next(p for p in store.current_content_dir().rglob("*") if p.is_file())
    assert f.stat().st_nlink == 2 and any(b.samefile(f) for b in store.blobs.iterdir())

    def no_links(*_):
        raise OSError("links not supported")

    monkeypatch.setattr(content_store.os, "link", no_links)
    raw, sig = (store.manifest_raw(1), (store.manifests / "1.sig").read_bytes())
    m = packs.parse_manifest(raw)
    shutil.rmtree(store.versions / "1")
    store.stage(m, raw, sig)
    assert_installed(terminal, 1, DEMO)
    assert all(p.stat().st_nlink == 1 for p in store.blobs.iterdir())
    victim = store.blob_path(m.files[0].sha256)
    victim.write_bytes(b"x" * m.files[0].size)  # same size, other bytes
    shutil.rmtree(store.versions / "1")
    with pytest.raises(packs.HashMismatchError):
        store.stage(m, raw, sig)
