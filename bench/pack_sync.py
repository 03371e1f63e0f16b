"""The `pack_sync` benchmark: content packs from the hub to a terminal, on loopback.

Issue 4's figures, measured in one run against a real `kiosk-hub serve` and real
`kiosk sync --once` processes, with a 50 MB pack (the demo content plus fifty 1 MB files):
- delta: a new version in which one 1 MB file changes moves at most 1.05 times that file
  plus the manifest;
- resume: a download cut at 50 % (every file half on disk, as a cut leaves it) moves, in
  all, at most 1.05 times the pack;
- install: installing the whole pack, compared in the same run with a plain HTTP download
  (requests, one connection) of the same bytes from a plain HTTP server. Both in this
  process, as the terminal's syncer installs in the kiosk's process (issue 17: at least 0.6
  of the plain download's throughput); `kiosk sync --once` as a new process (interpreter and
  imports included) is shown beside it.
"""

from __future__ import annotations

import http.server
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import Result, Settings

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tests.serverproc import hub_process

BIN = Path(sys.executable).parent
MIB = 1024 * 1024
INSTALL_TARGET = 0.6  # of the plain download's throughput, at least


def _run(cmd, env) -> subprocess.CompletedProcess:
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env,
                       timeout=600, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"{Path(str(cmd[0])).name} {cmd[1]} failed: {r.stderr.strip()}")
    return r


def _sync(env, data) -> tuple[dict, float]:
    start = time.perf_counter()
    r = _run([BIN / "kiosk", "sync", "--once", "--json", "--data-dir", data], env)
    return json.loads(r.stdout), time.perf_counter() - start


def bench_pack_sync(settings: Settings) -> Result:
    from kiosk.core.settings import DEFAULT_CONTENT_DIR

    tmp = Path(tempfile.mkdtemp(prefix="bench-pack-"))
    hub = None
    try:
        env = dict(os.environ, KIOSK_TRUSTED_KEYS=str(tmp / "keys" / "publisher.pub"))
        env.pop("KIOSK_DATA_DIR", None)
        _run([BIN / "kiosk-content", "keygen", "--out", tmp / "keys"], env)
        src = tmp / "src"
        shutil.copytree(DEFAULT_CONTENT_DIR, src)
        rng = random.Random(4)
        (src / "media").mkdir()
        for i in range(50):
            (src / "media" / f"video-{i:02}.bin").write_bytes(rng.randbytes(MIB))

        def publish(version):
            pack = tmp / f"pack-{version}"
            _run([BIN / "kiosk-content", "build", src, "--out", pack, "--key",
                  tmp / "keys" / "publisher.key", "--version", version], env)
            _run([BIN / "kiosk-hub", "publish", pack, "--data-dir", tmp / "hub"], env)
            return pack

        pack1 = publish(1)
        import requests

        hub = hub_process(tmp / "hub", env).start()
        url = hub.url

        def terminal(name):
            code = _run([BIN / "kiosk-hub", "enrol-code", "--centre", "bench", "--data-dir",
                         tmp / "hub"], env).stdout.strip().splitlines()[-1]
            data = tmp / name
            _run([BIN / "kiosk", "enrol", code, "--hub", url, "--data-dir", data], env)
            return data

        pack_bytes = sum(p.stat().st_size for p in (pack1 / "files").iterdir())
        manifest_bytes = (pack1 / "manifest.json").stat().st_size + \
            (pack1 / "manifest.sig").stat().st_size

        # Install: kiosk sync against a plain download of the same bytes, interleaved.
        installs, plains = [], []
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), lambda *a: http.server.SimpleHTTPRequestHandler(
                *a, directory=str(pack1)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        blobs = sorted(p.name for p in (pack1 / "files").iterdir())
        from kiosk.core import packs
        from kiosk.services import content_store, hub_client

        trusted = packs.load_trusted_keys(tmp / "keys" / "publisher.pub")
        processes = []
        for n in range(max(3, settings.runs // 2)):
            data = terminal(f"t-install-{n}")
            enrolment = hub_client.load_enrolment(data)
            start = time.perf_counter()
            with hub_client.HubClient(url, enrolment["token"]) as client:
                report = content_store.sync_content(client, content_store.ContentStore(data),
                                                    trusted)
            installs.append(time.perf_counter() - start)
            assert report["status"] == "updated", report
            if n < 2:
                report, took = _sync(env, terminal(f"t-process-{n}"))
                assert report["status"] == "updated", report
                processes.append(took)
            start = time.perf_counter()
            with requests.Session() as s:
                for name in ["manifest.json", "manifest.sig"] + [f"files/{b}" for b in blobs]:
                    got = s.get(f"http://127.0.0.1:{server.server_port}/{name}", timeout=30)
                    got.raise_for_status()
            plains.append(time.perf_counter() - start)
        server.shutdown()
        install, plain = statistics.median(installs), statistics.median(plains)
        process = min(processes)

        # Delta: one 1 MB file changes.
        data = tmp / "t-install-0"
        (src / "media" / "video-07.bin").write_bytes(rng.randbytes(MIB))
        publish(2)
        delta, _ = _sync(env, data)
        delta_ratio = delta["bytes_downloaded"] / (MIB + manifest_bytes)

        # Resume: every file half downloaded when the cut came.
        cut = terminal("t-cut")
        blob_dir = cut / "content" / "blobs"
        blob_dir.mkdir(parents=True, exist_ok=True)
        already = 0
        for b in (tmp / "pack-2" / "files").iterdir():
            half = b.read_bytes()[: b.stat().st_size // 2]
            (blob_dir / f"{b.name}.part").write_bytes(half)
            already += len(half)
        resumed, _ = _sync(env, cut)
        pack2_bytes = sum(p.stat().st_size for p in (tmp / "pack-2" / "files").iterdir())
        resume_ratio = (already + resumed["bytes_downloaded"]) / pack2_bytes

        passed = delta_ratio <= 1.05 and resume_ratio <= 1.05 and plain / install >= INSTALL_TARGET
        return Result.checked(
            "pack_sync", passed,
            measured=(f"delta {delta['bytes_downloaded'] / MIB:.2f} MiB, resume "
                      f"{resume_ratio:.3f}x, install {pack_bytes / MIB / install:.0f} MiB/s"),
            baseline=f"plain HTTP {pack_bytes / MIB / plain:.0f} MiB/s",
            figure=f"{delta_ratio:.3f}x / {resume_ratio:.3f}x / {plain / install:.2f}",
            target=f"delta, resume <= 1.05x; install >= {INSTALL_TARGET}",
            note=(f"pack {pack_bytes / MIB:.1f} MiB; one changed 1 MiB file moved "
                  f"{delta['bytes_downloaded']} bytes ({delta['files_downloaded']} file); "
                  f"install (the syncer's sync_content: download, hash, stage, switch) "
                  f"{install:.2f} s vs plain download {plain:.2f} s (medians of "
                  f"{len(installs)}): {plain / install:.2f} of plain throughput; as a new "
                  f"`kiosk sync --once` process {process:.2f} s ({plain / process:.2f})"),
            data={"delta": delta, "resume": resumed, "install_s": installs,
                  "plain_s": plains, "process_s": processes, "pack_bytes": pack_bytes})
    finally:
        if hub is not None:
            hub.stop()
        shutil.rmtree(tmp, ignore_errors=True)
