"""Numbers the code writes (durations, "Part 1 of 4", step numbers, counts, the idle
countdown) use the language's own digits, as CLDR's default numbering system says (Bengali
০১২, Persian ۰۱۲), on every screen: never Latin digits on one screen and the language's
on the next. Digits inside content texts, and in the centre's own information, are their
authors' own and are left out."""

from __future__ import annotations

import unicodedata

import pytest
from babel import Locale

from kiosk.core import content, i18n, languages
from kiosk.core.settings import DEFAULT_CONTENT_DIR, DEMO_CENTRE_CONFIG
from tests import REPO_ROOT

CATALOGUE = content.load(DEFAULT_CONTENT_DIR)
# Every language whose CLDR default numbering is not Latin, and the right-to-left ones.
LANGS = sorted({c for c in languages.LANGUAGES
                if Locale.parse(c).default_numbering_system != "latn"} | {"ar", "ur", "fa"})


def centre_strings(lang: str) -> set[str]:
    """The demo centre's own words (configuration, not content), each line of them."""
    from kiosk.core import config
    from kiosk.services.config_store import ConfigStore

    values = ConfigStore(REPO_ROOT / "no-such-dir", defaults=DEMO_CENTRE_CONFIG).values()
    out = set()
    for f in config.FIELDS.values():
        if f.translatable and f.kind == "text":
            for code in (lang, "en"):
                text, _ = config.text(values, f.key, code)
                out |= {text, *text.split("\n")}
    for link in values.get("centre.links") or ():
        out |= {link["title"], link["url"]}
    out |= set(values.get(f"centre.links.{lang}") or ())  # the titles in the language
    return out


def content_strings(lang: str) -> list[str]:
    """Everything the content (and the centre's information) may put on a label, longest
    first."""
    out = centre_strings(lang)
    for _, text in CATALOGUE.texts():
        out |= {text.get(lang), text.get("en")}
    for s in CATALOGUE.services.values():
        out.add(s.official_url)
        out |= {task.href for step in s.guide.steps for item in step.contents
                if isinstance(item, content.TaskList) for task in item.items if task.href}
    for t in CATALOGUE.tutorials.values():
        for lesson in t.lessons:
            p = lesson.practice
            if isinstance(p, content.TypeThis):
                out.add(p.answer)
            elif isinstance(p, content.RealOrScam):
                out |= {c.sender for c in p.cards}
    return sorted((s for s in out if s), key=len, reverse=True)


def foreign_digits(text: str, lang: str, strings: list[str]) -> str:
    for s in strings:
        if s in text:
            text = text.replace(s, " ")
    own = set(i18n.digits(lang))
    return "".join(c for c in text if unicodedata.decimal(c, None) is not None
                   and c not in own)


def labels(root):
    from kivy.uix.label import Label

    stack = [root]
    while stack:
        w = stack.pop()
        if isinstance(w, Label) and w.text and w.opacity > 0:
            yield w
        stack.extend(w.children)


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    from kiosk.app.harness import Harness

    harness = Harness(data_dir=tmp_path_factory.mktemp("digits"))
    yield harness
    harness.close()


def visits(h):
    """(name, how to bring the screen on) for every screen a session can show."""
    app = h.app
    yield "home", lambda: app.go("home")
    yield "services", lambda: app.go("services")
    yield "tutorials", lambda: app.go("tutorials")
    yield "help", lambda: app.go("help_here")
    for sid in CATALOGUE.services:
        yield f"start {sid}", lambda sid=sid: app.go("service", id=sid)

        def guide(sid=sid):
            app.go("guide", id=sid)
            h.frames(2)
            h.screen.toggle_all()
        yield f"guide {sid}", guide
    for tid, t in CATALOGUE.tutorials.items():
        for i in range(len(t.lessons)):
            yield f"lesson {tid} {i + 1}", lambda tid=tid, i=i: app.go("lesson", id=tid, index=i)
        yield f"done {tid}", lambda tid=tid: app.go("tutorial_done", id=tid)


def finish_practice(h):
    """Bring on what a practice shows at its end (scores, counts), without touches."""
    p = getattr(h.screen, "practice", None)
    name = type(p).__name__
    if name == "RealOrScamPractice":
        for i, card in enumerate(p.item.cards):
            p.answer(card.is_scam)
            if i + 1 < len(p.item.cards):
                p.next_card()
    h.frames(2)


@pytest.mark.parametrize("lang", LANGS)
def test_code_writes_numbers_in_the_languages_digits(h, lang):
    app = h.app
    strings = content_strings(lang)
    app.end_session("start_again")
    app.start_session()
    app.choose_language(lang)
    bad = []
    for name, bring in visits(h):
        bring()
        h.frames(3)
        finish_practice(h)
        for w in labels(app.root):
            wrong = foreign_digits(w.text, lang, strings)
            if wrong:
                bad.append(f"{name}: {w.text!r}")
    # The idle warning counts down in the language too.
    app.last_activity = -1e9
    app.tick_idle()
    h.frames(2)
    for modal in app._modals:
        for w in labels(modal):
            if foreign_digits(w.text, lang, strings):
                bad.append(f"idle warning: {w.text!r}")
    app.end_session("start_again")
    assert not bad, f"{lang} ({i18n.digits(lang)}): {len(bad)} labels with other digits:\n  " \
        + "\n  ".join(bad[:15])


def test_the_scan_sees_latin_digits_from_code(h):
    strings = content_strings("bn")
    assert foreign_digits("৪টির মধ্যে 1 নম্বর অংশ", "bn", strings) == "1"
    assert foreign_digits("প্রায় ৫ মিনিট", "bn", strings) == ""
    tutorial = CATALOGUE.tutorials["using-a-touchscreen"]
    assert foreign_digits(tutorial.title.get("bn") + " ১", "bn", strings) == ""
