"""Suppression of linked tables (`linked.suppress_family`): no database, like test_suppression.

A family is published as several tables that share numbers; the properties below check the
whole family at once, with an independent rank test for "can this hidden number be solved".
"""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k0.indicators.linked import determined_vars, family_equations, suppress_family
from k0.indicators.suppression import suppress_table

H = None


def published_grid(result):
    """City row first, then every breakdown row; each row ends with its total."""
    rows = [[*result.city, result.city_total]]
    for cells, totals in zip(result.breakdowns, result.breakdown_totals, strict=True):
        rows += [[*row, total] for row, total in zip(cells, totals, strict=True)]
    return rows


def true_grid(blocks, city, breakdowns):
    rows = [city, *(row for rows in breakdowns for row in rows)]
    return [[*row, sum(row[: blocks[0]])] for row in rows]


def rank(matrix):
    """Rank over the rationals by plain Gaussian elimination (independent of the module)."""
    m = [list(map(Fraction, row)) for row in matrix]
    r = 0
    for c in range(len(m[0]) if m else 0):
        pivot = next((i for i in range(r, len(m)) if m[i][c]), None)
        if pivot is None:
            continue
        m[r], m[pivot] = m[pivot], m[r]
        for i in range(len(m)):
            if i != r and m[i][c]:
                factor = m[i][c] / m[r][c]
                m[i] = [a - factor * b for a, b in zip(m[i], m[r], strict=True)]
        r += 1
    return r


def solvable(blocks, breakdowns, shown):
    """Hidden positions whose value the published numbers determine (rank test)."""
    hidden = [(i, j) for i, row in enumerate(shown) for j, v in enumerate(row) if v is None]
    index = {pos: k for k, pos in enumerate(hidden)}
    equations = family_equations(len(shown), blocks, [len(rows) for rows in breakdowns])
    matrix = []
    for parts, total in equations:
        row = [0] * len(hidden)
        for pos in parts:
            if pos in index:
                row[index[pos]] += 1
        if total in index:
            row[index[total]] -= 1
        if any(row):
            matrix.append(row)
    if not matrix:
        return []
    base = rank(matrix)
    found = []
    for pos, k in index.items():
        unit = [0] * len(hidden)
        unit[k] = 1
        if rank([*matrix, unit]) == base:
            found.append(pos)
    return found


# --- hand-worked families -----------------------------------------------------------------


def test_total_hidden_by_one_breakdown_is_hidden_in_the_other_too():
    # One column, two breakdowns. By area [12, 3]: the 3 is small, so it and the 12 (its
    # partner) are hidden, the city total 15 is published. By school kind [15, 0] needs
    # nothing on its own. But the kind table must not publish a number the area table hides,
    # and no equation may leave a lone hidden number.
    result = suppress_family([1], [15], [[[12], [3]], [[15], [0]]])

    assert published_grid(result) == [[15, 15], [H, H], [H, H], [15, 15], [0, 0]]


def test_city_cell_hidden_in_one_breakdown_cannot_be_read_from_another():
    # Two columns (e.g. two outcomes), city row [5, 5]. The school-kind table hides the city
    # cells (its 5 = 5 + 0 column would otherwise give the 3 and the 2 away). Published side
    # by side, another table must not hand the kind table's hidden margins to the reader, so
    # the city cells are hidden in both.
    city = [5, 5]
    by_area = [[3, 4], [2, 1]]
    by_kind = [[5, 3], [0, 2]]
    assert suppress_table(by_kind, audit=False).col_totals == [H, H]

    result = suppress_family([2], city, [by_area, by_kind])

    shown = published_grid(result)
    assert shown[0] == [H, H, 10]
    assert solvable([2], [by_area, by_kind], shown) == []


def test_blocks_share_the_row_total():
    # Referral source [3, 17] and police involvement [2, 18] split the same 20 cases. The
    # police table alone would hide 2 and 18 but publish 20; the source table hides 3 and 17.
    result = suppress_family([2, 2], [3, 17, 2, 18], [])

    assert result.city == [H, H, H, H]
    assert result.city_total == 20


def test_zero_stays_zero_and_large_counts_are_published():
    result = suppress_family([3], [0, 40, 25], [[[0, 20, 10], [0, 20, 15]]])

    assert published_grid(result) == [[0, 40, 25, 65], [0, 20, 10, 30], [0, 20, 15, 35]]
    assert result.suppressed_count == 0


def test_family_without_small_counts_needs_no_suppression():
    result = suppress_family([2, 1], [10, 20, 30], [[[5, 5, 10], [5, 15, 20]]])

    assert result.suppressed_count == 0


def test_determined_vars_finds_a_lone_hidden_number():
    equations = family_equations(1, [3], [])

    assert determined_vars(equations, {(0, 1)}) == [(0, 1)]
    assert determined_vars(equations, {(0, 1), (0, 2)}) == []
    assert determined_vars(equations, {(0, 0), (0, 1), (0, 2), (0, 3)}) == []


