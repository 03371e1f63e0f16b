"""A practice button never carries a word of the kiosk's own controls: a first-time user
told to tap "Home" must not find two Home buttons, one of which leaves the lesson."""

from __future__ import annotations

import string

import pytest

from kiosk.core import content, i18n
from kiosk.core.settings import DEFAULT_CONTENT_DIR

CATALOGUE = content.load(DEFAULT_CONTENT_DIR)
# The toolbar's words (Read aloud shows Stop reading while it reads), and the page buttons.
CONTROLS = ("Back", "Home", "Finish and clear", "Language", "Text size", "Contrast", "Read aloud",
            "Stop reading", "Help", "Up", "Down")
CONTENT_LANGS = sorted({lang for _, t in CATALOGUE.texts() for lang in t.by_lang})
PUNCTUATION = string.punctuation + "«»“”„‘’‚،۔।."


def norm(s: str) -> str:
    return " ".join(s.casefold().strip().strip(PUNCTUATION).split())


def practice_labels(lang: str):
    """(tutorial, lesson, label) for every button text a practice shows."""
    for t in CATALOGUE.tutorials.values():
        for i, lesson in enumerate(t.lessons):
            p = lesson.practice
            if isinstance(p, content.TapTarget):
                texts = [target.label for target in p.targets]
            elif isinstance(p, content.ChooseAnswer):
                texts = [o.text for o in p.options]
            else:
                continue
            for text in texts:
                yield t.id, i, text.get(lang)


def test_the_content_has_the_languages_looked_at():
    assert {"en", "ar", "ur", "bn", "pl", "ro"} <= set(CONTENT_LANGS)


@pytest.mark.parametrize("lang", CONTENT_LANGS)
def test_no_practice_button_is_labelled_like_a_control(lang):
    words = {norm(i18n.tr(w, lang)) for w in CONTROLS} | {norm(w) for w in CONTROLS}
    clashes = [f"{tid} lesson {i + 1}: {label!r}" for tid, i, label in practice_labels(lang)
               if norm(label) in words]
    assert not clashes, f"{lang}: practice buttons named like the kiosk's controls: " + \
        "; ".join(clashes)
