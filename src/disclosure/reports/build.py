"""The annual report: counted from cases, so that it reconciles by construction.

``build_report`` walks the cases once. Each case lands in table 三 by its
receipt and closing dates and its outcome (through the template's rows), in
table 四 by its review and litigation events, and in section 六's fee
paragraph by its fee events. Every cell remembers the case ids behind it
(``drill_down``). The template's checks run on the result; built from cases,
the blocking ones cannot fail, and the same checks find errors in published
reports.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from disclosure.documents.source import load_file
from disclosure.errors import DisclosureError, DocumentError, NotFoundError, Problem, did_you_mean
from disclosure.lifecycle.case import Case, Event
from disclosure.lifecycle.machine import Machine
from disclosure.reports.template import Check, ReportTemplate

Number = int | float


@attrs.frozen
class Grid:
    """A table of numbers: named rows, named columns."""

    columns: tuple[str, ...]
    rows: Mapping[str, tuple[Number, ...]]

    def value(self, row: str, column: str) -> Number:
        return self.rows[row][self.columns.index(column)]


@attrs.frozen
class CheckFailure:
    """Where one equation failed: a column (or row) and the two sums."""

    axis: str  # "column" or "row"
    name: str
    left: Number
    right: Number


@attrs.frozen
class CheckResult:
    """One reconciliation rule applied to a report."""

    id: str
    severity: str
    passed: bool
    description: str
    failures: tuple[str, ...] = ()
    skipped: str = ""
    details: tuple[CheckFailure, ...] = attrs.field(default=(), eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "passed": self.passed,
            "description": self.description,
            "failures": list(self.failures),
            "skipped": self.skipped or None,
        }


@attrs.frozen
class FeeSummary:
    amount: Decimal = Decimal(0)
    applications: int = 0
    by_method: Mapping[str, int] = attrs.field(factory=dict)


@attrs.frozen
class AgencyData:
    """What the cases cannot tell: the agency's name, table 二, other figures."""

    agency: str = ""
    table2: Mapping[str, Mapping[str, Number]] = attrs.field(factory=dict)
    values: Mapping[str, Number | str] = attrs.field(factory=dict)


@attrs.frozen
class Report:
    year: int
    template: ReportTemplate = attrs.field(eq=False, repr=False)
    agency: str
    table2: Mapping[str, Mapping[str, Number]]
    table3: Grid
    table4: Grid
    fees: FeeSummary
    narrative: Mapping[str, str]
    checks: tuple[CheckResult, ...]
    values: Mapping[str, Number | str] = attrs.field(factory=dict)
    sources: Mapping[tuple[str, str, str], tuple[str, ...]] = attrs.field(
        factory=dict, eq=False, repr=False
    )

    @property
    def format(self) -> str:
        return self.template.id

    @property
    def blocking_failures(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.severity == "error" and not c.passed)


# -- agency data and narrative -------------------------------------------------