@pytest.mark.parametrize(
    ("blocks", "city", "breakdowns"),
    [
        ([], [], []),
        ([0], [], []),
        ([2], [1], []),
        ([1], [-1], []),
        ([1], [True], []),
        ([2, 1], [1, 2, 4], []),  # blocks with different totals
        ([1], [5], [[[2], [2]]]),  # rows that do not add up to the city
        ([1], [5], [[]]),  # a breakdown without rows
        ([1], [5], [[[2, 3]]]),  # a row of the wrong width
    ],
)
def test_invalid_families_are_refused(blocks, city, breakdowns):
    with pytest.raises(ValueError):
        suppress_family(blocks, city, breakdowns)


# --- properties ---------------------------------------------------------------------------

counts = st.one_of(st.just(0), st.integers(1, 6), st.integers(0, 30))


@st.composite
def families(draw):
    """Random families built from fine cells (area x kind), like the indicator queries."""
    blocks = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    n_areas, n_kinds = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    fine = {}
    for a in range(n_areas):
        for k in range(n_kinds):
            total = draw(counts)
            row = []
            for width in blocks:
                # Split the same total over each block's columns.
                cuts = sorted(draw(st.integers(0, total)) for _ in range(width - 1))
                edges = [0, *cuts, total]
                row += [edges[i + 1] - edges[i] for i in range(width)]
            fine[(a, k)] = row
    width = sum(blocks)

    def add(keys):
        return [sum(fine[key][c] for key in keys) for c in range(width)]

    by_area = [add([(a, k) for k in range(n_kinds)]) for a in range(n_areas)]
    by_kind = [add([(a, k) for a in range(n_areas)]) for k in range(n_kinds)]
    city = add(list(fine))
    breakdowns = draw(st.sampled_from([[], [by_area], [by_area, by_kind]]))
    return blocks, city, breakdowns


@settings(max_examples=150, deadline=None)
@given(family=families(), threshold=st.integers(2, 6))
def test_no_hidden_number_of_a_family_can_be_solved(family, threshold):
    blocks, city, breakdowns = family
    result = suppress_family(blocks, city, breakdowns, threshold)
    shown = published_grid(result)
    truth = true_grid(blocks, city, breakdowns)

    for shown_row, true_row in zip(shown, truth, strict=True):
        for value, true in zip(shown_row, true_row, strict=True):
            if value is None:
                assert true > 0  # zeros are never hidden
            else:
                assert value == true
                assert value == 0 or value >= threshold  # nothing small is published
    assert solvable(blocks, breakdowns, shown) == []
    assert result.suppressed_count == sum(v is None for row in shown for v in row)


@settings(max_examples=150, deadline=None)
@given(family=families(), threshold=st.integers(2, 6))
def test_no_published_total_minus_published_parts_is_small(family, threshold):
    blocks, city, breakdowns = family
    result = suppress_family(blocks, city, breakdowns, threshold)
    shown = published_grid(result)
    equations = family_equations(len(shown), blocks, [len(rows) for rows in breakdowns])

    for parts, total in equations:
        published_total = shown[total[0]][total[1]]
        if published_total is None:
            continue
        rest = published_total - sum(shown[i][j] or 0 for i, j in parts)
        assert rest == 0 or rest >= threshold
        for i, j in parts:
            part = shown[i][j]
            assert part is None or not 1 <= published_total - part < threshold


tables = st.integers(1, 5).flatmap(
    lambda n_cols: st.lists(
        st.lists(counts, min_size=n_cols, max_size=n_cols), min_size=1, max_size=5
    )
)


@settings(max_examples=100, deadline=None)
@given(rows=tables, threshold=st.integers(2, 6))
def test_a_single_table_family_starts_from_the_table_s_own_pattern(rows, threshold):
    # The family is first suppressed table by table (steps 1-4 of `suppress_table`), then
    # audited as a whole: it hides at least what the table alone hides before the audit.
    city = [sum(column) for column in zip(*rows, strict=True)]

    result = suppress_family([len(city)], city, [rows], threshold)
    table = suppress_table(rows, threshold, audit=False)

    def hidden(cells, totals, margin, corner):
        grid = [[*row, total] for row, total in zip(cells, totals, strict=True)]
        return {
            (i, j)
            for i, row in enumerate([*grid, [*margin, corner]])
            for j, v in enumerate(row)
            if v is None
        }

    family = hidden(
        result.breakdowns[0], result.breakdown_totals[0], result.city, result.city_total
    )
    alone = hidden(table.cells, table.row_totals, table.col_totals, table.grand_total)
    assert alone <= family


@settings(max_examples=50, deadline=None)
@given(family=families(), threshold=st.integers(2, 6))
def test_the_same_numbers_always_give_the_same_pattern(family, threshold):
    blocks, city, breakdowns = family
    first = suppress_family(blocks, city, breakdowns, threshold)
    again = suppress_family(
        list(blocks), list(city), [[list(r) for r in rows] for rows in breakdowns], threshold
    )

    assert first == again
