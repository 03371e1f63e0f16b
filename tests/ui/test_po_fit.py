"""The room kiosk.app.fit gives a button's text at 200 % (what `kiosk-content import-po`
refuses beyond) is the room the practice really gives it in the reference window."""

from __future__ import annotations

from kiosk.app import fit
from kiosk.app.widgets.practice import Practice
from kiosk.app.widgets.text import KButton
from tests.ui.conftest import find


def practice_at_200(h, tutorial: str, index: int) -> Practice:
    h.app.start_session()
    h.app.choose_language("en")
    h.app.text_scale = fit.SCALE
    h.app.go("lesson", id=tutorial, index=index)
    h.frames(4)
    assert tuple(h.window.size) == (1280, 800)
    assert abs(h.app.base_font - fit.REFERENCE_BASE_FONT) < 0.01
    return find(h.screen, Practice)[0]


def test_the_rooms_are_the_practices(kiosk):
    h = kiosk
    p = practice_at_200(h, "using-a-touchscreen", 0)  # a tap target
    b = p.target_button
    assert abs((p.field.width - 2 * b.pad[0]) - fit.TARGET_ROOM) <= 2
    assert abs(b.font_size - fit.REFERENCE_BASE_FONT * fit.SCALE) < 0.01
    p = practice_at_200(h, "email", 0)  # answers to choose from
    answers = [b for b in find(p, KButton) if b.kind == "choice"]
    assert answers and all(abs(b.width - 2 * b.pad[0] - fit.ANSWER_ROOM) <= 2 for b in answers)
