"""Count cases into a statistics template's tables: per row value, over one reporting year.

Each case is folded once (at the period's last day) for its outcome, closing
day and clocks; where it falls in the period comes from the one attribution
rule (:func:`disclosure.reports.period.positions`), for the request itself
and for each proceeding (appeal) inside it. Built from cases, the template's
checks hold by construction; they run anyway, as for the national report.
Checks that compare with last year's report (``previous:``) run when that
report is given (:func:`check_previous_year`).
"""

from __future__ import annotations

import datetime as dt
import statistics as stats
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from disclosure.documents.structure import parse_date
from disclosure.errors import DisclosureError
from disclosure.lifecycle.case import Case
from disclosure.lifecycle.clocks import Deadline
from disclosure.lifecycle.machine import Machine
from disclosure.lifecycle.state import CaseState
from disclosure.reports.checks import run_check_list
from disclosure.reports.model import CheckResult, Grid, Number
from disclosure.reports.period import positions
from disclosure.reports.statistics.model import Pending, RankedRows, StatisticsReport
from disclosure.reports.statistics.template import (
    REQUESTS,
    Measure,
    Proceeding,
    StatisticsTemplate,
    StatTable,
)


@attrs.frozen
class _Item:
    """One request or proceeding: when it arrived, where it falls in the period, how it ended."""

    received: dt.date
    where: tuple[str, ...]
    result: str | None = None


def build_statistics(
    cases: Iterable[Case],
    year: int,
    template: StatisticsTemplate,
    machine: Machine,
    *,
    agency: str = "",
    previous: StatisticsReport | None = None,
) -> StatisticsReport:
    """Count ``cases`` into ``template``'s tables for reporting year ``year``.

    With ``previous`` (last year's report), the template's cross-year checks
    run too; without it they are reported as skipped.
    """
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
    pending: dict[str, dict[str, list[Pending]]] = {r.key: {} for r in template.rankings}
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise DisclosureError(f"case id '{case.id}' appears twice")
        seen.add(case.id)
        if case.received > end:
            continue
        folded = machine.fold(case, end)
        rows = _rows_of(case, meta.rows_by, meta.unassigned_row, meta.total_row)
        kinds: dict[str, list[_Item]] = {
            REQUESTS: [
                _Item(case.received, positions(case.received, folded.closed_on, start, end))
            ],
            **{
                name: _proceedings(case, proc, start, end)
                for name, proc in template.proceedings.items()
            },
        }
        for table in template.tables:
            grid = cells[table.key]
            for row in rows:
                grid.setdefault(row, [0] * len(table.columns))
            for j, col in enumerate(table.columns):
                if col.sum:
                    continue
                cell = (table.key, col.key)
                if col.case_level():
                    hits, drawn = _case_level(col, case, folded, start, end)
                    _add_samples(cell, rows, drawn, samples)
                else:
                    hits = 0
                    for item in kinds[col.of or table.of]:
                        if col.statistic is not None:
                            drawn = _concluded_sample(col, item, folded)
                            _add_samples(cell, rows, drawn, samples)
                        elif _counts(col, item, folded, case, codes.get(cell)):
                            hits += 1
                if hits:
                    for row in rows:
                        grid[row][j] += hits
                        sources.setdefault((table.key, row, col.key), []).extend([case.id] * hits)
        for ranking in template.rankings:
            deadline = folded.deadlines.get(ranking.clock)
            days = deadline.elapsed if deadline is not None else None
            for item in kinds[ranking.of]:
                if "open_at_end" in item.where:
                    entry = Pending(item.received, days or 0, case.id)
                    for row in rows:
                        pending[ranking.key].setdefault(row, []).append(entry)
    tables = {t.key: _grid(t, cells[t.key], samples, meta.total_row) for t in template.tables}
    rankings = {
        r.key: _ranked(pending[r.key], len(r.places), cells, meta.total_row)
        for r in template.rankings
    }
    labels = {meta.total_row: meta.total_label, meta.unassigned_row: meta.unassigned_label}
    row_labels = {
        row: labels.get(row, row)
        for rows_ in [*(g.rows for g in tables.values()), *(r.rows for r in rankings.values())]
        for row in rows_
    }
    report = StatisticsReport(
        year,
        template,
        agency,
        start,
        end,
        tables,
        row_labels,
        (),
        {k: tuple(v) for k, v in sources.items()},
        rankings,
    )
    return check_previous_year(report, previous)


def check_previous_year(
    report: StatisticsReport, previous: StatisticsReport | None
) -> StatisticsReport:
    """``report`` with every template check run, the cross-year ones against ``previous``.

    A report built from cases passes the cross-year checks by construction
    (both years count the same cases); they catch a year built from a
    different case set, or figures edited by hand.
    """
    if previous is None:
        return with_previous_tables(report, None, None)
    return with_previous_tables(report, previous.year, previous.tables)


def with_previous_tables(
    report: StatisticsReport, year: int | None, tables: Mapping[str, Grid] | None
) -> StatisticsReport:
    """``report`` with every template check run, the cross-year ones against last
    year's ``tables`` (from a report object or a published JSON document)."""
    if year is not None and year != report.year - 1:
        raise DisclosureError(f"the previous report is for {year}, not {report.year - 1}")
    results = tuple(run_check_list(report.template.checks, report.tables, tables))
    return attrs.evolve(report, checks=results)


def tables_from_dict(doc: Mapping[str, Any]) -> dict[str, Grid]:
    """The tables of a report's JSON document, to check a published year against another."""
    return {
        key: Grid(
            tuple(table["columns"]),
            {row: tuple(values) for row, values in table["rows"].items()},
        )
        for key, table in doc.get("tables", {}).items()
    }


