"""Typing in every language on the kiosk's own keyboard: the language's keys, a switch to
Latin for addresses and emails, and typed Arabic and Tamil shown shaped."""

from __future__ import annotations

import unicodedata

import pytest

from kiosk.app.widgets.keyboard import OnScreenKeyboard, TypedField
from kiosk.core import bidi, keyboards, languages


def typing_screen(h, lang):
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    if lang != "en":
        h.app.switch_language(lang)
    h.frames(2)
    field = TypedField()
    kb = OnScreenKeyboard(field, native=languages.get(lang).keyboard)
    h.screen.page.add_widget(field)
    h.screen.page.add_widget(kb)
    h.frames(3)
    return field, kb


@pytest.mark.parametrize("code", list(languages.LANGUAGES))
def test_each_language_types_its_own_letters_and_latin(kiosk, code):
    h = kiosk
    field, kb = typing_screen(h, code)
    layout = keyboards.load(languages.get(code).keyboard)
    letters = [k for row in layout.rows for k in row][:3]
    for ch in letters:
        h.tap(kb.keys[ch])
    assert field.text == "".join(letters)
    if layout.name != "latin":
        h.tap(kb.keys["switch"])
        assert kb.layout_name == "latin" and field.text_lang == "en"
        for ch in "e1":
            h.tap(kb.keys[ch])
        h.tap(kb.keys["switch"])
        assert kb.layout_name == layout.name
        assert field.text == "".join(letters) + "e1"
    else:
        assert "switch" not in kb.keys
    h.tap(kb.keys["delete"])
    assert field.text.endswith(("e", letters[-2]))


def test_turkish_capital_i_has_its_dot(kiosk):
    h = kiosk
    field, kb = typing_screen(h, "tr")
    h.tap(kb.keys["shift"])
    h.tap(kb.keys["i"])
    h.tap(kb.keys["ı"])
    assert field.text == "İı"


def test_on_the_latin_layout_a_turkish_citizen_can_type_a_capital_i(kiosk):
    """The English letters have no dotless ı: there Capital + i must give I, or the email
    lesson's "Yes I can come on Monday" cannot be typed (the soak found a learner stuck on
    it for 26,000 tries: Capital + i gave the Turkish İ)."""
    h = kiosk
    field, kb = typing_screen(h, "tr")
    h.tap(kb.keys["switch"])
    assert kb.layout_name == "latin"
    h.tap(kb.keys["shift"])
    assert kb.shift_key is not None
    h.tap(kb.keys["i"])
    assert field.text == "I"


@pytest.mark.parametrize("code,word", [("ar", "سلام"), ("ta", "தமிழ்"), ("bn", "বাংলা"),
                                        ("ur", "اردو")])
def test_typed_script_is_shaped(kiosk, tmp_path, code, word):
    """The typed word, drawn by the field's label, is as wide as the shaped word and its ink
    fills the label (unshaped, Arabic is far wider and Tamil clipped)."""
    from kivy.core.text import Label as CoreLabel

    h = kiosk
    field, kb = typing_screen(h, code)
    for ch in keyboards_split(word):
        h.tap(kb.keys[ch])
    assert field.text == word
    label = field.shown
    assert label.font_script_name == languages.get(code).script
    assert label.font_direction == languages.get(code).direction
    h.frames(2)
    reference = CoreLabel(text=bidi.with_caret(word), font_name=label.font_name,
                          font_size=label.font_size, font_script_name=label.font_script_name,
                          font_direction=label.font_direction)
    reference.refresh()
    assert abs(label.texture_size[0] - reference.texture.size[0]) <= 2
    h.screenshot(tmp_path / f"typed-{code}.png")


def keyboards_split(word: str) -> list[str]:
    """A word as the keys that type it (one code point each; our layouts have no
    multi-character keys for these words)."""
    return list(word)


def test_somali_reaches_the_apostrophe_first(kiosk):
    """Somali writes its glottal stop with an apostrophe (lo', ba'an): the key is the first
    of the top row on its own layout, as big as a letter, and types straight in."""
    h = kiosk
    field, kb = typing_screen(h, "so")
    layout = keyboards.load("somali")
    assert layout.rows[0][0] == "'"
    apostrophe, q = kb.keys["'"], kb.keys["q"]
    row = apostrophe.parent
    assert row is q.parent and row.key_rect(apostrophe.index)[2] == row.key_rect(q.index)[2]
    assert apostrophe.index == 0
    for ch in "lo'":
        h.tap(kb.keys[ch])
    assert field.text == "lo'"


@pytest.mark.parametrize("code", ["bn", "gu", "pa", "ta"])
def test_inscript_is_the_centres_choice_for_indian_scripts(kiosk, code):
    """With typing.inscript on, the keys are in InScript's places (India's standard): the
    key where QWERTY has "k" types KA, and with More letters its aspirate (KHA)."""
    import dataclasses

    from kiosk.app.widgets.keyboard import keyboard_for

    h = kiosk
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    h.app.switch_language(code)
    h.app.offer = dataclasses.replace(h.app.offer, inscript=True)
    field = TypedField()
    h.screen.page.add_widget(field)
    kb = keyboard_for(field)
    h.screen.page.add_widget(kb)
    h.frames(3)
    layout = keyboards.load(kb.layout_name)
    assert kb.layout_name == languages.get(code).keyboard + "-inscript"
    ka = layout.rows[1][7]  # QWERTY's "k"
    assert unicodedata.name(ka).endswith("LETTER KA")
    h.tap(kb.keys[ka])
    h.tap(kb.keys["shift"])
    assert kb.keys["shift"].text == h.app.tr("More letters") != "More letters"
    h.tap(kb.keys[ka])
    expected = "LETTER KA" if code == "ta" else "LETTER KHA"  # Tamil has no aspirates
    assert unicodedata.name(field.text[0]).endswith("LETTER KA")
    assert unicodedata.name(field.text[1]).endswith(expected)
    h.app.offer = dataclasses.replace(h.app.offer, inscript=False)
    kb = keyboard_for(field)
    assert kb.layout_name == languages.get(code).keyboard  # alphabetical again


@pytest.mark.parametrize("name", list(languages.INSCRIPT))
def test_inscript_layouts_reach_every_letter(name):
    """Every key of the alphabetical layout can be typed on the InScript one, on either
    layer (a letter with a nukta as the letter then the nukta key)."""
    alpha, ins = keyboards.load(name), keyboards.load(f"{name}-inscript")
    reach = {unicodedata.normalize("NFC", k) for rows in (ins.rows, ins.shift_rows)
             for r in rows for k in r}
    missing = [k for r in alpha.rows for k in r
               if unicodedata.normalize("NFC", k) not in reach
               and not (len(unicodedata.normalize("NFD", k)) == 2
                        and set(unicodedata.normalize("NFD", k)) <= reach)]
    assert not missing, f"{name}-inscript cannot type {missing}"
