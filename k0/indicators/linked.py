"""Disclosure control for tables that share totals.

`suppression.suppress_table` makes one two-way table safe on its own. The indicator pages
publish several tables over the same population, and they share numbers:

- the same indicator is shown by area, by school kind and (for pupils) by grade band, and all
  three end in the same city-wide row;
- one population is split in several ways: cases referred by referral source, by police
  involvement and by each form of bullying all add up to the same "cases referred" per row.

Suppressing each table on its own would let a reader take a total hidden in one table from
another table where it is published, and then solve the first table. So the tables of one
population are suppressed together, as a *family*:

- rows: the city row, then every row of every breakdown (area, school kind, grade band);
- columns: one or more *blocks*; each block's columns add up to the row's total, which the
  blocks share (a block of width one is a plain count: its cell equals the total);
- every breakdown's rows add up, column by column, to the city row.

Algorithm (deterministic, so the same numbers always give the same pattern):

1. every block of every breakdown is first suppressed as a two-way table by
   `suppress_table` (primary, complement and secondary suppression, bridges closed; its
   outsider's audit is left to step 4, which sees the whole family);
2. a number hidden in any table is hidden in all of them;
3. repeat until stable: in every line (the parts and total of one equation) with exactly one
   hidden number, or whose published total minus its published parts is 1..threshold-1, hide
   the smallest non-zero published part (the same rule `suppress_table` applies per table);
   then solve the whole family as a linear system and, while some hidden number is
   determined by what is published, hide the smallest non-zero published number that shares
   an equation with it;
4. the outsider's audit over the whole family (`suppression.Outsider`): the reader knows
   every published number of every breakdown, all the equations above, and that a hidden
   number is at least 1; every hidden number must keep two possible values or more, not all
   inside 1..threshold-1. Where it does not, more is hidden (the smallest published number in
   an equation that binds it, a shared total included: it is one number, hidden wherever it
   appears), and back to step 3.

Step 3 and 4 terminate: every round hides one more non-zero number, and once every non-zero
number is hidden the published values are all zeros, the system is homogeneous and any
multiple of the truth fits it: no hidden number is determined or bounded above.

Plain Python, no Django: tested on its own, like `suppression`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from .suppression import Outsider, protect_step, suppress_series, suppress_table

# A number in the family: (row, column); row 0 is the city row, column == width is the total.
Var = tuple[int, int]
Equation = tuple[tuple[Var, ...], Var]  # parts, total


@dataclass(frozen=True)
class SuppressedFamily:
    """Published numbers of a family; `None` marks a hidden one.

    `breakdowns[d][i]` is row i of breakdown d (all columns, block after block) and
    `breakdown_totals[d][i]` its total; `city` and `city_total` are the city row.
    """

    breakdowns: list[list[list[int | None]]]
    breakdown_totals: list[list[int | None]]
    city: list[int | None]
    city_total: int | None
    threshold: int
    suppressed_count: int


def suppress_family(
    blocks: list[int],
    city: list[int],
    breakdowns: list[list[list[int]]],
    threshold: int = 5,
) -> SuppressedFamily:
    """Hide the numbers of a family of linked tables that could disclose a small count.

    `blocks` are the widths of the column groups; `city` is the city row (all columns);
    `breakdowns` are lists of rows, each breakdown adding up to `city` column by column.
    """
    _check(blocks, city, breakdowns)
    # Tuples make the call cacheable: the pattern is a pure function of the numbers, and the
    # same period is typically asked for many times (page, chart, export).
    frozen = tuple(tuple(tuple(row) for row in rows) for rows in breakdowns)
    return _suppress_family(tuple(blocks), tuple(city), frozen, threshold)


@lru_cache(maxsize=512)
def _suppress_family(
    blocks: tuple[int, ...],
    city: tuple[int, ...],
    breakdowns: tuple[tuple[tuple[int, ...], ...], ...],
    threshold: int,
) -> SuppressedFamily:
    width = sum(blocks)
    rows = [list(city), *(list(row) for rows in breakdowns for row in rows)]
    values: dict[Var, int] = {}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            values[(r, c)] = value
        values[(r, width)] = _row_total(row, blocks)

    spans = _spans(blocks)
    ranges = _breakdown_ranges(breakdowns)
    equations = _equations(len(rows), width, spans, ranges)

    hidden = _per_table(values, width, spans, ranges, threshold)
    outsider = Outsider(equations, values, threshold)
    while True:
        _pair_up(equations, values, hidden, threshold)
        determined = determined_vars(equations, hidden)
        if determined:
            hidden.add(_protector(equations, values, hidden, determined[0]))
        elif not protect_step(outsider, hidden):
            break

    return _published(values, hidden, width, ranges, threshold)


def _published(values: dict[Var, int], hidden: set[Var], width: int, ranges, threshold: int):
    def shown(var: Var) -> int | None:
        return None if var in hidden else values[var]

    return SuppressedFamily(
        breakdowns=[
            [[shown((r, c)) for c in range(width)] for r in range(a, b)] for a, b in ranges
        ],
        breakdown_totals=[[shown((r, width)) for r in range(a, b)] for a, b in ranges],
        city=[shown((0, c)) for c in range(width)],
        city_total=shown((0, width)),
        threshold=threshold,
        suppressed_count=len(hidden),
    )


def hidden_numbers(result: SuppressedFamily) -> list[Var]:
    """The positions `suppress_family` hid, in position order: row 0 is the city row, then
    the rows of every breakdown in turn; column `width` is the row's total."""
    rows = [
        [*result.city, result.city_total],
        *(
            [*row, total]
            for rows, totals in zip(result.breakdowns, result.breakdown_totals, strict=True)
            for row, total in zip(rows, totals, strict=True)
        ),
    ]
    return [(r, c) for r, row in enumerate(rows) for c, value in enumerate(row) if value is None]


