"""Count cases into a statistics template's tables: per row value, over one reporting year.

Each case is folded once (at the period's last day) for its outcome, closing
day and clocks; where it falls in the period comes from the one attribution
rule (:func:`disclosure.reports.period.positions`), for the request itself
and for each proceeding (appeal) inside it. Built from cases, the template's
checks hold by construction; they run anyway, as for the national report.
"""

from __future__ import annotations

import statistics as stats
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from disclosure.errors import DisclosureError
from disclosure.lifecycle.case import Case
from disclosure.lifecycle.machine import Machine
from disclosure.lifecycle.state import CaseState
from disclosure.reports.checks import run_check_list
from disclosure.reports.model import Grid, Number
from disclosure.reports.period import positions
from disclosure.reports.statistics.model import StatisticsReport
from disclosure.reports.statistics.template import (
    REQUESTS,
    Measure,
    Proceeding,
    StatisticsTemplate,
    StatTable,
)

#: One occurrence a table counts: its positions in the period and how it ended.
_Item = tuple[tuple[str, ...], str | None]


def build_statistics(
    cases: Iterable[Case],
    year: int,
    template: StatisticsTemplate,
    machine: Machine,
    *,
    agency: str = "",
) -> StatisticsReport:
    """Count ``cases`` into ``template``'s tables for reporting year ``year``."""
    start, end = template.period(year)
    meta = template.template
    rs = machine.ruleset
    codes = {
        (t.key, c.key): frozenset(o for o in rs.outcomes if rs.outcome_matches(o, c.outcomes))
        for t in template.tables
        for c in t.columns
        if c.outcomes
    }
    cells: dict[str, dict[str, list[int]]] = {t.key: {} for t in template.tables}
    samples: dict[tuple[str, str, str], list[int]] = {}
    sources: dict[tuple[str, str, str], list[str]] = {}
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise DisclosureError(f"case id '{case.id}' appears twice")
        seen.add(case.id)
        if case.received > end:
            continue
        folded = machine.fold(case, end)
        rows = _rows_of(case, meta.rows_by, meta.unassigned_row, meta.total_row)
        request: list[_Item] = [(positions(case.received, folded.closed_on, start, end), None)]
        for table in template.tables:
            items = (
                request
                if table.of == REQUESTS
                else _proceedings(case, template.proceedings[table.of], start, end)
            )
            grid = cells[table.key]
            for row in rows:
                grid.setdefault(row, [0] * len(table.columns))
            for where, result in items:
                for j, col in enumerate(table.columns):
                    if col.statistic is not None:
                        _sample(table, col, rows, where, folded, samples)
                    elif _counts(col, where, result, folded, case, codes.get((table.key, col.key))):
                        for row in rows:
                            grid[row][j] += 1
                            sources.setdefault((table.key, row, col.key), []).append(case.id)
    tables = {t.key: _grid(t, cells[t.key], samples, meta.total_row) for t in template.tables}
    labels = {meta.total_row: meta.total_label, meta.unassigned_row: meta.unassigned_label}
    row_labels = {row: labels.get(row, row) for grid in tables.values() for row in grid.rows}
    return StatisticsReport(
        year,
        template,
        agency,
        start,
        end,
        tables,
        row_labels,
        tuple(run_check_list(template.checks, tables)),
        {k: tuple(v) for k, v in sources.items()},
    )


def _rows_of(case: Case, field: str, unassigned: str, total: str) -> tuple[str, ...]:
    if not field:
        return (total,)
    value = case.fields.get(field)
    return (str(value) if value not in (None, "") else unassigned, total)


def _proceedings(case: Case, proc: Proceeding, start: Any, end: Any) -> list[_Item]:
    """Each proceeding in the case's log: filed, decided by the next deciding event."""
    open_: list[Any] = []
    items: list[_Item] = []
    for event in case.events:
        if event.type == proc.filed:
            open_.append(event.on)
        elif event.type == proc.decided and open_:
            filed_on = open_.pop()
            result = event.data.get(proc.result_field) if proc.result_field else None
            items.append(
                (positions(filed_on, event.on, start, end), None if result is None else str(result))
            )
    items.extend((positions(filed_on, None, start, end), None) for filed_on in open_)
    return items


def _counts(
    col: Measure,
    where: tuple[str, ...],
    result: str | None,
    folded: CaseState,
    case: Case,
    codes: frozenset[str] | None,
) -> bool:
    if col.count is not None:
        return col.count in where
    if "concluded" not in where:
        return False
    if codes is not None:
        return folded.outcome in codes
    if col.cites is not None:
        return col.cites.value in _cited(case, col.cites.field)
    if col.results:
        return result in col.results
    return False


def _cited(case: Case, field: str) -> Sequence[Any]:
    """The list the case's last event giving ``field`` recorded (the closing decision)."""
    for event in reversed(case.events):
        value = event.data.get(field)
        if value is not None:
            return value if isinstance(value, (list, tuple)) else (value,)
    return ()


def _sample(
    table: StatTable,
    col: Measure,
    rows: tuple[str, ...],
    where: tuple[str, ...],
    folded: CaseState,
    samples: dict[tuple[str, str, str], list[int]],
) -> None:
    if "concluded" not in where or col.clock is None:
        return
    deadline = folded.deadlines.get(col.clock)
    elapsed = deadline.elapsed if deadline is not None else None
    if elapsed is None:
        return
    for row in rows:
        samples.setdefault((table.key, row, col.key), []).append(elapsed)


def _grid(
    table: StatTable,
    cells: Mapping[str, list[int]],
    samples: Mapping[tuple[str, str, str], list[int]],
    total: str,
) -> Grid:
    """Rows in order (field values sorted, then the total); sums and statistics filled in."""
    order = [*sorted(r for r in cells if r != total), total]
    rows: dict[str, tuple[Number, ...]] = {}
    for row in order:
        values: list[Number] = list(cells.get(row, [0] * len(table.columns)))
        counted = [
            values[j] for j, c in enumerate(table.columns) if not c.sum and c.statistic is None
        ]
        for j, col in enumerate(table.columns):
            if col.sum:
                values[j] = sum(counted)
            elif col.statistic is not None:
                values[j] = _statistic(col.statistic, samples.get((table.key, row, col.key), []))
        rows[row] = tuple(values)
    return Grid(tuple(c.key for c in table.columns), rows)


def _statistic(name: str, values: list[int]) -> Number:
    """0 when nothing was processed (the report prints a number in every cell)."""
    if not values:
        return 0
    if name == "median":
        middle = stats.median(values)
        return int(middle) if middle == int(middle) else float(middle)
    if name == "average":
        return round(sum(values) / len(values), 2)
    return min(values) if name == "lowest" else max(values)
