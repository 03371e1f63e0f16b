"""The Unicode Bidirectional Algorithm (UAX #9) for a renderer that draws right to left.

Kivy's SDL2 text provider shapes a right-to-left label with HarfBuzz but does not reorder
it: every glyph of a line runs right to left, and every character with a mirrored form
("(", "[", "<", "«") is drawn mirrored. Kivy breaks a label into lines in logical order;
kiosk/app/textfix.py then passes each line through `for_rtl_renderer` before it is drawn.

The levels come from python-bidi (the Rust crate unicode-bidi: the whole of UAX #9, with the
bracket pairs of rule N0, weak types for numbers with signs and separators, and so on), with
a right-to-left paragraph direction, as the kiosk's right-to-left labels are. From them:

- `visual_order(line)`: the logical indices from left to right as the line must look (rule
  L2), a character's combining marks staying with it (L3);
- `for_rtl_renderer(line)`: what to give the renderer so it draws that order: the visual
  order reversed, each character cluster kept in logical order so that it still shapes, and
  the mirrored characters that stand at a left-to-right level (the brackets of
  "Google (Gmail)") given mirrored, since the renderer mirrors every one of them (L4).

The logical text is unchanged everywhere else: reading aloud, tests and events use it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bidi import get_display

_LEVEL = re.compile(r"Level\(\s*(\d+),")

# Bidi_Mirroring_Glyph pairs for the characters the kiosk's texts can hold (Unicode's
# BidiMirroring.txt; unicodedata has the Bidi_Mirrored property but not the pairs).
_PAIRS = "()[]{}<>«»‹›⁅⁆⁽⁾₍₎⌈⌉⌊⌋〈〉❨❩❪❫❬❭❮❯❰❱❲❳❴❵⟦⟧⟨⟩⟪⟫⦃⦄⦅⦆「」『』【】〔〕〖〗〘〙〚〛"
_MIRROR = {a: b for a, b in zip(_PAIRS[::2], _PAIRS[1::2], strict=True)}
_MIRROR.update({b: a for a, b in _MIRROR.items()})
_MIRROR.update({"≤": "≥", "≥": "≤", "∕": "⧵", "⧵": "∕"})


def _levels(text: str) -> list[int]:
    """The resolved embedding level of each character of one line, paragraph right to left.

    python-bidi gives them only in its debug report, one per byte of UTF-8."""
    report = get_display(text, base_dir="R", debug=True)
    start = report.index("levels:")
    per_byte = _LEVEL.findall(report, start, report.index("paragraphs:", start))
    out, i = [], 0
    for ch in text:
        out.append(int(per_byte[i]))
        i += len(ch.encode())
    return out


def _clusters(text: str) -> list[list[int]]:
    """Indices grouped as a character and the combining marks that follow it."""
    groups: list[list[int]] = []
    for i, ch in enumerate(text):
        if groups and unicodedata.combining(ch) or (groups and ch in "\u200c\u200d"):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _reorder(text: str) -> tuple[list[list[int]], list[int]]:
    levels = _levels(text)
    clusters = _clusters(text)
    lv = [levels[c[0]] for c in clusters]
    # L1: whitespace at the end of the line goes to the paragraph level (1).
    end = len(clusters)
    while end and text[clusters[end - 1][0]].isspace():
        end -= 1
        lv[end] = 1
    order = list(range(len(clusters)))
    top = max(lv, default=1)
    low_odd = min((x for x in lv), default=1) | 1
    for level in range(top, low_odd - 1, -1):  # L2
        i = 0
        while i < len(order):
            if lv[order[i]] >= level:
                j = i
                while j < len(order) and lv[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return [clusters[k] for k in order], [lv[k] for k in order]


# A number in groups separated by single spaces (a phone or card number: "020 7946 0018",
# "+44 20 7946 0018"). Without help, UAX #9 shows each group as a number of its own, in
# right-to-left order ("0018 7946 020"), so it is isolated (LRI ... PDI, rule X5a) and shown
# whole, left to right, as it is dialled.
_GROUPED = re.compile(r"(?<![\w.,:/])\+?[0-9۰-۹٠-٩]+(?: [0-9۰-۹٠-٩]+)+(?![\w.,:/])")
LRI, PDI = "\u2066", "\u2069"


def isolate_numbers(text: str) -> str:
    """`text` with each grouped number (phone, card) between LRI and PDI (invisible)."""
    return _GROUPED.sub(lambda m: LRI + m.group(0) + PDI, text)


def _prepared(text: str) -> tuple[str, list[int | None]]:
    """The text the algorithm runs on, and for each of its characters the index in `text`
    (None for an isolate added)."""
    marked = isolate_numbers(text)
    if marked == text:
        return text, list(range(len(text)))
    origin: list[int | None] = []
    i = 0
    for ch in marked:
        if ch in (LRI, PDI) and (i >= len(text) or text[i] != ch):
            origin.append(None)
        else:
            origin.append(i)
            i += 1
    return marked, origin


@lru_cache(maxsize=8192)
def visual_order(text: str) -> tuple[int, ...]:
    """The logical indices of `text` (one line) from left to right as shown."""
    if not text:
        return ()
    marked, origin = _prepared(text)
    if get_display(marked, base_dir="R") == marked[::-1]:  # right to left throughout
        return tuple(range(len(text) - 1, -1, -1))
    clusters, _ = _reorder(marked)
    return tuple(origin[i] for c in clusters for i in c if origin[i] is not None)


@lru_cache(maxsize=8192)
def for_rtl_renderer(text: str) -> str:
    """One line as a renderer that draws right to left (and mirrors every mirrored
    character) must be given it to show the line in UAX #9's visual order."""
    if not text:
        return text
    marked, origin = _prepared(text)
    if get_display(marked, base_dir="R") == marked[::-1]:
        return text  # right to left throughout: the renderer's own order is right
    clusters, levels = _reorder(marked)
    out = []
    for cluster, level in zip(reversed(clusters), reversed(levels), strict=True):
        for i in cluster:
            if origin[i] is not None:
                ch = text[origin[i]]
                out.append(_MIRROR.get(ch, ch) if level % 2 == 0 else ch)
    return "".join(out)


def with_caret(text: str, caret: str = "|") -> str:
    """`text` with a caret at its end that is drawn beside the last character typed, whatever
    its direction: in a right-to-left field a Latin word typed last has the caret on its
    right ("سلام abc|"), an Arabic one on its left. A caret alone takes the direction of the
    paragraph (UAX #9 N1-N2) and would stand at the far left of the line; a mark of the last
    strong direction after it (LRM or RLM, invisible) keeps it with what was typed last."""
    for ch in reversed(text):
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return text + caret + "\u200e"
        if kind in ("R", "AL"):
            return text + caret + "\u200f"
    return text + caret
