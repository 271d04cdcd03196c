"""Disclosure control for published tables of counts of distinct persons.

The programme office sees indicator tables for small populations (one school, one grade band).
A count of 1–4 children, or a total that differs from a published part by 1–4, can point at a
particular child, so such values must not be recoverable from anything we publish. This module
decides which cells to hide; rendering the hidden cells is left to the caller (`None` = hidden).

Model. A table of R rows and C columns is published together with its margins, so what is
published is an (R+1) x (C+1) grid: row i's last cell is its row total, the last row holds the
column totals and the corner is the grand total. Every row and every column of this grid is a
*line*: its inner cells sum to its last cell. Hidden cells are the unknowns of these equations.

Why the graph. Take the grid's rows and columns as the nodes of a bipartite graph and every
hidden cell as an edge between its row and its column (the margin row and margin column are
nodes too, the grand total is the edge between them). Negating the margins turns the grid into
a table whose lines all sum to zero, i.e. a circulation on that graph. Linear algebra on such a
graph gives the exact rule: a hidden cell is determined by the published values if and only if
its edge is a *bridge* (lies on no cycle). Conversely, when every hidden cell is non-zero and on
a cycle, adding +1/-1 alternately around the cycle gives another table that matches everything
published, so an outsider cannot tell the true value from its neighbours.

Algorithm (deterministic: every choice is by value, then by position):

1. primary: hide every cell, margin included, with a value from 1 to threshold-1;
2. complement: hide a cell c whose line total T is not itself hidden if T-c is 1..threshold-1;
3. secondary: a line with exactly one hidden cell gets its smallest non-zero visible cell
   hidden too, and so does a line whose total is published while its hidden parts add up to
   1..threshold-1 (their sum is the total minus the published parts: a small count again);
   repeated until stable;
4. audit: while some hidden cell is a bridge, hide one more non-zero cell that closes a cycle
   through it (or, failing that, extends the bridge's component), then go back to step 3.

Zeros are never hidden: a zero discloses nobody, and hiding only non-zero cells is what makes
the +1/-1 argument above work. Hiding every non-zero cell always satisfies step 4 (the non-zero
cells of a circulation decompose into cycles), so the loop terminates.

`feasible_ranges` is the outsider's view: interval bounds from the published values, the line
equations and non-negativity. They are outer bounds, so they never prove a cell safe on their
own; the bridge rule is what guarantees every hidden cell keeps a range of at least
[true-1, true+1]. Note that an outsider who knows zeros are never hidden can raise each lower
bound to 1, which can pin cells in some sparse tables full of ones (e.g. [[1, 1], [1, 1]]
with threshold 2, whose margins of 2 are then published); that outsider is not modelled here.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

# (row, column) in the published grid: row == number of rows means the column-total row,
# column == number of columns means the row-total column.
Position = tuple[int, int]


@dataclass(frozen=True)
class SuppressedTable:
    """A two-way table as it may be published; `None` marks a hidden value."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    col_totals: list[int | None]
    grand_total: int | None
    suppressed_count: int
    threshold: int


@dataclass(frozen=True)
class SuppressedSeries:
    """A one-way table (values and their total) as it may be published; `None` = hidden."""

    values: list[int | None]
    total: int | None
    suppressed_count: int
    threshold: int

    def as_table(self) -> SuppressedTable:
        """The same information as a one-row table, so `feasible_ranges` can audit it.

        The column totals of a single row repeat its cells, so they add no information.
        """
        hidden = sum(v is None for v in self.values)
        return SuppressedTable(
            cells=[list(self.values)],
            row_totals=[self.total],
            col_totals=list(self.values),
            grand_total=self.total,
            suppressed_count=2 * (hidden + (self.total is None)),
            threshold=self.threshold,
        )


@dataclass(frozen=True)
class Bounds:
    """What an outsider can deduce about one hidden value; `high` None means unbounded."""

    low: int
    high: int | None


def suppress_table(rows: list[list[int]], threshold: int = 5) -> SuppressedTable:
    """Hide the cells and margins of a two-way table that could disclose a small count.

    `rows` are counts of distinct persons. The returned table carries its margins, each of
    which may be hidden too. The same input always gives the same pattern.
    """
    _check_threshold(threshold)
    _check_rows(rows)
    grid = _augment(rows)
    lines = _lines(len(rows), len(rows[0]))

    hidden = _primary(grid, threshold) | _complement(grid, lines, threshold)
    while True:
        _pair_up_lines(grid, lines, hidden, threshold)
        bridges = _bridges(len(rows), len(rows[0]), hidden)
        if not bridges:
            break
        hidden.add(_cycle_closer(grid, hidden, bridges[0]))
    return _publish(grid, hidden, threshold)


