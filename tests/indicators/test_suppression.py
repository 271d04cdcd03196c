"""Disclosure control: hand-worked tables first, then properties over random tables.

In the hand-worked tables `H` marks a hidden value; the grid layout is rows with their totals,
then the column totals and the grand total.
"""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k0.indicators.suppression import (
    Bounds,
    SuppressedTable,
    feasible_ranges,
    recoverable_cells,
    suppress_series,
    suppress_table,
)

H = None


def grid(table: SuppressedTable) -> list[list[int | None]]:
    """The published grid: rows with their totals, then column totals and grand total."""
    rows = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    return [*rows, [*table.col_totals, table.grand_total]]


def true_grid(rows: list[list[int]]) -> list[list[int]]:
    full = [[*row, sum(row)] for row in rows]
    return [*full, [sum(column) for column in zip(*full, strict=True)]]


def lines(n_rows: int, n_cols: int) -> list[list[tuple[int, int]]]:
    """Every row and column of the published grid, total last."""
    by_row = [[(i, j) for j in range(n_cols + 1)] for i in range(n_rows + 1)]
    by_col = [[(i, j) for i in range(n_rows + 1)] for j in range(n_cols + 1)]
    return by_row + by_col


# --- hand-worked tables -------------------------------------------------------------------


def test_all_zero_table_is_published_as_zeros():
    result = suppress_table([[0, 0, 0], [0, 0, 0]])

    assert grid(result) == [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert result.suppressed_count == 0


def test_table_without_small_counts_is_published_whole():
    result = suppress_table([[10, 20], [30, 40]])

    assert grid(result) == [[10, 20, 30], [30, 40, 70], [40, 60, 100]]
    assert result.suppressed_count == 0


def test_single_small_cell_hides_its_margins_but_not_the_zeros():
    result = suppress_table([[3, 0], [0, 0]])

    assert grid(result) == [[H, 0, H], [0, 0, 0], [H, 0, H]]
    assert result.suppressed_count == 4


def test_single_large_cell_is_published():
    assert grid(suppress_table([[0, 0], [0, 12]])) == [[0, 0, 0], [0, 12, 12], [0, 12, 12]]


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (3, H), (5, 5)])
def test_one_by_one_table(value, expected):
    assert grid(suppress_table([[value]])) == [[expected] * 2] * 2


def test_grand_total_below_threshold_hides_every_non_zero_value():
    result = suppress_table([[1, 2], [0, 1]])

    assert grid(result) == [[H, H, H], [0, H, H], [H, H, H]]


def test_entirely_zero_row_and_column_stay_published():
    result = suppress_table([[12, 0, 3], [0, 0, 0], [9, 0, 14]])

    assert result.cells[1] == [0, 0, 0]
    assert result.row_totals[1] == 0
    assert [row[1] for row in result.cells] == [0, 0, 0]
    assert result.col_totals[1] == 0


def test_small_cells_get_partners_in_their_rows_and_columns():
    #  12  3  8 | 23      3 and 2 are small; row 0 pairs 3 with 8 (its smallest), row 2 pairs
    #   9 14 20 | 43      2 with 6; columns 1 and 2 then already hold two hidden cells each,
    #   7  6  2 | 15      and the four hidden cells form a cycle.
    #  28 23 30 | 81
    result = suppress_table([[12, 3, 8], [9, 14, 20], [7, 6, 2]])

    assert grid(result) == [
        [12, H, H, 23],
        [9, 14, 20, 43],
        [7, H, H, 15],
        [28, 23, 30, 81],
    ]
    # x01 = t, x02 = 11 - t, x21 = 9 - t, x22 = t - 1, each at least 1: t in 2..8.
    assert feasible_ranges(result) == {
        (0, 1): Bounds(2, 8),
        (0, 2): Bounds(3, 9),
        (2, 1): Bounds(1, 7),
        (2, 2): Bounds(1, 7),
    }


def test_complement_of_a_small_cell_is_hidden_too():
    #  16  2 | 18      18 - 16 = 2 would reveal the 2; in column 1, 12 - 10 = 2 would reveal
    #  10 10 | 20      it as well; row 1 then pairs its 10 with the other 10.
    #  26 12 | 38
    result = suppress_table([[16, 2], [10, 10]])

    assert grid(result) == [[H, H, 18], [H, H, 20], [26, 12, 38]]


def test_bridge_is_closed_into_a_cycle():
    #  18 16  3 | 37      Pairing alone hides two cycles, {18, 3, col totals 18 and 3} and
    #   0 22  0 | 22      {22, 14, row totals 22 and 14}, joined by the 16: that 16 would be
    #   0 14  0 | 14      52 - (73 - 37) = 16. Hiding the row total 37, the smallest cell
    #  18 52  3 | 73      joining the two sides, puts it on a cycle.
    result = suppress_table([[18, 16, 3], [0, 22, 0], [0, 14, 0]])

    assert grid(result) == [
        [H, H, H, H],
        [0, H, 0, H],
        [0, H, 0, H],
        [H, 52, H, 73],
    ]
    assert recoverable_cells(result) == []


