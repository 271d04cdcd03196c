"""Suppression against the reader who knows that hidden numbers are at least 1.

Zeros are always published, so a reader knows every hidden count is an integer of at least 1.
With the published totals and the equations of every linked table, that can pin a hidden
number (five hidden ones that add up to a published 5 are each 1) or bound it below the
threshold. The guarantee: the values a hidden number can take given all that are at least
two, and not all inside 1..threshold-1.

The attacker here is independent of `suppression.Outsider`: exhaustive search over the
integers on small systems, and integer programming over every number of the tables (the
published ones fixed by their bounds, equations written out by this file) on larger ones.
"""

import datetime as dt
import io
import itertools
import json

import numpy as np
import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from k0.cases.choices import Outcome
from k0.indicators.linked import suppress_family
from k0.indicators.suppression import suppress_series, suppress_table
from tests.factories import AreaFactory, SchoolFactory, UserFactory, make_case
from tests.indicators.conftest import close_directly, party

# --- the independent attacker -------------------------------------------------------------


def table_equations(n_rows, n_cols):
    """Rows and columns of a table with its margins: (parts, total) over grid positions."""
    rows = [([(i, j) for j in range(n_cols)], (i, n_cols)) for i in range(n_rows + 1)]
    cols = [([(i, j) for i in range(n_rows)], (n_rows, j)) for j in range(n_cols + 1)]
    return rows + cols


def family_equations(blocks, sizes):
    """A family's equations over (row, column): row 0 is the city, column `width` the total."""
    width = sum(blocks)
    n_rows = 1 + sum(sizes)
    equations = []
    for r in range(n_rows):
        start = 0
        for size in blocks:
            equations.append(([(r, c) for c in range(start, start + size)], (r, width)))
            start += size
    first = 1
    for size in sizes:
        for c in range(width + 1):
            equations.append(([(r, c) for r in range(first, first + size)], (0, c)))
        first += size
    return equations


def exhaustive_ranges(equations, shown, limit):
    """Every value each hidden number takes over all solutions with hidden numbers in
    1..limit, by backtracking (an equation with one unknown left fixes it)."""
    hidden = sorted(v for v, x in shown.items() if x is None)
    seen = {v: set() for v in hidden}

    def propagate(assigned):
        assigned = dict(assigned)
        changed = True
        while changed:
            changed = False
            for parts, total in equations:
                terms = [(p, 1) for p in parts] + [(total, -1)]
                unknown = [(v, a) for v, a in terms if shown[v] is None and v not in assigned]
                known = sum(
                    a * (shown[v] if shown[v] is not None else assigned[v])
                    for v, a in terms
                    if shown[v] is not None or v in assigned
                )
                if not unknown:
                    if known != 0:
                        return None
                elif len(unknown) == 1:
                    var, a = unknown[0]
                    value = -known * a
                    if not 1 <= value <= limit:
                        return None
                    assigned[var] = value
                    changed = True
        return assigned

    def search(assigned):
        assigned = propagate(assigned)
        if assigned is None:
            return
        free = [v for v in hidden if v not in assigned]
        if not free:
            for v in hidden:
                seen[v].add(assigned[v])
            return
        for value in range(1, limit + 1):
            search({**assigned, free[0]: value})

    search({})
    return seen


def integer_range(equations, shown, var):
    """(min, max) of one hidden number by integer programming over all numbers; max None
    when unbounded."""
    names = sorted(shown)
    index = {v: k for k, v in enumerate(names)}
    matrix = np.zeros((len(equations), len(names)))
    for row, (parts, total) in enumerate(equations):
        for p in parts:
            matrix[row, index[p]] += 1
        matrix[row, index[total]] -= 1
    lower = np.array([1.0 if shown[v] is None else shown[v] for v in names])
    upper = np.array([np.inf if shown[v] is None else shown[v] for v in names])
    constraint = LinearConstraint(matrix, 0, 0)
    result = []
    for sign in (1, -1):
        cost = np.zeros(len(names))
        cost[index[var]] = sign
        answer = milp(
            cost,
            constraints=constraint,
            bounds=Bounds(lower, upper),
            integrality=np.ones(len(names)),
        )
        # The truth is a solution, so "infeasible or unbounded" (HiGHS's presolve) can only
        # mean unbounded; x >= 1 bounds every minimum.
        if answer.status in (3, 4) and sign == -1:
            result.append(None)
            continue
        assert answer.status == 0, answer.message
        result.append(round(answer.x[index[var]]))
    return tuple(result)


