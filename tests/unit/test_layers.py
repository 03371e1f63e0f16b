"""The layer rules of docs/architecture.md as a contract (import-linter, configured in
pyproject.toml): core imports no other layer, services neither the app nor the hub, only
the app imports Kivy, only the hub imports FastAPI and SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_layer_contracts_are_kept():
    exe = Path(sys.executable).parent / "lint-imports"
    assert exe.exists(), "import-linter is not installed: make test installs it (setup.cfg)"
    r = subprocess.run([str(exe), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "6 kept, 0 broken" in r.stdout
