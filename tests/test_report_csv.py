"""The CSV report labels its cells the template's way, as the Markdown report does."""

from __future__ import annotations

import csv
import io

import attrs
import pytest

from conftest import EXAMPLES
from disclosure.annual import AnnualReportJob
from disclosure.reports.model import Report
from disclosure.reports.render import render


@pytest.fixture(scope="module")
def report() -> Report:
    d = EXAMPLES / "agency-2024"
    return AnnualReportJob().build(
        2024, case_files=[str(d / "cases.yaml")], agency_data=str(d / "agency.yaml")
    )


def rows(report: Report) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(str(render(report, "csv")))))


def label(lines: list[dict[str, str]], table: str, row: str, column: str, which: str) -> str:
    return next(r for r in lines if (r["table"], r["row"], r["column"]) == (table, row, column))[
        which
    ]


def test_labels_join_as_the_markdown_report_does(report: Report) -> None:
    lines = rows(report)
    markdown = str(render(report, "markdown"))
    table4 = label(lines, "table4", "lawsuit_direct", "total", "row_label")
    assert table4 == "行政诉讼：未经复议直接起诉" and f"| {table4} |" in markdown
    column = label(lines, "table3", "new", "commercial_enterprise", "column_label")
    assert column == "法人或其他组织：商业企业" and f"| {column} |" in markdown
    assert (
        label(lines, "table2", "fees", "amount", "row_label")
        == "第二十条第（八）项：行政事业性收费"
    )


def test_table3_row_labels_name_their_headings(report: Report) -> None:
    lines = [r for r in rows(report) if r["table"] == "table3" and r["column"] == "total"]
    by_row = {r["row"]: r["row_label"] for r in lines}
    assert by_row["other.other"] == "三、本年度办理结果：（六）其他处理：3.其他"
    assert by_row["withheld.state_secret"] == "三、本年度办理结果：（三）不予公开：1.属于国家秘密"
    assert by_row["new"] == "一、本年新收政府信息公开申请数量"
    assert len(set(by_row.values())) == len(by_row), "a row label names two rows"


def test_the_join_is_the_templates(report: Report) -> None:
    meta = attrs.evolve(report.template.template, label_join=" / ")
    other = attrs.evolve(report, template=attrs.evolve(report.template, template=meta))
    lines = rows(other)
    assert label(lines, "table4", "lawsuit_direct", "total", "row_label") == (
        "行政诉讼 / 未经复议直接起诉"
    )
    assert label(lines, "table3", "new", "other_org", "column_label") == "法人或其他组织 / 其他"
