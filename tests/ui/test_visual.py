"""Every main screen, in English, Arabic and Bengali, at 100 % and 200 % text, looked at the
way a citizen would: the screen is drawn (not blank), no text spills out of its box or is
broken mid-word, and every touch target is big enough and apart from its neighbours. At
200 %, in all sixteen languages, the page keeps most of the screen and the footer one row.

One app (Harness) serves the whole module; each case starts a fresh session, so nothing of
one case leaks into the next. Failures are collected per case into one message that names
the screen, the language and the text."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from kiosk.app.shots import JOURNEY
from kiosk.core import languages
from kiosk.core.bidi import for_rtl_renderer

LANGS = ["en", "ar", "bn"]

# Beyond the shots journey: the tutorial's finish page, a guide with every step open, and
# the on-screen-keyboard lesson (its first part has a type_this practice with the keyboard).
KEYBOARD_LESSON = ("lesson", {"id": "on-screen-keyboard", "index": 0})
EXTRA = [
    ("tutorial-done", ("tutorial_done", {"id": "using-a-touchscreen"})),
    ("guide-all", ("guide", {"id": "register-to-vote"})),
    ("keyboard-lesson", KEYBOARD_LESSON),
]
PLACES = dict(JOURNEY + EXTRA)
SCREENS = list(PLACES)

# 200 %: every screen a session can reach with bigger text (the attract screen comes before
# a session, so the text size cannot be changed there).
BIG_SCREENS = [s for s in SCREENS if s != "attract"]

# Every other language: the home screen and a guide with every step open, at both sizes.
OTHER_LANGS = [code for code in languages.LANGUAGES if code not in LANGS]
CASES = [pytest.param(s, lang, 1.0, id=f"{s}-{lang}") for s in SCREENS for lang in LANGS] + \
    [pytest.param(s, lang, 2.0, id=f"{s}-{lang}-200") for s in BIG_SCREENS for lang in LANGS] + \
    [pytest.param(s, lang, scale, id=f"{s}-{lang}-{int(scale * 100)}")
     for s in ("home", "guide-all") for lang in OTHER_LANGS for scale in (1.0, 2.0)]


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    from kiosk.app.harness import Harness

    harness = Harness(data_dir=tmp_path_factory.mktemp("visual"))
    yield harness
    harness.close()


# ----- getting there ---------------------------------------------------------------------
def show(h, name: str, lang: str, scale: float = 1.0):
    """A fresh session on screen `name` in `lang` at `scale`, laid out and drawn."""
    app = h.app
    app.end_session("start_again")
    h.frames(1)
    if name == "attract":
        screen = h.screen
        # The greeting rotates through the centre's languages: show the one in `lang`.
        for _ in range(len(screen.greetings) + 1):
            if lang == "en" or screen.greeting.text_lang == lang:
                break
            screen._rotate()
        assert lang == "en" or screen.greeting.text_lang == lang, f"no greeting in {lang}"
    elif name == "language":
        app.start_session()
        if lang != "en" or scale != 1.0:
            # The citizen chose a language (and bigger text), then came Back to change it.
            app.choose_language(lang)
            app.text_scale = scale
            h.frames(1)
            app.back()
    else:
        app.start_session()
        app.choose_language(lang)
        app.text_scale = scale
        screen_name, params = PLACES[name]
        app.go(screen_name, **params)
        if name == "guide":
            h.screen.steps[0].set_expanded(True, record=False)
        elif name == "guide-all":
            h.screen.toggle_all()
            assert all(s.expanded for s in h.screen.steps)
        elif name == "keyboard-lesson":
            assert h.screen.practice.__class__.__name__ == "TypeThisPractice"
    h.frames(3)
    assert app.lang == lang or name == "attract"
    assert app.text_scale == scale or name == "attract"
    return h.screen


# ----- looking at the tree -----------------------------------------------------------------
def walk(widget):
    """Every widget under `widget` (itself included) with its effective opacity."""
    stack = [(widget, widget.opacity)]
    while stack:
        w, opacity = stack.pop()
        yield w, opacity
        for child in w.children:
            stack.append((child, opacity * child.opacity))


def describe(w) -> str:
    text = getattr(w, "text", "") or ""
    if not text:
        inner = [c.text for c, _ in walk(w) if getattr(c, "text", "")]
        text = " / ".join(inner)
    text = text.replace("\n", " ")
    return f"{type(w).__name__} {text[:60]!r}"


def label_problems(root) -> list[tuple[object, str]]:
    """Labels whose text does not fit their box, as (label, what is wrong). Kivy breaks a
    word that is too long for a wrapping label between letters (the texture stays as wide as
    the box), so broken words are looked for too: every word on a rendered line must be a
    whole word of the label's text."""
    from kivy.uix.label import Label

    out = []
    for w, opacity in walk(root):
        if not isinstance(w, Label) or not w.text.strip() or opacity <= 0:
            continue
        w.texture_update()
        tw, th = w.texture_size
        if tw > w.width + 2 or th > w.height + 2:
            out.append((w, (f"{describe(w)}: text {tw:.0f}x{th:.0f} in a box of "
                            f"{w.width:.0f}x{w.height:.0f}")))
        words = set(w.text.split())
        if getattr(w, "font_direction", "ltr") == "rtl":  # drawn with its Latin runs reversed
            for line in w.text.split("\n"):
                words |= set(for_rtl_renderer(line).split())
        lines = w._label._cached_lines
        if len(lines) > 1:
            for line in lines:
                rendered = "".join(word.text for word in line.words)
                broken = [t for t in rendered.split() if t not in words]
                if broken:
                    out.append((w, (f"{describe(w)}: a word too long for its box "
                                    f"({w.width:.0f} px) is broken: {broken[0]!r}")))
                    break
    return out


