"""Check published annual reports: find what does not add up.

``check_text`` / ``check_file`` read a report in whatever form it circulates,
extract its tables with the report template's labels, and apply the same
reconciliation rules that the generator uses (RC-1, RC-2, RC-3, TC-1, and
RC-7 with last year's report), plus checks of the text against the tables
and of the report's structure. A table that cannot be read is reported as
unreadable with the reason, never as passing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs

from disclosure.reports.checker.extract import (
    TableRead,
    Walker,
    core,
    read_table2,
    read_table3,
    read_table4,
)
from disclosure.reports.checker.findings import CheckFinding, plain_number
from disclosure.reports.checker.text_rules import text_findings
from disclosure.reports.checker.tokens import normalize, read_source, tokenize_text
from disclosure.reports.checks import run_checks
from disclosure.reports.model import Grid
from disclosure.reports.template import ReportTemplate, builtin_templates, load_template

__all__ = ["CheckFinding", "CheckedReport", "check_file", "check_text"]


@attrs.frozen
class CheckedReport:
    source: str
    agency: str
    year: int | None
    format: str
    tables: Mapping[str, Any]
    findings: tuple[CheckFinding, ...]
    format_basis: str = ""

    @property
    def errors(self) -> tuple[CheckFinding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[CheckFinding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "agency": self.agency,
            "year": self.year,
            "format": self.format,
            **self.tables,
            "findings": [f.to_dict() for f in self.findings],
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


@lru_cache(maxsize=1)
def _templates() -> tuple[ReportTemplate, ...]:
    """The report formats, newest first (the newest one's wording is tried first)."""
    found = [load_template(path) for path in builtin_templates().values()]
    return tuple(sorted(found, key=lambda t: t.template.first_year or 0, reverse=True))


def _numbering(t: ReportTemplate) -> re.Pattern[str] | None:
    return re.compile(t.recognize.numbering) if t.recognize.numbering else None


def _labels(t: ReportTemplate) -> set[str]:
    numbering = _numbering(t)
    out = {core(r.label, numbering) for r in t.table3.rows}
    for sub in t.table2.subtables:
        out.update(core(c.label, numbering) for c in sub.columns)
        out.update(core(r.label, numbering) for r in sub.rows)
    return {c for c in out if len(c) >= 4}


@lru_cache(maxsize=1)
def _distinctive() -> dict[str, frozenset[str]]:
    """Per format, the label cores no other format has: how a format is recognised."""
    labels = {t.id: _labels(t) for t in _templates()}
    return {
        tid: frozenset(own - set().union(*(o for k, o in labels.items() if k != tid)))
        for tid, own in labels.items()
    }


def _title(lines: list[str], end: str) -> str:
    """The title, which Word extraction may wrap over two or three lines."""
    title = ""
    for line in [x for x in lines if x][:3]:
        title += line
        if end and title.endswith(end):
            break
    return title


def _detect_format(cores: set[str], year: int | None) -> tuple[ReportTemplate, str]:
    """The format whose own labels the report uses, else the one for its year."""
    hits = {
        tid: sum(1 for c in labels if any(c in x for x in cores))
        for tid, labels in _distinctive().items()
    }
    best = max(hits, key=lambda k: hits[k])
    by_id = {t.id: t for t in _templates()}
    if hits[best] > 0 and list(hits.values()).count(hits[best]) == 1:
        return by_id[best], f"labels only the {best} format has"
    for t in _templates():
        if year is not None and t.covers(year):
            return t, f"the year {year}"
    return _templates()[0], "default"


def check_file(
    path: str | Path,
    *,
    previous: CheckedReport | Mapping[str, Any] | None = None,
    format_year: int | None = None,
) -> CheckedReport:
    """Read and check one report file (.txt, .html, .docx, ...)."""
    p = Path(path)
    text = read_source(p)
    return check_text(text, str(p), previous=previous, format_year=format_year)


def check_text(
    text: str,
    source: str = "<text>",
    *,
    previous: CheckedReport | Mapping[str, Any] | None = None,
    format_year: int | None = None,
) -> CheckedReport:
    """Check a report given as text (Word extraction, web copy, or HTML turned to text)."""
    findings: list[CheckFinding] = []
    lines = [normalize(line) for line in text.splitlines()]
    newest = _templates()[0]
    base = newest.recognize
    walker = Walker(tokenize_text(text), _numbering(newest))
    cores = {c for c in walker._cores if c}

    m = re.search(base.title, _title(lines, base.title_end)) if base.title else None
    title_year = int(m.group(2)) if m else None
    agency = m.group(1) if m else ""
    period_re = re.compile(base.period) if base.period else None
    period = next(
        (
            (int(p.group(1)), int(p.group(2)), n)
            for n, line in enumerate(lines, 1)
            for p in [period_re.search(line) if period_re else None]
            if p
        ),
        None,
    )
    year = format_year or title_year or (period[0] if period else None)
    if period is not None and year is not None and (period[0] != year or period[1] != year):
        findings.append(
            CheckFinding(
                "error",
                "STR-1",
                f"the report is for {year} but its statistics period runs from "
                f"{period[0]} to {period[1]}",
                line=period[2],
                numbers=(year, period[0], period[1]),
            )
        )
    if year is None:
        findings.append(
            CheckFinding(
                "warning",
                "STR-2",
                "the report's year was not found in its "
                "title or statistics period (use --format-year)",
            )
        )

    template, basis = _detect_format(cores, year)
    meta = template.template
    if year is not None and not template.covers(year) and (meta.last_year or year) < year:
        newer = [t for t in _templates() if t.covers(year)]
        findings.append(
            CheckFinding(
                "error",
                "FMT-1",
                f"the {year} report uses the format of {meta.instrument} (for "
                f"{meta.first_year}-{meta.last_year}); reports for {year} must use the format of "
                f"{newer[0].template.instrument if newer else 'a later instrument'}",
                numbers=(year,),
            )
        )
    findings.extend(_section_findings(lines, template))

    start3 = walker.find(template.table3.data_rows[0].label)
    t3_start = max(0, start3[0] - 3) if start3 else 0
    table3 = read_table3(walker, template, t3_start)
    table4 = read_table4(
        walker, template, _index_after(walker, template.table4.groups[0].label, t3_start)
    )
    table2, t2_problems = read_table2(walker, template, 0, t3_start or None)

    tables: dict[str, Any] = {"table2": table2}
    grids: dict[str, Grid] = {}
    for read in (table3, table4):
        findings.extend(_read_findings(read))
        ok = (
            not read.unreadable
            and not read.ambiguous
            and all(r.values is not None for r in read.rows.values())
        )
        rows = read.grid_rows()
        if read.key == "table3":
            tables["table3"] = {
                "columns": list(read.columns),
                "rows": {k: [plain_number(v) for v in vals] for k, vals in rows.items()},
            }
        else:
            tables["table4"] = {
                k: dict(zip(read.columns, (plain_number(v) for v in vals), strict=True))
                for k, vals in rows.items()
            }
        if ok:
            grids[read.key] = Grid(read.columns, rows)
    for row, problem, line in t2_problems:
        findings.append(CheckFinding("warning", "T2-0", problem, "table2", row, line=line))
    findings.extend(_table2_findings(table2, template))
    findings.extend(_rule_findings(template, grids, table3, table4, previous))
    findings.extend(text_findings(text, grids, template.recognize.text_checks))
    return CheckedReport(source, agency, year, template.id, tables, tuple(findings), basis)


def _index_after(walker: Walker, label: str, start: int) -> int:
    hit = walker.find(label, start)
    return max(0, hit[0] - 1) if hit else start


def _read_findings(read: TableRead) -> list[CheckFinding]:
    out: list[CheckFinding] = []
    name = {"table3": "table 三", "table4": "table 四"}[read.key]
    if read.unreadable:
        out.append(
            CheckFinding("error", "READ-1", f"{name} is unreadable: {read.unreadable}", read.key)
        )
        return out
    for key in read.ambiguous:
        row = read.rows[key]
        options = "; ".join(str(c) for c in row.candidates[:3]) if row.candidates else row.problem
        out.append(
            CheckFinding(
                "error",
                "READ-2",
                f"{name} is ambiguous: the glued digits of row '{key}' fit the "
                f"table's equations in more than one way ({options}); it was not checked",
                read.key,
                key,
                line=row.line,
            )
        )
    for key, row in read.rows.items():
        if row.values is None and key not in read.ambiguous and row.problem != "glued":
            out.append(
                CheckFinding(
                    "error",
                    "READ-3",
                    f"{name}: {row.problem}; the table was not checked",
                    read.key,
                    key,
                    line=row.line,
                )
            )
    return out


def _section_findings(lines: list[str], template: ReportTemplate) -> list[CheckFinding]:
    out: list[CheckFinding] = []
    headings = [
        (n, line, core(line))
        for n, raw in enumerate(lines, 1)
        for line in [raw.lstrip("#*> ")]
        if 0 < len(line) <= 40 and not line.endswith("。")
    ]
    for sec in template.sections:
        keys = template.recognize.sections.get(sec.key, (core(sec.title),))
        candidates = [(n, line) for n, line, c in headings if all(k in c for k in keys)]
        numbered = [c for c in candidates if c[1].startswith((sec.number, f"({sec.number})"))]
        if numbered:
            continue
        if not candidates:
            out.append(
                CheckFinding("warning", "STR-3", f"section {sec.number}、{sec.title} was not found")
            )
            continue
        n, line = candidates[0]
        out.append(
            CheckFinding(
                "warning",
                "STR-4",
                f"the heading '{line}' should be numbered {sec.number}、",
                line=n,
            )
        )
    return out


def _table2_findings(
    values: Mapping[str, Mapping[str, float]], template: ReportTemplate
) -> list[CheckFinding]:
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


def _rule_findings(
    template: ReportTemplate,
    grids: Mapping[str, Grid],
    table3: TableRead,
    table4: TableRead,
    previous: CheckedReport | Mapping[str, Any] | None,
) -> list[CheckFinding]:
    prev_grids = _previous_grids(previous)
    reads = {"table3": table3, "table4": table4}
    out: list[CheckFinding] = []
    for result in run_checks(template, grids, prev_grids):
        if result.passed or result.skipped:
            continue
        check = next(c for c in template.checks if c.id == result.id)
        read = reads[check.table]
        for d in result.details:
            rows = list(check.left + check.right) if d.axis == "column" else [d.name]
            line = next(
                (read.rows[r].line for r in rows if r in read.rows and read.rows[r].line), None
            )
            where = f"column {d.name}" if d.axis == "column" else f"row {d.name}"
            right = " + ".join(check.right or check.previous)
            other = "last year's " if check.previous else ""
            out.append(
                CheckFinding(
                    result.severity,
                    result.id,
                    f"{check.description}: {where}: {' + '.join(check.left)} = "
                    f"{plain_number(d.left)} but {other}{right} = {plain_number(d.right)}",
                    check.table,
                    None if d.axis == "column" else d.name,
                    d.name if d.axis == "column" else None,
                    line,
                    (d.left, d.right),
                )
            )
    return out


def _previous_grids(previous: CheckedReport | Mapping[str, Any] | None) -> dict[str, Grid] | None:
    if previous is None:
        return None
    data = previous.tables if isinstance(previous, CheckedReport) else previous
    try:
        t3 = data["table3"]
        return {"table3": Grid(tuple(t3["columns"]), {k: tuple(v) for k, v in t3["rows"].items()})}
    except (KeyError, TypeError):
        return None
