"""Every tutorial completed by touches alone: tapping targets, typing on the kiosk's own
keyboard, choosing answers and judging scam cards, then the finish page."""

from __future__ import annotations

import pytest

from kiosk.app import simulate
from kiosk.core import content
from kiosk.core.settings import DEFAULT_CONTENT_DIR
from kiosk.core.theme import contrast
from tests.ui.conftest import confirm_end, event_types

TUTORIALS = list(content.load(DEFAULT_CONTENT_DIR).tutorials)


def legible(button) -> bool:
    """The colour the button's text is drawn in has 4.5:1 contrast on its background."""
    def hex_of(rgba):
        return "#" + "".join(f"{round(c * 255):02x}" for c in rgba[:3])

    drawn = button.disabled_color if button.disabled else button.color
    return contrast(hex_of(drawn), hex_of(button.bg)) >= 4.5 and drawn[3] == 1


def solve(h, widget) -> None:
    """Answer by touch as a careful learner does, with a slip or a wrong answer first."""
    simulate.solve(h, widget)
    assert widget.done, f"{type(widget).__name__} not done after solving"


@pytest.mark.parametrize("tutorial_id", TUTORIALS)
def test_tutorial_completed_by_touch(kiosk, tutorial_id):
    h = kiosk
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    h.tap(h.screen.cards["tutorials"])
    card = h.screen.cards[tutorial_id]
    h.scroll_to(card)
    h.tap(card)
    tutorial = h.app.catalogue.tutorials[tutorial_id]
    for index in range(len(tutorial.lessons)):
        screen = h.screen
        assert screen.__class__.__name__ == "LessonScreen" and screen.index == index
        if screen.practice is not None:
            assert screen.next.disabled, "Continue waits for the practice"
            assert legible(screen.next), "a disabled button is still readable"
            solve(h, screen.practice)
            assert not screen.next.disabled
        h.tap(screen.next)
    assert h.screen.__class__.__name__ == "TutorialDoneScreen"
    text = h.screen.read_aloud_text()
    assert tutorial.learnt[0].get("en") in text
    types = event_types(h)
    assert types.count("tutorial_started") == 1
    assert types.count("tutorial_completed") == 1
    answers = [e["outcome"] for e in h.outbox.all_events() if e["type"] == "practice_answered"]
    assert answers or not any(x.practice for x in tutorial.lessons)
    if any(isinstance(x.practice, content.ChooseAnswer) for x in tutorial.lessons):
        assert "incorrect" in answers, "the wrong answer first was counted as wrong"
    confirm_end(h, h.screen.finish)
    assert h.screen.__class__.__name__ == "AttractScreen"


def test_wrong_typing_gets_kind_feedback(kiosk):
    h = kiosk
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    tutorial = h.app.catalogue.tutorials["on-screen-keyboard"]
    index = next(i for i, x in enumerate(tutorial.lessons) if isinstance(x.practice,
                                                                         content.TypeThis))
    h.app.go("lesson", id="on-screen-keyboard", index=index)
    h.frames(2)
    widget = h.screen.practice
    simulate.type_on_keyboard(h, widget.keyboard, "zz")
    h.scroll_to(widget.check)
    h.tap(widget.check)
    assert not widget.done
    assert "try again" in widget._feedback.children[0].text
    events = [e for e in h.outbox.all_events() if e["type"] == "practice_answered"]
    assert [e["outcome"] for e in events] == ["incorrect"]
