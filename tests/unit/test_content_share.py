"""How much of a service or tutorial is in a language: what decides the 'in English' notice.

The bundled content is complete in every language, so the partial cases are a variant of it
with languages taken out (tests/content_variants.py), as in a centre's partial pack."""

from __future__ import annotations

from kiosk.core import content
from kiosk.core.settings import DEFAULT_CONTENT_DIR
from tests import content_variants

CATALOGUE = content.load(DEFAULT_CONTENT_DIR)


def test_share_of_an_items_text_in_a_language(tmp_path):
    # Tamil and Persian missing everywhere; Somali missing from one tutorial only.
    cat = content_variants.without(tmp_path, "ta", "fa")
    item = cat.services["register-to-vote"]
    assert content.share_in(item, "en") == 1.0
    assert content.share_in(item, "ta") == 0.0
    assert content.mostly_in(item, "ar") and content.mostly_in(item, "bn")
    assert not content.mostly_in(item, "ta") and not content.mostly_in(item, "fa")
    cat = content_variants.without(tmp_path, "so", items=["using-a-touchscreen"])
    tutorial = cat.tutorials["using-a-touchscreen"]
    assert content.mostly_in(tutorial, "ur") and not content.mostly_in(tutorial, "so")
    assert content.mostly_in(cat.tutorials["email"], "so")


def test_a_partly_translated_item_is_between(tmp_path):
    """Only the titles translated: some of the item is in the language, not most of it."""
    cat = content_variants.without(tmp_path, "ta", keep_titles=True)
    item = cat.services["register-to-vote"]
    assert 0.0 < content.share_in(item, "ta") < 0.5 and not content.mostly_in(item, "ta")


def test_a_translation_that_needs_update_counts_as_english(tmp_path):
    """Issue 18: a translation made from an older English shows in English, so it does not
    count towards the language's share."""
    import json

    folder = content_variants.copy_without(tmp_path / "stale", [])
    f = folder / "services" / "register-to-vote.json"
    data = json.loads(f.read_text(encoding="utf-8"))
    data["title"][content.NEEDS_UPDATE] = "ta"
    f.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    item = content.load(folder).services["register-to-vote"]
    assert item.title.get("ta") == item.title.get("en") and item.title.needs_update("ta")
    assert 0.5 < content.share_in(item, "ta") < 1.0


def test_the_shipped_content_is_complete_in_every_language():
    """The opposite check: the bundled content has every text in every language it lists."""
    for code in CATALOGUE.languages:
        assert CATALOGUE.share(code) == 1.0, code
        for item in [*CATALOGUE.services.values(), *CATALOGUE.tutorials.values()]:
            assert content.share_in(item, code) == 1.0, (code, item.id)