def assert_nothing_pinned(equations, shown, truth, threshold, exhaustive=False):
    """The guarantee, checked by the attacker; also: published numbers are true, zeros are
    published, and nothing small is published."""
    for var, value in shown.items():
        if value is None:
            assert truth[var] > 0, var
        else:
            assert value == truth[var], var
            assert value == 0 or value >= threshold, var
    hidden = [v for v, x in shown.items() if x is None]
    if exhaustive:
        limit = max([truth[v] for v in hidden] + [0]) + threshold
        ranges = exhaustive_ranges(equations, shown, limit)
        for var in hidden:
            values = ranges[var]
            assert truth[var] in values, var
            assert len(values) >= 2, (var, values)
            assert max(values) >= threshold, (var, values)
    else:
        for var in hidden:
            low, high = integer_range(equations, shown, var)
            assert low <= truth[var] and (high is None or truth[var] <= high), var
            assert high is None or high > low, (var, low, high)
            assert high is None or high >= threshold, (var, low, high)


def table_views(rows, result):
    n_rows, n_cols = len(rows), len(rows[0])
    truth_grid = [[*row, sum(row)] for row in rows]
    truth_grid.append([sum(col) for col in zip(*truth_grid, strict=True)])
    shown_grid = [[*r, t] for r, t in zip(result.cells, result.row_totals, strict=True)]
    shown_grid.append([*result.col_totals, result.grand_total])
    truth = {(i, j): v for i, row in enumerate(truth_grid) for j, v in enumerate(row)}
    shown = {(i, j): v for i, row in enumerate(shown_grid) for j, v in enumerate(row)}
    return table_equations(n_rows, n_cols), shown, truth


def family_views(blocks, city, breakdowns, result):
    width = sum(blocks)
    rows = [city, *(row for rows in breakdowns for row in rows)]
    truth = {}
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            truth[(r, c)] = v
        truth[(r, width)] = sum(row[: blocks[0]])
    shown_rows = [[*result.city, result.city_total]]
    for cells, totals in zip(result.breakdowns, result.breakdown_totals, strict=True):
        shown_rows += [[*row, total] for row, total in zip(cells, totals, strict=True)]
    shown = {(r, c): v for r, row in enumerate(shown_rows) for c, v in enumerate(row)}
    return family_equations(blocks, [len(rows) for rows in breakdowns]), shown, truth


# --- the examples of the issue (each undone exactly before) -------------------------------


def test_five_hidden_ones_under_a_published_five():
    # Before: all five hidden, the total 5 published, so each hidden value was exactly 1.
    result = suppress_series([1, 1, 1, 1, 1])

    assert result.total is None
    equations = [(list(range(5)), 5)]
    shown = {**dict(enumerate(result.values)), 5: result.total}
    assert_nothing_pinned(
        equations, shown, {**dict.fromkeys(range(5), 1), 5: 5}, 5, exhaustive=True
    )


def test_five_areas_with_one_case_each_hide_the_city_total():
    result = suppress_family([1], [5], [[[1]] * 5])

    assert result.city == [None] and result.city_total is None
    assert_nothing_pinned(*family_views([1], [5], [[[1]] * 5], result), 5)


def test_table_of_ones_with_margins_of_two():
    # The example the old docstring admitted: [[1, 1], [1, 1]] with threshold 2 published its
    # margins of 2 and grand total 4, which pin every cell to 1.
    result = suppress_table([[1, 1], [1, 1]], threshold=2)

    assert result.grand_total is None
    assert_nothing_pinned(*table_views([[1, 1], [1, 1]], result), 2, exhaustive=True)


def test_ones_in_a_corner_of_large_counts():
    # Four hidden 1s in the corner: their row and column totals (11, 11, 22, 22) are
    # published, so the secondary cells must leave each 1 room up to the threshold.
    rows = [[1, 1, 9], [1, 1, 9], [20, 20, 20]]
    result = suppress_table(rows)

    assert_nothing_pinned(*table_views(rows, result), 5, exhaustive=True)


# --- properties over random tables --------------------------------------------------------

# Sparse tables full of ones are what the attacker feeds on; mix in larger counts.
sparse = st.sampled_from([0, 0, 1, 1, 1, 2])
counts = st.one_of(sparse, st.integers(0, 9), st.integers(0, 30))


def grids(values, max_rows, max_cols):
    return st.integers(1, max_cols).flatmap(
        lambda n: st.lists(st.lists(values, min_size=n, max_size=n), min_size=1, max_size=max_rows)
    )


@settings(max_examples=60, deadline=None)
@given(rows=grids(sparse, 2, 3), threshold=st.integers(2, 4))
def test_small_tables_against_exhaustive_search(rows, threshold):
    result = suppress_table(rows, threshold)

    assert_nothing_pinned(*table_views(rows, result), threshold, exhaustive=True)


