"""Interface catalogues: complete enough, plural forms as CLDR has them, numbers by Babel."""

from __future__ import annotations

import pytest
from babel import Locale
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from kiosk.core import i18n, languages

OTHERS = [c for c in languages.LANGUAGES if c != "en"]


@pytest.mark.parametrize("code", OTHERS)
def test_every_language_is_at_least_95_percent_translated(code):
    done, total = i18n.completeness()[code]
    assert total > 50 and done / total >= 0.95, f"{code}: {done}/{total}"


@pytest.mark.parametrize("code", OTHERS)
def test_plural_forms_follow_cldr(code):
    with (i18n.LOCALE_DIR / code / "LC_MESSAGES" / "kiosk.po").open("rb") as f:
        catalog = read_po(f, locale=code)
    # Babel's gettext plural table for the language (from CLDR; whole numbers only).
    assert catalog.num_plurals == get_plural(code).num_plurals
    assert catalog.plural_expr == get_plural(code).plural_expr
    # Every whole-number category CLDR names for the language is one of the forms.
    categories = {Locale.parse(code).plural_form(n) for n in range(200)}
    assert len(categories) <= catalog.num_plurals


@pytest.mark.parametrize("code", OTHERS)
def test_catalogue_header_asks_for_native_review(code):
    text = (i18n.LOCALE_DIR / code / "LC_MESSAGES" / "kiosk.po").read_text(encoding="utf-8")
    assert "NEEDS REVIEW" in text.split('msgid ""')[0]


@pytest.mark.parametrize("domain", i18n.DOMAINS)
@pytest.mark.parametrize("code", OTHERS)
def test_placeholders_survive_translation(code, domain):
    import re

    with (i18n.LOCALE_DIR / code / "LC_MESSAGES" / f"{domain}.po").open("rb") as f:
        catalog = read_po(f, locale=code)
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, (list, tuple)) else [m.id]
        wanted = set(re.findall(r"\{\w+\}", ids[0]))
        for s in (m.string if isinstance(m.string, (list, tuple)) else [m.string]):
            if s:
                assert set(re.findall(r"\{\w+\}", s)) == wanted, (code, m.id, s)


def test_translations_are_used_and_english_is_the_source():
    assert i18n.tr("Home", "en") == "Home"
    assert i18n.tr("Home", "ar") != "Home" and i18n.tr("Home", "ar")
    one, few = "The screen will clear in {n} second.", "The screen will clear in {n} seconds."
    assert i18n.ntr(one, few, 5, "pl") != i18n.ntr(one, few, 2, "pl")  # Polish: many vs few


def test_numbers_are_written_the_languages_way():
    assert i18n.number(1234, "en") == "1,234"
    assert i18n.number(1234, "pl") == "1\xa0234"


@pytest.mark.parametrize("lang, n, written", [
    ("bn", 5, "৫"), ("bn", 1234, "১,২৩৪"), ("fa", 1, "۱"), ("fa", 1234, "۱٬۲۳۴"),
    ("en", 1234, "1,234"), ("ta", 12, "12"), ("gu", 12, "12"), ("pa", 12, "12"),
])
def test_numbers_use_the_languages_own_digits(lang, n, written):
    """CLDR's default numbering system for the language (Bengali and Persian have their own
    digits by default; Arabic, Urdu, Tamil, Gujarati and Punjabi write Latin ones)."""
    assert i18n.number(n, lang) == written
    assert set(written) - set(",٬") <= set(i18n.digits(lang))


@pytest.mark.parametrize("lang", list(languages.LANGUAGES))
def test_every_language_has_ten_digits_in_its_numbering(lang):
    digits = i18n.digits(lang)
    assert len(digits) == 10 and i18n.number(7, lang) == digits[7]
    system = Locale.parse(lang).default_numbering_system
    assert (digits == "0123456789") == (system == "latn")


def test_the_staff_panel_has_its_own_catalogue_that_falls_back_to_english():
    """The staff panel's words (domain `staff`) do not count against citizens' 95 %: a
    language without them shows the panel in English."""
    assert i18n.tr("Sync now", "ar", i18n.STAFF) != "Sync now"
    # A word a catalogue does not have (every language's staff.po may be complete) is English.
    assert i18n.tr("A staff word no catalogue has", "so", i18n.STAFF) == \
        "A staff word no catalogue has"
    assert i18n.tr("Sync now", "ar") == "Sync now", "not in the citizens' catalogue"
    done, total = i18n.completeness(i18n.STAFF)["ar"]
    assert total > 150 and done == total
    for code in OTHERS:
        assert (i18n.LOCALE_DIR / code / "LC_MESSAGES" / "staff.po").exists(), code


@pytest.mark.parametrize(("domain", "keywords"), [
    ("kiosk", ["-k", "tr", "-k", "fmt", "-k", "ntr:1,2", "-k", "N_"]),
    ("staff", ["-k", "st", "-k", "sfmt", "-k", "stn:1,2"]),
])
def test_every_string_in_the_code_is_in_its_template(tmp_path, domain, keywords):
    """A string added to the code but not to the .pot never reaches a translator: the
    completeness checks above compare catalogues with the template, not with the code."""
    import subprocess
    import sys
    from pathlib import Path

    from tests import REPO_ROOT

    out = tmp_path / f"{domain}.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F",
                    "babel.cfg", *keywords, "--no-default-keywords", "--omit-header", "-o",
                    str(out), "."], cwd=REPO_ROOT, check=True, capture_output=True,
                   timeout=120)
    with out.open("rb") as f:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with (REPO_ROOT / "kiosk" / "locale" / f"{domain}.pot").open("rb") as f:
        in_template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert sorted(in_code - in_template) == []
