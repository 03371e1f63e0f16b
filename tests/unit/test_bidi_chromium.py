"""The visual order the kiosk draws right-to-left lines in, against an independent one:
Chromium's (HarfBuzz plus its own bidi code, ICU), measured from the box of each character.

Each string is laid out by headless Chromium in a right-to-left block with the kiosk's own
fonts; a script measures every character's box (a Range around it) and the characters,
sorted by the centre of their box from left to right, are Chromium's visual order. The
kiosk's is kiosk.core.bidi.visual_order, and what it gives the renderer is that order
reversed (the renderer draws right to left), which tests/unit/test_bidi.py checks.
Grouped numbers (phone and card numbers) are isolated by the kiosk (LRI ... PDI, invisible)
so they show whole; Chromium is given the same isolates, and applies UAX #9's isolates itself.
One Chromium run measures the whole table (about 2 s)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from kiosk.core.bidi import _prepared, for_rtl_renderer, visual_order

CHROMIUM = shutil.which("chromium")
FONTS = Path(__file__).resolve().parents[2] / "assets" / "fonts"

# Tricky strings from the kiosk's own content and from what people type. No Arabic
# ligatures or combining marks here: a ligature's characters share one box, so the order
# of its parts cannot be measured.
TABLE = [
    # numbers with signs and separators
    "الرسالة 12 من 15",
    "ادفع £94.50 الآن",
    "الرصيد -12.50 جنيه",
    "خصم 25% على الفاتورة",
    "من 1,234.56 إلى 2,000",
    "بين 9:30 و17:00 كل يوم",
    "التاريخ 03/12/2026 فقط",
    "بخش ۱ از ۱۲",
    "۱٬۲۳۴ تومان",
    "الرسالة ١٠ من ١٢",
    # mirrored brackets
    "ادفع (HMRC) الآن",
    "مثل Google (Gmail) أو Microsoft (Outlook).",
    "انقر [متابعة] ثم {رجوع}",
    "ضريبة المجلس (Council Tax) كل سنة",
    "(مهم) اقرأ هذا",
    # Latin runs with punctuation
    "من: HMRC, DWP.",
    "اختر Open the official service!",
    "اكتب Hello, world. ثم",
    "يقول: \"Check my typing\" هنا",
    # phone numbers, postcodes, e-mail and web addresses
    "اتصل على 020 7946 0018 الآن",
    "اتصل على +44 20 7946 0018 الآن",
    "الرمز E1 6AN هنا",
    "الرمز البريدي SW1A 2AA فقط",
    "اكتب name.surname@example.org في الخانة",
    "افتح https://www.gov.uk/register-to-vote الآن",
    "افتح gov.uk/pay-council-tax الآن",
    # mixed Arabic and Latin in one line, Urdu, Persian
    "قدم طلبك على موقع Universal Credit account اليوم",
    "NHS number هو رقمك الصحي",
    "اپنا National Insurance number لکھیں",
    "کونسل ٹیکس (Council Tax) ادا کریں: 25% رعایت",
    "شماره NHS number خود را بنویسید: ۱۲۳",
    "کد پستی W1 1AA و تلفن ۰۲۰",
    "شماره NHS number: ۱۲۳",
    # what the kiosk's keyboard types into a right-to-left field
    "سلام abc 123",
    "abc سلام",
    "123",
    "a@b.c",
]

PAGE = """<!doctype html><meta charset="utf-8"><style>
@font-face {{ font-family: K; src: url("{ar}"); }}
@font-face {{ font-family: L; src: url("{latin}"); }}
body {{ font: 24px L, K; }} div {{ white-space: pre; width: 2400px; }}
</style>{divs}<pre id="out"></pre><script>
document.fonts.ready.then(() => {{
  const out = [];
  for (const div of document.querySelectorAll("div")) {{
    const node = div.firstChild, n = node.length, boxes = [];
    for (let i = 0; i < n; i++) {{
      const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
      const b = r.getBoundingClientRect(); boxes.push([b.left + b.width / 2, i]);
    }}
    boxes.sort((a, b) => a[0] - b[0]);
    out.push(boxes.map(x => x[1]));
  }}
  document.getElementById("out").textContent = JSON.stringify(out);
}});
</script>"""


def chromium_orders(strings: list[str]) -> list[list[int]]:
    divs = "".join(f'<div dir="rtl">{html.escape(s)}</div>' for s in strings)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "bidi.html"
        page.write_text(PAGE.format(ar=(FONTS / "KioskArabic-Regular.ttf").as_uri(),
                                    latin=(FONTS / "NotoSans-Regular.ttf").as_uri(),
                                    divs=divs), encoding="utf-8")
        run = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--no-first-run", f"--user-data-dir={tmp}/profile",
             "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
            check=False, capture_output=True, text=True, timeout=60)
    found = re.search(r'<pre id="out">(.*?)</pre>', run.stdout, re.DOTALL)
    assert found and found.group(1), f"Chromium measured nothing: {run.stderr[-500:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_the_kiosk_draws_every_line_in_chromiums_visual_order():
    prepared = [_prepared(text) for text in TABLE]
    measured = chromium_orders([marked for marked, _ in prepared])
    wrong = []
    for text, (_, origin), shown in zip(TABLE, prepared, measured, strict=True):
        order = [origin[i] for i in shown if origin[i] is not None]  # isolates are invisible
        ours = list(visual_order(text))
        if ours != order:
            wrong.append(f"{text!r}: Chromium shows {''.join(text[i] for i in order)!r}, "
                         f"the kiosk {''.join(text[i] for i in ours)!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("text", TABLE)
def test_the_renderer_is_given_the_visual_order_reversed(text):
    # The renderer draws right to left: reversed, what it is given is the visual order
    # (up to mirroring, which tests/unit/test_bidi.py checks).
    from kiosk.core.bidi import _MIRROR

    def pair(c):
        return min(c, _MIRROR.get(c, c))

    drawn = for_rtl_renderer(text)[::-1]
    shown = "".join(text[i] for i in visual_order(text))
    assert [pair(c) for c in drawn] == [pair(c) for c in shown]
