"""The PyInstaller terminal (build_scripts/kiosk.spec), built once for this module by
build_scripts/build_linux.sh exactly as `make package` does, into this test's temp folders.

The build script's own checks run on the result (--smoke prints "ready in", the home screen
in English and Arabic is drawn, status --json answers, kiosk-content signs and verifies a
pack); the tests below check what the bundle holds and leaves out.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import REPO_ROOT

pytestmark = pytest.mark.package

VENV = Path(sys.executable).parent.parent
SIZE_GOAL_MB = 250
BUILD_WITHIN_S = 600  # a cold build on a busy 2-core machine takes about a minute


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    top = tmp_path_factory.mktemp("bundle")
    env = dict(os.environ, VENV=str(VENV))
    run = subprocess.run(
        [REPO_ROOT / "build_scripts" / "build_linux.sh", "--dist", top / "dist",
         "--work", top / "work"],
        env=env, capture_output=True, text=True, timeout=BUILD_WITHIN_S)
    return top / "dist" / "kiosk", run


def test_build_script_builds_and_its_checks_pass(built):
    bundle, run = built
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ready in" in run.stdout
    assert "2 screenshot(s) drawn" in run.stdout
    assert "OK, signed by publisher" in run.stdout
    assert (bundle / "kiosk").is_file() and (bundle / "kiosk-content").is_file()


def test_bundle_holds_what_the_terminal_needs(built):
    bundle, _ = built
    inside = bundle / "_internal" / "kiosk"
    assert (inside / "app" / "kiosk.kv").is_file()
    fonts = {p.name for p in (inside / "assets" / "fonts").iterdir()}
    assert {"NotoSans-Regular.ttf", "KioskArabic-Regular.ttf", "KioskTamil-Bold.ttf",
            "OFL.txt"} <= fonts
    sources = {p.name for p in (REPO_ROOT / "assets" / "keyboards").glob("*.json")}
    assert {p.name for p in (inside / "assets" / "keyboards").glob("*.json")} == sources
    assert (inside / "assets" / "content" / "content.json").is_file()
    assert (inside / "config" / "kiosk.toml").is_file()
    assert (inside / "config" / "demo-centre.json").is_file()
    assert (inside / "config" / "kiosk.service").is_file()
    languages = sorted(p.parent.parent.name for p in
                       (REPO_ROOT / "kiosk" / "locale").glob("*/LC_MESSAGES/kiosk.po"))
    for lang in languages:
        for domain in ("kiosk", "staff"):
            assert (inside / "locale" / lang / "LC_MESSAGES" / f"{domain}.mo").is_file(), \
                f"{lang} {domain}.mo"
    assert not list(inside.glob("locale/*/LC_MESSAGES/*.po")), "only compiled catalogues"


def pyz_modules(exe: Path) -> set[str]:
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(exe))
    pyz = archive.open_embedded_archive("PYZ.pyz")
    return set(pyz.toc)


def test_bundle_leaves_out_the_hub_and_the_tests(built):
    bundle, _ = built
    modules = pyz_modules(bundle / "kiosk")
    assert "kiosk.cli" in modules and "kiosk.app.main" in modules
    assert "kiosk.app.screens.attract" in modules  # loaded by name at run time
    assert "kiosk.assets" in modules and "kiosk.config" in modules
    unwanted = ("kiosk.hub", "fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic",
                "psycopg", "jinja2", "pytest", "playwright", "tests", "PyInstaller")
    found = sorted(m for m in modules if m.split(".")[0] in unwanted or
                   m.startswith("kiosk.hub"))
    assert not found, found[:10]
    folders = {p.name for p in (bundle / "_internal").iterdir()}
    assert not folders & {"fastapi", "sqlalchemy", "psycopg", "psycopg_binary", "uvloop"}
    locales = {p.stem for p in (bundle / "_internal" / "babel" / "locale-data").iterdir()}
    assert "root" in locales and "ar" in locales and "bn" in locales
    assert len(locales) < 40, "Babel's data is cut to the kiosk's languages"


def test_bundle_size_is_within_the_goal(built):
    bundle, _ = built
    total = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    assert total < SIZE_GOAL_MB * 1024 * 1024, f"{total / 2**20:.0f} MB"


def test_bundle_refuses_a_bad_command_in_one_line(built, tmp_path):
    bundle, _ = built
    run = subprocess.run([bundle / "kiosk", "status", "--data-dir", tmp_path, "--nonsense"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode != 0
    assert "--nonsense" in run.stderr and "Traceback" not in run.stderr
