"""Fixtures for the hub's browser tests: Playwright driving Debian's Chromium (a tool's own
browser download fails on these machines, and is not needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the module; a failure, not a skip, when it is missing:
    `make test` installs it, so a skip would hide a missing install step."""
    from playwright import sync_api

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed (Debian package 'chromium'; `make test` "
                    "as root installs it)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
