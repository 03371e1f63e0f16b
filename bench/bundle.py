"""The `bundle_size` and `bundle_startup` benchmarks: the PyInstaller terminal (dist/kiosk).

- bundle_size: the one-folder bundle's size unpacked, against the goal of 250 MB; the
  baseline beside it is a bare Kivy app (bench/hello_app.py) built by plain PyInstaller
  (one folder, stripped) in the same run: the floor any Kivy terminal starts from. The note
  says what takes the space.
- bundle_startup: the bundle's cold start (`dist/kiosk/kiosk --smoke`) against the same
  kiosk from source (`kiosk --smoke` in this environment), interleaved as the startup
  benchmark runs them (bench/startup.py), goal at most 1.1x.

The bundle is built once per run by build_scripts/build_linux.sh into a temporary folder
(about a minute), or taken from BENCH_BUNDLE=DIR (e.g. dist/kiosk after `make package`).
"""

from __future__ import annotations

import functools
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import Result, Settings, ratio
from startup import HELLO_APP, RunError, child_env, kiosk_command, run_once

ROOT = Path(__file__).resolve().parents[1]
SIZE_GOAL_MB = 250
STARTUP_GOAL = 1.1
_TMP = tempfile.TemporaryDirectory(prefix="kiosk-bench-bundle-")  # for the whole run


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


@functools.cache
def kiosk_bundle() -> Path:
    given = os.environ.get("BENCH_BUNDLE")
    if given:
        bundle = Path(given).resolve()
        if not (bundle / "kiosk").is_file():
            raise RunError(f"BENCH_BUNDLE={given}: no kiosk program in it")
        return bundle
    top = Path(_TMP.name)
    done = subprocess.run([ROOT / "build_scripts" / "build_linux.sh", "--dist", top / "dist",
                           "--work", top / "work"], capture_output=True, text=True,
                          env=dict(os.environ, VENV=str(Path(sys.executable).parent.parent)),
                          timeout=900, check=False)
    if done.returncode != 0:
        raise RunError("build_linux.sh failed: " + (done.stdout + done.stderr)[-800:])
    return top / "dist" / "kiosk"


def hello_bundle() -> Path:
    top = Path(_TMP.name) / "hello"
    pyinstaller = Path(sys.executable).parent / "pyinstaller"
    done = subprocess.run([pyinstaller, "--noconfirm", "--onedir", "--strip", "--log-level",
                           "WARN", "--distpath", top / "dist", "--workpath", top / "work",
                           "--specpath", top, "--name", "hello", HELLO_APP],
                          capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise RunError("PyInstaller of hello_app.py failed: " + done.stderr[-800:])
    return top / "dist" / "hello"


def breakdown(bundle: Path) -> dict[str, int]:
    """Bytes by what they are for, largest first."""
    inside = bundle / "_internal"
    groups: dict[str, int] = {}

    def add(name: str, size: int) -> None:
        groups[name] = groups.get(name, 0) + size

    for path in (p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()):
        size = path.stat().st_size
        rel = path.relative_to(inside).parts if path.is_relative_to(inside) else ("programs",)
        top = rel[0]
        if top == "kiosk" and len(rel) > 2 and rel[1] == "assets":
            add(f"kiosk {rel[2]}", size)  # fonts, content, keyboards
        elif top == "kiosk":
            add("kiosk code, kv, catalogues", size)
        elif top in ("kivy", "Kivy.libs", "kivy_install") or top.startswith("libSDL2"):
            add("Kivy and SDL2", size)
        elif top == "babel":
            add("Babel (CLDR data, 16 languages)", size)
        elif top.startswith("libpython") or top in ("python3.11", "base_library.zip"):
            add("Python", size)
        elif top.startswith(("libcrypto", "libssl")):
            add("OpenSSL", size)
        elif top == "programs" or top == "install-terminal.sh":
            add("the program (bootloader and its Python code archive), installer", size)
        elif top.endswith(".so") or ".so." in top:
            add("other shared libraries", size)
        else:
            add("other Python packages", size)
    return dict(sorted(groups.items(), key=lambda kv: -kv[1]))


def bench_bundle_size(settings: Settings) -> Result:
    bundle = kiosk_bundle()
    size = folder_bytes(bundle)
    hello = folder_bytes(hello_bundle())
    parts = breakdown(bundle)
    mb = size / 2**20
    note = "what takes the space: " + ", ".join(f"{k} {v / 2**20:.1f} MB"
                                                 for k, v in parts.items())
    return Result.checked(
        "bundle_size", mb < SIZE_GOAL_MB,
        measured=f"{mb:.0f} MB", baseline=f"{hello / 2**20:.0f} MB (bare Kivy app)",
        figure=f"{mb:.0f} MB ({ratio(size, hello):.2f}x)", target=f"< {SIZE_GOAL_MB} MB",
        note=note,
        data={"unit": "bytes", "bundle": size, "hello_bundle": hello, "parts": parts,
              "bundle_dir": str(bundle)})


def bench_bundle_startup(settings: Settings) -> Result:
    bundle = kiosk_bundle()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        tmp = Path(tmp)
        env = child_env(tmp / "kivy-home")
        runs = iter(range(10_000))

        def fresh() -> Path:
            d = tmp / f"data-{next(runs)}"
            d.mkdir()
            return d

        def frozen():
            return run_once([str(bundle / "kiosk"), "--smoke", "--windowed", "--data-dir",
                             str(fresh())], env)

        def source():
            return run_once(kiosk_command(fresh()), env)

        frozen(), source()  # warm-up: file caches, compiled bytecode
        bundled, sourced = [], []
        for n in range(settings.runs):
            first, second = (frozen, source) if n % 2 else (source, frozen)
            a, b = first(), second()
            (bundled if first is frozen else sourced).append(a)
            (sourced if first is frozen else bundled).append(b)
    b = statistics.median(r.ready_s for r in bundled)
    s = statistics.median(r.ready_s for r in sourced)
    r = ratio(b, s)
    return Result.checked(
        "bundle_startup", r <= STARTUP_GOAL,
        measured=f"{b:.3f} s", baseline=f"{s:.3f} s (from source)", figure=f"{r:.2f}x",
        target=f"<= {STARTUP_GOAL}x",
        data={"unit": "s", "bundle_median": b, "source_median": s, "ratio": r,
              "runs": settings.runs, "bundle": [x.ready_s for x in bundled],
              "source": [x.ready_s for x in sourced],
              "bundle_rss_kib": [x.maxrss_kib for x in bundled],
              "source_rss_kib": [x.maxrss_kib for x in sourced]})
