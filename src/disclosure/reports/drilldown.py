"""Drill-down: the case ids behind a cell of a built report.

:func:`~disclosure.reports.build.build_report` records, cell by cell, which
cases it counted (``Report.sources``); this answers "which cases make up
this number?".
"""

from __future__ import annotations

from disclosure.errors import DisclosureError, NotFoundError, did_you_mean
from disclosure.reports.model import Report


def drill_down(report: Report, table: str, row: str, column: str) -> tuple[str, ...]:
    """The case ids behind one cell (table ``table3`` or ``table4``)."""
    if not report.traced:
        raise DisclosureError(
            "this report was built without case ids (trace=False); build it with "
            "trace=True to drill down"
        )
    grid = {"table3": report.table3, "table4": report.table4}.get(table)
    if grid is None:
        raise NotFoundError(f"no table '{table}' (choose table3 or table4)")
    if row not in grid.rows:
        raise NotFoundError(f"no row '{row}' in {table} ({did_you_mean(row, grid.rows)})")
    if column not in grid.columns:
        raise NotFoundError(
            f"no column '{column}' in {table} ({did_you_mean(column, grid.columns)})"
        )
    if table == "table4" and column == "total":
        return tuple(
            i for c in grid.columns if c != "total" for i in report.sources.get((table, row, c), ())
        )
    return report.sources.get((table, row, column), ())
