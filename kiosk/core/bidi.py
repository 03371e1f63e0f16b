"""Left-to-right runs inside right-to-left text, prepared for a renderer without a bidi
algorithm.

Kivy's SDL2 text provider shapes with HarfBuzz but does not reorder: in an Arabic or Urdu
label every glyph runs right to left, so "HMRC" shows as "CRMH" and "2024" as "4202". Each
run of Latin letters and digits (with the dots, slashes, spaces and signs inside it, so that
"gov.uk", "£94.50" and "E1 6AN" stay whole) is reversed before rendering; drawn right to
left, it then reads left to right, in its place in the sentence. Runs of Arabic-Indic digits
(Persian writes ۱۲ for twelve) are numbers too, and are reversed the same way.
"""

from __future__ import annotations

import re

_STRONG = r"A-Za-z0-9\u00C0-\u024F£$€%"
_INNER = r"A-Za-z0-9\u00C0-\u024F£$€%.,:/@_\-'+ "
# Arabic-Indic digits (Persian ۰-۹ too) also read left to right: "۱۲" is twelve.
_DIGITS = "\u0660-\u0669\u06F0-\u06F9"
_LTR_RUN = re.compile(f"[{_STRONG}](?:[{_INNER}]*[{_STRONG}])?|"
                      f"[{_DIGITS}](?:[{_DIGITS}\u066B\u066C,.]*[{_DIGITS}])?")


def for_rtl_renderer(text: str) -> str:
    """The text with every left-to-right run reversed (the logical text is unchanged
    for everything else: reading aloud, tests and events use the original)."""
    return _LTR_RUN.sub(lambda m: m.group(0)[::-1], text)
