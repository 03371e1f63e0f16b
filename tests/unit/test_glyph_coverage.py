"""No missing-glyph boxes: every interface string, content text, text of the demo centre's
configuration and keyboard key of a language is covered by the font the kiosk uses for that
language (read with fontTools)."""

from __future__ import annotations

from functools import cache

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

from kiosk.core import content, i18n, keyboards, languages
from kiosk.core.settings import DEFAULT_CONTENT_DIR, DEMO_CENTRE_CONFIG
from tests import REPO_ROOT

FONTS = REPO_ROOT / "assets" / "fonts"
# Characters a renderer handles without a glyph of their own.
INVISIBLE = {"\n", "\t", "\u200c", "\u200d", "\u200e", "\u200f", "\u00ad"}


@cache
def cmap(font: str) -> frozenset[int]:
    return frozenset(TTFont(FONTS / font).getBestCmap())


def missing(text: str, lang: languages.Language) -> set[str]:
    chars = {c for c in text if c not in INVISIBLE and not c.isspace()}
    out = set()
    for font in (lang.font, lang.font_bold):
        out |= {c for c in chars if ord(c) not in cmap(font)}
    return out


def catalogue_strings(code: str) -> list[str]:
    """Every interface string of a language: the citizens' (kiosk.po) and the staff
    panel's (staff.po)."""
    out = []
    for domain in i18n.DOMAINS:
        out += _strings(code, domain)
    return out


def _strings(code: str, domain: str) -> list[str]:
    po = i18n.LOCALE_DIR / code / "LC_MESSAGES" / f"{domain}.po"
    if not po.exists():
        return []
    with po.open("rb") as f:
        cat = read_po(f, locale=code)
    out = []
    for m in cat:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, (list, tuple)) else [m.id]
        strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        out += [s for s in (*ids, *strings) if s]
    return out


CATALOGUE = content.load(DEFAULT_CONTENT_DIR)


@pytest.mark.parametrize("code", list(languages.LANGUAGES))
def test_interface_strings_have_glyphs(code):
    lang = languages.get(code)
    bad = {s: missing(s, lang) for s in catalogue_strings(code)}
    bad = {s: m for s, m in bad.items() if m}
    assert not bad, f"{code}: {len(bad)} strings with characters the font lacks: " + \
        "; ".join(f"{s[:40]!r} lacks {sorted(m)}" for s, m in list(bad.items())[:5])


@pytest.mark.parametrize("code", list(languages.LANGUAGES))
def test_content_texts_have_glyphs(code):
    lang = languages.get(code)
    bad = []
    for item_id, text in CATALOGUE.texts():
        shown, shown_lang = text.get(code), text.lang_for(code)
        m = missing(shown, languages.get(shown_lang))
        if m:
            bad.append(f"{item_id}: {shown[:40]!r} lacks {sorted(m)}")
    assert not bad, f"{code} ({lang.english_name}): " + "; ".join(bad[:5])


@pytest.mark.parametrize("code", list(languages.LANGUAGES))
def test_demo_centre_texts_have_glyphs(code):
    """The demo centre's information is configuration now, not content: the same check."""
    from kiosk.core import config
    from kiosk.services.config_store import ConfigStore

    values = ConfigStore(REPO_ROOT / "no-such-dir", defaults=DEMO_CENTRE_CONFIG).values()
    bad = []
    for f in config.FIELDS.values():
        if f.translatable and f.kind == "text" and values.get(f.key):
            shown, shown_lang = config.text(values, f.key, code)
            m = missing(shown, languages.get(shown_lang))
            if m:
                bad.append(f"{f.key}: {shown[:40]!r} lacks {sorted(m)}")
    for title in values.get(f"centre.links.{code}") or ():  # the local links' titles
        m = missing(title, languages.get(code))
        if m:
            bad.append(f"centre.links.{code}: {title!r} lacks {sorted(m)}")
    assert values.get("centre.name") and not bad, "; ".join(bad[:5])


@pytest.mark.parametrize("code,inscript", [(c, False) for c in languages.LANGUAGES] +
                         [(c, True) for c, lang in languages.LANGUAGES.items()
                          if lang.keyboard in languages.INSCRIPT])
def test_keyboard_keys_have_glyphs(code, inscript):
    lang = languages.get(code)
    layout = keyboards.load(lang.keyboard_layout(inscript))
    keys = "".join(k + layout.shifted(k, code) for row in layout.rows for k in row)
    face = lang if layout.script != "Latn" else languages.get("en")
    assert not missing(keys + layout.switch_label, face)


def test_every_language_has_a_keyboard_that_loads():
    for lang in languages.LANGUAGES.values():
        layout = keyboards.load(lang.keyboard)
        assert layout.script in (lang.script, "Latn")
        assert sum(len(r) for r in layout.rows) >= 26


def test_the_check_finds_a_missing_glyph():
    assert missing("ক", languages.get("en")) == {"ক"}
    assert missing("gov.uk", languages.get("bn")) == set()  # merged fonts carry Latin


def test_broken_layout_is_refused(tmp_path, monkeypatch):
    (tmp_path / "bad.json").write_text('{"name": "bad", "script": "Latn", "direction": "ltr",'
                                       ' "rows": [["a", "b"], []]}')
    monkeypatch.setattr(keyboards, "KEYBOARD_DIR", tmp_path)
    keyboards.load.cache_clear()
    try:
        with pytest.raises(keyboards.LayoutError, match=r"rows\[1\]"):
            keyboards.load("bad")
    finally:
        keyboards.load.cache_clear()


@pytest.mark.parametrize("code", list(languages.LANGUAGES))
def test_numbers_the_code_writes_have_glyphs(code):
    """The language's own digits and separators (i18n.number) are in its font."""
    lang = languages.get(code)
    assert not missing(i18n.digits(code) + i18n.number(1234567, code), lang)
