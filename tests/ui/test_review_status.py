"""Each language's review status (content.json's "review"), as the staff panel shows it beside
the language: how much of the guides and tutorials is translated, and whether a native
speaker has reviewed it, by whom and when (issue 16)."""

from __future__ import annotations

from kiosk.app.widgets.text import KLabel
from kiosk.core import content
from tests.ui.conftest import find
from tests.ui.staff import open_panel, section, set_pin


def texts_of(widget) -> list[str]:
    return [w.text for w in find(widget, KLabel)]


def names_box(panel, code):
    toggle = panel.rows["languages.offered"].lines[code]["toggle"]
    return toggle.parent  # the line: toggle, names (with the review lines), buttons


def test_the_panel_shows_each_languages_share_and_review(tmp_path):
    """On a pack where Tamil is missing and Polish is partial (only each service's and
    tutorial's title is translated): the bundled content is complete in every language, which
    would leave nothing but "100 %" to show."""
    from tests import content_variants

    cat = content_variants.without(tmp_path, "pl", "ta", keep_titles=["pl"])
    assert 0 < cat.share("pl") < 1 and cat.share("ta") == 0 and cat.share("ar") == 1
    h = content_variants.harness(tmp_path, cat)
    try:
        cat.review_by_lang["pl"] = content.Review("reviewed", by="Anna Nowak",
                                                  date="2026-11-20")
        check(h, cat)
    finally:
        h.close()


def check(h, cat):
    set_pin(h)
    open_panel(h)
    panel = section(h, "languages")
    pl = texts_of(names_box(panel, "pl"))
    assert f"Guides and tutorials: {int(cat.share('pl') * 100)} % translated" in pl
    assert 0 < int(cat.share("pl") * 100) < 100, "a share that is neither all nor nothing"
    assert "Reviewed by Anna Nowak, 2026-11-20" in pl
    ar = texts_of(names_box(panel, "ar"))
    assert "Not yet reviewed by a native speaker" in ar
    english = texts_of(names_box(panel, "en"))
    assert not any("review" in t.lower() or "Guides" in t for t in english)
    untranslated = [c for c in cat.languages if c != "en" and cat.share(c) == 0]
    assert untranslated == ["ta"], untranslated  # Tamil, missing from this pack
    for code in untranslated:  # a language with nothing translated says so, nothing more
        said = texts_of(names_box(panel, code))
        assert "Guides and tutorials: not translated yet" in said
        assert "Not yet reviewed by a native speaker" not in said
