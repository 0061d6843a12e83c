"""The report's words: figures filled into the narrative, and section 六's fee paragraph.

Owns the placeholder table (``{{table3.new.total}}`` -> its figure), filling
``{{name}}`` placeholders with their line numbers in errors, and the fee
sentence built from the fee summary. How a figure is written is
:mod:`.figure`'s rule, shared with the renderers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from disclosure.errors import DocumentError, Problem, did_you_mean
from disclosure.reports.figure import format_figure
from disclosure.reports.inputs import AgencyData
from disclosure.reports.model import FeeSummary, Grid
from disclosure.reports.template import ReportTemplate

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")


def figures(report_values: Mapping[str, Any]) -> dict[str, str]:
    """Placeholder name -> text, for narratives."""
    return {k: format_figure(v) for k, v in report_values.items()}


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


def report_values(
    year: int, agency: AgencyData, t3: Grid, t4: Grid, fee: FeeSummary
) -> dict[str, Any]:
    """Placeholder name -> figure: the year, the agency, every table cell and the fees."""
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


def narrative_sections(
    template: ReportTemplate,
    narrative: Mapping[str, tuple[str, int]],
    values: Mapping[str, Any],
    source: str,
    fee: FeeSummary,
) -> dict[str, str]:
    """Each section's text: its narrative with figures filled in, and the fee paragraph.

    ``narrative`` is :func:`~disclosure.reports.inputs.read_narrative`'s result;
    ``source`` names its file in errors.
    """
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
        amount=format_figure(fee.amount), applications=fee.applications, by_method=methods
    )