def with_hidden(
    blocks: list[int],
    city: list[int],
    breakdowns: list[list[list[int]]],
    threshold: int,
    hidden: list[Var],
) -> SuppressedFamily:
    """The family as `suppress_family` published it, given the positions it hid
    (`hidden_numbers`): the numbers are taken from the counts, never from a stored result."""
    _check(blocks, city, breakdowns)
    width = sum(blocks)
    rows = [list(city), *(list(row) for rows in breakdowns for row in rows)]
    values = {(r, c): value for r, row in enumerate(rows) for c, value in enumerate(row)}
    for r, row in enumerate(rows):
        values[(r, width)] = _row_total(row, tuple(blocks))
    hidden_set = {(r, c) for r, c in hidden}
    if not hidden_set <= values.keys():
        raise ValueError("a hidden position outside the family")
    return _published(values, hidden_set, width, _breakdown_ranges(breakdowns), threshold)


def determined_vars(equations: list[Equation], hidden: set[Var]) -> list[Var]:
    """Hidden numbers whose value follows from the published ones, in position order.

    The published numbers are constants, so only the hidden ones are unknowns. A hidden
    number is determined exactly when, in the reduced row echelon form of the system, it is a
    pivot whose row has no free unknown in it. Exact rational arithmetic: no rounding can
    make a determined number look free.
    """
    pivots: dict[Var, dict[Var, Fraction]] = {}
    # occurs[v] = pivots whose row mentions the free unknown v, to keep the form reduced.
    occurs: dict[Var, set[Var]] = {}
    for parts, total in equations:
        row: dict[Var, Fraction] = {}
        for var, coefficient in [*((p, 1) for p in parts), (total, -1)]:
            if var in hidden:
                row[var] = row.get(var, Fraction(0)) + coefficient
        row = {v: k for v, k in row.items() if k}
        for var in [v for v in row if v in pivots]:
            factor = row.pop(var)
            for other, k in pivots[var].items():
                if other != var:
                    row[other] = row.get(other, Fraction(0)) - factor * k
        row = {v: k for v, k in row.items() if k}
        if not row:
            continue
        pivot = min(row)
        scale = row[pivot]
        row = {v: k / scale for v, k in row.items()}
        # Eliminate the new pivot from the existing pivot rows (those that mention it).
        for owner in occurs.pop(pivot, set()):
            owner_row = pivots[owner]
            factor = owner_row.pop(pivot)
            for var, k in row.items():
                if var == pivot:
                    continue
                new = owner_row.get(var, Fraction(0)) - factor * k
                if new:
                    owner_row[var] = new
                    occurs.setdefault(var, set()).add(owner)
                else:
                    owner_row.pop(var, None)
                    occurs.get(var, set()).discard(owner)
        pivots[pivot] = row
        for var in row:
            if var != pivot:
                occurs.setdefault(var, set()).add(pivot)
    return sorted(v for v, row in pivots.items() if len(row) == 1)


def family_equations(n_rows: int, blocks: list[int], breakdown_sizes: list[int]) -> list[Equation]:
    """The equations a reader knows of a family (for tests and audits)."""
    ranges, start = [], 1
    for size in breakdown_sizes:
        ranges.append((start, start + size))
        start += size
    return _equations(n_rows, sum(blocks), _spans(blocks), ranges)


# --- internals ---------------------------------------------------------------------------


