"""Small-count suppression (kiosk/hub/suppress.py): exact outputs for hand-made tables, and
property checks over thousands of random tables that no hidden cell can be worked back from
what is published."""

from __future__ import annotations

import random

import pytest

from kiosk.hub import suppress as sup
from kiosk.hub.suppress import SMALL as S


@pytest.mark.parametrize("n, shown", [(0, 0), (1, S), (7, S), (8, 8), (1234, 1234)])
def test_a_count_alone(n, shown):
    assert sup.count(n) == shown


@pytest.mark.parametrize("values, cells, total_hidden", [
    ([], [], False),
    ([0, 0], [0, 0], False),
    ([8, 9, 250], [8, 9, 250], False),
    # primary alone is enough: two small cells adding up to 8 or more
    ([3, 5, 40], [S, S, 40], False),
    ([1, 7, 0, 12], [S, S, 0, 12], False),
    # one small cell: the next-smallest non-zero one goes too (not the zero)
    ([3, 0, 10, 20], [S, 0, S, 20], False),
    ([5, 0, 10, 10, 30], [S, 0, S, 10, 30], False),  # ties: the first
    # two small cells adding up to less than 8: a third
    ([3, 4, 20, 11], [S, S, 20, S], False),
    # eight ones adding up to 8 would each be 1: one more
    ([1] * 8 + [50, 60], [S] * 8 + [S, 60], False),
    # two sevens adding up to 14 would each be 7 ("<8" taken at its word): one more
    ([7, 7, 9, 30], [S, S, S, 30], False),
    ([5, 0, 9, 9, 30], [S, 0, S, S, 30], False),  # 5 + 9 = 14 too
    # every non-zero cell small, adding up to under 8: the total is small, withheld too
    ([2, 3, 0], [S, S, 0], True),
    ([7], [S], True),
    # all ones with zeros about: the zeros are hidden too (which cells are the ones?)
    ([1, 0] * 8, [S] * 16, False),
    ([7, 0, 7], [S, S, S], False),
    # ... and with no zero to hide among, the total has to go
    ([1] * 9, [S] * 9, True),
    ([7, 7], [S, S], True),
    # secondary takes everything, and that is enough
    ([6, 10], [S, S], False),
])
def test_table_exact(values, cells, total_hidden):
    assert sup.table(values) == (cells, total_hidden)


def test_table_refuses_what_is_not_a_count():
    for bad in ([-1, 3], [True, 3], [2.5]):
        with pytest.raises(ValueError):
            sup.table(bad)


def test_margin_shares_one_total():
    # sessions by day and by centre, both adding up to 23
    total, (days, centres) = sup.margin(23, [[3, 0, 20], [12, 11]])
    assert (total, days, centres) == (23, [S, 0, S], [12, 11])
    # a small total: every table's cells are small, hidden, and so is the total
    assert sup.margin(5, [[2, 3], [5]]) == (S, [[S, S], [S]])
    # nine days with one session each: the total would give every day away, so it goes,
    # and so does every other table adding up to it (9 at one centre would say 9)
    assert sup.margin(9, [[1] * 9, [9], [0, 9]]) == (S, [[S] * 9, [S], [S, S]])
    assert sup.margin(0, [[0, 0], []]) == (0, [[0, 0], []])
    with pytest.raises(ValueError, match="adds up to 4, not to its total 5"):
        sup.margin(5, [[5], [4]])


def test_part_withholds_the_whole_table_rather_than_a_total():
    assert sup.part([3, 0, 0]) == [S, S, S]
    assert sup.part([3, 0, 10]) == [S, 0, S]
    assert sup.part([0, 9]) == [0, 9]


@pytest.mark.parametrize("num, den, shown", [
    (5, 10, 0.5), (2, 3, 0.667), (12, 8, 1.5), (0, 9, 0.0), (0, 0, None),
    (S, 10, sup.WITHHELD), (10, S, sup.WITHHELD), (S, S, sup.WITHHELD),
])
def test_rate(num, den, shown):
    assert sup.rate(num, den) == shown


@pytest.mark.parametrize("value, n, shown", [
    (None, 0, None), (42.5, 1, sup.WITHHELD), (42.5, 7, sup.WITHHELD), (42.5, 8, 42.5),
])
def test_median(value, n, shown):
    assert sup.median(value, n) == shown


def test_is_withheld():
    assert sup.is_withheld(S) and sup.is_withheld(sup.WITHHELD)
    assert not sup.is_withheld(0) and not sup.is_withheld(7) and not sup.is_withheld("en")


# --- properties ------------------------------------------------------------------------------

def random_table(rnd: random.Random) -> list[int]:
    """Tables like the report's: mostly zeros and small counts, some large; 1 to 14 cells."""
    kind = rnd.random()
    def cell():
        r = rnd.random()
        if r < 0.3:
            return 0
        if r < 0.55 or kind < 0.3:
            return rnd.choice([1, 1, 1, 2, 7, 7, rnd.randint(1, 7)])
        if r < 0.75:
            return rnd.randint(8, 12)
        return rnd.randint(8, 400)
    return [cell() for _ in range(rnd.randint(1, 14))]