def suppress_series(values: list[int], threshold: int = 5) -> SuppressedSeries:
    """Hide the values and total of a one-way table that could disclose a small count.

    The same rules as `suppress_table` on a single line: one equation, so a hidden value is
    recoverable only when it is the sole hidden entry, and a published total minus the
    published values must not be a small count.
    """
    _check_threshold(threshold)
    _check_rows([values])
    line = [*values, sum(values)]
    total = line[-1]
    hidden = {k for k, v in enumerate(line) if 1 <= v < threshold}
    if total >= threshold:
        hidden |= {k for k, v in enumerate(values) if 1 <= total - v < threshold}
    while True:
        if len(hidden) == 1:
            candidates = range(len(line))
        elif len(values) not in hidden and 1 <= sum(line[k] for k in hidden) < threshold:
            candidates = range(len(values))
        else:
            break
        visible = [k for k in candidates if k not in hidden and line[k] > 0]
        hidden.add(min(visible, key=lambda k: (line[k], k)))
    shown: list[int | None] = [None if k in hidden else v for k, v in enumerate(line)]
    return SuppressedSeries(
        values=shown[:-1], total=shown[-1], suppressed_count=len(hidden), threshold=threshold
    )


def feasible_ranges(table: SuppressedTable) -> dict[Position, Bounds]:
    """Bounds an outsider can deduce for each hidden value of a published table.

    Interval propagation over the line equations until nothing tightens: for a hidden inner
    cell, low = total.low - (known part + highs of the other hidden cells) and
    high = total.high - (known part + lows of the other hidden cells); a hidden total is
    bounded by the sums of its inner cells' bounds. All bounds start at [0, inf).

    These are outer bounds (never narrower than the true feasible range); a range that is
    not collapsed here is not proof of safety on its own, see the module docstring.
    """
    n_rows, n_cols = len(table.cells), len(table.cells[0])
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.col_totals, table.grand_total])
    lines = _lines(n_rows, n_cols)

    low: dict[Position, float] = {}
    high: dict[Position, float] = {}
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if value is None:
                low[(i, j)], high[(i, j)] = 0, math.inf

    def bounds(pos: Position) -> tuple[float, float]:
        value = grid[pos[0]][pos[1]]
        return (value, value) if value is not None else (low[pos], high[pos])

    changed = True
    while changed:
        changed = False
        for line in lines:
            inner, total = line[:-1], line[-1]
            unknown = [p for p in inner if p in low]
            known = sum(grid[p[0]][p[1]] or 0 for p in inner)
            total_low, total_high = bounds(total)
            updates = []
            for p in unknown:
                # Sum the others afresh rather than subtracting p from a total: inf - inf.
                others_low = known + sum(low[q] for q in unknown if q != p)
                others_high = known + sum(high[q] for q in unknown if q != p)
                updates.append((p, total_low - others_high, total_high - others_low))
            if total in low:
                sum_low = known + sum(low[p] for p in unknown)
                sum_high = known + sum(high[p] for p in unknown)
                updates.append((total, sum_low, sum_high))
            for pos, new_low, new_high in updates:
                if new_low > low[pos]:
                    low[pos], changed = new_low, True
                if new_high < high[pos]:
                    high[pos], changed = new_high, True

    return {
        pos: Bounds(int(low[pos]), None if high[pos] == math.inf else int(high[pos]))
        for pos in sorted(low)
    }


def recoverable_cells(table: SuppressedTable) -> list[Position]:
    """Hidden positions whose exact value follows from the published values (bridges).

    This is the exact linear test from the module docstring; a table produced by
    `suppress_table` always gives an empty list.
    """
    n_rows, n_cols = len(table.cells), len(table.cells[0])
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.col_totals, table.grand_total])
    hidden = {(i, j) for i, row in enumerate(grid) for j, v in enumerate(row) if v is None}
    return _bridges(n_rows, n_cols, hidden)


# --- internals ---------------------------------------------------------------------------


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"threshold must be a positive integer, got {threshold!r}")


def _check_rows(rows: list[list[int]]) -> None:
    if not rows or not rows[0]:
        raise ValueError("a table needs at least one row and one column")
    width = len(rows[0])
    for row in rows:
        if len(row) != width:
            raise ValueError("all rows of a table must have the same number of columns")
        for value in row:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"counts must be non-negative integers, got {value!r}")


def _augment(rows: list[list[int]]) -> list[list[int]]:
    """The published grid: rows with their totals, then the column totals and grand total."""
    grid = [[*row, sum(row)] for row in rows]
    grid.append([sum(column) for column in zip(*grid, strict=True)])
    return grid


def _lines(n_rows: int, n_cols: int) -> list[list[Position]]:
    """Every row and column of the published grid, each listed with its total last."""
    rows = [[(i, j) for j in range(n_cols + 1)] for i in range(n_rows + 1)]
    cols = [[(i, j) for i in range(n_rows + 1)] for j in range(n_cols + 1)]
    return rows + cols


def _value(grid: list[list[int]], pos: Position) -> int:
    return grid[pos[0]][pos[1]]


def _primary(grid: list[list[int]], threshold: int) -> set[Position]:
    return {(i, j) for i, row in enumerate(grid) for j, v in enumerate(row) if 1 <= v < threshold}


