"""Plain text laid out like a published report: title, six sections, aligned tables."""

from __future__ import annotations

from rich.cells import cell_len

from disclosure.reports.figure import format_figure
from disclosure.reports.model import Report
from disclosure.reports.render.layout import (
    joined,
    period,
    section_heading,
    table3_rows,
    title,
)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - cell_len(text))
    return gap + text if right else text + gap


def grid(
    header: list[list[str]], rows: list[list[str]], spans: list[str] | None = None
) -> list[str]:
    """Align columns (label left, numbers right), CJK characters counted double.

    ``spans`` is an optional line above the header whose labels may run over
    the columns after them (merged header cells, e.g. 法人或其他组织).
    """
    widths = [max(cell_len(r[i]) for r in [*header, *rows]) for i in range(len(header[0]))]
    lines = []
    if spans is not None:
        line = ""
        for i, text in enumerate(spans):
            if text:
                offset = sum(widths[:i]) + 2 * i
                line = _pad(line, offset) + (" " if cell_len(line) > offset else "") + text
        lines.append(line.rstrip())
    for r in header:
        lines.append("  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip())
    for r in rows:
        cells = [_pad(r[0], widths[0])] + [
            _pad(c, w, right=True) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def table2_lines(report: Report) -> list[str]:
    lines: list[str] = []
    for sub in report.template.table2.subtables:
        lines.append(sub.title)
        header = [[sub.header, *(c.label for c in sub.columns)]]
        rows = [
            [row.label, *(format_figure(report.table2[row.key][c.key]) for c in sub.columns)]
            for row in sub.rows
        ]
        lines.extend(grid(header, rows))
        lines.append("")
    return lines


def table3_lines(report: Report) -> list[str]:
    t3 = report.template.table3
    spans = [t3.header]
    for i, c in enumerate(t3.columns):
        first = c.group is not None and (i == 0 or t3.columns[i - 1].group != c.group)
        spans.append(c.group if first and c.group else "")
    header = [["", *(c.label for c in t3.columns)]]
    rows = []
    for lr in table3_rows(t3):
        label = report.template.template.indent * lr.depth + lr.row.label
        if lr.row.heading:
            rows.append([label, *([""] * len(t3.columns))])
        else:
            rows.append([label, *(str(v) for v in report.table3.rows[lr.row.key])])
    return [t3.caption, *grid(header, rows, spans)]


def table4_lines(report: Report) -> list[str]:
    t4 = report.template.table4
    header = [["", *(c.label for c in t4.results)]]
    rows = []
    for g in t4.groups:
        label = joined(report, g.parent, g.label)
        rows.append([label, *(str(v) for v in report.table4.rows[g.key])])
    return grid(header, rows)


def render_text(report: Report) -> str:
    out = [title(report), ""]
    if period(report):
        out += [period(report), ""]
    tables = {"table2": table2_lines, "table3": table3_lines, "table4": table4_lines}
    for sec in report.template.sections:
        out.append(section_heading(report, sec.number, sec.title))
        if sec.table:
            out.extend(tables[sec.table](report))
        if sec.key in report.narrative:
            out.append(report.narrative[sec.key] or report.template.template.empty_section)
        out.append("")
    return "\n".join(out).rstrip() + "\n"
