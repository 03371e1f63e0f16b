"""CSV for admins' spreadsheets, written one way for the dashboard's download and for
`kiosk-hub export --format csv`: UTF-8 with a byte order mark (Excel then reads names in any
script), CRLF lines, and no cell a spreadsheet would run as a formula.

Centre names and titles come from people (whoever enrols a terminal, content editors): a
cell starting with =, +, -, @, a tab or a carriage return is written with a leading ' so a
spreadsheet shows it as text (OWASP's advice on CSV injection). Numbers, -3 included, stay
numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, TextIO

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CsvFile:
    """Rows written to a text stream (opened with newline=""), the byte order mark first."""

    def __init__(self, out: TextIO, header: Iterable[Any] | None = None):
        out.write(BOM)
        self._writer = csv.writer(out, lineterminator="\r\n")
        if header is not None:
            self.row(header)

    def row(self, values: Iterable[Any]) -> None:
        self._writer.writerow([cell(v) for v in values])

    def rows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.row(values)


def text(rows: Iterable[Iterable[Any]]) -> str:
    """rows as one CSV text, the byte order mark first (for a download)."""
    out = io.StringIO(newline="")
    CsvFile(out).rows(rows)
    return out.getvalue()


def cell(value: Any) -> str:
    """What a CSV cell holds for value: "" for None, text a formula could start quoted."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