def load_agency_data(path: str | Path, template: ReportTemplate) -> AgencyData:
    """Read an agency data file and check its table 二 against the template."""
    try:
        doc = load_file(path, "agency data")
    except DocumentError as exc:
        raise DocumentError(exc.problems, f"agency data {path}") from None
    data, pos = doc.data, doc.positions
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise DocumentError([pos.problem((), "agency data must be a mapping")], str(path))
    for key in data:
        if key not in ("agency", "year", "table2", "values"):
            problems.append(
                pos.problem(
                    (key,),
                    f"unknown key '{key}'",
                    did_you_mean(key, ["agency", "year", "table2", "values"]),
                    at="key",
                )
            )
    layout = template.table2.row_columns()
    table2: dict[str, dict[str, Number]] = {}
    raw = data.get("table2") or {}
    if not isinstance(raw, dict):
        problems.append(pos.problem(("table2",), "table2 must be a mapping of rows"))
        raw = {}
    for row, cells in raw.items():
        if row not in layout:
            problems.append(
                pos.problem(
                    ("table2", row),
                    f"'{row}' is not a row of table 二 in {template.id}",
                    did_you_mean(row, layout),
                    at="key",
                )
            )
            continue
        if not isinstance(cells, dict):
            problems.append(pos.problem(("table2", row), "expected a mapping of columns"))
            continue
        cols = {c.key: c for c in layout[row]}
        for col, value in cells.items():
            column = cols.get(col)
            if column is None:
                problems.append(
                    pos.problem(
                        ("table2", row, col),
                        f"'{col}' is not a column of row '{row}'",
                        did_you_mean(col, cols),
                        at="key",
                    )
                )
            elif (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (column.type == "int" and not isinstance(value, int))
            ):
                kind = "a whole number" if column.type == "int" else "a number"
                problems.append(pos.problem(("table2", row, col), f"expected {kind}"))
            elif value < 0 and not column.signed:
                problems.append(pos.problem(("table2", row, col), "cannot be negative"))
            else:
                table2.setdefault(row, {})[col] = value
    values = data.get("values") or {}
    if not isinstance(values, dict):
        problems.append(pos.problem(("values",), "values must be a mapping"))
        values = {}
    agency = data.get("agency", "")
    if not isinstance(agency, str):
        problems.append(pos.problem(("agency",), "agency must be text"))
        agency = ""
    if problems:
        raise DocumentError(problems, f"agency data {path}")
    full = {
        row: {c.key: table2.get(row, {}).get(c.key, 0) for c in cols}
        for row, cols in layout.items()
    }
    return AgencyData(agency, full, values)


_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")
_HEADING = re.compile(r"^##\s+(.+?)\s*$")


def read_narrative(path: str | Path, template: ReportTemplate) -> dict[str, tuple[str, int]]:
    """Split a Markdown narrative into sections by ``## heading``.

    A heading is a section's key, its title, or its number and title
    (``## 一、总体情况``). Returns key -> (text, first line number).
    """
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError([Problem(f"cannot read narrative: {exc}", str(p))], str(p)) from None
    names: dict[str, str] = {}
    for sec in template.sections:
        for name in (sec.key, sec.title, f"{sec.number}、{sec.title}", f"{sec.number}.{sec.title}"):
            names[name] = sec.key
    out: dict[str, tuple[list[str], int]] = {}
    current: str | None = None
    problems: list[Problem] = []
    for n, line in enumerate(lines, 1):
        m = _HEADING.match(line)
        if m:
            key = names.get(m.group(1))
            if key is None:
                problems.append(
                    Problem(
                        f"unknown section heading '{m.group(1)}'",
                        str(p),
                        n,
                        1,
                        hint=did_you_mean(m.group(1), names),
                    )
                )
                current = None
                continue
            current = key
            out[key] = ([], n + 1)
        elif current is not None:
            out[current][0].append(line)
        elif line.strip():
            problems.append(Problem("text before the first '## section' heading", str(p), n, 1))
    if problems:
        raise DocumentError(problems, f"narrative {p}")
    result: dict[str, tuple[str, int]] = {}
    for key, (body, first) in out.items():
        while body and not body[0].strip():  # keep line numbers true after trimming
            body.pop(0)
            first += 1
        result[key] = ("\n".join(body).strip(), first)
    return result


def figures(report_values: Mapping[str, Any]) -> dict[str, str]:
    """Placeholder name -> text, for narratives."""
    return {k: _fmt(v) for k, v in report_values.items()}


