"""Shared layout facts for renderers: label trees, headers, numbers, titles."""

from __future__ import annotations

import attrs

from disclosure.reports.figure import format_figure
from disclosure.reports.model import Report
from disclosure.reports.template import Row, Table3

#: How a figure is written; the name outside renderers (plugins) import.
number = format_figure


@attrs.frozen
class LabelRow:
    """A table-三 row with the headings above it, for nested or merged labels."""

    row: Row
    ancestors: tuple[Row, ...]

    @property
    def depth(self) -> int:
        return len(self.ancestors)


def table3_rows(t3: Table3) -> list[LabelRow]:
    by_key = {r.key: r for r in t3.rows}
    out = []
    for row in t3.rows:
        chain = []
        parent = row.parent
        while parent is not None:
            chain.append(by_key[parent])
            parent = by_key[parent].parent
        out.append(LabelRow(row, tuple(reversed(chain))))
    return out


def label_levels(t3: Table3) -> int:
    return 1 + max((r.depth for r in table3_rows(t3)), default=0)


def data_rows_under(t3: Table3, key: str) -> int:
    return sum(
        1 for r in table3_rows(t3) if not r.row.heading and key in {a.key for a in r.ancestors}
    )


def title(report: Report) -> str:
    meta = report.template.template
    return meta.heading.format(agency=report.agency, year=report.year, title=meta.title)


def section_heading(report: Report, number: str, title: str) -> str:
    return report.template.template.section_heading.format(number=number, title=title)


def joined(report: Report, parent: str | None, label: str) -> str:
    """A label under its merged header ("法人或其他组织：商业企业")."""
    return f"{parent}{report.template.template.label_join}{label}" if parent else label


def row_path(report: Report, lr: LabelRow) -> str:
    """A table-三 row's label under all its headings, for formats without nesting.

    "3.其他" alone names a row in several groups; "三、本年度办理结果：（六）其他处理：3.其他"
    names one.
    """
    label: str | None = None
    for part in (*(a.label for a in lr.ancestors), lr.row.label):
        label = joined(report, label, part)
    return label or ""


def period(report: Report) -> str:
    return report.template.template.period.format(year=report.year)