def ancestors(w):
    p = w.parent
    while p is not None and p is not p.parent:
        yield p
        p = p.parent


def window_rect(w):
    x0, y0 = w.to_window(w.x, w.y)
    x1, y1 = w.to_window(w.right, w.top)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def clip(a, b):
    r = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return r if r[0] < r[2] and r[1] < r[3] else None


def scroller(w):
    """The nearest ScrollView around `w` (None for the toolbar and footer)."""
    from kivy.uix.scrollview import ScrollView

    p = w.parent
    while p is not None and p is not p.parent:
        if isinstance(p, ScrollView):
            return p
        p = p.parent
    return None


def visible_rect(w, window):
    """What of `w` a finger can reach: its rectangle clipped by every ScrollView around it
    and by the window (None when scrolled out of sight)."""
    from kivy.uix.scrollview import ScrollView

    r = clip(window_rect(w), (0, 0, window.width, window.height))
    p = w.parent
    while r is not None and p is not None and p is not p.parent:
        if isinstance(p, ScrollView):
            r = clip(r, window_rect(p))
        p = p.parent
    return r


def is_ancestor(a, b) -> bool:
    p = b.parent
    while p is not None and p is not p.parent:
        if p is a:
            return True
        p = p.parent
    return False


def gap(a, b) -> float:
    """Distance between two rectangles (0 when they touch or overlap)."""
    dx = max(b[0] - a[2], a[0] - b[2], 0)
    dy = max(b[1] - a[3], a[1] - b[3], 0)
    return math.hypot(dx, dy)


def target_problems(root, window) -> list[str]:
    from kivy.metrics import dp
    from kivy.uix.behaviors import ButtonBehavior

    least, apart = dp(64), dp(8)
    targets = [w for w, opacity in walk(root) if isinstance(w, ButtonBehavior) and opacity > 0
               and w.get_root_window() is not None]
    out = []
    for w in targets:
        if w.width < least - 0.5 or w.height < least - 0.5:
            out.append(f"{describe(w)}: {w.width:.0f}x{w.height:.0f} px, smaller than "
                       f"{least:.0f}x{least:.0f}")
        r = window_rect(w)
        if scroller(w) is None and (r[0] < -0.5 or r[1] < -0.5 or r[2] > window.width + 0.5
                                    or r[3] > window.height + 0.5):
            out.append(f"{describe(w)}: sticks out of the window at "
                       f"({r[0]:.0f}, {r[1]:.0f})-({r[2]:.0f}, {r[3]:.0f})")
    # Targets scrolled by the same ScrollView keep their distance whatever the scrolling:
    # compare them whole. Across scrollers (page against toolbar or footer) only what is on
    # screen now can be touched: compare what is visible.
    info = [(w, scroller(w), window_rect(w), visible_rect(w, window)) for w in targets]
    for i, (a, sa, ra, va) in enumerate(info):
        for b, sb, rb, vb in info[i + 1:]:
            if is_ancestor(a, b) or is_ancestor(b, a):
                continue
            if sa is sb:
                d = gap(ra, rb)
            elif va is None or vb is None:
                continue
            else:
                d = gap(va, vb)
            if d < apart - 0.5:
                what = "overlap" if d == 0 else f"are {d:.1f} px apart (less than {apart:.0f})"
                out.append(f"{describe(a)} and {describe(b)} {what}")
    return out


# ----- looking at the picture ----------------------------------------------------------------
def picture_problems(path, window) -> list[str]:
    from kivy.core.image import Image as CoreImage

    img = CoreImage(str(path), keep_data=True)
    w, h = img.texture.size
    out = []
    if (w, h) != tuple(window.size):
        out.append(f"screenshot is {w}x{h}, the window {window.width}x{window.height}")
    pixels = memoryview(img.texture.pixels).cast("I")  # one RGBA pixel per item
    colours = Counter(pixels[::3])
    background, count = colours.most_common(1)[0]
    sampled = sum(colours.values())
    ink = 1 - count / sampled
    if len(colours) < 64:
        out.append(f"screenshot has only {len(colours)} distinct colours")
    if ink < 0.03:
        out.append(f"screenshot is almost blank: {ink:.1%} of pixels differ from the "
                   f"background #{background:08x}")
    return out


