"""Self-contained printable HTML with the official merged-cell table layout."""

from __future__ import annotations

from html import escape

from disclosure.reports.figure import format_figure
from disclosure.reports.model import Report
from disclosure.reports.render.layout import (
    data_rows_under,
    label_levels,
    period,
    section_heading,
    table3_rows,
    title,
)

_CSS = """
@page { size: A4; margin: 20mm 18mm; }
body { font-family: {body_fonts}; font-size: 12pt; line-height: 1.6; color: #000;
       max-width: 190mm; margin: 0 auto; padding: 12mm 0; }
h1 { font-family: {heading_fonts};
     font-size: 18pt; text-align: center; font-weight: bold; margin-bottom: 1.2em; }
h2 { font-family: {heading_fonts};
     font-size: 14pt; font-weight: bold; margin: 1.4em 0 0.6em; }
p { text-indent: 2em; margin: 0.4em 0; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0 1em; font-size: 10.5pt;
        page-break-inside: avoid; }
th, td { border: 1px solid #000; padding: 2px 4px; text-align: center; vertical-align: middle; }
td.label { text-align: left; }
td.num { text-align: center; font-variant-numeric: tabular-nums; }
caption { caption-side: top; font-weight: bold; padding: 4px; }
"""


def css(report: Report) -> str:
    """The page style with the template's fonts (Chinese official documents: 仿宋, 黑体)."""
    meta = report.template.template
    return _CSS.replace("{body_fonts}", meta.body_fonts).replace(
        "{heading_fonts}", meta.heading_fonts
    )


def _cell(tag: str, text: str, cls: str = "", rowspan: int = 1, colspan: int = 1) -> str:
    attrs = ""
    if cls:
        attrs += f' class="{cls}"'
    if rowspan > 1:
        attrs += f' rowspan="{rowspan}"'
    if colspan > 1:
        attrs += f' colspan="{colspan}"'
    return f"<{tag}{attrs}>{escape(text)}</{tag}>"


def _table2(report: Report) -> str:
    parts = []
    for sub in report.template.table2.subtables:
        width = 1 + len(sub.columns)
        rows = [
            f"<tr>{_cell('th', sub.title, colspan=width)}</tr>",
            "<tr>"
            + _cell("th", sub.header)
            + "".join(_cell("th", c.label) for c in sub.columns)
            + "</tr>",
        ]
        for row in sub.rows:
            rows.append(
                "<tr>"
                + _cell("td", row.label, "label")
                + "".join(
                    _cell("td", format_figure(report.table2[row.key][c.key]), "num")
                    for c in sub.columns
                )
                + "</tr>"
            )
        parts.append("<table>" + "".join(rows) + "</table>")
    return "\n".join(parts)


def _table3(report: Report) -> str:
    t3 = report.template.table3
    levels = label_levels(t3)
    cols = t3.columns
    groups: list[tuple[str | None, int]] = []
    for c in cols:
        if groups and c.group is not None and groups[-1][0] == c.group:
            groups[-1] = (c.group, groups[-1][1] + 1)
        else:
            groups.append((c.group, 1))
    head = [
        "<tr>"
        + _cell("th", t3.caption, rowspan=3, colspan=levels)
        + _cell("th", t3.header, colspan=len(cols))
        + "</tr>"
    ]
    second: list[str] = []
    third: list[str] = []
    i = 0
    for group, span in groups:
        if group is None:
            second.append(_cell("th", cols[i].label, rowspan=2))
        else:
            second.append(_cell("th", group, colspan=span))
            third.extend(_cell("th", c.label) for c in cols[i : i + span])
        i += span
    head.append("<tr>" + "".join(second) + "</tr>")
    head.append("<tr>" + "".join(third) + "</tr>")
    body = []
    opened: set[str] = set()
    for lr in table3_rows(t3):
        if lr.row.heading:
            continue
        cells = []
        for anc in lr.ancestors:
            if anc.key not in opened:
                opened.add(anc.key)
                cells.append(_cell("td", anc.label, "label", rowspan=data_rows_under(t3, anc.key)))
        cells.append(_cell("td", lr.row.label, "label", colspan=levels - lr.depth))
        cells.extend(_cell("td", str(v), "num") for v in report.table3.rows[lr.row.key])
        body.append("<tr>" + "".join(cells) + "</tr>")
    return '<table class="table3">' + "".join(head) + "".join(body) + "</table>"


def _table4(report: Report) -> str:
    t4 = report.template.table4
    n = len(t4.results)
    top: list[tuple[str, list[str]]] = []
    for g in t4.groups:
        name = g.parent or g.label
        if top and top[-1][0] == name and g.parent:
            top[-1][1].append(g.label)
        else:
            top.append((name, [g.label] if g.parent else []))
    row1 = "".join(_cell("th", name, colspan=n * max(1, len(subs))) for name, subs in top)
    row2: list[str] = []
    row3: list[str] = []
    for _name, subs in top:
        if not subs:
            row2.extend(_cell("th", c.label, rowspan=2) for c in t4.results)
        else:
            row2.extend(_cell("th", s, colspan=n) for s in subs)
            row3.extend(_cell("th", c.label) for _ in subs for c in t4.results)
    data = "".join(_cell("td", str(v), "num") for g in t4.groups for v in report.table4.rows[g.key])
    return (
        f'<table class="table4"><tr>{row1}</tr><tr>{"".join(row2)}</tr>'
        f"<tr>{''.join(row3)}</tr><tr>{data}</tr></table>"
    )


def _paragraphs(text: str, empty: str) -> str:
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()] or [empty]
    return "\n".join(f"<p>{escape(' '.join(b.splitlines()))}</p>" for b in blocks)


def render_html(report: Report) -> str:
    tables = {"table2": _table2, "table3": _table3, "table4": _table4}
    body = [f"<h1>{escape(title(report))}</h1>"]
    if period(report):
        body.append(f"<p>{escape(period(report))}</p>")
    for sec in report.template.sections:
        body.append(f"<h2>{escape(section_heading(report, sec.number, sec.title))}</h2>")
        if sec.table:
            body.append(tables[sec.table](report))
        if sec.key in report.narrative:
            body.append(
                _paragraphs(report.narrative[sec.key], report.template.template.empty_section)
            )
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(report.template.template.lang)}">\n<head>\n'
        '<meta charset="utf-8">\n'
        f"<title>{escape(title(report))}</title>\n<style>{css(report)}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
