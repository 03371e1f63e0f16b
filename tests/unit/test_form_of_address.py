"""One form of address throughout each language, and digits as the language writes them
(issue 16): the known slips stay fixed.

- Romanian addresses the citizen politely ("dumneavoastră") everywhere: no "tu" forms.
- Polish addresses the citizen with gender-neutral words: no masculine-only past tense
  ("zrobiłeś", "Skończyłem"), in content or in the interface the content quotes.
- Numbers inside content text are in the language's own digits where the interface's are
  (Bengali, Persian), except what the citizen dials, types or meets in Latin letters
  (kiosk.core.digits). A language not translated yet is skipped."""

from __future__ import annotations

import re

import polib
import pytest

from kiosk.core import content, digits, i18n, languages, po
from kiosk.core.settings import DEFAULT_CONTENT_DIR
from tests import REPO_ROOT

CATALOGUE = content.load(DEFAULT_CONTENT_DIR)

# Romanian informal (second person singular) words: pronouns and verbs that only "tu" takes.
RO_INFORMAL = re.compile(r"(?i)(?<![\w-])(tu|ești|poți|vrei|îți|ție|tău|tăi|te|ți|știi|"
                         r"ai nevoie|ai primit|ai terminat|ai scris|ai făcut)(?![\w])")
# Polish masculine-only past tense in the second person (the citizen) and first person (the
# citizen's own words on buttons): neutral forms exist ("co zostało zrobione", "Gotowe").
PL_MASCULINE_YOU = re.compile(r"\b\w+(?:łeś|łbyś)\b", re.IGNORECASE)
PL_MASCULINE_I = re.compile(r"\b\w+łem\b")
PL_NOT_VERBS = {"działem"}  # a department (dział), not a verb


def texts(lang: str):
    for item_id, text in CATALOGUE.texts():
        if text.has(lang):
            yield item_id, text.by_lang[lang]


def test_romanian_is_polite_throughout():
    # A scam message in the practice is its sender's voice ("Hi Mum"), not the kiosk's.
    wrong = [f"{p.context}: {m.group(0)!r} in {p.by_lang['ro'][:80]!r}"
             for p in po.places(DEFAULT_CONTENT_DIR) if p.by_lang.get("ro")
             and not re.search(r"/cards/\d+/message$", p.pointer)
             for m in [RO_INFORMAL.search(p.by_lang["ro"])] if m]
    assert not wrong, f"{len(wrong)} Romanian texts say 'tu':\n" + "\n".join(wrong)


def test_polish_does_not_assume_the_citizen_is_a_man():
    wrong = [f"{i}: {m!r}" for i, t in texts("pl") for m in PL_MASCULINE_YOU.findall(t)]
    ui = polib.pofile(REPO_ROOT / "kiosk/locale/pl/LC_MESSAGES/kiosk.po")
    for e in ui:
        said = " ".join([e.msgstr, *e.msgstr_plural.values()])
        wrong += [f"kiosk.po {e.msgid!r}: {m!r}" for m in PL_MASCULINE_YOU.findall(said)]
        wrong += [f"kiosk.po {e.msgid!r}: {m!r}" for m in PL_MASCULINE_I.findall(said)
                  if m not in PL_NOT_VERBS]
    assert not wrong, "masculine-only forms where a neutral one exists:\n" + "\n".join(wrong)


def keys_of(item) -> frozenset[str]:
    """The digits a tutorial asks the citizen to type, as keys ("type E, then 1")."""
    found: set[str] = set()
    for lesson in getattr(item, "lessons", ()):
        if isinstance(lesson.practice, content.TypeThis):
            found |= set(re.findall(r"\d+", lesson.practice.answer))
    return frozenset(found)


OWN_DIGITS = [c for c in languages.LANGUAGES if i18n.digits(c)[0] != "0"]


def test_the_languages_with_their_own_digits():
    assert {"bn", "fa"} <= set(OWN_DIGITS)


@pytest.mark.parametrize("lang", OWN_DIGITS)
def test_content_numbers_are_in_the_languages_digits(lang):
    if CATALOGUE.share(lang) < 0.5:
        pytest.skip(f"{lang}: the content is not translated yet")
    wrong = []
    for item in (*CATALOGUE.services.values(), *CATALOGUE.tutorials.values()):
        keys = keys_of(item)
        for _, text in content._walk_texts(item.id, item):
            if text.has(lang):
                bad = digits.misplaced(text.by_lang[lang], lang, keys)
                if bad:
                    wrong.append(f"{item.id}: {bad} in {text.by_lang[lang][:70]!r}")
    assert not wrong, (f"{lang}: numbers in Latin digits ({len(wrong)} texts; "
                       "kiosk.core.digits.localise fixes them):\n" + "\n".join(wrong))


@pytest.mark.parametrize("text,lang,expected", [
    ("ফি £35 লাগে, প্রায় 5 মিনিট, 20% ছাড়", "bn", "ফি £৩৫ লাগে, প্রায় ৫ মিনিট, ২০% ছাড়"),
    ("۱۰:۲۰ یا 10:20 و £94.50", "fa", "۱۰:۲۰ یا ۱۰:۲۰ و £۹۴.۵۰"),
    # kept: a phone number, a code to type, an address, Latin beside it, a key
    ("0300 200 3500 নম্বরে ফোন করুন", "bn", "0300 200 3500 নম্বরে ফোন করুন"),
    ("কোড 482915 টাইপ করুন", "bn", "কোড 482915 টাইপ করুন"),
    ("gov.uk/2 এবং NHS 111 এবং P60-এ এবং (60+ London)", "bn",
     "gov.uk/2 এবং NHS 111 এবং P60-এ এবং (60+ London)"),
    ("১৮ বছর", "bn", "১৮ বছর"),
    ("Tap 5 times", "pl", "Tap 5 times"),  # a language whose digits are Latin
])
def test_localise(text, lang, expected):
    assert digits.localise(text, lang) == expected
    assert not digits.misplaced(expected, lang)
