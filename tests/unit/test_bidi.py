"""Right-to-left lines prepared, by UAX #9 (python-bidi), for a renderer that draws every
glyph right to left and mirrors every character that has a mirrored form.

What the renderer shows, from left to right, is what it is given reversed (with mirrored
characters mirrored): `shown` below. tests/unit/test_bidi_chromium.py checks the visual
order against Chromium's."""

import pytest

from kiosk.core import bidi
from kiosk.core.bidi import for_rtl_renderer, visual_order


def shown(line: str) -> str:
    """What the renderer draws, left to right."""
    return "".join(bidi._MIRROR.get(c, c) for c in for_rtl_renderer(line)[::-1])


@pytest.mark.parametrize("logical,prepared", [
    ("من: HMRC", "من: CRMH"),
    ("الرسالة 12 من 15", "الرسالة 21 من 51"),
    ("افتح gov.uk/register-to-vote", "افتح etov-ot-retsiger/ku.vog"),
    ("الرمز E1 6AN هنا", "الرمز NA6 1E هنا"),
    ("بدون لاتينية", "بدون لاتينية"),
    ("بخش ۱ از ۱۲", "بخش ۱ از ۲۱"),  # Persian digits read left to right too
    ("۱٬۲۳۴ تومان", "۴۳۲٬۱ تومان"),
    ("الرسالة ١٠ من ١٢", "الرسالة ٠١ من ٢١"),
    ("", ""),
])
def test_left_to_right_runs_are_given_reversed(logical, prepared):
    assert for_rtl_renderer(logical) == prepared


@pytest.mark.parametrize("logical,left_to_right", [
    # numbers with signs and separators (after Arabic letters, European digits are Arabic
    # numbers, rule W2: a currency sign or minus before them stays on their right, as in
    # every browser)
    ("ادفع £94.50 الآن", "نآلا 94.50£ عفدا"),
    ("الرصيد -12.50 جنيه", "هينج 12.50- ديصرلا"),
    ("من 1,234.56 إلى 2,000", "2,000 ىلإ 1,234.56 نم"),
    ("بين 9:30 و17:00", "17:00و 9:30 نيب"),
    ("Pay £94.50 now", "Pay £94.50 now"),  # a Latin line: the sign stays with the number
    # phone numbers, postcodes, e-mail and web addresses stay whole
    ("اتصل على 020 7946 0018", "020 7946 0018 ىلع لصتا"),  # isolated: whole, as dialled
    ("اتصل على +44 20 7946 0018 الآن", "نآلا +44 20 7946 0018 ىلع لصتا"),
    ("البطاقة 4444 3333 2222 1111", "4444 3333 2222 1111 ةقاطبلا"),
    ("الرمز البريدي SW1A 2AA فقط", "طقف SW1A 2AA يديربلا زمرلا"),
    ("اكتب name.surname@example.org هنا", "انه name.surname@example.org بتكا"),
    ("افتح https://www.gov.uk/x الآن", "نآلا https://www.gov.uk/x حتفا"),
    # Latin runs with punctuation: the final full stop belongs to the Arabic sentence
    ("من: HMRC, DWP.", ".HMRC, DWP :نم"),
    # mirrored brackets: around Latin inside Arabic they face the Latin run
    ("ادفع (HMRC) الآن", "نآلا (HMRC) عفدا"),
    ("مثل Google (Gmail) أو", "وأ Google (Gmail) لثم"),
    ("(مهم) اقرأ", "أرقا (مهم)"),
    # mixed Arabic and Latin, Urdu and Persian
    ("اپنا National Insurance number لکھیں", "ںیھکل National Insurance number انپا"),
    ("شماره NHS number: ۱۲۳", "NHS number: ۱۲۳ هرامش"),  # W7: after Latin, digits are Latin
    # typed on the kiosk's keyboard into a right-to-left field
    ("سلام abc 123", "abc 123 مالس"),
    ("abc", "abc"),
])
def test_what_the_renderer_shows(logical, left_to_right):
    assert shown(logical) == left_to_right


def test_brackets_in_a_latin_run_are_given_mirrored_as_the_renderer_mirrors_them():
    # "(Gmail)" is at a left-to-right level: the renderer would mirror it, so it is given
    # mirrored; the Arabic brackets of "(مهم)" stay as typed and the renderer mirrors them.
    assert "(liamG)" in for_rtl_renderer("مثل Google (Gmail) أو")
    assert for_rtl_renderer("(مهم) اقرأ") == "(مهم) اقرأ"


def test_combining_marks_stay_with_their_letter():
    line = "قدّم cafe\u0301 الآن"  # a shadda in Arabic, an accent in Latin
    given = for_rtl_renderer(line)
    assert "د\u0651" in given  # the Arabic stays in logical order, mark after its letter
    assert "e\u0301fac" in given  # the Latin cluster keeps its mark after its letter
    assert sorted(visual_order(line)) == list(range(len(line)))


def test_spaces_at_the_end_of_a_line_go_to_the_paragraph_side():
    assert shown("abc ") == " abc"


def test_a_right_to_left_line_is_given_unchanged():
    line = "قدّم طلبك اليوم، من فضلك."
    assert for_rtl_renderer(line) is line


@pytest.mark.parametrize("typed,after", [
    ("سلام abc", "c"),       # Latin typed last in a right-to-left field: caret on its right
    ("سلام", "س"),           # Arabic typed last: caret on its left (after it, reading)
    ("abc سلام", "س"),
    ("سلام 123", None),      # digits: the next Arabic letter goes to their left
    ("", None),
])
def test_the_caret_stands_beside_the_last_character_typed(typed, after):
    line = bidi.with_caret(typed)
    order = visual_order(line)
    at = order.index(len(typed))  # where the caret is drawn, from the left
    if after == "c":
        assert order[at - 1] == len(typed) - 1  # just right of the "c"
    elif after is not None:
        assert order[at + 1] == len(typed) - 1  # just left of the last Arabic letter
    elif typed:
        assert order[at + 1] == typed.index("1")  # left of "123", where Arabic goes next
