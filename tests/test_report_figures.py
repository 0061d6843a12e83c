"""Figures print as the agency gave them: no rounding, no exponent, in every format."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure import DocumentError
from disclosure.lifecycle.machine import Machine
from disclosure.reports.build import build_report
from disclosure.reports.figure import format_figure
from disclosure.reports.inputs import load_agency_data
from disclosure.reports.model import Report
from disclosure.reports.render import render
from disclosure.reports.template import ReportTemplate, load_template

NARRATIVE = {"overview": ("采购总金额{{table2.procurement.amount}}元。", 1)}


@pytest.fixture(scope="module")
def t2019(machine: Machine) -> ReportTemplate:
    return load_template("cn-annual-2019", machine.ruleset)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def report_with(amount: str, template: ReportTemplate, machine: Machine, where: Path) -> Report:
    """A 2020 report with no cases whose procurement amount is written as ``amount``."""
    path = where / "agency.yaml"
    path.write_text(
        f"agency: 示例局\ntable2:\n  procurement: {{projects: 1, amount: {amount}}}\n",
        encoding="utf-8",
    )
    agency = load_agency_data(path, template)
    return build_report([], 2020, template, machine, agency=agency, narrative=NARRATIVE)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12345.67, "12345.67"),
        (1234567.5, "1234567.5"),
        (386.5, "386.5"),
        (1e20, "100000000000000000000"),
        (0.00001, "0.00001"),
        (12.0, "12"),
        (-0.0, "0"),
        (16233, "16233"),
        (Decimal("1234567.50"), "1234567.5"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.0000001"), "0.0000001"),
        (Decimal("123456789012345678901234567890.5"), "123456789012345678901234567890.5"),
    ],
)
def test_a_figure_prints_its_digits_without_exponent(value: object, text: str) -> None:
    assert format_figure(value) == text


def test_every_format_prints_the_amount_as_given(t2019, machine, scratch) -> None:  # type: ignore[no-untyped-def]
    report = report_with("12345.67", t2019, machine, scratch)
    assert "采购总金额12345.67元" in report.narrative["overview"]
    for fmt in ("text", "markdown", "html", "csv", "json"):
        out = render(report, fmt)
        assert isinstance(out, str)
        assert "12345.67" in out, fmt
        assert "12345.7" not in out.replace("12345.67", ""), fmt


_AMOUNTS = st.builds(
    lambda digits, places: Decimal(digits).scaleb(-places),
    st.integers(min_value=0, max_value=10**13),
    st.integers(min_value=0, max_value=4),
)


@settings(max_examples=60, deadline=None)
@given(amount=_AMOUNTS)
def test_every_format_prints_the_json_figure(t2019, machine, scratch, amount: Decimal) -> None:  # type: ignore[no-untyped-def]
    """Text, Markdown, CSV and HTML print the amount exactly as JSON holds it."""
    written = f"{amount:f}"
    report = report_with(written, t2019, machine, scratch)
    data = json.loads(render(report, "json"), parse_float=str, parse_int=str)
    figure = data["table2"]["procurement"]["amount"]
    figure = figure.removesuffix(".0")
    assert "e" not in figure.lower() and Decimal(figure) == amount
    assert f"采购总金额{figure}元" in report.narrative["overview"]
    text = render(report, "text")
    assert isinstance(text, str)
    line = next(x for x in text.splitlines() if x.startswith("政府集中采购"))
    assert line.split()[-1] == figure
    markdown = render(report, "markdown")
    assert isinstance(markdown, str)
    assert re.search(rf"\| 政府集中采购 \| 1 \| {re.escape(figure)} \|", markdown)
    html = render(report, "html")
    assert isinstance(html, str)
    assert f'<td class="num">{figure}</td>' in html
    rows = csv.DictReader(io.StringIO(str(render(report, "csv"))))
    cell = next(r for r in rows if r["row"] == "procurement" and r["column"] == "amount")
    assert cell["value"] == figure


def test_a_figure_with_more_digits_than_kept_is_refused(t2019, machine, scratch) -> None:  # type: ignore[no-untyped-def]
    """A float keeps about 16 digits; a longer figure would print rounded."""
    with pytest.raises(DocumentError) as exc:
        report_with("12345678901234567.89", t2019, machine, scratch)
    problem = exc.value.problems[0]
    assert problem.path == "table2.procurement.amount"
    assert problem.line == 3
    assert "12345678901234567.89" in problem.message
    assert "significant digits" in problem.message


def test_layout_number_is_the_same_rule() -> None:
    """Renderers outside the core import ``layout.number``; it must not round either."""
    from disclosure.reports.render.layout import number

    assert number is format_figure
