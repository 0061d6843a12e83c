"""Annual report templates: the layout, the cell selectors and the checks, as data.

A template names its tables, their rows and columns with exact labels and the
merged-header structure, says which cases each row counts (by outcome code or
by a year-attribution rule), and declares the reconciliation equations. The
same equations check a generated report and a published one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs

from disclosure.documents.source import Positions
from disclosure.documents.structure import load_checked, make_converter
from disclosure.errors import NotFoundError, Problem, TemplateError, did_you_mean
from disclosure.reports.period import POSITIONS
from disclosure.rules.model import Ruleset

#: Year-attribution rules a table-三 row can count by.
COUNTS = POSITIONS
CHECK_PER = ("column", "row")
SEVERITIES = ("error", "warning")


@attrs.frozen
class TemplateMeta:
    id: str
    title: str = ""
    instrument: str = ""
    ruleset: str = "cn-ogi-2019"
    first_year: int | None = None
    last_year: int | None = None
    period: str = ""
    empty_section: str = ""
    # Typography, as the report's own convention prints it (a Chinese report:
    # "{agency}{year}年{title}", "一、总体情况", full-width indents and colons).
    heading: str = "{agency} {year} {title}"
    section_heading: str = "{number}. {title}"
    indent: str = "  "
    label_join: str = ": "
    lang: str = "en"
    body_fonts: str = "serif"
    heading_fonts: str = "sans-serif"


@attrs.frozen
class Section:
    key: str
    number: str
    title: str
    narrative: str | None = None
    table: str | None = None
    fees: bool = False


@attrs.frozen
class FeeText:
    """Where fees are found in the event log, and the sentences that report them."""

    notice_event: str = ""
    paid_event: str = ""
    amount_field: str = "amount"
    method_field: str = "method"
    methods: Mapping[str, str] = attrs.field(factory=dict)
    charged: str = ""
    none: str = ""
    by_method: str = "{method} {count}"
    separator: str = ", "
    unknown_method: str = "?"


@attrs.frozen
class Column:
    key: str
    label: str
    group: str | None = None
    sum: bool = False
    type: str = "int"
    signed: bool = False


@attrs.frozen
class Row:
    key: str
    label: str
    parent: str | None = None
    heading: bool = False
    count: str | None = None
    outcomes: tuple[str, ...] = ()


@attrs.frozen
class SubTable:
    key: str
    title: str
    header: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@attrs.frozen
class Table2:
    title: str
    subtables: tuple[SubTable, ...]

    def row_columns(self) -> dict[str, tuple[Column, ...]]:
        """Every row key with the columns of its sub-table."""
        return {row.key: sub.columns for sub in self.subtables for row in sub.rows}


@attrs.frozen
class Table3:
    title: str
    caption: str
    header: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    mapping: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def data_rows(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if not r.heading)


@attrs.frozen
class Group:
    key: str
    label: str
    filed: str
    decided: str
    parent: str | None = None
    when: Mapping[str, Any] = attrs.field(factory=dict)
    result_field: str = "result"


@attrs.frozen
class Table4:
    title: str
    results: tuple[Column, ...]
    groups: tuple[Group, ...]


@attrs.frozen
class Check:
    """``sum(left) == sum(right)`` for every column (or row) of a table.

    With ``previous`` instead of ``right``, the right side is last year's
    report (the cross-year rule RC-7).
    """

    id: str
    table: str
    per: str
    left: tuple[str, ...]
    right: tuple[str, ...] = ()
    previous: tuple[str, ...] = ()
    #: Take ``right`` from this table's same row (``per: row``): a total in one
    #: table that must equal a count in another.
    right_table: str | None = None
    severity: str = "error"
    description: str = ""


@attrs.frozen
class TextCheck:
    """A figure the report's text quotes, found by a pattern, and the cells it must equal.

    ``pattern``'s first group is the figure; it must equal the sum of the
    ``rows``' totals in ``table`` (or of ``also``'s). ``none`` matches a
    "there were none" wording. ``breakdown`` (total, then the parts text) with
    ``part`` checks a total against its own parts instead.
    """

    id: str
    what: str
    pattern: str = ""
    none: str = ""
    table: str = ""
    rows: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    breakdown: str = ""
    part: str = ""


@attrs.frozen
class Recognize:
    """How the checker recognises a published report in this format."""

    title: str = ""
    title_end: str = ""
    period: str = ""
    numbering: str = ""
    sections: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    text_checks: tuple[TextCheck, ...] = ()


@attrs.frozen
class ReportTemplate:
    template: TemplateMeta
    sections: tuple[Section, ...]
    table2: Table2
    table3: Table3
    table4: Table4
    checks: tuple[Check, ...]
    fees: FeeText = FeeText()
    recognize: Recognize = Recognize()
    source: str = attrs.field(default="", eq=False)

    @property
    def id(self) -> str:
        return self.template.id

    def covers(self, year: int) -> bool:
        meta = self.template
        return (meta.first_year is None or year >= meta.first_year) and (
            meta.last_year is None or year <= meta.last_year
        )

    def outcome_rows(self) -> dict[str, str]:
        """Outcome code -> table 三 row key (after validation: exactly one each)."""
        rows = {code: row.key for row in self.table3.data_rows for code in row.outcomes}
        rows.update(self.table3.mapping)
        return rows


def templates_dir() -> Path:
    from disclosure.documents.builtin import builtin_dir

    return builtin_dir() / "reports"


def builtin_templates(extra_dirs: Iterable[Path] = ()) -> dict[str, Path]:
    from disclosure.documents.builtin import documents_by_name

    return documents_by_name((templates_dir(), *extra_dirs), (".yaml",))


@lru_cache(maxsize=1)
def _converter() -> Any:
    from cattrs.gen import make_dict_structure_fn, override

    conv = make_converter()
    conv.register_structure_hook(
        ReportTemplate,
        make_dict_structure_fn(ReportTemplate, conv, source=override(omit=True)),
    )
    return conv


def load_template(
    name_or_path: str | Path,
    ruleset: Ruleset | None = None,
    extra_dirs: Iterable[Path] = (),
    extra_mapping: Mapping[str, str] | None = None,
) -> ReportTemplate:
    """Load a report template and check it (against ``ruleset`` when given).

    ``extra_mapping`` (outcome code -> row) places outcome codes that plugins
    add; the coverage check then includes them.
    """
    from disclosure.documents.builtin import template_path

    path = template_path(name_or_path, lambda: builtin_templates(extra_dirs), "report template")

    def add_mapping(tpl: ReportTemplate) -> ReportTemplate:
        if not extra_mapping:
            return tpl
        table3 = attrs.evolve(tpl.table3, mapping={**tpl.table3.mapping, **extra_mapping})
        return attrs.evolve(tpl, table3=table3)

    tpl, _ = load_checked(
        path,
        ReportTemplate,
        _converter(),
        "report template",
        TemplateError,
        lambda t, pos: check_template(t, pos, ruleset),
        add_mapping,
    )
    return attrs.evolve(tpl, source=str(path))


def template_for_year(year: int, extra_dirs: Iterable[Path] = ()) -> str:
    """The (built-in or added) template whose years cover ``year``."""
    from disclosure.documents.arguments import year as whole_year

    year = whole_year(year)
    for name, path in builtin_templates(extra_dirs).items():
        tpl = load_template(path)
        if tpl.covers(year):
            return name
    raise NotFoundError(f"no report template covers the year {year}")


def check_checks(
    checks: Iterable[Check],
    tables: Mapping[str, tuple[Sequence[str] | None, Sequence[str]]],
    pos: Positions,
) -> list[Problem]:
    """The checks name known tables, rows and columns (``None`` rows: any row may occur)."""
    problems: list[Problem] = []

    def add(path: tuple[str | int, ...], message: str, hint: str = "") -> None:
        problems.append(pos.problem(path, message, hint))

    for i, check in enumerate(checks):
        path = ("checks", i)
        if check.per not in CHECK_PER:
            add((*path, "per"), f"'per' must be one of {', '.join(CHECK_PER)}")
            continue
        if check.severity not in SEVERITIES:
            add((*path, "severity"), f"severity must be one of {', '.join(SEVERITIES)}")
        if check.table not in tables or (
            check.right_table is not None and check.right_table not in tables
        ):
            bad = check.table if check.table not in tables else str(check.right_table)
            add(
                (*path, "table" if bad == check.table else "right_table"),
                f"unknown table '{bad}'",
                did_you_mean(bad, tables),
            )
            continue
        if check.right_table is not None and check.per != "row":
            add((*path, "right_table"), "'right_table' needs 'per: row'")
            continue
        rows, cols = tables[check.table]
        if check.per == "column" and rows is None:
            add((*path, "per"), f"the rows of {check.table} are not fixed; check per row")
            continue
        names = rows if check.per == "column" else cols
        assert names is not None
        if bool(check.right) == bool(check.previous):
            add(path, "give either 'right' or 'previous'")
        for side in ("left", "right", "previous"):
            table = check.table
            side_names = names
            if side == "right" and check.right_table is not None:
                table, side_names = check.right_table, tables[check.right_table][1]
            for j, name in enumerate(getattr(check, side)):
                if name not in side_names:
                    add(
                        (*path, side, j),
                        f"'{name}' is not a {'row' if check.per == 'column' else 'column'} "
                        f"of {table}",
                        did_you_mean(name, side_names),
                    )
    return problems


def check_template(
    tpl: ReportTemplate, pos: Positions, ruleset: Ruleset | None = None
) -> list[Problem]:
    """Every problem of a template: names, structure, and outcome coverage."""
    problems: list[Problem] = []

    def add(path: tuple[str | int, ...], message: str, hint: str = "") -> None:
        problems.append(pos.problem(path, message, hint))

    t3 = tpl.table3
    row_keys = [r.key for r in t3.rows]
    for i, row in enumerate(t3.rows):
        path: tuple[str | int, ...] = ("table3", "rows", i)
        if row_keys.count(row.key) > 1:
            add((*path, "key"), f"row '{row.key}' is defined more than once")
        if row.parent is not None:
            parent = next((r for r in t3.rows if r.key == row.parent), None)
            if parent is None:
                add(
                    (*path, "parent"),
                    f"row '{row.parent}' is not defined",
                    did_you_mean(row.parent, row_keys),
                )
            elif not parent.heading:
                add((*path, "parent"), f"parent row '{row.parent}' is not a heading")
        kinds = sum([row.heading, row.count is not None, bool(row.outcomes)])
        if kinds != 1:
            add(path, "a row is exactly one of: a heading, a count, or a list of outcomes")
        if row.count is not None and row.count not in COUNTS:
            add((*path, "count"), f"unknown count '{row.count}'", did_you_mean(row.count, COUNTS))
    col_keys = [c.key for c in t3.columns]
    if sum(c.sum for c in t3.columns) != 1:
        add(("table3", "columns"), "exactly one column must be the sum ('sum: true')")
    for k, target in t3.mapping.items():
        if target not in row_keys:
            add(
                ("table3", "mapping", k),
                f"row '{target}' is not defined",
                did_you_mean(target, row_keys),
            )
    group_keys = [g.key for g in tpl.table4.groups]
    result_keys = [c.key for c in tpl.table4.results]
    tables = {"table3": (row_keys, col_keys), "table4": (group_keys, result_keys)}
    problems.extend(check_checks(tpl.checks, tables, pos))
    section_keys = [s.key for s in tpl.sections]
    for i, sec in enumerate(tpl.sections):
        if sec.table is not None and sec.table not in ("table2", "table3", "table4"):
            add(("sections", i, "table"), f"unknown table '{sec.table}'")
        if section_keys.count(sec.key) > 1:
            add(("sections", i, "key"), f"section '{sec.key}' is defined more than once")
    if ruleset is not None:
        problems.extend(check_coverage(tpl, ruleset, pos))
    return problems


def check_coverage(
    tpl: ReportTemplate, ruleset: Ruleset, pos: Positions | None = None
) -> list[Problem]:
    """Every outcome code of the ruleset lands in exactly one table-三 row.

    Also every applicant kind has its column. Plugins' outcome codes are part
    of ``ruleset.outcomes`` by the time this runs, so they are checked too.
    """
    pos = pos or Positions(tpl.source)
    problems: list[Problem] = []
    t3 = tpl.table3
    places: dict[str, list[str]] = {}
    for row in t3.data_rows:
        for code in row.outcomes:
            places.setdefault(code, []).append(f"row '{row.key}'")
    for code, target in t3.mapping.items():
        places.setdefault(code, []).append(f"mapping to '{target}'")
    for code in ruleset.outcomes:
        where = places.get(code, [])
        if not where:
            problems.append(
                pos.problem(
                    ("table3",),
                    f"outcome '{code}' of ruleset {ruleset.id} has no row in the report",
                    "add it to a row's 'outcomes' or to 'mapping' "
                    f"(group: {ruleset.outcomes[code].group})",
                    at="key",
                )
            )
        elif len(where) > 1:
            problems.append(
                pos.problem(
                    ("table3",),
                    f"outcome '{code}' is counted in more than one place: {', '.join(where)}",
                    at="key",
                )
            )
    for code in places:
        if code not in ruleset.outcomes:
            problems.append(
                pos.problem(
                    ("table3",),
                    f"outcome '{code}' is not defined in ruleset {ruleset.id}",
                    did_you_mean(code, ruleset.outcomes),
                    at="key",
                )
            )
    cols = {c.key for c in t3.columns}
    for kind in ruleset.applicant_kinds:
        if kind not in cols:
            problems.append(
                pos.problem(
                    ("table3", "columns"), f"applicant kind '{kind}' has no column", at="key"
                )
            )
    return problems