def _complement(
    grid: list[list[int]], lines: list[list[Position]], threshold: int
) -> set[Position]:
    hidden: set[Position] = set()
    for line in lines:
        total = _value(grid, line[-1])
        # A total below the threshold is hidden by the primary rule, so there is nothing
        # published to take the difference from.
        if total < threshold:
            continue
        hidden |= {p for p in line[:-1] if 1 <= total - _value(grid, p) < threshold}
    return hidden


def _pair_up_lines(
    grid: list[list[int]], lines: list[list[Position]], hidden: set[Position], threshold: int
) -> None:
    """Hide more cells in each line that gives a hidden value away, until stable.

    A line gives one away when it has exactly one hidden cell (the equation solves it), or
    when its total is published and its hidden parts add up to 1..threshold-1: the total minus
    the published parts is then a small count of persons, the complement rule applied to the
    published parts as a whole. Candidates always exist: a lone hidden cell is non-zero, so
    the equation needs another non-zero cell; and hidden parts summing to less than a
    published total (which is at least the threshold) leave a non-zero part visible.
    """
    changed = True
    while changed:
        changed = False
        for line in lines:
            inner, total = line[:-1], line[-1]
            if sum(p in hidden for p in line) == 1:
                candidates = line
            elif total not in hidden and 1 <= _hidden_sum(grid, inner, hidden) < threshold:
                candidates = inner  # hiding the total instead would only move the problem
            else:
                continue
            visible = [p for p in candidates if p not in hidden and _value(grid, p) > 0]
            hidden.add(min(visible, key=lambda p: (_value(grid, p), p)))
            changed = True


def _hidden_sum(grid: list[list[int]], positions: list[Position], hidden: set[Position]) -> int:
    return sum(_value(grid, p) for p in positions if p in hidden)


def _nodes(pos: Position, n_rows: int) -> tuple[int, int]:
    """Graph nodes of a cell: its row node, and its column node numbered after all rows."""
    return pos[0], n_rows + 1 + pos[1]


def _components(n_rows: int, n_cols: int, edges: set[Position]) -> list[int]:
    """Connected-component label of every node of the bipartite graph of `edges`."""
    n_nodes = n_rows + n_cols + 2
    adjacent: list[list[int]] = [[] for _ in range(n_nodes)]
    for pos in edges:
        u, v = _nodes(pos, n_rows)
        adjacent[u].append(v)
        adjacent[v].append(u)
    label = [-1] * n_nodes
    for start in range(n_nodes):
        if label[start] != -1:
            continue
        label[start] = start
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for other in adjacent[node]:
                if label[other] == -1:
                    label[other] = start
                    queue.append(other)
    return label


def _bridges(n_rows: int, n_cols: int, hidden: set[Position]) -> list[Position]:
    """Hidden cells whose value the published values determine, in position order.

    The tables are tiny (at most a few dozen edges), so removing each edge in turn and
    checking connectivity is clearer than Tarjan's algorithm and fast enough.
    """
    bridges = []
    for pos in sorted(hidden):
        label = _components(n_rows, n_cols, hidden - {pos})
        u, v = _nodes(pos, n_rows)
        if label[u] != label[v]:
            bridges.append(pos)
    return bridges


def _cycle_closer(grid: list[list[int]], hidden: set[Position], bridge: Position) -> Position:
    """The next cell to hide so that `bridge` moves towards lying on a cycle.

    Without the bridge its row side A and column side B fall apart. Preference, then smallest
    value, then position: (0) a cell joining A and B, which puts the bridge on a cycle at
    once; (1) a cell in the bridge's own row or column leading out of A or B; (2) any other
    cell leading out of A or B. Some cell always qualifies: the published cells crossing
    A's boundary sum (with signs) to the bridge's value, which is non-zero.
    """
    n_rows = len(grid) - 1
    label = _components(n_rows, len(grid[0]) - 1, hidden - {bridge})
    a, b = (label[node] for node in _nodes(bridge, n_rows))
    best: tuple[int, int, Position] | None = None
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            pos = (i, j)
            if pos in hidden or value == 0:
                continue
            u, v = (label[node] for node in _nodes(pos, n_rows))
            if u == v or not {u, v} & {a, b}:
                continue  # inside one component, or elsewhere: no progress on this bridge
            if {u, v} == {a, b}:
                tier = 0
            elif i == bridge[0] or j == bridge[1]:
                tier = 1
            else:
                tier = 2
            if best is None or (tier, value, pos) < best:
                best = (tier, value, pos)
    if best is None:  # pragma: no cover - excluded by the argument in the docstring
        raise RuntimeError(f"no cell can protect the hidden cell at {bridge}")
    return best[2]


def _publish(grid: list[list[int]], hidden: set[Position], threshold: int) -> SuppressedTable:
    shown = [
        [None if (i, j) in hidden else v for j, v in enumerate(row)] for i, row in enumerate(grid)
    ]
    return SuppressedTable(
        cells=[row[:-1] for row in shown[:-1]],
        row_totals=[row[-1] for row in shown[:-1]],
        col_totals=shown[-1][:-1],
        grand_total=shown[-1][-1],
        suppressed_count=len(hidden),
        threshold=threshold,
    )
