"""How much of a service or tutorial is in a language: what decides the 'in English' notice."""

from __future__ import annotations

from kiosk.core import content
from kiosk.core.settings import DEFAULT_CONTENT_DIR

CATALOGUE = content.load(DEFAULT_CONTENT_DIR)


def test_share_of_an_items_text_in_a_language():
    item = CATALOGUE.services["register-to-vote"]
    assert content.share_in(item, "en") == 1.0
    assert content.share_in(item, "ta") == 0.0
    assert content.mostly_in(item, "ar") and content.mostly_in(item, "bn")
    assert not content.mostly_in(item, "ta") and not content.mostly_in(item, "fa")
    tutorial = CATALOGUE.tutorials["using-a-touchscreen"]
    assert content.mostly_in(tutorial, "ur") and not content.mostly_in(tutorial, "so")