def _fmt(value: Any) -> str:
    if isinstance(value, Decimal):
        value = value.normalize()
        return f"{value:f}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def fill(text: str, values: Mapping[str, str], where: str, first_line: int) -> str:
    """Replace ``{{name}}`` placeholders; unknown names are an error with their line."""
    problems = []
    for m in _PLACEHOLDER.finditer(text):
        if m.group(1) not in values:
            line = first_line + text[: m.start()].count("\n")
            problems.append(
                Problem(
                    f"unknown figure '{m.group(1)}'",
                    where,
                    line,
                    hint=did_you_mean(m.group(1), values),
                )
            )
    if problems:
        raise DocumentError(problems, f"narrative {where}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


# -- aggregation ----------------------------------------------------------------


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


@attrs.frozen
class CaseSummary:
    """What a report needs of a case when its conclusion is already known.

    The store keeps outcome and closing day in its projection, so a report
    over a large store reads these instead of folding every log; ``events``
    holds only the events tables 四 and 六 look at (reviews, lawsuits, fees).
    """

    id: str
    applicant: str
    received: dt.date
    outcome: str | None
    closed_on: dt.date | None
    events: tuple[Event, ...] = ()


def report_event_types(template: ReportTemplate) -> set[str]:
    """The event types a report reads beyond outcomes (table 四 and fees)."""
    kinds = {t for g in template.table4.groups for t in (g.filed, g.decided)}
    kinds.update(t for t in (template.fees.notice_event, template.fees.paid_event) if t)
    return kinds


def build_report(
    cases: Iterable[Case | CaseSummary],
    year: int,
    template: ReportTemplate,
    machine: Machine,
    *,
    agency: AgencyData | None = None,
    narrative: Mapping[str, tuple[str, int]] | None = None,
    narrative_source: str = "",
    previous: Report | Mapping[str, Any] | None = None,
    trace: bool = True,
) -> Report:
    """Count ``cases`` into the template's tables for ``year`` and run its checks.

    ``machine`` gives each case's outcome and closing day (``Machine.conclusion``).
    ``previous`` is last year's report (or its JSON) for the cross-year check.
    """
    start, end = _year_bounds(year)
    t3 = template.table3
    kinds = [c.key for c in t3.columns if not c.sum]
    kind_index = {k: i for i, k in enumerate(kinds)}
    row_of = template.outcome_rows()
    data_rows = [r.key for r in t3.data_rows]
    counts: dict[str, list[int]] = {r: [0] * len(kinds) for r in data_rows}
    count_rows = {r.count: r.key for r in t3.data_rows if r.count}
    sources: dict[tuple[str, str, str], list[str]] = {}
    t4 = template.table4
    t4_counts = {
        g.key: dict.fromkeys((c.key for c in t4.results if not c.sum), 0) for g in t4.groups
    }
    fee_total = Decimal(0)
    fee_cases: dict[str, str] = {}
    defaults = _field_defaults(machine)
    seen: set[str] = set()

    def hit(row: str | None, col: int, case_id: str) -> None:
        if row is None:
            return
        counts[row][col] += 1
        if trace:
            sources.setdefault(("table3", row, kinds[col]), []).append(case_id)

    for case in cases:
        if case.id in seen:
            raise DisclosureError(f"case id '{case.id}' appears twice")
        seen.add(case.id)
        received = case.received
        if received > end:
            continue
        col = kind_index.get(case.applicant)
        if col is None:
            raise DisclosureError(
                f"case {case.id}: applicant kind '{case.applicant}' has no column in {template.id}"
            )
        if isinstance(case, CaseSummary):
            outcome, closed_on = case.outcome, case.closed_on
            if outcome is not None and outcome not in row_of:
                raise DisclosureError(f"case {case.id}: unknown outcome code '{outcome}'")
        else:
            folded = machine.fold(case, end)
            outcome, closed_on = folded.outcome, folded.closed_on
        if received >= start:
            hit(count_rows.get("received"), col, case.id)
        elif closed_on is None or closed_on >= start:
            hit(count_rows.get("open_at_start"), col, case.id)
        if closed_on is not None and start <= closed_on <= end:
            assert outcome is not None
            hit(row_of[outcome], col, case.id)
            hit(count_rows.get("concluded"), col, case.id)
        elif closed_on is None or closed_on > end:
            hit(count_rows.get("open_at_end"), col, case.id)
        if case.events:
            fee_total += _fees_and_proceedings(
                case,
                template,
                defaults,
                start,
                end,
                t4_counts,
                fee_cases,
                sources if trace else None,
            )
    sum_col = next(c.key for c in t3.columns if c.sum)
    columns = tuple(c.key for c in t3.columns)
    sum_index = columns.index(sum_col)
    rows3: dict[str, tuple[int, ...]] = {}
    for key in data_rows:
        by_kind = counts[key]
        full = [*by_kind]
        full.insert(sum_index, sum(by_kind))
        rows3[key] = tuple(full)
        if trace:
            ids = [i for k in kinds for i in sources.get(("table3", key, k), [])]
            sources[("table3", key, sum_col)] = ids
    table3 = Grid(columns, rows3)
    res_cols = tuple(c.key for c in t4.results)
    rows4: dict[str, tuple[int, ...]] = {}
    for g in t4.groups:
        parts = t4_counts[g.key]
        rows4[g.key] = tuple(sum(parts.values()) if c.sum else parts[c.key] for c in t4.results)
    table4 = Grid(res_cols, rows4)
    by_method: dict[str, int] = {}
    for method in fee_cases.values():
        by_method[method] = by_method.get(method, 0) + 1
    fee = FeeSummary(fee_total, len(fee_cases), by_method)
    agency = agency or AgencyData(
        table2={
            row: {c.key: 0 for c in cols} for row, cols in template.table2.row_columns().items()
        }
    )
    values = _report_values(year, agency, table3, table4, fee, template)
    texts = _narrative(template, narrative or {}, values, narrative_source, fee)
    checks = run_checks(
        template, {"table3": table3, "table4": table4}, _previous_grids(previous, template)
    )
    return Report(
        year,
        template,
        agency.agency,
        agency.table2,
        table3,
        table4,
        fee,
        texts,
        tuple(checks),
        values,
        {k: tuple(v) for k, v in sources.items()} if trace else {},
    )


def _field_defaults(machine: Machine) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for name, ev in machine.ruleset.events.items():
        for fname, spec in ev.fields.items():
            if spec.default is not None:
                out[(name, fname)] = spec.default
    return out


def _fees_and_proceedings(
    case: Case | CaseSummary,
    template: ReportTemplate,
    defaults: Mapping[tuple[str, str], Any],
    start: dt.date,
    end: dt.date,
    t4_counts: dict[str, dict[str, int]],
    fee_cases: dict[str, str],
    sources: dict[tuple[str, str, str], list[str]] | None,
) -> Decimal:
    fees = template.fees
    groups = template.table4.groups
    total = Decimal(0)
    method = ""
    notice_amount: Any = None
    open_groups: list[tuple[str, str]] = []  # (group key, decided event type)
    for ev in case.events:
        etype = ev.type
        if etype == fees.notice_event:
            method = str(ev.data.get(fees.method_field, ""))
            notice_amount = ev.data.get(fees.amount_field)
        elif etype == fees.paid_event and start <= ev.on <= end:
            amount = ev.data.get(fees.amount_field, notice_amount)
            if amount is not None:
                total += Decimal(str(amount))
            fee_cases[case.id] = method
        for g in groups:
            if etype == g.filed and all(
                ev.data.get(k, defaults.get((etype, k))) == v for k, v in g.when.items()
            ):
                if ev.on <= end:
                    open_groups.append((g.key, g.decided))
                break
            if etype == g.decided:
                if ev.on > end:
                    break  # decided after the year: still pending at 31 December
                for i in range(len(open_groups) - 1, -1, -1):
                    key, decided = open_groups[i]
                    if decided == etype:
                        del open_groups[i]
                        if start <= ev.on <= end:
                            result = str(ev.data.get(g.result_field, "other"))
                            bucket = t4_counts[key]
                            bucket[result if result in bucket else "other"] += 1
                            if sources is not None:
                                sources.setdefault(("table4", key, result), []).append(case.id)
                        break
                break
    for key, _ in open_groups:
        t4_counts[key]["pending"] += 1
        if sources is not None:
            sources.setdefault(("table4", key, "pending"), []).append(case.id)
    return total


def _report_values(
    year: int, agency: AgencyData, t3: Grid, t4: Grid, fee: FeeSummary, template: ReportTemplate
) -> dict[str, Any]:
    values: dict[str, Any] = {"year": year, "agency": agency.agency}
    for row, cells in t3.rows.items():
        for col, v in zip(t3.columns, cells, strict=True):
            values[f"table3.{row}.{col}"] = v
    for row, cells in t4.rows.items():
        for col, v in zip(t4.columns, cells, strict=True):
            values[f"table4.{row}.{col}"] = v
    for row, cells2 in agency.table2.items():
        for col, v in cells2.items():
            values[f"table2.{row}.{col}"] = v
    values["fee.amount"] = fee.amount
    values["fee.applications"] = fee.applications
    for k, extra in agency.values.items():
        values[f"values.{k}"] = extra
    return values


def _narrative(
    template: ReportTemplate,
    narrative: Mapping[str, tuple[str, int]],
    values: Mapping[str, Any],
    source: str,
    fee: FeeSummary,
) -> dict[str, str]:
    texts = figures(values)
    out: dict[str, str] = {}
    for sec in template.sections:
        body = ""
        if sec.key in narrative:
            text, line = narrative[sec.key]
            body = fill(text, texts, source, line)
        if sec.fees:
            para = fee_paragraph(template, fee)
            empty = template.template.empty_section
            body = f"{body}\n\n{para}".strip() if body and body != empty else para
        if sec.narrative is not None or sec.fees:
            out[sec.key] = body
    return out


def fee_paragraph(template: ReportTemplate, fee: FeeSummary) -> str:
    """Section 六's sentence on information-processing fees, from the fee events."""
    texts = template.fees
    if fee.applications == 0 and fee.amount == 0:
        return texts.none
    methods = texts.separator.join(
        texts.by_method.format(method=texts.methods.get(m, m or texts.unknown_method), count=n)
        for m, n in sorted(fee.by_method.items())
    )
    return texts.charged.format(
        amount=_fmt(fee.amount), applications=fee.applications, by_method=methods
    )


# -- checks -----------------------------------------------------------------------


def _previous_grids(
    previous: Report | Mapping[str, Any] | None, template: ReportTemplate
) -> dict[str, Grid] | None:
    if previous is None:
        return None
    if isinstance(previous, Report):
        return {"table3": previous.table3, "table4": previous.table4}
    try:
        t3 = previous["table3"]
        return {"table3": Grid(tuple(t3["columns"]), {k: tuple(v) for k, v in t3["rows"].items()})}
    except (KeyError, TypeError) as exc:
        raise DisclosureError(f"previous report: not a report JSON document ({exc})") from None


def run_checks(
    template: ReportTemplate, grids: Mapping[str, Grid], previous: Mapping[str, Grid] | None = None
) -> list[CheckResult]:
    """Apply the template's reconciliation rules to tables of numbers."""
    return [_run_check(c, grids, previous) for c in template.checks]


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
    right_grid = other if check.per == "column" else grid
    failures: list[str] = []
    details: list[CheckFailure] = []
    for name in names:
        try:
            left_sum = sum(_cells(grid, check.per, name, check.left))
            right_sum = sum(_cells(right_grid, check.per, name, right))
        except (KeyError, ValueError):
            continue
        if left_sum != right_sum:
            details.append(CheckFailure(check.per, name, left_sum, right_sum))
            failures.append(
                f"{check.per} {name}: {' + '.join(check.left)} = {_fmt(left_sum)}, "
                f"{' + '.join(right)} = {_fmt(right_sum)}"
            )
    return CheckResult(
        check.id,
        check.severity,
        not failures,
        check.description,
        tuple(failures),
        details=tuple(details),
    )


def _cells(grid: Grid, per: str, name: str, keys: Sequence[str]) -> list[Number]:
    """The named rows of one column, or the named columns of one row."""
    if per == "column":
        return [grid.value(k, name) for k in keys]
    return [grid.value(name, k) for k in keys]


def drill_down(report: Report, table: str, row: str, column: str) -> tuple[str, ...]:
    """The case ids behind one cell (table ``table3`` or ``table4``)."""
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
