"""Reconciliation checks: the template's equations applied to tables of numbers.

Owns running a template's checks (RC-1, RC-2, ... and the cross-year RC-7)
on grids, whatever they came from: :func:`~disclosure.reports.build.build_report`
runs them on the tables it counted, :mod:`.checker` on the tables it read
from a published report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from disclosure.reports.figure import format_figure
from disclosure.reports.model import CheckFailure, CheckResult, Grid, Number
from disclosure.reports.template import Check, ReportTemplate


def run_checks(
    template: ReportTemplate, grids: Mapping[str, Grid], previous: Mapping[str, Grid] | None = None
) -> list[CheckResult]:
    """Apply the template's reconciliation rules to tables of numbers."""
    return run_check_list(template.checks, grids, previous)


def run_check_list(
    checks: Sequence[Check], grids: Mapping[str, Grid], previous: Mapping[str, Grid] | None = None
) -> list[CheckResult]:
    """Apply reconciliation rules, whichever kind of template declared them."""
    return [_run_check(c, grids, previous) for c in checks]


def _run_check(
    check: Check, grids: Mapping[str, Grid], previous: Mapping[str, Grid] | None
) -> CheckResult:
    grid = grids.get(check.table)
    if grid is None:
        return CheckResult(
            check.id, check.severity, False, check.description, skipped=f"{check.table} is missing"
        )
    other = grid
    right = check.right
    if check.previous:
        if previous is None or check.table not in previous:
            return CheckResult(
                check.id,
                check.severity,
                True,
                check.description,
                skipped="no previous report given",
            )
        other = previous[check.table]
        right = check.previous
    # per column: sum the named rows in each column; per row: the named columns in each row
    names = (
        [c for c in grid.columns if c in other.columns]
        if check.per == "column"
        else list(grid.rows)
    )
    across_rows = check.per == "row" and bool(check.previous)
    if across_rows:
        # a row only one year has (a component new this year, or gone) counts as zeros
        # in the other: it must start, or have ended, with nothing carried over
        names += [r for r in other.rows if r not in grid.rows]
    right_grid = other if check.per == "column" or check.previous else grid
    if check.right_table is not None:
        right_grid = grids.get(check.right_table, Grid((), {}))
    right_label = (f"{check.right_table} " if check.right_table else "") + " + ".join(right)
    failures: list[str] = []
    details: list[CheckFailure] = []
    for name in names:
        try:
            left_sum = _sum(grid, check.per, name, check.left, across_rows)
            right_sum = _sum(right_grid, check.per, name, right, across_rows)
        except (KeyError, ValueError):
            continue
        if left_sum != right_sum:
            details.append(CheckFailure(check.per, name, left_sum, right_sum))
            failures.append(
                f"{check.per} {name}: {' + '.join(check.left)} = {format_figure(left_sum)}, "
                f"{right_label} = {format_figure(right_sum)}"
            )
    return CheckResult(
        check.id,
        check.severity,
        not failures,
        check.description,
        tuple(failures),
        details=tuple(details),
    )


def _sum(grid: Grid, per: str, name: str, keys: Sequence[str], absent_is_zero: bool) -> Number:
    if absent_is_zero and name not in grid.rows:
        return 0
    return sum(_cells(grid, per, name, keys))


def _cells(grid: Grid, per: str, name: str, keys: Sequence[str]) -> list[Number]:
    """The named rows of one column, or the named columns of one row."""
    if per == "column":
        return grid.in_column(keys, name)
    return grid.in_row(name, keys)
