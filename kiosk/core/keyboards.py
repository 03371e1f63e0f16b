"""On-screen keyboard layouts: data in assets/keyboards/<name>.json, checked on load.

A layout lists rows of keys (each key one character, or a letter with its nukta), its
script and direction, whether it has capitals, and the label of the key that switches to it.
InScript layouts (India's standard keyboard) also list `shift_rows`, the letters each key
types with Shift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from kiosk.core import resources

KEYBOARD_DIR = resources.keyboards_dir()
MAX_KEYS_IN_ROW = 12
# Turkish has a dotted and a dotless i; its capitals are not Python's default.
_UPPER = {"tr": {"i": "İ", "ı": "I"}}


class LayoutError(ValueError):
    pass


@dataclass(frozen=True)
class Layout:
    name: str
    script: str
    direction: str
    cased: bool
    switch_label: str
    rows: tuple[tuple[str, ...], ...]
    # A second layer, key for key (InScript's shifted letters); () for cased scripts, whose
    # second layer is their capitals.
    shift_rows: tuple[tuple[str, ...], ...] = ()

    def shifted(self, ch: str, lang: str) -> str:
        """What a key types with Capital (or Shift) on."""
        for row, other in zip(self.rows, self.shift_rows, strict=False):
            if ch in row:
                return other[row.index(ch)]
        if not self.cased:
            return ch
        special = _UPPER.get(lang, {})
        if special and not all(any(k in row for row in self.rows) for k in special):
            # Not the language's own layout (Turkish on the English letters, which have no
            # dotless ı): its casing would leave a capital I that no key can type.
            lang = ""
        return upper(ch, lang)


@cache
def load(name: str) -> Layout:
    path = KEYBOARD_DIR / f"{name}.json"
    where = f"keyboard layout {path.name}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LayoutError(f"{where}: file is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise LayoutError(f"{where}: not valid JSON ({e})") from None
    rows = data.get("rows")
    if not isinstance(rows, list) or not rows:
        raise LayoutError(f"{where}: 'rows' must be a non-empty list of rows")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or not 0 < len(row) <= MAX_KEYS_IN_ROW or \
                not all(isinstance(k, str) and 0 < len(k) <= 3 for k in row):
            raise LayoutError(f"{where}: rows[{i}] must list 1 to {MAX_KEYS_IN_ROW} keys of "
                              "one character each")
    script = data.get("script")
    if not isinstance(script, str) or len(script) != 4:
        raise LayoutError(f"{where}: 'script' must be a four-letter ISO 15924 code")
    if data.get("direction") not in ("ltr", "rtl"):
        raise LayoutError(f"{where}: 'direction' must be ltr or rtl")
    if data.get("name") != name:
        raise LayoutError(f"{where}: 'name' must be {name!r}")
    shift_rows = data.get("shift_rows", [])
    if shift_rows and (not isinstance(shift_rows, list) or len(shift_rows) != len(rows) or
                       any(not isinstance(s, list) or len(s) != len(r) or
                           not all(isinstance(k, str) and 0 < len(k) <= 3 for k in s)
                           for s, r in zip(shift_rows, rows, strict=False))):
        raise LayoutError(f"{where}: 'shift_rows' must have a key for each key of 'rows'")
    return Layout(name, script, data["direction"], bool(data.get("cased")),
                  str(data.get("switch_label") or name), tuple(tuple(r) for r in rows),
                  tuple(tuple(r) for r in shift_rows))


def upper(ch: str, lang: str) -> str:
    return _UPPER.get(lang, {}).get(ch) or ch.upper()
