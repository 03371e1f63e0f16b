"""The `login_flood` benchmark: sixty sign-ins at once with made-up names, as the security
review did (issue 15), against a real `kiosk-hub serve` (one worker, SQLite), while one
terminal keeps asking for its content manifest (a route on the shared worker threads).

Measured: how much the flood raises the hub's peak memory (VmHWM), how many sign-ins were
checked and how many told to come back (503 + Retry-After), the hub's CPU for the flood,
and the terminal's median and worst request time during the flood against the same
requests just before it. Targets: the peak grows by under 100 MiB (it grew by 2.2 GiB
before the fix), and the terminal's median during the flood is under 10 times its median
before it (8 s against 6 ms before the fix).
"""

from __future__ import annotations

import re
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from common import Result, Settings
from stats_ingest import Hub

FLOOD = 60
MiB = 2**20
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def _peak(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024


def _manifest(url: str, token: str) -> float:
    started = time.perf_counter()
    r = requests.get(url + "/api/v1/content/manifest.json", timeout=60,
                     headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404, r.status_code
    return time.perf_counter() - started


def bench_login_flood(settings: Settings) -> Result:
    with tempfile.TemporaryDirectory(prefix="bench-login-") as tmp:
        hub = Hub(Path(tmp) / "hub")
        store = hub.store()
        try:
            _, token, _ = store.enrol(store.create_enrol_code("Bench Library"))
        finally:
            store.close()
        hub.start()
        try:
            s = requests.Session()
            page = s.get(hub.url + "/admin/login", timeout=30)
            csrf, cookie = CSRF_RE.search(page.text).group(1), s.cookies["kiosk_admin_login"]
            for _ in range(5):
                _manifest(hub.url, token)
            before = [_manifest(hub.url, token) for _ in range(30)]
            peak0, cpu0 = _peak(hub.proc.pid), hub.cpu_s()
            during: list[float] = []
            stop = threading.Event()

            def probe() -> None:
                while not stop.is_set():
                    during.append(_manifest(hub.url, token))

            def sign_in(i: int) -> int:
                return requests.post(hub.url + "/admin/login", timeout=120,
                                     allow_redirects=False,
                                     data={"csrf": csrf, "name": f"made-up-{i}",
                                           "password": "not the password at all"},
                                     cookies={"kiosk_admin_login": cookie}).status_code

            prober = threading.Thread(target=probe)
            prober.start()
            started = time.perf_counter()
            try:
                with ThreadPoolExecutor(FLOOD) as pool:
                    statuses = list(pool.map(sign_in, range(FLOOD)))
            finally:
                stop.set()
                prober.join()
            wall = time.perf_counter() - started
            grown, cpu = _peak(hub.proc.pid) - peak0, hub.cpu_s() - cpu0
        finally:
            hub.server.stop()
    base, busy = statistics.median(before), statistics.median(during)
    ratio = busy / base
    passed = grown < 100 * MiB and ratio < 10 and set(statuses) <= {401, 503}
    return Result.checked(
        "login_flood", passed,
        measured=f"+{grown / MiB:.0f} MiB, API p50 {busy * 1000:.1f} ms "
                 f"(max {max(during) * 1000:.0f} ms)",
        baseline=f"API p50 {base * 1000:.1f} ms before",
        figure=f"x{ratio:.1f} API; {statuses.count(401)} checked, "
               f"{statuses.count(503)} told to wait",
        target="< 100 MiB, < x10",
        note=f"{FLOOD} sign-ins in {wall:.1f} s, {cpu:.2f} s of hub CPU",
        data={"grown_bytes": grown, "api_before_s": before, "api_during_s": during,
              "statuses": statuses, "hub_cpu_s": cpu, "wall_s": wall})
