"""Reading aloud a guide in a translated language reads the page, content included, with
that language's voice; a language without an offline voice (Somali) is the one place that
says so (languages.py, voice None) and the kiosk tells the citizen in their language."""

from __future__ import annotations

import pytest

from kiosk.core import languages


def open_guide(h, lang):
    h.app.start_session()
    h.app.choose_language(lang)
    h.app.go("guide", id="register-to-vote")
    h.frames(2)


@pytest.mark.parametrize("lang", ["ar", "bn"])
def test_a_guide_is_read_with_its_languages_voice_content_included(kiosk, lang):
    h = kiosk
    open_guide(h, lang)
    h.app.toggle_read_aloud()
    said, voice = h.speech.said[-1]
    assert voice == lang
    guide = h.app.catalogue.services["register-to-vote"].guide
    assert guide.title.get(lang) in said and guide.introduction.get(lang) in said


def test_the_languages_without_a_voice_are_listed_in_one_place(kiosk):
    without = [c for c, lang in languages.LANGUAGES.items() if lang.voice is None]
    assert without == ["so"]
    h = kiosk
    open_guide(h, "so")
    h.app.toggle_read_aloud()
    assert not h.speech.said  # no voice: nothing is read in another language's voice
    h.frames(2)
    told = h.app._modals[-1].read_aloud_text()
    assert "Dhegeysigu weli laguma heli karo af Soomaali" in told  # said in Somali
