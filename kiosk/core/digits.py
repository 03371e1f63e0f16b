"""Digits inside content text follow the language's own digits, as the interface's numbers
do (i18n.number: Bengali ০-৯, Persian ۰-۹; Latin for the others).

Some numbers are not the language's to write, though: what the citizen dials, types or meets
in Latin letters on the official service stays as it is. A group of ASCII digits is kept
("verbatim") when it is
- in a word with Latin letters or an address, or beside a Latin word ("P60", "E1 6AN",
  "NHS 111", "2pm", "gov.uk/1", "60+ London Oyster photocard");
- one of several groups separated by single spaces (phone and card numbers: "0300 200 3500");
- three digits or more, not an amount of money ("999", "7726", a code "482915", a year);
- one of the keys the text names (`keys`: "type E, then 1" on the on-screen keyboard).
Everything else (amounts, counts, durations, times, percentages) is written in the
language's digits.
"""

from __future__ import annotations

import re

from kiosk.core import i18n

_GROUPS = re.compile(r"\d+(?:[.,:]\d+)*(?: \d+(?:[.,:]\d+)*)*")
_MONEY = "£$€"


def _verbatim(text: str, start: int, end: int, run: str) -> bool:
    word_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    word_end = min([i for i in (text.find(" ", end), text.find("\n", end)) if i >= 0]
                   or [len(text)])
    word = text[word_start:word_end]
    if re.search(r"[A-Za-z@/]", word):
        return True
    # beside a Latin word, as part of an English name kept: "(60+ London Oyster photocard)"
    before = text[:word_start].split()[-1:] or [""]
    after = text[word_end:].split()[:1] or [""]
    if re.match(r"[(\"'‘“]?[A-Za-z]", after[0]) or re.search(r"[A-Za-z][)\"'’”]?$", before[0]):
        return True
    if " " in run:
        return True
    money = start > 0 and text[start - 1] in _MONEY
    return not money and len(run) >= 3 and run.isdigit()


def misplaced(text: str, lang: str, keys: frozenset[str] = frozenset()) -> list[str]:
    """The numbers written in ASCII digits that the language writes in its own."""
    if i18n.digits(lang)[0] == "0":
        return []
    out = []
    for m in _GROUPS.finditer(text):
        run = m.group(0)
        if not run.isascii() or run in keys or _verbatim(text, m.start(), m.end(), run):
            continue
        out.append(run)
    return out


def localise(text: str, lang: str, keys: frozenset[str] = frozenset()) -> str:
    """The text with its misplaced numbers in the language's digits."""
    own = i18n.digits(lang)
    if own[0] == "0":
        return text
    table = str.maketrans("0123456789", own)

    def swap(m: re.Match) -> str:
        run = m.group(0)
        if not run.isascii() or run in keys or _verbatim(m.string, m.start(), m.end(), run):
            return run
        return run.translate(table)

    return _GROUPS.sub(swap, text)
