"""Left-to-right runs inside right-to-left text are prepared for a renderer that draws every
glyph right to left."""

import pytest

from kiosk.core.bidi import for_rtl_renderer


@pytest.mark.parametrize("logical,prepared", [
    ("من: HMRC", "من: CRMH"),
    ("الرسالة 12 من 15", "الرسالة 21 من 51"),
    ("ادفع £94.50 الآن", "ادفع 05.49£ الآن"),
    ("افتح gov.uk/register-to-vote", "افتح etov-ot-retsiger/ku.vog"),
    ("الرمز E1 6AN هنا", "الرمز NA6 1E هنا"),
    ("بدون لاتينية", "بدون لاتينية"),
    ("بخش ۱ از ۱۲", "بخش ۱ از ۲۱"),  # Persian digits read left to right too
    ("۱٬۲۳۴ تومان", "۴۳۲٬۱ تومان"),
    ("الرسالة ١٠ من ١٢", "الرسالة ٠١ من ٢١"),
    ("", ""),
])
def test_ltr_runs_are_reversed_whole(logical, prepared):
    assert for_rtl_renderer(logical) == prepared


def test_drawn_right_to_left_the_run_reads_left_to_right():
    # What the renderer shows is the prepared text reversed glyph by glyph.
    shown = for_rtl_renderer("من: HMRC 2024")[::-1]
    assert "HMRC 2024" in shown


def test_spaces_at_the_edges_of_a_run_stay_outside_it():
    assert for_rtl_renderer("أ ab ب") == "أ ba ب"
