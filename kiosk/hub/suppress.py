"""Small-count suppression for published usage figures, following UK practice.

Why: a count of 1 or 2 sessions at one centre in one hour can point at a person who was
seen using the kiosk. NHS Digital withholds counts from 1 to 7 below national level; we do
the same and show them as "<8". Zero is shown as 0: nobody is in it.

Hiding a cell is not enough when the total of its table is published, or can be derived
from another table of the same report: total minus the cells shown gives the hidden one.
So, for each table (a list of counts that add up to a total), secondary suppression keeps
hiding the next-smallest non-zero cells until the hidden cells cannot be worked out: at
least two are hidden, together they are at least 8, and they are not all forced to be 1
(eight hidden cells adding up to 8 would each be 1) nor, taking "<8" at its word, all
forced to be 7 (two adding up to 14). Every hidden cell looks the same ("<8"), whether it
was small or hidden to protect a small one: a different mark would tell which is which,
and with it the small cell (a hidden 1 and a hidden 8 adding up to 9). So "<8" reads
"withheld": most often a count from 1 to 7, sometimes a larger one.

When every non-zero cell is hidden and they still could be worked out (all 1, or all 7),
the whole table is withheld, zeros too; if there is no zero to hide among, the table's
total must be withheld as well (table() says so, and margin() withholds every table that
shares that total).

Rates whose numerator or denominator is withheld, and medians over fewer than 8 values, are
withheld and shown as "*" ("<8" would read as a small rate or a short time).

The guarantee is per table, against anyone who knows the published numbers and that a
hidden count is at least 1 (0 when the whole table is withheld), and who may also take
"<8" at its word (at most 7): each hidden cell can still take at least two values. It
does not cover two reports published side by side (one centre and all centres, or two
overlapping periods): their difference is not suppressed.
"""

from __future__ import annotations

from collections.abc import Sequence

THRESHOLD = 8  # counts from 1 to THRESHOLD - 1 are withheld
SMALL = "<8"  # a withheld count
WITHHELD = "*"  # a withheld rate or median

Count = int | str  # a count as published: the number, or SMALL


def is_small(n: int) -> bool:
    """A count that must not be published: 1 to 7."""
    return 0 < n < THRESHOLD


def count(n: int) -> Count:
    """One count on its own (a total): primary suppression only."""
    return SMALL if is_small(n) else n


def _protected(values: Sequence[int], hidden: set[int]) -> bool:
    """Hidden cells that cannot be worked out from their sum: two or more, at least 8
    together, and neither all forced to 1 (sum = their number) nor, read as "<8" says, all
    forced to 7 (sum = 7 times their number)."""
    total, k = sum(values[i] for i in hidden), len(hidden)
    return k >= 2 and total >= THRESHOLD and total != k and total != (THRESHOLD - 1) * k


def hidden_cells(values: Sequence[int]) -> tuple[set[int], bool]:
    """Which cells of a table to withhold, and whether its total must be withheld too.

    Primary: every cell from 1 to 7. Secondary, when any is hidden: the next-smallest
    non-zero cells (ties: the first) until at least two are hidden, they add up to at least
    8, and their sum does not force each of them to 1 or each to 7. If all non-zero cells
    are hidden and that still does not hold, every cell is hidden (zeros too); and the
    total must go as well when it is small itself or the table has no zero cell to hide
    among.
    """
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in values):
        raise ValueError("a table's cells must be whole numbers, 0 or more")
    hidden = {i for i, v in enumerate(values) if is_small(v)}
    if not hidden:
        return hidden, False
    rest = sorted((v, i) for i, v in enumerate(values) if v >= THRESHOLD)
    for _v, i in rest:
        if _protected(values, hidden):
            break
        hidden.add(i)
    if _protected(values, hidden):
        return hidden, False
    # Every non-zero cell is hidden. Under 8 in all: the total is a small count itself.
    total = sum(values)
    if is_small(total):
        return hidden, True
    # Their sum forces each to 1, or each to 7: only zeros hidden among them blur which
    # cell is which.
    everything = set(range(len(values)))
    return everything, everything == hidden


def table(values: Sequence[int]) -> tuple[list[Count], bool]:
    """A table as published: withheld cells as "<8"; and whether its total must be withheld
    (see hidden_cells)."""
    hidden, total_hidden = hidden_cells(values)
    return [SMALL if i in hidden else v for i, v in enumerate(values)], total_hidden


def withheld_whole(values: Sequence[int]) -> list[Count]:
    """Every cell of a table withheld, zeros too."""
    return [SMALL] * len(values)


def margin(total: int, tables: Sequence[Sequence[int]]) -> tuple[Count, list[list[Count]]]:
    """A published total and the tables that each add up to it exactly (one figure broken
    down several ways: sessions by day, by centre...). Each table is suppressed on its own;
    if one of them cannot be protected without withholding the total (and the total is
    not small, so not withheld already), the total and every one of the tables are
    withheld whole: any table left showing would give the total back."""
    for values in tables:
        if sum(values) != total:
            raise ValueError(f"a table adds up to {sum(values)}, not to its total {total}")
    done = [table(values) for values in tables]
    if is_small(total):
        return SMALL, [cells for cells, _ in done]
    if any(total_hidden for _, total_hidden in done):
        return SMALL, [withheld_whole(values) for values in tables]
    return total, [cells for cells, _ in done]


def part(values: Sequence[int]) -> list[Count]:
    """A table whose total is not published but might be worked out from other figures
    (sessions by hour of the week when some days are only in daily counts): if it cannot
    be protected without withholding its total, it is withheld whole."""
    cells, total_hidden = table(values)
    return withheld_whole(values) if total_hidden else cells


def rate(numerator: Count, denominator: Count, digits: int = 3) -> float | str | None:
    """numerator / denominator as published: "*" if either is withheld, None when the
    denominator is 0 (no rate)."""
    if isinstance(numerator, str) or isinstance(denominator, str):
        return WITHHELD
    if denominator == 0:
        return None
    return round(numerator / denominator, digits)


def median(value: float | None, n: int) -> float | str | None:
    """A median over n values as published: "*" under 8 values, None over none."""
    if n == 0 or value is None:
        return None
    return WITHHELD if n < THRESHOLD else value


def is_withheld(value: object) -> bool:
    """True for a published figure that was withheld ("<8" or "*")."""
    return isinstance(value, str) and value in (SMALL, WITHHELD)
