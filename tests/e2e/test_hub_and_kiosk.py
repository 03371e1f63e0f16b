"""The hub and a terminal together, as an admin and a centre would run them: a real
`kiosk-hub serve` on loopback, a signed pack published, a terminal enrolled with a one-time
code, `kiosk sync --once` installing the pack, and the kiosk starting on it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest

from kiosk.core.settings import DEFAULT_CONTENT_DIR
from tests.serverproc import BIN, free_port, hub_process  # noqa: F401 (shared)


def run(cmd, env, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
    if check and r.returncode != 0:
        raise AssertionError(f"{cmd[0]} failed: {r.stderr}")
    return r


@pytest.fixture
def world(tmp_path):
    keys = tmp_path / "keys"
    env = dict(os.environ, KIOSK_TRUSTED_KEYS=str(keys / "publisher.pub"),
               KIVY_HOME=str(tmp_path / "kivy"), KIOSK_WINDOWED="1",
               SDL_NO_SIGNAL_HANDLERS="1")
    env.pop("KIOSK_DATA_DIR", None)
    run([BIN / "kiosk-content", "keygen", "--out", str(keys)], env)
    hub_dir = tmp_path / "hub"
    with hub_process(hub_dir, env, log=tmp_path / "hub.log") as hub:
        yield {"env": env, "keys": keys, "hub_dir": hub_dir, "url": hub.url, "tmp": tmp_path}


def publish(w, src, version):
    pack = w["tmp"] / f"pack-{version}"
    run([BIN / "kiosk-content", "build", str(src), "--out", str(pack), "--key",
         str(w["keys"] / "publisher.key"), "--version", str(version)], w["env"])
    run([BIN / "kiosk-hub", "publish", str(pack), "--data-dir", str(w["hub_dir"])], w["env"])


def enrol(w, data):
    """A terminal at `data`, enrolled with a fresh one-time code (kept as w["last_code"])."""
    code = run([BIN / "kiosk-hub", "enrol-code", "--centre", "demo-library", "--data-dir",
                str(w["hub_dir"])], w["env"]).stdout.strip().splitlines()[-1]
    run([BIN / "kiosk", "enrol", code, "--hub", w["url"], "--data-dir", str(data)], w["env"])
    w["last_code"] = code
    return data


def sync(w, data):
    r = run([BIN / "kiosk", "sync", "--once", "--json", "--data-dir", str(data)], w["env"])
    return json.loads(r.stdout)


def test_publish_enrol_sync_and_start(world):
    w = world
    publish(w, DEFAULT_CONTENT_DIR, 5)
    data = enrol(w, w["tmp"] / "terminal")
    again = run([BIN / "kiosk", "enrol", w["last_code"], "--hub", w["url"], "--data-dir",
                 str(w["tmp"] / "other")], w["env"], check=False)
    assert again.returncode == 1 and "used or expired" in again.stderr

    report = sync(w, data)
    assert report["status"] == "updated" and report["content_version"] == 5
    assert report["heartbeat"] == "sent"  # the hub's Terminals page knows how it is
    from kiosk.core import packs

    assert report["files_downloaded"] == len(packs._source_files(DEFAULT_CONTENT_DIR))
    status = json.loads(run([BIN / "kiosk", "status", "--json", "--data-dir", str(data)],
                            w["env"]).stdout)
    assert status["content_version"] == 5 and status["enrolled"]
    assert status["content_made"] and not status["content_out_of_date"]
    assert status["last_sync"]["status"] == "updated" and status["last_sync"]["time"]
    assert str(data) in status["content_dir"]
    smoke = run([BIN / "kiosk", "--smoke", "--data-dir", str(data)], w["env"])
    assert "ready in" in smoke.stdout

    assert sync(w, data)["status"] == "up_to_date"

    # A new version changing one guide moves that file and the manifest, nothing else.
    src = w["tmp"] / "content-6"
    shutil.copytree(DEFAULT_CONTENT_DIR, src)
    guide = src / "services" / "blue-badge.json"
    item = json.loads(guide.read_text())
    item["summary"]["en"] += " Ask staff if you need help."
    guide.write_text(json.dumps(item, ensure_ascii=False, indent=2))
    publish(w, src, 6)
    report = sync(w, data)
    assert report["status"] == "updated" and report["content_version"] == 6
    assert report["files_downloaded"] == 1

    # Staff can go back to the previous version.
    back = run([BIN / "kiosk", "rollback", "--data-dir", str(data)], w["env"])
    assert "version 5" in back.stdout
    status = json.loads(run([BIN / "kiosk", "status", "--json", "--data-dir", str(data)],
                            w["env"]).stdout)
    assert status["content_version"] == 5

    # An older pack is refused by the hub.
    older = run([BIN / "kiosk-hub", "publish", str(w["tmp"] / "pack-5"), "--data-dir",
                 str(w["hub_dir"])], w["env"], check=False)
    assert older.returncode == 1 and "not newer" in older.stderr


def test_background_syncer_installs_and_tells_the_app(world):
    from kiosk.services.hub_client import load_enrolment
    from kiosk.services.syncer import Syncer

    w = world
    publish(w, DEFAULT_CONTENT_DIR, 3)
    data = enrol(w, w["tmp"] / "terminal")
    enrolment = load_enrolment(data)
    told = []
    syncer = Syncer(data, w["url"], enrolment["token"], w["env"]["KIOSK_TRUSTED_KEYS"],
                    told.append)
    assert syncer.sync_once()["status"] == "updated" and told == [3]
    assert syncer.sync_once()["status"] == "up_to_date" and told == [3]


def test_kill_9_during_an_update_leaves_old_or_new_never_a_mix(world):
    """`kiosk sync` killed at random moments of an update (downloading, staging, switching):
    each time the installed content is a whole version that loads, and a later sync
    finishes the update."""
    import random

    from kiosk.core import content
    from kiosk.services.content_store import ContentStore

    w = world
    src = w["tmp"] / "big"
    shutil.copytree(DEFAULT_CONTENT_DIR, src)
    (src / "media").mkdir()
    rng = random.Random(9)
    for i in range(12):
        (src / "media" / f"clip-{i}.bin").write_bytes(rng.randbytes(2 * 1024 * 1024))
    publish(w, src, 1)
    data = enrol(w, w["tmp"] / "terminal")
    assert sync(w, data)["content_version"] == 1
    for i in range(12):
        (src / "media" / f"clip-{i}.bin").write_bytes(rng.randbytes(2 * 1024 * 1024))
    guide = src / "services" / "blue-badge.json"
    item = json.loads(guide.read_text())
    item["summary"]["en"] += " Version two."
    guide.write_text(json.dumps(item, ensure_ascii=False))
    publish(w, src, 2)

    store = ContentStore(data)
    for attempt in range(6):
        proc = subprocess.Popen([BIN / "kiosk", "sync", "--once", "--data-dir", str(data)],
                                env=w["env"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.6))
        proc.kill()  # SIGKILL: no cleanup of any kind
        proc.wait()
        version = store.installed_version()
        assert version in (1, 2)
        catalogue = content.load(store.current_content_dir())  # whole and valid
        summary = catalogue.services["blue-badge"].summary.get("en")
        assert summary.endswith("Version two.") == (version == 2), "never a mix"
    report = sync(w, data)
    assert report["content_version"] == 2
    assert content.load(store.current_content_dir()).services["blue-badge"].summary.get(
        "en").endswith("Version two.")


def test_install_pack_from_a_folder(tmp_path):
    """A pack on a USB stick (or demo mode's own) installs with the same checks, also with a
    relative data directory."""
    env = dict(os.environ, KIOSK_TRUSTED_KEYS=str(tmp_path / "keys" / "publisher.pub"))
    env.pop("KIOSK_DATA_DIR", None)
    run([BIN / "kiosk-content", "keygen", "--out", str(tmp_path / "keys")], env)
    run([BIN / "kiosk-content", "keygen", "--out", str(tmp_path / "other")], env)
    for version, key in ((2, "keys"), (1, "keys"), (3, "other")):
        run([BIN / "kiosk-content", "build", str(DEFAULT_CONTENT_DIR), "--out",
             str(tmp_path / f"pack-{version}"), "--key", str(tmp_path / key / "publisher.key"),
             "--version", str(version)], env)

    def install(version):
        return subprocess.run([BIN / "kiosk", "install-pack", f"pack-{version}", "--json",
                               "--data-dir", "data"], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=60, check=False)

    first = install(2)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["content_version"] == 2
    older = install(1)
    assert older.returncode == 1 and "version" in older.stderr  # rollback refused
    stranger = install(3)
    assert stranger.returncode == 1 and "key" in stranger.stderr  # unknown signer refused
    status = json.loads(run([BIN / "kiosk", "status", "--json", "--data-dir",
                             str(tmp_path / "data")], env).stdout)
    assert status["content_version"] == 2


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB file system for the terminal's data (root only: tmpfs)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {r.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_during_an_update_keeps_the_old_content(world, small_disk):
    import random

    from kiosk.core import content
    from kiosk.services.content_store import ContentStore

    w = world
    publish(w, DEFAULT_CONTENT_DIR, 1)
    data = enrol(w, small_disk / "terminal")
    assert sync(w, data)["content_version"] == 1
    src = w["tmp"] / "big"
    shutil.copytree(DEFAULT_CONTENT_DIR, src)
    (src / "media").mkdir()
    (src / "media" / "film.bin").write_bytes(random.Random(1).randbytes(5 * 1024 * 1024))
    publish(w, src, 2)
    r = subprocess.run([BIN / "kiosk", "sync", "--once", "--json", "--data-dir", str(data)],
                       capture_output=True, text=True, env=w["env"], timeout=120, check=False)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    store = ContentStore(data)
    assert store.installed_version() == 1
    assert content.load(store.current_content_dir()).services  # old content, whole
    # (The failure cannot be written to the full disk; the last recorded sync stays as it was.)
    smoke = run([BIN / "kiosk", "--smoke", "--data-dir", str(data)], w["env"])
    assert "ready in" in smoke.stdout


def test_a_failed_sync_is_recorded_for_staff(world):
    w = world
    publish(w, DEFAULT_CONTENT_DIR, 1)
    data = enrol(w, w["tmp"] / "terminal")
    untrusting = dict(w["env"], KIOSK_TRUSTED_KEYS=str(w["tmp"] / "nobody.pub"))
    (w["tmp"] / "nobody.pub").write_text("# no keys trusted\n")
    r = subprocess.run([BIN / "kiosk", "sync", "--once", "--data-dir", str(data)],
                       capture_output=True, text=True, env=untrusting, timeout=60, check=False)
    assert r.returncode == 1
    status = json.loads(run([BIN / "kiosk", "status", "--json", "--data-dir", str(data)],
                            w["env"]).stdout)
    assert status["last_sync"]["status"].startswith("error") and status["last_sync"]["time"]
    assert status["content_version"] is None  # nothing unverified was installed
