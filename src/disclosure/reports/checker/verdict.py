"""Findings from the tables as read: what could not be read, and what does not add up.

Each finding names the rule, the numbers, where (the line; on a page that is
one long line, a short quote of the place) and says in a sentence what is
wrong, so that a reader can go to the place and see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from disclosure.reports.checker.findings import CheckFinding, plain_number
from disclosure.reports.checker.reads import RowRead, TableRead
from disclosure.reports.checks import run_checks
from disclosure.reports.model import Grid
from disclosure.reports.template import ReportTemplate

NAMES = {"table3": "table 三", "table4": "table 四"}
#: A source line longer than this is a whole page on one line: quote the place.
LONG_LINE = 300


def where(row: RowRead | None, long_line: bool) -> str:
    """' (at «…»)' for a row on a one-line page, else ''."""
    if row is None or not row.excerpt or not long_line:
        return ""
    return f" (at «{row.excerpt}»)"


def read_findings(read: TableRead, long_lines: set[int]) -> list[CheckFinding]:
    """One finding per table or row that was not read, saying what was expected."""
    out: list[CheckFinding] = []
    name = NAMES[read.key]
    if read.unreadable:
        out.append(
            CheckFinding("error", "READ-1", f"{name} is unreadable: {read.unreadable}", read.key)
        )
        return out
    if read.blank:
        out.append(
            CheckFinding(
                "warning",
                "READ-5",
                f"{name} is printed without a single figure; its empty cells were read as 0",
                read.key,
            )
        )
    for key in read.ambiguous:
        row = read.rows[key]
        options = (
            "; ".join("(" + ", ".join(map(str, c)) + ")" for c in row.readings[:4]) or row.problem
        )
        out.append(
            CheckFinding(
                "error",
                "READ-2",
                f"{name} row '{key}' is ambiguous: its glued digits fit the table's "
                f"equations in more than one way: {options}; it was not checked"
                + where(row, row.line in long_lines),
                read.key,
                key,
                line=row.line,
            )
        )
    for key, row in read.rows.items():
        if row.values is None and key not in read.ambiguous:
            out.append(
                CheckFinding(
                    "error",
                    "READ-3",
                    f"{name} row '{key}' was not read: {row.problem}; the table was not checked"
                    + where(row, row.line in long_lines),
                    read.key,
                    key,
                    line=row.line,
                )
            )
    moved = [k for k, r in read.rows.items() if r.moved and r.values is not None]
    if moved:
        out.append(
            CheckFinding(
                "warning",
                "READ-4",
                f"{name}: the figures of {len(moved)} row(s) ({', '.join(moved)}) are printed "
                "apart from their labels and were matched to them in page order",
                read.key,
                line=read.rows[moved[0]].line,
            )
        )
    return out


def rule_findings(
    template: ReportTemplate,
    grids: Mapping[str, Grid],
    reads: Mapping[str, TableRead],
    previous: Mapping[str, Grid] | None,
    long_lines: set[int],
) -> list[CheckFinding]:
    """The template's equations on the tables as read, one finding per failure."""
    out: list[CheckFinding] = []
    for result in run_checks(template, grids, previous):
        if result.passed or result.skipped:
            continue
        check = next(c for c in template.checks if c.id == result.id)
        read = reads[check.table]
        for d in result.details:
            rows = list(check.left + check.right) if d.axis == "column" else [d.name]
            hit = next((read.rows[r] for r in rows if r in read.rows and read.rows[r].line), None)
            names = list(check.right or check.previous)
            right = (
                " + ".join(names)
                if len(names) <= 4
                else f"the sum of its {len(names)} {'rows' if d.axis == 'column' else 'cells'}"
            )
            place = f"in column {d.name}" if d.axis == "column" else f"in row {d.name}"
            other = "last year's " if check.previous else ""
            out.append(
                CheckFinding(
                    result.severity,
                    result.id,
                    f"{check.description}: {place}, {' + '.join(check.left)} is "
                    f"{plain_number(d.left)} but {other}{right} is {plain_number(d.right)}"
                    + where(hit, hit is not None and hit.line in long_lines),
                    check.table,
                    None if d.axis == "column" else d.name,
                    d.name if d.axis == "column" else None,
                    hit.line if hit else None,
                    (d.left, d.right),
                )
            )
    return out


def table2_findings(
    values: Mapping[str, Mapping[str, float]], template: ReportTemplate
) -> list[CheckFinding]:
    """Negative figures, and fractions where a count belongs, in table 二."""
    out: list[CheckFinding] = []
    layout = template.table2.row_columns()
    for row, cells in values.items():
        cols = {c.key: c for c in layout.get(row, ())}
        for col, value in cells.items():
            spec = cols.get(col)
            if spec is None:
                continue
            if value < 0 and not spec.signed:
                out.append(
                    CheckFinding(
                        "error",
                        "T2-1",
                        f"table 二 {row}/{col} is negative",
                        "table2",
                        row,
                        col,
                        numbers=(value,),
                    )
                )
            if spec.type == "int" and not float(value).is_integer():
                out.append(
                    CheckFinding(
                        "error",
                        "T2-2",
                        f"table 二 {row}/{col} should be a whole number",
                        "table2",
                        row,
                        col,
                        numbers=(value,),
                    )
                )
    return out


def previous_grids(data: Mapping[str, Any] | None) -> dict[str, Grid] | None:
    """Last year's table 三 from its check result or its report JSON."""
    if data is None:
        return None
    try:
        t3 = data["table3"]
        return {"table3": Grid(tuple(t3["columns"]), {k: tuple(v) for k, v in t3["rows"].items()})}
    except (KeyError, TypeError, AttributeError):
        return None


def as_json(read: TableRead) -> dict[str, Any]:
    """A table as ``report check --json`` shows it (the keys of report JSON)."""
    rows = read.grid_rows()
    if read.key == "table3":
        return {
            "columns": list(read.columns),
            "rows": {k: [plain_number(v) for v in vals] for k, vals in rows.items()},
        }
    return {
        k: dict(zip(read.columns, (plain_number(v) for v in vals), strict=True))
        for k, vals in rows.items()
    }
