"""The Word document: python-docx (and lxml under it) drive every table.

Imported only when a document is rendered (see the package's ``__init__``).
"""

from __future__ import annotations

import functools
import io
import re
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

#: CSS generic families: no font of that name exists for Word to use.
_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}
_FAMILY = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|([^,]*))\s*(?:,|$)""")


def first_family(fonts: str) -> str | None:
    """The first named family of a CSS font list (the template's ``body_fonts``).

    Word takes one font per run and has no fallback list, so it gets the
    template's first choice; a generic family (``serif``) leaves Word's default.
    """
    for m in _FAMILY.finditer(fonts):
        name = next((g for g in m.groups() if g is not None), "").strip()
        if name:
            return None if name.lower() in _GENERIC else name
    return None


def _font(run: Any, name: str | None, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    if name is not None:
        run.font.name = name
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _para(
    doc: Any,
    text: str,
    *,
    font: str | None,
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


def _cell(cell: Any, text: str, *, font: str | None, center: bool = True) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    cell.text = ""
    p = cell.paragraphs[0]
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(text), font, 10.5)


def _table(doc: Any, rows: int, cols: int) -> Any:
    from docx.enum.table import WD_TABLE_ALIGNMENT

    table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    return table


def _table2(doc: Any, report: Report, body: str | None) -> None:
    cell = functools.partial(_cell, font=body)
    for sub in report.template.table2.subtables:
        width = 1 + len(sub.columns)
        t = _table(doc, 2 + len(sub.rows), width)
        cell(t.cell(0, 0).merge(t.cell(0, width - 1)), sub.title)
        cell(t.cell(1, 0), sub.header)
        for j, col in enumerate(sub.columns, 1):
            cell(t.cell(1, j), col.label)
        for i, row in enumerate(sub.rows, 2):
            cell(t.cell(i, 0), row.label, center=False)
            for j, col in enumerate(sub.columns, 1):
                cell(t.cell(i, j), format_figure(report.table2[row.key][col.key]))
        doc.add_paragraph()


def _table3(doc: Any, report: Report, body: str | None) -> None:
    cell = functools.partial(_cell, font=body)
    t3 = report.template.table3
    levels = label_levels(t3)
    cols = t3.columns
    data = [lr for lr in table3_rows(t3) if not lr.row.heading]
    t = _table(doc, 3 + len(data), levels + len(cols))
    cell(t.cell(0, 0).merge(t.cell(2, levels - 1)), t3.caption)
    cell(t.cell(0, levels).merge(t.cell(0, levels + len(cols) - 1)), t3.header)
    j = 0
    while j < len(cols):
        col = cols[j]
        x = levels + j
        if col.group is None:
            cell(t.cell(1, x).merge(t.cell(2, x)), col.label)
            j += 1
            continue
        span = 1
        while j + span < len(cols) and cols[j + span].group == col.group:
            span += 1
        cell(t.cell(1, x).merge(t.cell(1, x + span - 1)), col.group)
        for k in range(span):
            cell(t.cell(2, x + k), cols[j + k].label)
        j += span
    opened: set[str] = set()
    for i, lr in enumerate(data, 3):
        for depth, anc in enumerate(lr.ancestors):
            if anc.key not in opened:
                opened.add(anc.key)
                below = data_rows_under(t3, anc.key)
                cell(t.cell(i, depth).merge(t.cell(i + below - 1, depth)), anc.label, center=False)
        cell(t.cell(i, lr.depth).merge(t.cell(i, levels - 1)), lr.row.label, center=False)
        for k, value in enumerate(report.table3.rows[lr.row.key]):
            cell(t.cell(i, levels + k), str(value))
    doc.add_paragraph()


def _table4(doc: Any, report: Report, body: str | None) -> None:
    cell = functools.partial(_cell, font=body)
    t4 = report.template.table4
    n = len(t4.results)
    t = _table(doc, 4, n * len(t4.groups))
    x = 0
    i = 0
    groups = list(t4.groups)
    while i < len(groups):
        g = groups[i]
        if g.parent is None:
            cell(t.cell(0, x).merge(t.cell(0, x + n - 1)), g.label)
            for k, res in enumerate(t4.results):
                cell(t.cell(1, x + k).merge(t.cell(2, x + k)), res.label)
            x += n
            i += 1
            continue
        members = [g]
        while i + len(members) < len(groups) and groups[i + len(members)].parent == g.parent:
            members.append(groups[i + len(members)])
        cell(t.cell(0, x).merge(t.cell(0, x + n * len(members) - 1)), g.parent)
        for m, member in enumerate(members):
            start = x + m * n
            cell(t.cell(1, start).merge(t.cell(1, start + n - 1)), member.label)
            for k, res in enumerate(t4.results):
                cell(t.cell(2, start + k), res.label)
        x += n * len(members)
        i += len(members)
    values = [v for g in t4.groups for v in report.table4.rows[g.key]]
    for k, value in enumerate(values):
        cell(t.cell(3, k), str(value))
    doc.add_paragraph()


def refuse_other_kinds(report: object) -> None:
    """Raise TypeError unless ``report`` is a national annual report.

    The document lays out the national template's sections and tables; a
    statistics report (``--ruleset us-foia``) has neither, and would fail
    deep inside with an AttributeError that tells the user nothing.
    """
    if isinstance(report, Report):
        return
    from disclosure.reports.render import BUILTIN_RENDERERS

    kind = getattr(report, "format", None) or type(report).__name__
    *others, last = BUILTIN_RENDERERS
    raise TypeError(
        "the Word renderer writes the national annual report, not a statistics "
        f"report ({kind}); use --format {', '.join(others)} or {last} for it"
    )


def render_docx(report: Report) -> bytes:
    """The report as .docx bytes, laid out like the published Word reports."""
    refuse_other_kinds(report)
    from docx import Document

    meta = report.template.template
    body, heading = first_family(meta.body_fonts), first_family(meta.heading_fonts)
    doc = Document()
    props = doc.core_properties
    props.title = title(report)
    props.author = report.agency or "disclosure"
    _para(doc, title(report), font=heading, size=22, center=True)
    if period(report):
        _para(doc, period(report), font=body)
    tables = {"table2": _table2, "table3": _table3, "table4": _table4}
    for sec in report.template.sections:
        _para(
            doc,
            section_heading(report, sec.number, sec.title),
            font=heading,
            size=16,
            indent=False,
        )
        if sec.table:
            tables[sec.table](doc, report, body)
        if sec.key in report.narrative:
            blocks = [b.strip() for b in report.narrative[sec.key].split("\n\n") if b.strip()]
            for block in blocks or [meta.empty_section]:
                _para(doc, " ".join(block.splitlines()), font=body)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