def test_recoverable_cells_finds_a_lone_hidden_cell():
    exposed = SuppressedTable(
        cells=[[H, 10], [12, 10]],
        row_totals=[13, 22],
        col_totals=[15, 20],
        grand_total=35,
        suppressed_count=1,
        threshold=5,
    )

    assert recoverable_cells(exposed) == [(0, 0)]
    assert feasible_ranges(exposed) == {(0, 0): Bounds(3, 3)}


def test_threshold_changes_what_is_small():
    assert grid(suppress_table([[7, 30]], threshold=5))[0] == [7, 30, 37]
    assert grid(suppress_table([[7, 30]], threshold=10))[0] == [H, H, 37]


def test_series_pairs_a_small_value_with_the_smallest_other():
    result = suppress_series([3, 10, 12, 0])

    assert result.values == [H, H, 12, 0]
    assert result.total == 25
    assert result.suppressed_count == 2


def test_series_hides_more_when_the_hidden_values_add_up_to_a_small_count():
    # 22 - 10 - 10 = 2 would say "two persons in the other groups".
    result = suppress_series([10, 10, 1, 1])

    assert result.values == [H, 10, H, H]
    assert result.total == 22


def test_series_complement_of_the_total():
    assert suppress_series([20, 1, 1]).values == [H, H, H]


@pytest.mark.parametrize(
    ("values", "shown", "total"),
    [([0, 0, 0], [0, 0, 0], 0), ([2], [H], H), ([7], [7], 7), ([1, 2, 0], [H, H, 0], H)],
)
def test_series_edge_cases(values, shown, total):
    result = suppress_series(values)

    assert (result.values, result.total) == (shown, total)


@pytest.mark.parametrize(
    ("rows", "threshold"),
    [([], 5), ([[]], 5), ([[1, 2], [3]], 5), ([[1, -1]], 5), ([[1.5]], 5), ([[1]], 0)],
)
def test_invalid_input_is_refused(rows, threshold):
    with pytest.raises(ValueError):
        suppress_table(rows, threshold)


# --- properties ---------------------------------------------------------------------------

# Small values are what the rules are about, so draw them far more often than uniform 0..40.
counts = st.one_of(st.just(0), st.integers(1, 9), st.integers(0, 40))
thresholds = st.integers(2, 10)
tables = st.integers(1, 6).flatmap(
    lambda n_cols: st.lists(
        st.lists(counts, min_size=n_cols, max_size=n_cols), min_size=1, max_size=6
    )
)
series = st.lists(counts, min_size=1, max_size=6)


def check_published_table(rows: list[list[int]], table: SuppressedTable) -> None:
    threshold = table.threshold
    truth = true_grid(rows)
    shown = grid(table)
    positions = [(i, j) for i in range(len(truth)) for j in range(len(truth[0]))]

    # Published values are true, zeros are always published, nothing small is published.
    for i, j in positions:
        if shown[i][j] is not None:
            assert shown[i][j] == truth[i][j]
            assert shown[i][j] == 0 or shown[i][j] >= threshold
        else:
            assert truth[i][j] > 0
    assert table.suppressed_count == sum(shown[i][j] is None for i, j in positions)

    # No complement disclosure, for one part or for all published parts of a line together.
    for line in lines(len(rows), len(rows[0])):
        total = shown[line[-1][0]][line[-1][1]]
        if total is None:
            continue
        parts = [shown[i][j] for i, j in line[:-1]]
        for part in parts:
            assert part is None or not 1 <= total - part < threshold
        rest = total - sum(p for p in parts if p is not None)
        assert rest == 0 or rest >= threshold

    # The exact ranges of the reader who knows hidden values are at least 1 (independent
    # attackers in test_outsider): every hidden value keeps two possibilities or more, not
    # all below the threshold.
    assert recoverable_cells(table) == []
    ranges = feasible_ranges(table)
    assert set(ranges) == {(i, j) for i, j in positions if shown[i][j] is None}
    for (i, j), bounds in ranges.items():
        assert bounds.low <= truth[i][j] and (bounds.high is None or truth[i][j] <= bounds.high)
        assert bounds.high is None or bounds.high > bounds.low
        assert bounds.high is None or bounds.high >= threshold


@settings(max_examples=100, deadline=None)
@given(rows=tables, threshold=thresholds)
def test_published_tables_disclose_no_small_count(rows, threshold):
    table = suppress_table(rows, threshold)

    check_published_table(rows, table)


@settings(max_examples=100, deadline=None)
@given(values=series, threshold=thresholds)
def test_published_series_disclose_no_small_count(values, threshold):
    result = suppress_series(values, threshold)

    check_published_table([values], result.as_table())
    assert result.suppressed_count == sum(v is None for v in [*result.values, result.total])


@settings(max_examples=200, deadline=None)
@given(values=series, threshold=thresholds)
def test_series_matches_the_one_row_table(values, threshold):
    result = suppress_series(values, threshold)
    table = suppress_table([values], threshold)

    assert result.values == table.cells[0] == table.col_totals
    assert result.total == table.row_totals[0] == table.grand_total


@settings(max_examples=100, deadline=None)
@given(rows=tables, threshold=thresholds)
def test_suppression_is_deterministic(rows, threshold):
    first = suppress_table(rows, threshold)

    assert suppress_table(copy.deepcopy(rows), threshold) == first
    assert suppress_series(rows[0], threshold) == suppress_series(list(rows[0]), threshold)
