"""Every text colour in both themes keeps WCAG AA contrast (4.5:1) on what it is drawn on."""

from __future__ import annotations

import pytest

from kiosk.core import theme


def test_contrast_formula():
    assert theme.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert theme.contrast("#777777", "#777777") == pytest.approx(1.0)
    # GOV.UK's link blue on white is documented as about 5.2:1.
    assert theme.contrast("#1d70b8", "#ffffff") == pytest.approx(5.17, abs=0.05)


def test_both_themes_are_checked():
    assert set(theme.THEMES) == {"standard", "high_contrast"}


@pytest.mark.parametrize("name", sorted(theme.THEMES))
def test_every_text_pair_has_enough_contrast(name):
    pairs = theme.pairs(theme.THEMES[name])
    assert len(pairs) >= 10
    low = [(what, fg, bg, round(theme.contrast(fg, bg), 2)) for what, fg, bg in pairs
           if theme.contrast(fg, bg) < 4.5]
    assert not low, f"{name}: below 4.5:1: {low}"


def test_pairs_cover_every_text_colour():
    """A text colour added to Theme but left out of pairs() would escape the check."""
    text_fields = {f for f in theme.Theme.__dataclass_fields__
                   if f == "text" or f.endswith("_text") or f == "link"}
    for t in theme.THEMES.values():
        used = {fg for _, fg, _ in theme.pairs(t)}
        for f in text_fields:
            assert getattr(t, f) in used, f"{t.name}.{f} is not in pairs()"