@settings(max_examples=60, deadline=None)
@given(rows=grids(counts, 5, 4), threshold=st.integers(2, 6))
def test_tables_against_integer_programming(rows, threshold):
    result = suppress_table(rows, threshold)

    assert_nothing_pinned(*table_views(rows, result), threshold)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(sparse, st.integers(0, 12)), min_size=1, max_size=4),
    threshold=st.integers(2, 6),
)
def test_series_against_exhaustive_search(values, threshold):
    result = suppress_series(values, threshold)
    n = len(values)
    shown = {**dict(enumerate(result.values)), n: result.total}
    truth = {**dict(enumerate(values)), n: sum(values)}

    assert_nothing_pinned([(list(range(n)), n)], shown, truth, threshold, exhaustive=True)


@st.composite
def families(draw):
    """Families built from fine cells (area x kind x band), like the indicator queries, so
    every breakdown adds up to the same city row; up to three breakdowns."""
    blocks = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))
    sizes = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    width = sum(blocks)
    rows = {(d, i): [0] * width for d, size in enumerate(sizes) for i in range(size)}
    city = [0] * width
    for key in itertools.product(*(range(size) for size in sizes)):
        total = draw(st.one_of(sparse, st.integers(0, 8)))
        cells = []
        for size in blocks:
            cuts = sorted(draw(st.integers(0, total)) for _ in range(size - 1))
            edges = [0, *cuts, total]
            cells += [edges[k + 1] - edges[k] for k in range(size)]
        for c, value in enumerate(cells):
            city[c] += value
            for d, i in enumerate(key):
                rows[(d, i)][c] += value
    breakdowns = [[rows[(d, i)] for i in range(size)] for d, size in enumerate(sizes)]
    return blocks, city, breakdowns


@settings(max_examples=60, deadline=None)
@given(family=families(), threshold=st.integers(2, 5))
def test_linked_families_against_integer_programming(family, threshold):
    blocks, city, breakdowns = family
    result = suppress_family(blocks, city, breakdowns, threshold)

    assert_nothing_pinned(*family_views(blocks, city, breakdowns, result), threshold)


# --- end to end ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_by_area_no_longer_reveals_five_single_cases():
    # Five areas, each with one resolved case with one central pupil, closed in 2025. Before,
    # the export hid all five areas and published the city total 5: each area was exactly 1.
    user = UserFactory(username="indicator_team_five", password=None)
    for n in range(5):
        school = SchoolFactory(area=AreaFactory(name=f"Alue {n}"))
        case = make_case(school=school, responsible=user, referred_on=dt.date(2025, 3, 1))
        party(case, f"Oppilas {n}", grade=5)
        close_directly(case, Outcome.RESOLVED, dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC))
    out = io.StringIO()

    call_command(
        "export_indicators",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--by",
        "area",
        "--format",
        "json",
        stdout=out,
    )

    records = [
        r
        for r in json.loads(out.getvalue())["data"]
        if r["indicator"] == "central_parties_resolved" and not r["category"]
    ]
    areas = [r for r in records if r["breakdown"] == "area"]
    (city,) = [r for r in records if r["breakdown"] == "total"]
    assert len(areas) == 5 and all(r["suppressed"] for r in areas)
    assert city["suppressed"] and city["value"] is None
    # What the reader has: five hidden areas adding up to a hidden city total.
    shown = {("area", n): None for n in range(5)} | {("city", 0): city["value"]}
    truth = {("area", n): 1 for n in range(5)} | {("city", 0): 5}
    assert_nothing_pinned([([("area", n) for n in range(5)], ("city", 0))], shown, truth, 5)


def test_linked_families_are_not_totally_unimodular():
    # Why the audit checks every LP answer for integrality (docs/indicators.md): a block of
    # two columns (a, b, total t) by three breakdowns has a 9x9 minor of determinant 2, an odd
    # cycle through the three city numbers. Rows 1, 3, 5 are one row of each breakdown.
    equations = family_equations([2], [2, 2, 2])
    columns = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 2), (3, 0), (3, 1), (5, 1), (5, 2)]

    def row(first, total):
        (parts, _) = next(e for e in equations if e[1] == total and e[0][0] == first)
        return [(v in parts) - (v == total) for v in columns]

    minor = [row((r, c), (0, c)) for r, c in [(1, 0), (3, 0), (3, 1), (5, 1), (1, 2), (5, 2)]]
    minor += [row((r, 0), (r, 2)) for r in (1, 3, 5)]

    assert abs(round(np.linalg.det(np.array(minor, dtype=float)))) == 2