def check_documents(
    template: StatisticsTemplate, previous: Mapping[str, Any], current: Mapping[str, Any]
) -> list[CheckResult]:
    """The template's cross-year checks between two reports' JSON documents."""
    if int(previous.get("year", 0)) != int(current.get("year", 0)) - 1:
        raise DisclosureError(
            f"the previous report is for {previous.get('year')}, not {int(current['year']) - 1}"
        )
    now, before = tables_from_dict(current), tables_from_dict(previous)
    return run_check_list([c for c in template.checks if c.previous], now, before)


def _rows_of(case: Case, field: str, unassigned: str, total: str) -> tuple[str, ...]:
    if not field:
        return (total,)
    value = case.fields.get(field)
    return (str(value) if value not in (None, "") else unassigned, total)


def _proceedings(case: Case, proc: Proceeding, start: dt.date, end: dt.date) -> list[_Item]:
    """Each proceeding in the case's log: filed, decided by the next deciding event.

    A proceeding is dated by the day it was received: ``received_field`` of
    its filing event when the event gives it, else the event's own day.
    """
    open_: list[dt.date] = []
    items: list[_Item] = []
    for event in case.events:
        if event.type == proc.filed:
            received = event.data.get(proc.received_field) if proc.received_field else None
            open_.append(event.on if received in (None, "") else parse_date(received))
        elif event.type == proc.decided and open_:
            filed_on = open_.pop()
            result = event.data.get(proc.result_field) if proc.result_field else None
            items.append(
                _Item(
                    filed_on,
                    positions(filed_on, event.on, start, end),
                    None if result is None else str(result),
                )
            )
    items.extend(_Item(filed_on, positions(filed_on, None, start, end)) for filed_on in open_)
    return items


def _counts(
    col: Measure,
    item: _Item,
    folded: CaseState,
    case: Case,
    codes: frozenset[str] | None,
) -> bool:
    where = item.where
    if col.count is not None:
        if col.count not in where:
            return False
        if col.past_limit is not None:
            return _beyond_limit(folded.deadlines.get(col.past_limit))
        return col.past_due is None or _overdue(folded.deadlines.get(col.past_due))
    if "concluded" not in where:
        return False
    if codes is not None:
        return folded.outcome in codes
    if col.cites is not None:
        return col.cites.value in _cited(case, col.cites.field)
    if col.results:
        return item.result in col.results
    return False


def _overdue(deadline: Deadline | None) -> bool:
    """Past its due day on the period's last day (the case is folded at that day)."""
    return deadline is not None and deadline.overdue


def _beyond_limit(deadline: Deadline | None) -> bool:
    """More units counted than the clock's limit by the period's last day.

    Unlike :func:`_overdue`, an agreed later due date or a pause begun after
    the limit had passed does not take the item out.
    """
    if deadline is None:
        return False
    elapsed = deadline.elapsed
    return elapsed is not None and elapsed > deadline.limit


def _case_level(
    col: Measure, case: Case, folded: CaseState, start: dt.date, end: dt.date
) -> tuple[int, list[int]]:
    """A column that reads the case log: how many hits, and any days it samples."""
    if col.events is not None:
        match = col.events
        return (
            sum(
                1
                for event in case.events
                if event.type == match.event
                and start <= event.on <= end
                and (match.field is None or event.data.get(match.field) == match.value)
            ),
            [],
        )
    clock = col.met if col.met is not None else col.clock
    deadline = folded.deadlines.get(clock) if clock is not None else None
    # completed by its own event (met or missed), not stopped because the case closed
    if deadline is None or deadline.status not in ("met", "missed"):
        return 0, []
    if deadline.completed_on is None or not start <= deadline.completed_on <= end:
        return 0, []
    if col.met is not None:
        return (1 if deadline.status == "met" else 0), []
    elapsed = deadline.elapsed
    return 0, ([] if elapsed is None else [elapsed])


def _concluded_sample(col: Measure, item: _Item, folded: CaseState) -> list[int]:
    """The clock's elapsed days of a request or proceeding concluded in the period."""
    if "concluded" not in item.where or col.clock is None:
        return []
    deadline = folded.deadlines.get(col.clock)
    elapsed = deadline.elapsed if deadline is not None else None
    return [] if elapsed is None else [elapsed]


def _add_samples(
    cell: tuple[str, str],
    rows: tuple[str, ...],
    drawn: list[int],
    samples: dict[tuple[str, str, str], list[int]],
) -> None:
    for row in rows:
        if drawn:
            samples.setdefault((cell[0], row, cell[1]), []).extend(drawn)


def _cited(case: Case, field: str) -> Sequence[Any]:
    """The list the case's last event giving ``field`` recorded (the closing decision)."""
    for event in reversed(case.events):
        value = event.data.get(field)
        if value is not None:
            return value if isinstance(value, (list, tuple)) else (value,)
    return ()


def _ranked(
    found: Mapping[str, list[Pending]],
    places: int,
    cells: Mapping[str, Mapping[str, list[int]]],
    total: str,
) -> RankedRows:
    """The oldest ``places`` items per row (by day received, then case id), oldest first.

    Rows are those of the tables (every component seen), so a component with
    nothing pending shows an empty ranking rather than vanishing.
    """
    names = {row for grid in cells.values() for row in grid} | set(found)
    order = [*sorted(r for r in names if r != total), total]
    return RankedRows(
        {
            row: tuple(sorted(found.get(row, []), key=lambda p: (p.received, p.case))[:places])
            for row in order
        }
    )


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
