"""The kiosk as a wheel: built from a copy of the checkout's files, installed into a clean
virtual environment outside the checkout, and run from there (kiosk --smoke, kiosk-content
validate on the content the wheel carries, kiosk-hub serve answering /readyz).

The clean environment gets the wheel alone (--no-deps); its dependencies are the ones this
test environment already has, joined by a .pth line (which processes no .pth of theirs, so
the editable kiosk there stays invisible), and `pip check` proves the wheel's requirements
are met. Everything the kiosk reads must therefore come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests import REPO_ROOT
from tests.serverproc import ServerProcess, free_port

pytestmark = pytest.mark.package

PIP = [sys.executable, "-m", "pip"]


def run(argv, **kw):
    kw.setdefault("timeout", 300)
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, check=False,
                          **kw)
    assert done.returncode == 0, f"{argv[0]} {argv[1:3]}: {done.stdout}{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    top = tmp_path_factory.mktemp("wheel")
    # The files git would put in a fresh clone (tracked and new, not ignored): no .mo, no
    # build/ or .egg-info left over from the checkout's own installs.
    listed = run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT).stdout
    source = top / "source"
    for name in filter(None, listed.split("\0")):
        if (REPO_ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, source / name)
    run(PIP + ["wheel", "-q", "--no-deps", "--no-build-isolation", "-w", top / "dist", source],
        cwd=top)
    wheel = next((top / "dist").glob("kiosk-*.whl"))
    venv = top / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(PIP + ["--python", venv / "bin" / "python", "install", "-q", "--no-deps", wheel])
    return wheel, venv, site


def env_for(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "PYTHON"))}
    return dict(env, KIVY_HOME=str(tmp_path / "kivy"), KIOSK_WINDOWED="1")


def test_wheel_carries_the_files(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("kiosk/app/kiosk.kv", "kiosk/assets/fonts/NotoSans-Regular.ttf",
                 "kiosk/assets/fonts/OFL.txt", "kiosk/assets/keyboards/arabic.json",
                 "kiosk/assets/content/content.json", "kiosk/config/kiosk.toml",
                 "kiosk/config/hub.toml", "kiosk/config/demo-centre.json",
                 "kiosk/config/kiosk-hub.service", "kiosk/config/kiosk-hub.nginx",
                 "kiosk/config/session/xinitrc", "kiosk/config/chromium-policy.json",
                 "kiosk/locale/ar/LC_MESSAGES/kiosk.mo", "kiosk/locale/bn/LC_MESSAGES/staff.mo",
                 "kiosk/hub/migrations/versions/0001_terminals.py",
                 "kiosk/hub/templates/base.html"):
        assert name in names, name
    assert any(n.startswith("kiosk/assets/content/services/") for n in names)
    assert not any(n.startswith(("tests/", "assets/", "config/")) for n in names)


def test_installed_kiosk_reads_its_files_from_the_wheel(installed, tmp_path):
    _, venv, site = installed
    probe = ("import kiosk, kiosk.core.resources as r, kiosk.core.i18n as i;"
             "print(kiosk.__file__); print(r.content_dir()); print(i.translations('ar').gettext('Home'))")
    out = run([venv / "bin" / "python", "-c", probe], cwd=tmp_path, env=env_for(tmp_path))
    module, content, home = out.stdout.splitlines()
    assert Path(module).is_relative_to(site) and Path(content).is_relative_to(site)
    assert home != "Home", "the Arabic catalogue is compiled into the wheel"
    run(PIP + ["--python", venv / "bin" / "python", "check"], cwd=tmp_path)


def test_installed_kiosk_smoke(installed, tmp_path):
    _, venv, _ = installed
    out = run([venv / "bin" / "kiosk", "--smoke", "--data-dir", tmp_path / "data"],
              cwd=tmp_path, env=env_for(tmp_path), timeout=180)
    assert out.stdout.startswith("ready in "), out.stdout


def test_installed_content_tool_validates_the_bundled_content(installed, tmp_path):
    _, venv, site = installed
    out = run([venv / "bin" / "kiosk-content", "validate", site / "kiosk" / "assets" / "content"],
              cwd=tmp_path, env=env_for(tmp_path))
    assert "Traceback" not in out.stderr


def test_installed_hub_serves(installed, tmp_path):
    _, venv, _ = installed
    port = free_port()
    server = ServerProcess([venv / "bin" / "kiosk-hub", "serve", "--data-dir", tmp_path / "hub",
                            "--host", "127.0.0.1", "--port", port], env=env_for(tmp_path),
                           port=port, probe="/readyz", log=tmp_path / "hub.log")
    with server:
        import requests

        assert requests.get(server.url + "/readyz", timeout=10).status_code == 200
        assert requests.get(server.url + "/openapi.json", timeout=10).json()["paths"]
