"""Headless Kivy for UI tests: the real app under Xvfb (or SDL's offscreen driver), driven
by simulated touches through kiosk.app.harness."""

from __future__ import annotations

import os
import tempfile

import pytest

os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kiosk-test-kivy-"))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")


@pytest.fixture
def kiosk(tmp_path):
    from kiosk.app.harness import Harness

    h = Harness(data_dir=tmp_path)
    yield h
    h.close()


def find(widget, cls=None, text=None, **attrs):
    """Every widget under `widget` of a class and/or text, in reading order."""
    out = []

    def walk(w):
        if (cls is None or isinstance(w, cls)) and (text is None or getattr(w, "text", None)
                                                    == text) and \
                all(getattr(w, k, None) == v for k, v in attrs.items()):
            out.append(w)
        for c in reversed(w.children):
            walk(c)

    walk(widget)
    return out


def event_types(h) -> list[str]:
    return [e["type"] for e in h.outbox.all_events()]


def confirm_end(h, button=None) -> None:
    """Tap a button that ends the visit (*Finish and clear* unless another is given), then
    *Clear and start again* in the dialog that asks first."""
    h.tap(button if button is not None else h.app.toolbar.buttons["start_again"])
    asks = [m for m in h.app._modals if type(m).__name__ == "ConfirmEndDialog"]
    assert len(asks) == 1, "ending a visit asks first"
    h.tap(asks[0].clear)