def _check(blocks: list[int], city: list[int], breakdowns: list[list[list[int]]]) -> None:
    if not blocks or any(isinstance(b, bool) or not isinstance(b, int) or b < 1 for b in blocks):
        raise ValueError(f"blocks must be positive widths, got {blocks!r}")
    width = sum(blocks)
    if len(city) != width:
        raise ValueError(f"the city row has {len(city)} numbers, the blocks {width}")
    for value in city:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"counts must be non-negative integers, got {value!r}")
    for rows in breakdowns:
        if not rows:
            raise ValueError("a breakdown needs at least one row")
        for row in rows:
            if len(row) != width:
                raise ValueError(f"a row has {len(row)} numbers, the blocks {width}")
        sums = [sum(column) for column in zip(*rows, strict=True)]
        if sums != list(city):
            raise ValueError("the rows of a breakdown must add up to the city row")
    for row in _all_rows(city, breakdowns):
        totals = {sum(row[start:end]) for start, end in _spans(blocks)}
        if len(totals) > 1:
            raise ValueError("every block of a row must add up to the same total")


def _all_rows(city, breakdowns):
    yield city
    for rows in breakdowns:
        yield from rows


def _row_total(row: list[int], blocks: tuple[int, ...]) -> int:
    return sum(row[: blocks[0]])


def _spans(blocks) -> list[tuple[int, int]]:
    spans, start = [], 0
    for width in blocks:
        spans.append((start, start + width))
        start += width
    return spans


def _breakdown_ranges(breakdowns) -> list[tuple[int, int]]:
    ranges, start = [], 1
    for rows in breakdowns:
        ranges.append((start, start + len(rows)))
        start += len(rows)
    return ranges


def _equations(
    n_rows: int, width: int, spans: list[tuple[int, int]], ranges: list[tuple[int, int]]
) -> list[Equation]:
    equations: list[Equation] = []
    for r in range(n_rows):
        for start, end in spans:
            equations.append((tuple((r, c) for c in range(start, end)), (r, width)))
    for a, b in ranges:
        for c in range(width + 1):
            equations.append((tuple((r, c) for r in range(a, b)), (0, c)))
    return equations


def _per_table(
    values: dict[Var, int],
    width: int,
    spans: list[tuple[int, int]],
    ranges: list[tuple[int, int]],
    threshold: int,
) -> set[Var]:
    """Steps 1 and 2: each published table suppressed on its own, hidden sets united."""
    hidden: set[Var] = set()
    if not ranges:
        for start, end in spans:
            series = suppress_series(
                [values[(0, c)] for c in range(start, end)], threshold, audit=False
            )
            hidden |= {(0, start + j) for j, v in enumerate(series.values) if v is None}
            if series.total is None:
                hidden.add((0, width))
        return hidden
    for a, b in ranges:
        for start, end in spans:
            table = suppress_table(
                [[values[(r, c)] for c in range(start, end)] for r in range(a, b)],
                threshold,
                audit=False,
            )
            for i, row in enumerate(table.cells):
                hidden |= {(a + i, start + j) for j, v in enumerate(row) if v is None}
            hidden |= {(a + i, width) for i, v in enumerate(table.row_totals) if v is None}
            hidden |= {(0, start + j) for j, v in enumerate(table.col_totals) if v is None}
            if table.grand_total is None:
                hidden.add((0, width))
    return hidden


def _pair_up(
    equations: list[Equation], values: dict[Var, int], hidden: set[Var], threshold: int
) -> None:
    """Hide more numbers in every line that gives a hidden one away, until stable.

    The same two rules as `suppression._pair_up_lines`: a line with exactly one hidden number
    solves it; a line whose published total minus its published parts is 1..threshold-1
    states a small count.
    """
    changed = True
    while changed:
        changed = False
        for parts, total in equations:
            line = (*parts, total)
            if sum(v in hidden for v in line) == 1:
                candidates = line
            elif (
                total not in hidden
                and 1 <= sum(values[v] for v in parts if v in hidden) < threshold
            ):
                candidates = parts
            else:
                continue
            visible = [v for v in candidates if v not in hidden and values[v] > 0]
            hidden.add(min(visible, key=lambda v: (values[v], v)))
            changed = True


def _protector(
    equations: list[Equation], values: dict[Var, int], hidden: set[Var], exposed: Var
) -> Var:
    """The next number to hide for a hidden number that the published ones determine.

    Preferably a neighbour (it shares an equation with `exposed`), smallest first; any
    published non-zero number otherwise. One always exists: were every non-zero number
    hidden, nothing would be determined (see the module docstring).
    """
    neighbours = {v for parts, total in equations if exposed in (*parts, total) for v in parts}
    neighbours |= {total for parts, total in equations if exposed in (*parts, total)}
    candidates = [
        (v not in neighbours, values[v], v) for v in values if v not in hidden and values[v] > 0
    ]
    if not candidates:  # pragma: no cover - excluded by the argument in the docstring
        raise RuntimeError(f"nothing left to hide to protect {exposed}")
    return min(candidates)[2]