# ----- the test --------------------------------------------------------------------------------
@pytest.mark.parametrize("name, lang, scale", CASES)
def test_screen_looks_right(h, tmp_path, name, lang, scale):
    screen = show(h, name, lang, scale)
    root = h.app.root
    assert screen in list(root.walk()), "the screen is in the app's tree"
    problems = picture_problems(h.screenshot(tmp_path / f"{lang}-{name}.png"), h.window)
    problems += [problem for _, problem in label_problems(root)]
    problems += target_problems(root, h.window)
    where = f"{name} in {lang} at {int(scale * 100)} %"
    assert not problems, f"{where}: {len(problems)} problems\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("lang", [c for c, x in languages.LANGUAGES.items() if x.rtl])
def test_right_to_left_screens_are_mirrored(h, lang):
    screen = show(h, "guide-all", lang)
    step = screen.steps[0]
    x = lambda w: w.to_window(*w.pos)[0]
    assert x(step.marker) > x(step.title) > x(step.toggle), "step number on the right"
    bar = h.app.toolbar.buttons
    assert x(bar["back"]) > x(bar["home"]) > x(bar["read_aloud"]), "Back on the right"
    assert bar["back"].icon.mirrored and screen.page_up.icon.mirrored, "arrows point flipped"
    assert x(screen.rail) < h.window.width / 2, "page buttons on the left"
    texts = [w for w, _ in walk(screen.page) if getattr(w, "font_direction", "") == "rtl"]
    wrong = [w.text[:40] for w in texts if w.halign not in ("right", "center")]
    assert texts and not wrong, wrong


# ----- room for the page at 200 % -----------------------------------------------------------------
# At 200 % the toolbar and the footer grow with the text; what is left for the page (the
# scrolling area between them) must stay most of the screen, or a guide shows only its
# title. Every screen a session reaches, in every language.
LEAST_PAGE_SHARE = 0.55


def page_share(h, screen) -> float:
    return screen.scroll.height / h.window.height


@pytest.mark.parametrize("name, lang", [pytest.param(s, lang, id=f"{s}-{lang}")
                                        for s in BIG_SCREENS for lang in languages.LANGUAGES])
def test_the_page_keeps_most_of_the_screen_at_200(h, name, lang):
    screen = show(h, name, lang, 2.0)
    share = page_share(h, screen)
    footer = list(screen.footer.children)
    for b in footer:
        b.texture_update()
    wrapped = [b.text for b in footer if len(b._label._cached_lines) > 1]
    assert share >= LEAST_PAGE_SHARE and not wrapped, (
        f"{name} in {lang} at 200 %: the page has {share:.0%} of the screen (toolbar "
        f"{h.app.toolbar.height:.0f} px, footer {screen.footer.height:.0f} px); footer "
        f"buttons on more than one line: {wrapped}")


# ----- the checks can fail ----------------------------------------------------------------------
def test_checks_catch_a_long_word_a_short_box_and_small_close_targets(h):
    """The checks above are not vacuous: planted faults are found."""
    from kivy.metrics import dp
    from kivy.uix.boxlayout import BoxLayout

    from kiosk.app.widgets.text import KButton, KLabel

    show(h, "home", "en")
    page = h.screen.page
    word = KLabel(text="Pneumonoultramicroscopicsilicovolcanoconiosis", size_hint=(None, None),
                  width=dp(120), height=dp(200))
    short = BoxLayout(size_hint_y=None, height=dp(20))
    short.add_widget(KLabel(text="A box too short for its text"))  # a footer button
    row = BoxLayout(size_hint_y=None, height=dp(40), spacing=dp(2))
    small = [KButton(text="a", min_height=dp(40), size_hint=(None, 1), width=dp(40))
             for _ in range(2)]
    for b in small:
        row.add_widget(b)
    for w in (word, short, row):
        page.add_widget(w)
    h.frames(3)
    labels = "\n".join(p for _, p in label_problems(h.app.root))
    assert "Pneumono" in labels and "broken" in labels, labels
    assert "A box too short" in labels, labels
    targets = "\n".join(target_problems(h.app.root, h.window))
    assert "smaller than" in targets and "px apart" in targets, targets
    bar = max(h.screen.toolbar.buttons.values(), key=lambda b: b.to_window(*b.pos)[0])
    bar.x += bar.width / 2  # the rightmost button, half off the right edge of the window
    assert "sticks out of the window" in "\n".join(target_problems(h.app.root, h.window))
    for w in (word, short, row):
        page.remove_widget(w)

    # A blank window is seen as blank.
    from kivy.graphics import Color, InstructionGroup, Rectangle

    cover = InstructionGroup()
    cover.add(Color(1, 1, 1, 1))
    cover.add(Rectangle(pos=(0, 0), size=h.window.size))
    h.app.root.canvas.after.add(cover)
    try:
        path = h.screenshot(h.data_dir / "blank.png")
        assert any("blank" in p for p in picture_problems(path, h.window))
    finally:
        h.app.root.canvas.after.remove(cover)
