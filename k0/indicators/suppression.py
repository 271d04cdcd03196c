"""Disclosure control for published tables of counts of distinct persons.

The programme office sees indicator tables for small populations (one school, one grade band).
A count of 1–4 children, or a total that differs from a published part by 1–4, can point at a
particular child, so such values must not be recoverable from anything we publish. This module
decides which cells to hide; rendering the hidden cells is left to the caller (`None` = hidden).

Model. A table of R rows and C columns is published together with its margins, so what is
published is an (R+1) x (C+1) grid: row i's last cell is its row total, the last row holds the
column totals and the corner is the grand total. Every row and every column of this grid is a
*line*: its inner cells sum to its last cell. Hidden cells are the unknowns of these equations.

The reader (the *outsider*). Knows every published number of every table published together
(for the indicators: every breakdown of a family and the totals they share, `linked`), the
equations (every line adds up to its total), and that a hidden number is an integer of at
least 1: zeros are always published, so a hidden cell is never 0. With those, five hidden
cells under a published total of 5 are each exactly 1, and two hidden cells under a
published 6 next to a hidden 1 are bounded by 4.

Guarantee. For every hidden number, the integers consistent with all the reader knows are at
least two, and not all inside 1..threshold-1: a hidden small count can be the threshold or
more, and a hidden large one is never pinned to its value.

Why the graph. Take the grid's rows and columns as the nodes of a bipartite graph and every
hidden cell as an edge between its row and its column (the margin row and margin column are
nodes too, the grand total is the edge between them). Negating the margins turns the grid into
a table whose lines all sum to zero, i.e. a circulation on that graph. Linear algebra on such a
graph gives a cheap exact rule for the *linear* part: a hidden cell is determined by the
published values if and only if its edge is a *bridge* (lies on no cycle). Being on a cycle is
not enough against the reader above (the cells around the cycle may all be 1 already), which
is what step 5 checks.

Algorithm (deterministic: every choice is by value, then by position):

1. primary: hide every cell, margin included, with a value from 1 to threshold-1;
2. complement: hide a cell c whose line total T is not itself hidden if T-c is 1..threshold-1;
3. secondary: a line with exactly one hidden cell gets its smallest non-zero visible cell
   hidden too, and so does a line whose total is published while its hidden parts add up to
   1..threshold-1 (their sum is the total minus the published parts: a small count again);
   repeated until stable;
4. bridges: while some hidden cell is a bridge, hide one more non-zero cell that closes a
   cycle through it (or, failing that, extends the bridge's component), then back to step 3;
5. the outsider's audit (`Outsider`): find the hidden numbers the guarantee fails for, and
   hide, for each, the smallest published number in an equation that binds its range (or
   the total of that equation); then back to step 3, until none fails.

Step 5 decides exactly. Interval bounds propagated through the equations with x >= 1 come
first: they are outer bounds, so what they pin is pinned, and they point at the binding
equation. The rest is decided by linear programming (HiGHS through scipy); see `Outsider` for
why an LP answer is the integer answer, and what is done where it might not be.

Zeros are never hidden: a zero discloses nobody. The loop terminates: each round hides one
more non-zero number, and once all are hidden the published numbers are zeros, every multiple
of the true table fits them, and no hidden number is bounded above.

`feasible_ranges` gives the outsider's exact range of each hidden value of a table.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds as ScipyBounds
from scipy.optimize import LinearConstraint, linprog, milp
from scipy.sparse import bmat, coo_array
from scipy.sparse.csgraph import connected_components

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


def suppress_table(
    rows: list[list[int]], threshold: int = 5, *, audit: bool = True
) -> SuppressedTable:
    """Hide the cells and margins of a two-way table that could disclose a small count.

    `rows` are counts of distinct persons. The returned table carries its margins, each of
    which may be hidden too. The same input always gives the same pattern. `audit=False`
    stops before step 5 (the outsider's audit), for a caller that audits a larger system of
    linked tables itself (`linked.suppress_family`).
    """
    return _suppress_table(rows, threshold, exact=audit)


def suppress_series(
    values: list[int], threshold: int = 5, *, audit: bool = True
) -> SuppressedSeries:
    """Hide the values and total of a one-way table that could disclose a small count.

    The same rules as `suppress_table` on a single line: one equation, so a hidden value is
    recoverable only when it is the sole hidden entry, and a published total minus the
    published values must not be a small count; then the outsider's audit (unless `audit`
    is False, as for `suppress_table`).
    """
    return _suppress_series(values, threshold, exact=audit)


def _suppress_table(rows: list[list[int]], threshold: int, *, exact: bool) -> SuppressedTable:
    _check_threshold(threshold)
    _check_rows(rows)
    grid = _augment(rows)
    lines = _lines(len(rows), len(rows[0]))
    outsider = exact and Outsider(
        [(tuple(line[:-1]), line[-1]) for line in lines],
        {(i, j): v for i, row in enumerate(grid) for j, v in enumerate(row)},
        threshold,
    )

    hidden = _primary(grid, threshold) | _complement(grid, lines, threshold)
    while True:
        _pair_up_lines(grid, lines, hidden, threshold)
        bridges = _bridges(len(rows), len(rows[0]), hidden)
        if bridges:
            hidden.add(_cycle_closer(grid, hidden, bridges[0]))
            continue
        if not exact or not protect_step(outsider, hidden):
            break
    return _publish(grid, hidden, threshold)


def _suppress_series(values: list[int], threshold: int, *, exact: bool) -> SuppressedSeries:
    _check_threshold(threshold)
    _check_rows([values])
    line = [*values, sum(values)]
    total = line[-1]
    outsider = Outsider(
        [(tuple(range(len(values))), len(values))], dict(enumerate(line)), threshold
    )
    hidden = {k for k, v in enumerate(line) if 1 <= v < threshold}
    if total >= threshold:
        hidden |= {k for k, v in enumerate(values) if 1 <= total - v < threshold}
    while True:
        if len(hidden) == 1:
            candidates = range(len(line))
        elif len(values) not in hidden and 1 <= sum(line[k] for k in hidden) < threshold:
            candidates = range(len(values))
        else:
            if exact and protect_step(outsider, hidden):
                continue
            break
        visible = [k for k in candidates if k not in hidden and line[k] > 0]
        hidden.add(min(visible, key=lambda k: (line[k], k)))
    shown: list[int | None] = [None if k in hidden else v for k, v in enumerate(line)]
    return SuppressedSeries(
        values=shown[:-1], total=shown[-1], suppressed_count=len(hidden), threshold=threshold
    )


def protect_step(outsider: Outsider, hidden: set) -> bool:
    """Step 5: hide one more number if a hidden one is exposed to `outsider`; False if none.

    Callers alternate it with their cheaper steps until it returns False.
    """
    exposed = outsider.exposed(hidden)
    if not exposed:
        return False
    protectors = outsider.protectors(exposed, hidden)
    # Never empty in practice: with every non-zero number hidden, the published ones are
    # zeros and any multiple of the truth fits, so nothing is exposed.
    hidden |= protectors
    return bool(protectors)


def feasible_ranges(table: SuppressedTable) -> dict[Position, Bounds]:
    """The exact range an outsider can deduce for each hidden value of a published table.

    The outsider of the module docstring: the published values, the line equations, and
    that a hidden value is an integer of at least 1 (`Outsider.bounds`).
    """
    n_rows, n_cols = len(table.cells), len(table.cells[0])
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.col_totals, table.grand_total])
    hidden = {(i, j) for i, row in enumerate(grid) for j, v in enumerate(row) if v is None}
    values = {(i, j): v or 0 for i, row in enumerate(grid) for j, v in enumerate(row)}
    lines = _lines(n_rows, n_cols)
    outsider = Outsider([(tuple(line[:-1]), line[-1]) for line in lines], values, table.threshold)
    return outsider.bounds(hidden)


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


# --- the outsider who knows that hidden numbers are at least 1 ----------------------------

# A number in a set of linked tables (a grid position, a family's (row, column)...); an
# equation says that its parts add up to its total.
Var = Hashable
Equation = tuple[tuple[Var, ...], Var]

# Tolerance for the solver's floating-point answers: every true bound is an integer.
_EPS = 1e-6
# "No upper bound" in the interval bounds: far above any count, exact in floating point.
_FAR = 1e12


@dataclass
class _System:
    """The equations restricted to the hidden numbers: `matrix @ x == rhs`, `x >= 1`."""

    order: list[Var]  # the hidden numbers, sorted: column k of the matrix is order[k]
    matrix: np.ndarray
    rhs: np.ndarray
    component: np.ndarray  # connected component of each hidden number

    def members(self, k: int) -> np.ndarray:
        """The hidden numbers of k's component (in order)."""
        return np.flatnonzero(self.component == self.component[k])

    def part(self, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows and columns of one component (its equations touch nothing else)."""
        rows = np.flatnonzero(np.abs(self.matrix[:, members]).sum(axis=1))
        return self.matrix[np.ix_(rows, members)], self.rhs[rows]


class Outsider:
    """What a reader can deduce from everything published together, exactly.

    The reader knows every published number, the equations (every line of every linked
    table adds up to its total) and that a hidden number is an integer of at least 1 (zeros
    are always published). A hidden number is *safe* when the integers it can take given
    all that are at least two and not all inside 1..threshold-1: a hidden value below the
    threshold must be able to reach the threshold, and a larger one must not be pinned.

    Cheap first: interval bounds propagated through the equations are outer bounds (never
    narrower than the truth), so a number they pin is exposed without further ado. What
    they leave open is decided by linear programming with HiGHS (scipy). A single table and a
    series are networks: their matrix is totally unimodular, so the vertex the solver returns
    is integral and the LP bound is the integer bound. Linked families are not in general (a
    block of two columns by area, school kind and grade band has a 9x9 minor of determinant
    2), so every LP answer that proves safety is checked for integrality, and a fractional one
    is decided again as an integer program. An LP answer that shows exposure is exact either
    way: the relaxation only widens the range.

    Proofs of safety are kept: hiding more numbers only widens what the reader must allow
    for, so a hidden number once shown safe stays safe while `hidden` grows.
    """

    def __init__(self, equations: list[Equation], values: dict[Var, int], threshold: int):
        self.equations = [(tuple(parts), total) for parts, total in equations]
        self.values = values
        self.threshold = threshold
        self.safe: set[Var] = set()
        self.lines_of: dict[Var, list[int]] = {}
        for k, (parts, total) in enumerate(self.equations):
            for var in (*parts, total):
                self.lines_of.setdefault(var, []).append(k)
        self.vars = sorted(values)
        self.column = {var: k for k, var in enumerate(self.vars)}
        self.truth = np.array([values[var] for var in self.vars], dtype=float)
        self.full = np.zeros((len(self.equations), len(self.vars)))
        for line, (parts, total) in enumerate(self.equations):
            for part in parts:
                self.full[line, self.column[part]] += 1
            self.full[line, self.column[total]] -= 1
        self.solves = 0  # LPs and integer programs run, for measurements
        self._last: tuple[frozenset, _System, np.ndarray, np.ndarray] | None = None

    # -- public ------------------------------------------------------------------------

    def exposed(self, hidden: set[Var]) -> list[Var]:
        """Hidden numbers that are not safe; empty when all are. Deterministic.

        All those the interval bounds pin at once; failing that, the first one (in order)
        that the exact decision finds.
        """
        if not hidden - self.safe:
            return []
        system, low, high = self._view(hidden)
        pinned = [
            var
            for k, var in enumerate(system.order)
            if var not in self.safe and self._unsafe_range(var, low[k], high[k])
        ]
        if pinned:
            return pinned
        self._certify_by_rectangles(system)
        self._certify_by_rounds(system)
        for k, var in enumerate(system.order):
            if var not in self.safe and not self._decide(system, k):
                return [var]
        return []

    def bounds(self, hidden: set[Var]) -> dict[Var, Bounds]:
        """The exact range of every hidden number (`high` None when unbounded)."""
        if not hidden:
            return {}
        system, _, _ = self._view(hidden)
        result = {}
        for k, var in enumerate(system.order):
            low = self._extreme(system, k, maximise=False)
            high = self._extreme(system, k, maximise=True)
            assert low is not None  # x >= 1 always bounds the minimum
            result[var] = Bounds(int(low), None if high is None else int(high))
        return result

    def protectors(self, exposed: list[Var], hidden: set[Var]) -> set[Var]:
        """Published numbers to hide next so that the `exposed` ones gain room.

        A hidden number is pinned by the equations that bind its interval bound. Hiding a
        published number in such an equation loosens it: a part adds its value (at least
        the threshold, as smaller ones are hidden already) minus 1 to the room of the
        others; the total frees the equation. Where a binding equation has nothing left to
        hide, the bound comes from another hidden number in it (its total's upper bound,
        say), and the search follows that one. Smallest value first: it hides the least.
        One number per equation and round: the next round sees whether it was enough.
        Where the interval bounds do not explain the exposure (the exact decision found
        it), the smallest published number in its equations, else in its component's.
        """
        system, low, high = self._view(hidden)
        index = {var: k for k, var in enumerate(system.order)}
        chosen: set[Var] = set()
        used: set[int] = set()
        for var in exposed:
            k = index[var]
            found = None
            if high[k] < _FAR / 2:
                found = self._release(var, True, index, low, high, hidden, set())
            if found is None and low[k] > 1:
                found = self._release(var, False, index, low, high, hidden, set())
            if found is None:
                found = self._nearest(var, system, index, hidden)
            if found is None:
                continue
            line, protector = found
            if line not in used:
                used.add(line)
                chosen.add(protector)
        return chosen

    def _release(self, var, up, index, low, high, hidden, seen) -> tuple[int, Var] | None:
        """(equation, published number) whose hiding loosens `var`'s upper (or lower) bound."""
        if var in seen:
            return None
        seen.add(var)
        k = index[var]
        bound = high[k] if up else low[k]
        binding = [
            line
            for line in self.lines_of[var]
            if abs(self._implied(line, var, up, index, low, high) - bound) < _EPS
        ]
        for line in binding:
            candidates = self._published_in(line, hidden)
            if candidates:
                return line, min(candidates, key=lambda v: (self.values[v], v))
        for line in binding:
            parts, total = self.equations[line]
            if var == total:
                further = [(p, up) for p in parts if p in index]
            else:
                further = [(total, up)] if total in index else []
                further += [(p, not up) for p in parts if p in index and p != var]
            for other, other_up in further:
                found = self._release(other, other_up, index, low, high, hidden, seen)
                if found is not None:
                    return found
        return None

    def _implied(self, line, var, up, index, low, high) -> float:
        """The bound on `var` that this equation alone gives, from the others' intervals."""
        parts, total = self.equations[line]

        def value(v, bounds):
            return bounds[index[v]] if v in index else self.values[v]

        if var == total:
            return sum(value(p, high if up else low) for p in parts)
        others = sum(value(p, low if up else high) for p in parts if p != var)
        return value(total, high if up else low) - others

    def _nearest(self, var, system, index, hidden) -> tuple[int, Var] | None:
        """The smallest published number in `var`'s equations, else in its component's."""
        for lines in (
            self.lines_of[var],
            [line for k in system.members(index[var]) for line in self.lines_of[system.order[k]]],
        ):
            candidates = [(v, line) for line in lines for v in self._published_in(line, hidden)]
            if candidates:
                protector, line = min(candidates, key=lambda item: (self.values[item[0]], item))
                return line, protector
        return None

    # -- the system ----------------------------------------------------------------------

    def _view(self, hidden: set[Var]) -> tuple[_System, np.ndarray, np.ndarray]:
        """The system of `hidden` and its interval bounds (the last one is kept)."""
        key = frozenset(hidden)
        if self._last is None or self._last[0] != key:
            system = self._system(hidden)
            self._last = (key, system, *self._outer_bounds(system))
        return self._last[1:]

    def _system(self, hidden: set[Var]) -> _System:
        order = sorted(hidden)
        columns = [self.column[var] for var in order]
        published = np.ones(len(self.vars), dtype=bool)
        published[columns] = False
        touched = self.full[:, columns]
        rows = np.flatnonzero(np.any(touched != 0, axis=1))
        matrix = touched[rows]
        rhs = -(self.full[np.ix_(rows, np.flatnonzero(published))] @ self.truth[published])
        # Components: hidden numbers joined by sharing an equation.
        n_rows, n_vars = matrix.shape
        links = coo_array(
            (np.ones(np.count_nonzero(matrix)), np.nonzero(matrix)), shape=(n_rows, n_vars)
        )
        graph = bmat([[None, links], [links.T, None]])
        _, labels = connected_components(graph, directed=False)
        return _System(order, matrix, rhs, labels[n_rows:])

    def _published_in(self, line: int, hidden: set[Var]) -> list[Var]:
        parts, total = self.equations[line]
        return [v for v in (*parts, total) if v not in hidden and self.values[v] > 0]

    # -- cheap bounds ----------------------------------------------------------------------

    def _outer_bounds(self, system: _System, sweeps: int = 50) -> tuple[np.ndarray, np.ndarray]:
        """Interval bounds from the equations and x >= 1, propagated until stable.

        Outer bounds: never narrower than the exact range, so a number they pin is pinned,
        but a wide interval proves nothing. Stopping after `sweeps` rounds keeps them outer.
        "No upper bound" is a large number here (`_FAR`), so sums need no special cases.
        """
        matrix, rhs = system.matrix, system.rhs[:, None]
        plus, minus = matrix > 0, matrix < 0
        n = matrix.shape[1]
        low, high = np.ones(n), np.full(n, _FAR)
        for _ in range(sweeps):
            # Each term a*x of a row ranges over [low, high] (a = 1) or [-high, -low] (a = -1).
            term_min = np.where(plus, low, np.where(minus, -high, 0.0))
            term_max = np.where(plus, high, np.where(minus, -low, 0.0))
            rest_min = term_min.sum(axis=1, keepdims=True) - term_min
            rest_max = term_max.sum(axis=1, keepdims=True) - term_max
            # a*x = rhs - (the other terms)
            implied_low = np.where(
                plus, rhs - rest_max, np.where(minus, rest_min - rhs, -np.inf)
            ).max(axis=0)
            implied_high = np.where(
                plus, rhs - rest_min, np.where(minus, rest_max - rhs, np.inf)
            ).min(axis=0)
            new_low = np.maximum(low, np.ceil(implied_low - _EPS))
            new_high = np.minimum(high, np.floor(implied_high + _EPS))
            new_high[new_high > _FAR / 2] = _FAR
            if np.array_equal(new_low, low) and np.array_equal(new_high, high):
                break
            low, high = new_low, new_high
        return low, high

    def _unsafe_range(self, var: Var, low: float, high: float) -> bool:
        if high <= low:
            return True  # one value
        return self.values[var] < self.threshold and high < self.threshold

    # -- exact decisions -------------------------------------------------------------------

    def _witness(self, system: _System, members: np.ndarray, x: np.ndarray) -> None:
        """Record every hidden number that an integral solution shows to be safe."""
        for k, value in zip(members, x, strict=True):
            var = system.order[k]
            if var in self.safe:
                continue
            truth = self.values[var]
            if (truth < self.threshold and value >= self.threshold - _EPS) or (
                truth >= self.threshold and abs(value - truth) > _EPS
            ):
                self.safe.add(var)

    def _certify_by_rectangles(self, system: _System) -> None:
        """Prove hidden numbers safe without a solver, by moves around rectangles.

        A rectangle is four hidden numbers v, u1, u2, w where v and u1 share an equation,
        v and u2 another, and w shares one with u1 and one with u2 (in a table: two rows and
        two columns). Adding s to v and w and taking s from u1 and u2 keeps every equation
        (checked against all of them, so a rectangle through a total shared by several
        tables counts only if it really balances) and the published numbers, and stays a
        solution while u1 and u2 remain at least 1. Several rectangles add up: a hidden 1
        reaches the threshold if its rectangles have that much room between them. A
        sufficient condition only; what it does not prove is left to the solver.
        """
        order = system.order
        hidden = set(order)
        partners: dict[Var, dict[int, list[Var]]] = {}
        for var in order:
            partners[var] = {
                line: [p for p in self.equations[line][0] if p in hidden and p != var]
                for line in self.lines_of[var]
                if var in self.equations[line][0]
            }
        for var in order:
            if var in self.safe:
                continue
            truth = self.values[var]
            need = self.threshold - truth if truth < self.threshold else 1
            move: dict[Var, int] = {}
            gained = 0
            lines = sorted(partners[var])
            for a, b in ((a, b) for a in lines for b in lines if a < b):
                for u1 in partners[var][a]:
                    u1_lines = {line for line in partners[u1] if line != a}
                    for u2 in partners[var][b]:
                        room = min(
                            self.values[u1] + move.get(u1, 0) - 1,
                            self.values[u2] + move.get(u2, 0) - 1,
                            need - gained,
                        )
                        if room <= 0:
                            continue
                        for w in self._corners(u1, u1_lines, u2, b, partners, var):
                            if not self._balanced({var: 1, w: 1, u1: -1, u2: -1}):
                                continue
                            for v, sign in ((var, 1), (w, 1), (u1, -1), (u2, -1)):
                                move[v] = move.get(v, 0) + sign * room
                            gained += room
                            break
                        if gained >= need:
                            break
                    if gained >= need:
                        break
                if gained >= need:
                    break
            if gained >= need:
                self.safe.add(var)

    def _corners(self, u1, u1_lines, u2, b, partners, var) -> list[Var]:
        """Hidden numbers sharing an equation with u1 (not the first) and one with u2."""
        near_u1 = {w for line in u1_lines for w in partners[u1][line]}
        return sorted(
            w
            for line, others in partners[u2].items()
            if line != b
            for w in others
            if w in near_u1 and w != var
        )

    def _balanced(self, move: dict[Var, int]) -> bool:
        residual = sum(self.full[:, self.column[v]] * a for v, a in move.items())
        return not np.any(residual)

    def _certify_by_rounds(self, system: _System) -> None:
        """Prove many hidden numbers safe at once, before deciding the rest one by one.

        One LP per round and component pushes every pending number towards what it needs
        (a small one up to the threshold, a larger one one above its value), each capped
        there; every number that an integral optimum moves far enough is safe. Rounds go on
        while they prove something (each costs no more than one exact decision); then the
        same downwards for the larger ones. A sufficient condition only: what is left is
        decided exactly by `_decide`.
        """
        for component in np.unique(system.component):
            members = np.flatnonzero(system.component == component)
            if all(system.order[k] in self.safe for k in members):
                continue
            matrix, rhs = system.part(members)
            for direction in (1, -1):
                while True:
                    pending = [
                        i
                        for i, k in enumerate(members)
                        if system.order[k] not in self.safe
                        and (direction == 1 or self.values[system.order[k]] >= self.threshold)
                    ]
                    if not pending:
                        break
                    cost = np.zeros(len(members))
                    lower = np.ones(len(members))
                    upper = np.full(len(members), np.inf)
                    for i in pending:
                        truth = self.values[system.order[members[i]]]
                        cost[i] = -direction
                        if direction == 1:
                            upper[i] = self.threshold if truth < self.threshold else truth + 1
                        else:
                            lower[i] = max(1, truth - 1)
                    x = self._solve(cost, matrix, rhs, lower, upper)
                    if x is None or not _integral(x):
                        break
                    before = len(self.safe)
                    self._witness(system, members, x)
                    if len(self.safe) == before:
                        break

    def _decide(self, system: _System, k: int) -> bool:
        """Whether hidden number k is safe, exactly (and remember it when it is)."""
        var = system.order[k]
        truth = self.values[var]
        if truth < self.threshold:
            high = self._extreme(system, k, maximise=True, witness=True)
            safe = high is None or high >= self.threshold
        else:
            high = self._extreme(system, k, maximise=True, witness=True)
            safe = high is None or high > truth
            if not safe:
                low = self._extreme(system, k, maximise=False, witness=True)
                safe = low is not None and low < truth
        if safe:
            self.safe.add(var)
        return safe

    def _extreme(
        self, system: _System, k: int, *, maximise: bool, witness: bool = False
    ) -> float | None:
        """The exact integer maximum (or minimum) of hidden number k; None if unbounded.

        On an unexpected answer from the solver it returns the true value, i.e. "pinned":
        the caller then hides more, which errs on the side of the children.
        """
        members = system.members(k)
        matrix, rhs = system.part(members)
        i = int(np.searchsorted(members, k))
        cost = np.zeros(len(members))
        cost[i] = -1.0 if maximise else 1.0
        lower, upper = np.ones(len(members)), np.full(len(members), np.inf)
        truth = float(self.values[system.order[k]])
        # An LP first; only a fractional vertex (possible in linked families, see the class
        # docstring) needs the integer program.
        for integer in (False, True):
            status, x = self._solve_status(cost, matrix, rhs, lower, upper, integer)
            if status == "unbounded":
                return None
            if status != "optimal":
                return truth
            if integer or _integral(x):
                if witness:
                    self._witness(system, members, np.round(x))
                return round(x[i])
        return truth  # pragma: no cover - the integer program answers above

    def _solve(self, cost, matrix, rhs, lower, upper) -> np.ndarray | None:
        status, x = self._solve_status(cost, matrix, rhs, lower, upper, False)
        return x if status == "optimal" else None

    def _solve_status(self, cost, matrix, rhs, lower, upper, integer: bool):
        self.solves += 1
        if integer:
            result = milp(
                cost,
                constraints=LinearConstraint(matrix, rhs, rhs),
                bounds=ScipyBounds(lower, upper),
                integrality=np.ones(len(cost)),
                options={"presolve": False},
            )
        else:
            result = linprog(
                cost,
                A_eq=matrix,
                b_eq=rhs,
                bounds=np.column_stack([lower, upper]),
                method="highs-ds",
                # Presolve only costs time on systems this small, and without it HiGHS tells
                # "unbounded" apart from "infeasible or unbounded".
                options={"presolve": False},
            )
        if result.status == 0:
            return "optimal", result.x
        if result.status == 3:
            return "unbounded", None
        return "other", None


def _integral(x: np.ndarray) -> bool:
    return bool(np.all(np.abs(x - np.round(x)) < _EPS))
