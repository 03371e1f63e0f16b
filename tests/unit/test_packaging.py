"""What can be checked of the packaging without building it (tests/package/ builds it):
the specs are Python, the Windows variant brings Kivy's Windows libraries and runs the same
spec, the lock pins everything setup.cfg asks for, and the README says how to update it."""

from __future__ import annotations

import configparser
import re

from tests import REPO_ROOT

BUILD = REPO_ROOT / "build_scripts"


def test_specs_compile_and_the_windows_one_adds_kivy_deps():
    for name in ("kiosk.spec", "kiosk-windows.spec"):
        compile((BUILD / name).read_text(encoding="utf-8"), name, "exec")
    windows = (BUILD / "kiosk-windows.spec").read_text(encoding="utf-8")
    for dep in ("sdl2", "glew", "angle"):
        assert f"{dep}.dep_bins" in windows
    assert "kiosk.spec" in windows and "WINDOWS_DEP_TREES" in \
        (BUILD / "kiosk.spec").read_text(encoding="utf-8")
    ps1 = (BUILD / "build_windows.ps1").read_text(encoding="utf-8")
    assert "kiosk-windows.spec" in ps1 and "--smoke" in ps1 and "status --json" in ps1
    assert "constraints.txt" in ps1


def requirement_names() -> set[str]:
    cfg = configparser.ConfigParser()
    cfg.read(REPO_ROOT / "setup.cfg", encoding="utf-8")
    lines = cfg["options"]["install_requires"].split("\n")
    for extra in ("test", "dev"):
        lines += cfg["options.extras_require"][extra].split("\n")
    return {re.split(r"[\[<>=!~;\s]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")
            for line in lines if line.strip()}


def test_constraints_pin_every_dependency_exactly():
    pinned = {}
    for line in (REPO_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            pinned[name.lower().replace("_", "-")] = version
    missing = sorted(requirement_names() - set(pinned))
    assert not missing, f"not in constraints.txt (run make lock): {missing}"
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-c constraints.txt" in makefile
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "make lock" in readme and "constraints.txt" in readme
