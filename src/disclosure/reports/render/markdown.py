"""Markdown: headings and pipe tables (merged headers spelt out in the labels).

Values from agency data (the agency name in the title, table labels and cells)
are escaped: a newline becomes a space and Markdown's punctuation is
backslash-escaped, so a value cannot start a heading, a table row, a link or
emphasis. The narrative (``narrative.md``) is Markdown the agency writes for
its own report and is copied as written.
"""

from __future__ import annotations

import re

from disclosure.reports.figure import format_figure
from disclosure.reports.model import Report
from disclosure.reports.render.layout import (
    joined,
    period,
    section_heading,
    table3_rows,
    title,
)

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")


def inline(text: str) -> str:
    """``text`` as literal inline Markdown: one line, punctuation escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split("\n")).replace("\r", " "))


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(" ".join(c.splitlines()).replace("|", "\\|") for c in cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    return [_row(header), "| " + " | ".join(align) + " |", *(_row(r) for r in rows)]


def render_markdown(report: Report) -> str:
    tpl = report.template
    out = [f"# {inline(title(report))}", ""]
    if period(report):
        out += [inline(period(report)), ""]
    for sec in tpl.sections:
        out += [f"## {section_heading(report, sec.number, sec.title)}", ""]
        if sec.table == "table2":
            for sub in tpl.table2.subtables:
                out += [f"**{sub.title}**", ""]
                out += _table(
                    [sub.header, *(c.label for c in sub.columns)],
                    [
                        [
                            row.label,
                            *(format_figure(report.table2[row.key][c.key]) for c in sub.columns),
                        ]
                        for row in sub.rows
                    ],
                )
                out.append("")
        elif sec.table == "table3":
            t3 = tpl.table3
            out += [t3.caption, ""]
            header = [t3.header] + [joined(report, c.group, c.label) for c in t3.columns]
            rows = []
            for lr in table3_rows(t3):
                label = tpl.template.indent * lr.depth + lr.row.label
                if lr.row.heading:
                    rows.append([f"**{label}**", *([""] * len(t3.columns))])
                else:
                    rows.append([label, *(str(v) for v in report.table3.rows[lr.row.key])])
            out += [*_table(header, rows), ""]
        elif sec.table == "table4":
            t4 = tpl.table4
            rows = [
                [
                    joined(report, g.parent, g.label),
                    *(str(v) for v in report.table4.rows[g.key]),
                ]
                for g in t4.groups
            ]
            out += [*_table(["", *(c.label for c in t4.results)], rows), ""]
        if sec.key in report.narrative:
            out += [report.narrative[sec.key] or report.template.template.empty_section, ""]
    return "\n".join(out).rstrip() + "\n"
