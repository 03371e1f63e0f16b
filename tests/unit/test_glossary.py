"""Each language's glossary (docs/translation/LANG.json) and the content's use of it.

A term applies to a text when the English holds it as a whole word or phrase (any case),
except inside a longer term that applies there ("Council Tax" is not also "council"). A
button's name applies where the English tells the citizen to tap it ("tap Continue"), so
that the ordinary word "back" or "home" is not held to the button's name. Where a term
applies, the translation holds at least one of the term's `forms` (inflected stems). A
language whose content is not translated yet is skipped, not failed; so is a text not yet
translated."""

from __future__ import annotations

import json
import re
from functools import cache

import polib
import pytest

from kiosk.core import content, languages
from kiosk.core.settings import DEFAULT_CONTENT_DIR
from tests import REPO_ROOT

GLOSSARIES = REPO_ROOT / "docs" / "translation"
REQUIRED = ("Universal Credit", "Council Tax", "GP", "NHS number", "National Insurance number",
            "council", "GOV.UK")
CATALOGUE = content.load(DEFAULT_CONTENT_DIR)
LANGS = sorted(p.stem for p in GLOSSARIES.glob("*.json") if p.stem in languages.LANGUAGES)


@cache
def glossary(lang: str) -> dict:
    return json.loads((GLOSSARIES / f"{lang}.json").read_text(encoding="utf-8"))


@cache
def catalogue_msgids() -> frozenset[str]:
    return frozenset(e.msgid for e in polib.pofile(REPO_ROOT / "kiosk/locale/kiosk.pot"))


@cache
def interface(lang: str) -> dict[str, str]:
    po = polib.pofile(REPO_ROOT / f"kiosk/locale/{lang}/LC_MESSAGES/kiosk.po")
    return {e.msgid: e.msgstr for e in po if e.msgstr and not e.obsolete}


def is_button(term: dict) -> bool:
    return term["en"] not in REQUIRED and term["en"] in catalogue_msgids()


def pattern(term: dict) -> re.Pattern:
    name = re.escape(term["en"])
    if is_button(term):  # "tap Continue", "tap the Check my typing button"
        return re.compile(rf"\b[Tt]ap (?:the )?({name})\b")
    return re.compile(rf"(?<![\w.])({name})(?![\w])", re.IGNORECASE)


def applying(terms: list[dict], english: str) -> list[dict]:
    """The terms that apply to an English text: longest first, none inside another's place."""
    taken: list[tuple[int, int]] = []
    out = []
    for term in sorted(terms, key=lambda t: -len(t["en"])):
        spans = [m.span(1) for m in pattern(term).finditer(english)]
        free = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in taken)]
        taken += spans
        if free:
            out.append(term)
    return out


def translated(lang: str) -> bool:
    return CATALOGUE.share(lang) >= 0.5


@pytest.mark.parametrize("lang", LANGS)
def test_the_glossary_is_well_formed(lang):
    g = glossary(lang)
    assert g["language"] == lang
    assert isinstance(g["form_of_address"], str) and g["form_of_address"].strip()
    ens = [t["en"] for t in g["terms"]]
    missing = [r for r in REQUIRED if r.lower() not in {e.lower() for e in ens}]
    assert not missing, f"{lang}: the glossary lacks {missing}"
    assert len(ens) == len(set(ens)), f"{lang}: a term is there twice"
    for t in g["terms"]:
        assert {"en", "translation", "forms"} <= set(t), t
        assert t["translation"].strip() and isinstance(t.get("keep_english", False), bool), t
        assert t["forms"] and all(isinstance(f, str) and f.strip() for f in t["forms"]), t


@pytest.mark.parametrize("lang", LANGS)
def test_button_names_are_the_interfaces(lang):
    """A button quoted in the glossary is written as the interface's catalogue shows it."""
    ui = interface(lang)
    wrong = [f"{t['en']!r}: glossary {t['translation']!r}, interface {ui[t['en']]!r}"
             for t in glossary(lang)["terms"] if is_button(t) and t["en"] in ui
             and ui[t["en"]] != t["translation"]]
    assert not wrong, f"{lang}: " + "; ".join(wrong)


@pytest.mark.parametrize("lang", LANGS)
def test_content_uses_the_glossary(lang):
    if not translated(lang):
        pytest.skip(f"{lang}: the content is not translated yet")
    terms = glossary(lang)["terms"]
    wrong = []
    for item_id, text in CATALOGUE.texts():
        if not text.has(lang):
            continue
        said = text.by_lang[lang]
        for term in applying(terms, text.by_lang["en"]):
            if not any(f.lower() in said.lower() for f in term["forms"]):
                wrong.append(f"{item_id}: {term['en']!r} (one of {term['forms']}) is not in "
                             f"{said[:90]!r}")
    assert not wrong, f"{lang}: {len(wrong)} texts do not use the glossary:\n" + "\n".join(wrong)


@pytest.mark.parametrize("lang", LANGS)
def test_official_english_names_are_kept_beside_the_translation(lang):
    """A term kept in English (keep_english) is there in English (one of its forms in Latin
    letters), at least once in every item whose English names it, so the citizen recognises
    it on the official service."""
    if not translated(lang):
        pytest.skip(f"{lang}: the content is not translated yet")
    kept = [t for t in glossary(lang)["terms"] if t.get("keep_english")]
    wrong = []
    for item in (*CATALOGUE.services.values(), *CATALOGUE.tutorials.values()):
        texts = [t for _, t in content._walk_texts(item.id, item) if t.has(lang)]
        for term in kept:
            p = pattern(term)
            english = [f.lower() for f in term["forms"] if f.isascii()] or [term["en"].lower()]
            if any(p.search(t.by_lang["en"]) for t in texts) and \
                    not any(f in t.by_lang[lang].lower() for t in texts for f in english):
                wrong.append(f"{item.id}: {term['en']!r}")
    assert not wrong, f"{lang}: the English name is never given: " + ", ".join(wrong)


def test_the_applying_rule():
    terms = [{"en": "Council Tax"}, {"en": "council"}, {"en": "Continue"}, {"en": "Finish"},
             {"en": "Finish and clear"}]
    names = lambda s: sorted(t["en"] for t in applying(terms, s))
    assert names("Pay your Council Tax.") == ["Council Tax"]
    assert names("Your council sends the Council Tax bill.") == ["Council Tax", "council"]
    assert names("Then tap Continue.") == ["Continue"]
    assert names("Continue to the next page.") == []  # not the button: no "tap"
    assert names("Tap Finish and clear.") == ["Finish and clear"]
