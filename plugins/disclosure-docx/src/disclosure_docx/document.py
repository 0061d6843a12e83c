"""The Word document: python-docx (and lxml under it) drive every table.

Imported only when a document is rendered (see the package's ``__init__``).
"""

from __future__ import annotations

import io
from typing import Any

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

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _para(
    doc: Any,
    text: str,
    *,
    font: str = BODY_FONT,
    size: float = 14,
    bold: bool = False,
    center: bool = False,
    indent: bool = True,
) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    _font(p.add_run(text), font, size, bold)


def _cell(cell: Any, text: str, *, center: bool = True) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    cell.text = ""
    p = cell.paragraphs[0]
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(text), BODY_FONT, 10.5)


def _table(doc: Any, rows: int, cols: int) -> Any:
    from docx.enum.table import WD_TABLE_ALIGNMENT

    table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    return table


def _table2(doc: Any, report: Report) -> None:
    for sub in report.template.table2.subtables:
        width = 1 + len(sub.columns)
        t = _table(doc, 2 + len(sub.rows), width)
        _cell(t.cell(0, 0).merge(t.cell(0, width - 1)), sub.title)
        _cell(t.cell(1, 0), sub.header)
        for j, col in enumerate(sub.columns, 1):
            _cell(t.cell(1, j), col.label)
        for i, row in enumerate(sub.rows, 2):
            _cell(t.cell(i, 0), row.label, center=False)
            for j, col in enumerate(sub.columns, 1):
                _cell(t.cell(i, j), format_figure(report.table2[row.key][col.key]))
        doc.add_paragraph()


def _table3(doc: Any, report: Report) -> None:
    t3 = report.template.table3
    levels = label_levels(t3)
    cols = t3.columns
    data = [lr for lr in table3_rows(t3) if not lr.row.heading]
    t = _table(doc, 3 + len(data), levels + len(cols))
    _cell(t.cell(0, 0).merge(t.cell(2, levels - 1)), t3.caption)
    _cell(t.cell(0, levels).merge(t.cell(0, levels + len(cols) - 1)), t3.header)
    j = 0
    while j < len(cols):
        col = cols[j]
        x = levels + j
        if col.group is None:
            _cell(t.cell(1, x).merge(t.cell(2, x)), col.label)
            j += 1
            continue
        span = 1
        while j + span < len(cols) and cols[j + span].group == col.group:
            span += 1
        _cell(t.cell(1, x).merge(t.cell(1, x + span - 1)), col.group)
        for k in range(span):
            _cell(t.cell(2, x + k), cols[j + k].label)
        j += span
    opened: set[str] = set()
    for i, lr in enumerate(data, 3):
        for depth, anc in enumerate(lr.ancestors):
            if anc.key not in opened:
                opened.add(anc.key)
                below = data_rows_under(t3, anc.key)
                _cell(t.cell(i, depth).merge(t.cell(i + below - 1, depth)), anc.label, center=False)
        _cell(t.cell(i, lr.depth).merge(t.cell(i, levels - 1)), lr.row.label, center=False)
        for k, value in enumerate(report.table3.rows[lr.row.key]):
            _cell(t.cell(i, levels + k), str(value))
    doc.add_paragraph()


def _table4(doc: Any, report: Report) -> None:
    t4 = report.template.table4
    n = len(t4.results)
    t = _table(doc, 4, n * len(t4.groups))
    x = 0
    i = 0
    groups = list(t4.groups)
    while i < len(groups):
        g = groups[i]
        if g.parent is None:
            _cell(t.cell(0, x).merge(t.cell(0, x + n - 1)), g.label)
            for k, res in enumerate(t4.results):
                _cell(t.cell(1, x + k).merge(t.cell(2, x + k)), res.label)
            x += n
            i += 1
            continue
        members = [g]
        while i + len(members) < len(groups) and groups[i + len(members)].parent == g.parent:
            members.append(groups[i + len(members)])
        _cell(t.cell(0, x).merge(t.cell(0, x + n * len(members) - 1)), g.parent)
        for m, member in enumerate(members):
            start = x + m * n
            _cell(t.cell(1, start).merge(t.cell(1, start + n - 1)), member.label)
            for k, res in enumerate(t4.results):
                _cell(t.cell(2, start + k), res.label)
        x += n * len(members)
        i += len(members)
    values = [v for g in t4.groups for v in report.table4.rows[g.key]]
    for k, value in enumerate(values):
        _cell(t.cell(3, k), str(value))
    doc.add_paragraph()


def render_docx(report: Report) -> bytes:
    """The report as .docx bytes, laid out like the published Word reports."""
    from docx import Document

    doc = Document()
    props = doc.core_properties
    props.title = title(report)
    props.author = report.agency or "disclosure"
    _para(doc, title(report), font=HEADING_FONT, size=22, center=True)
    if period(report):
        _para(doc, period(report))
    tables = {"table2": _table2, "table3": _table3, "table4": _table4}
    for sec in report.template.sections:
        _para(
            doc,
            section_heading(report, sec.number, sec.title),
            font=HEADING_FONT,
            size=16,
            indent=False,
        )
        if sec.table:
            tables[sec.table](doc, report)
        if sec.key in report.narrative:
            blocks = [b.strip() for b in report.narrative[sec.key].split("\n\n") if b.strip()]
            for block in blocks or [report.template.template.empty_section]:
                _para(doc, " ".join(block.splitlines()))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
