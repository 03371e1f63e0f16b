"""The official-service browser, behind a facade.

The kiosk never shows a government service inside itself: it hands the official address to
a browser. The locked-down, allow-listed Chromium comes with the lockdown work; until then
the demo browser only explains, and tests use the fake.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class Browser(ABC):
    """Opens an official service. `open` returns an outcome: ok, demo or failed."""

    @abstractmethod
    def open(self, url: str) -> str:
        ...

    def close(self) -> None:
        """Close whatever was opened (session reset)."""


class DemoBrowser(Browser):
    """Demo mode: nothing opens; the app tells the citizen what would happen."""

    def open(self, url: str) -> str:
        return "demo"


class FakeBrowser(Browser):
    """Remembers the addresses it was asked to open; for tests."""

    def __init__(self):
        self.opened: list[str] = []
        self.closed = 0

    def open(self, url: str) -> str:
        self.opened.append(url)
        return "ok"

    def close(self) -> None:
        self.closed += 1