def intervals(total: int, hidden: int, low: int, high: int | None) -> tuple[int, int] | None:
    """What someone can say about each of `hidden` cells, each from low to high (None: no
    limit), adding up to total: (least, most) of any one of them; None when no table fits
    (they would learn that the labels are not literal, nothing more)."""
    most_others = None if high is None else (hidden - 1) * high
    least = low if most_others is None else max(low, total - most_others)
    most = total - (hidden - 1) * low
    if high is not None:
        most = min(high, most)
    return None if least > most else (least, most)


def check_published(values: list[int]) -> None:
    cells, total_hidden = sup.table(values)
    assert len(cells) == len(values)
    hidden = [i for i, c in enumerate(cells) if c == S]
    # shown cells are true; every small cell is hidden; nothing else appears
    for v, c in zip(values, cells):
        assert c == v or c == S
        if 0 < v < 8:
            assert c == S
    if not hidden:
        assert cells == values and not total_hidden
        return
    if total_hidden:
        # only when nothing else would do: a small total, or all hidden with no zero left
        assert 0 < sum(values) < 8 or (len(hidden) == len(values) and 0 not in values)
        return
    whole = len(hidden) == len(values) and 0 in values
    low = 0 if whole else 1  # a hidden zero is possible only when everything is hidden
    hidden_sum = sum(values) - sum(c for c in cells if c != S)
    assert hidden_sum == sum(values[i] for i in hidden)
    if not whole:
        # the rule as stated: at least two hidden, together at least 8
        assert len(hidden) >= 2 and hidden_sum >= 8
        assert all(values[i] > 0 for i in hidden)
    # nobody can pin a hidden cell down: neither from the sum alone, nor reading "<8" as
    # "at most 7"
    for high in (None, 7):
        found = intervals(hidden_sum, len(hidden), low, high)
        if found is not None:
            least, most = found
            assert most > least, (values, cells, high)
            # and the true values are among the possibilities
            assert all(least <= values[i] <= most for i in hidden) or high == 7


def test_random_tables_hide_no_cell_that_can_be_worked_back():
    rnd = random.Random(20240517)
    kinds = {"none": 0, "some": 0, "whole": 0, "total": 0}
    for _ in range(20_000):
        values = random_table(rnd)
        check_published(values)
        cells, total_hidden = sup.table(values)
        hidden = cells.count(S)
        kinds["total" if total_hidden else "whole" if hidden == len(values) and 0 in values
              else "some" if hidden else "none"] += 1
    # the random tables did exercise every case
    assert min(kinds.values()) > 50, kinds


def test_exhaustive_small_tables():
    """Every table of up to four cells with values from 0 to 16."""
    import itertools

    values = list(range(17))
    for size in range(1, 5):
        for table in itertools.product(values, repeat=size):
            check_published(list(table))


def test_brute_force_no_hidden_cell_is_determined():
    """Enumerate every table with the same visible cells, the same total and hidden cells
    that could be there (1 to 30, or 0 when the whole table is withheld): each hidden cell
    must take at least two values."""
    import itertools

    rnd = random.Random(7)
    for _ in range(400):
        values = [rnd.choice([0, 1, 2, 3, 5, 7, 8, 9, 12]) for _ in range(rnd.randint(2, 4))]
        cells, total_hidden = sup.table(values)
        hidden = [i for i, c in enumerate(cells) if c == S]
        if not hidden or total_hidden:
            continue
        low = 0 if len(hidden) == len(values) and 0 in values else 1
        hidden_sum = sum(values[i] for i in hidden)
        seen: dict[int, set[int]] = {i: set() for i in hidden}
        for guess in itertools.product(range(low, 31), repeat=len(hidden)):
            if sum(guess) == hidden_sum:
                for i, g in zip(hidden, guess):
                    seen[i].add(g)
        assert all(len(s) >= 2 for s in seen.values()), (values, cells)


def test_margin_properties():
    rnd = random.Random(99)
    for _ in range(3000):
        by_day = random_table(rnd)
        total = sum(by_day)
        # the same total split another way, over two to four centres
        cuts = sorted(rnd.randint(0, total) for _ in range(rnd.randint(1, 3)))
        by_centre = [b - a for a, b in zip([0, *cuts], [*cuts, total])]
        pub_total, tables = sup.margin(total, [by_day, by_centre])
        for values, cells in zip((by_day, by_centre), tables):
            if pub_total == S:
                assert all(c == S or (c == 0 and 0 < total < 8) for c in cells) or total == 0
            else:
                assert pub_total == total
                assert cells == sup.table(values)[0]
                check_published(values)
