"""Contrast restyles the screen the citizen is looking at, at once: a screenshot taken right
after the tap is read pixel by pixel. The page's background is the theme's, every text on
the window is readable against what is really drawn behind it (WCAG 4.5:1, 3:1 for large
text), and nothing is left in the other theme's colours: backgrounds, cards, the lesson's
progress bar, the step numbers, a step opened later, and a dialog that was open."""

from __future__ import annotations

import pytest

from kiosk.core import theme
from tests.ui.conftest import find
from tests.ui.pixels import Shot, dominant, hex_of, is_large, packed, text_contrast

STANDARD, CONTRAST = theme.STANDARD, theme.HIGH_CONTRAST
# Colours each theme uses and the other never does: none may be left after a switch. (White
# and black are not here: contrast draws white text and borders, and the QR code is black
# on white in both themes; the page's background is checked on its own.)
ONLY = {
    "standard": {STANDARD.link, STANDARD.primary, STANDARD.panel, STANDARD.border,
                 STANDARD.secondary_text},
    "high_contrast": {CONTRAST.panel, CONTRAST.link, CONTRAST.text},
}


def window_rect(w):
    x0, y0 = w.to_window(w.x, w.y)
    x1, y1 = w.to_window(w.right, w.top)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def visible(w):
    """The part of `w` on the window, clipped by every ScrollView around it (or None)."""
    from kivy.uix.scrollview import ScrollView

    def clip(a, b):
        r = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
        return r if r[0] < r[2] and r[1] < r[3] else None

    win = w.get_root_window()
    r = clip(window_rect(w), (0, 0, win.width, win.height))
    p = w.parent
    while r is not None and p is not None and p is not p.parent:
        if isinstance(p, ScrollView):
            x0, y0, x1, y1 = window_rect(p)
            r = clip(r, (x0, y0 + faded(p), x1, y1))
        p = p.parent
    return r


def faded(scroll) -> float:
    """How much of a page's lower edge fades into the background (more below): text there
    is a cue that the page goes on, faded out on purpose, not text to be read."""
    p = scroll.parent
    while p is not None and p is not p.parent:
        if getattr(p, "scroll", None) is scroll:
            return getattr(p, "fade_height", 0.0)
        p = p.parent
    return 0.0


def shown_labels(h):
    """Every label with text the citizen can see now: page, toolbar, footer, dialogs."""
    from kiosk.app.widgets.text import KLabel

    out = []
    for root in h.window.children:
        for w in find(root, KLabel):
            if not w.text.strip() or w.get_root_window() is None:
                continue
            p, seen = w, True
            while p is not None and p is not p.parent:
                seen = seen and p.opacity > 0
                p = p.parent
            r = visible(w)
            if seen and r is not None and r[3] - r[1] >= 12 and r[2] - r[0] >= 12:
                out.append((w, r))
    return out


def unreadable(h, shot: Shot) -> list[str]:
    out = []
    for label, rect in shown_labels(h):
        ratio, ink, back = text_contrast(shot.region(rect))
        least = 3.0 if is_large(label) else 4.5
        if ratio < least:
            out.append(f"{label.text[:40]!r}: {ink} on {back} is {ratio:.2f}:1 "
                       f"(needs {least}:1)")
    return out


def leftovers(shot: Shot, theme_name: str) -> list[str]:
    """Colours of the other theme still on the window, with how many pixels."""
    other = "standard" if theme_name == "high_contrast" else "high_contrast"
    return [f"{c} ({n} px)" for c in sorted(ONLY[other]) if (n := shot.count(c)) > 50]


def page_background(h, shot: Shot) -> str:
    return hex_of(dominant(shot.region(window_rect(h.screen.scroll), step=3)))


def check(h, shot: Shot, want: theme.Theme, where: str):
    problems = []
    if (bg := page_background(h, shot)) != want.background:
        problems.append(f"the page is {bg}, not {want.background}")
    problems += unreadable(h, shot)
    problems += [f"left in the other theme: {c}" for c in leftovers(shot, want.name)]
    assert not problems, f"{where}, {want.name}:\n  " + "\n  ".join(problems)


def start(h, lang: str, scale: float = 1.0):
    h.app.start_session()
    h.app.choose_language(lang)
    h.app.text_scale = scale
    h.frames(2)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_contrast_restyles_the_lesson_at_once_and_back(kiosk, tmp_path, lang):
    h = kiosk
    start(h, lang)
    h.app.go("lesson", id="using-a-touchscreen", index=0)
    h.frames(3)
    screen = h.screen
    from kiosk.app.screens.tutorials import LessonProgress

    part = find(screen.page, text=h.app.fmt("Part {n} of {total}", n=1, total=4))[0]
    progress = find(screen.page, LessonProgress)[0]
    for want in (CONTRAST, STANDARD):
        h.tap(h.app.toolbar.buttons["contrast"])
        assert h.app.theme.name == want.name and h.screen is screen, "the same screen"
        shot = Shot(h.screenshot(tmp_path / f"{want.name}.png"))
        check(h, shot, want, f"lesson in {lang}")
        ratio, ink, back = text_contrast(shot.region(visible(part)))
        assert ratio >= 4.5 and back == want.background, (ink, back)
        bar = [p for p in shot.region(window_rect(progress)) if p == packed(want.link)]
        assert len(bar) > 100, "the progress bar is drawn in the theme's colours"


def test_contrast_restyles_steps_opened_later_and_an_open_dialog(kiosk, tmp_path):
    h = kiosk
    start(h, "en", 1.5)
    h.app.go("guide", id="register-to-vote")
    h.frames(3)
    screen = h.screen
    first, second = screen.steps[0], screen.steps[1]
    first.set_expanded(True, record=False)
    second.set_expanded(True, record=False)
    second.set_expanded(False, record=False)  # built, then put away off the window
    h.frames(2)
    h.app.show_qr("register-to-vote", "https://www.gov.uk/register-to-vote")
    h.frames(2)
    dialog = h.app._modals[-1]

    h.app.toggle_contrast()  # while the dialog is open
    shot = Shot(h.screenshot(tmp_path / "dialog.png"))
    problems = unreadable(h, shot)
    box = hex_of(dominant(shot.region(window_rect(dialog.box), step=2)))
    assert box == CONTRAST.background, f"the open dialog is {box}"
    assert not problems, "\n".join(problems)

    dialog.dismiss(animation=False)
    h.frames(1)
    second.set_expanded(True, record=False)  # its body was built in the standard theme
    h.frames(2)
    h.scroll_to(second)
    shot = Shot(h.screenshot(tmp_path / "guide.png"))
    check(h, shot, CONTRAST, "guide at 150 %")
    # GOV.UK's step-by-step: the number in a ring on the page's colour, open or not (an
    # open step no longer turns focus-coloured): ring, number and inside all in contrast.
    circle = shot.region(visible(second.marker))
    inside = hex_of(dominant(circle))
    assert inside == CONTRAST.background, f"an open step's circle is filled {inside}"
    for part, colour in (("ring", CONTRAST.border), ("number", CONTRAST.text)):
        n = circle.count(packed(colour))
        assert n > 30, f"an open step's {part} has {n} px of {colour}"
