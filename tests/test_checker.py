"""The checker: the seed report, our own reports in every form, planted errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from disclosure import AnnualReportJob
from disclosure.cli import cli
from disclosure.reports.checker import MAX_LINES, MAX_TOKENS, check_file, check_text
from disclosure.reports.checker.sources import Unreadable, html_to_text
from disclosure.reports.checker.split import split_groups
from disclosure.reports.checker.tokens import BLANK, blank_cells
from disclosure.reports.render import render

SEED = ROOT.parent / "shared" / "seed" / "zhangshu-admin-service-center-2021-annual-report.txt"
YEARS = [("agency-2024", 2024), ("agency-2020", 2020), ("zhangshu-2021", 2021)]


@pytest.fixture(scope="module")
def reports():  # type: ignore[no-untyped-def]
    import os

    os.environ["DISCLOSURE_LOAD_PLUGINS"] = ""
    job = AnnualReportJob()
    out = {}
    for name, year in YEARS:
        d = EXAMPLES / name
        out[name] = job.build(
            year,
            case_files=[str(d / "cases.yaml")],
            agency_data=str(d / "agency.yaml"),
            narrative=str(d / "narrative.md"),
        )
    return out


def same_tables(checked, report) -> bool:  # type: ignore[no-untyped-def]
    t3 = {k: list(v) for k, v in report.table3.rows.items()}
    t4 = {
        k: dict(zip(report.table4.columns, v, strict=True)) for k, v in report.table4.rows.items()
    }
    return (
        checked.tables["table3"]["rows"] == t3
        and checked.tables["table4"] == t4
        and checked.tables["table2"] == report.table2
    )


def glue(text: str) -> str:
    """Run each table row's digits together, as web pages copied to text do."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^(\s*\S.*?[^\d\s])\s+((?:\d+\s+){4,}\d+)\s*$", line)
        out.append(m.group(1) + " " + re.sub(r"\s+", "", m.group(2)) if m else line)
    return "\n".join(out)


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed report is not beside the repo")
def test_seed_report_gives_exactly_its_two_contradictions() -> None:
    checked = check_file(SEED)
    assert (checked.agency, checked.year, checked.format) == (
        "樟树市行政服务中心管委会",
        2021,
        "cn-annual-2021",
    )
    assert [(f.rule, f.line) for f in checked.errors] == [("TXT-7", 8), ("TXT-1", 10)]
    assert "35" in checked.errors[0].message and "0 + 0 + 0 + 0 = 0" in checked.errors[0].message
    assert checked.errors[1].numbers == (1.0, 0.0) and checked.errors[1].row == "new"
    assert checked.tables["table3"]["rows"]["new"] == [0] * 7
    assert len(checked.tables["table3"]["rows"]) == 25
    assert not any(f.rule.startswith(("RC", "TC", "READ")) for f in checked.findings)


@pytest.mark.parametrize(("name", "_year"), YEARS)
@pytest.mark.parametrize("form", ["text", "markdown", "html", "flattened", "glued"])
def test_our_reports_in_every_form_read_back_clean(reports, name, _year, form) -> None:
    report = reports[name]
    if form == "html":
        text = html_to_text(render(report, "html"))
    elif form in ("flattened", "glued"):
        text = "\n".join(re.sub(r"\s+", " ", line) for line in render(report, "text").splitlines())
        text = glue(text) if form == "glued" else text
    else:
        text = str(render(report, form))
    checked = check_text(text, f"{name}.{form}")
    assert checked.findings == ()
    assert same_tables(checked, report)


def test_docx_input(reports, tmp_path: Path) -> None:
    pytest.importorskip("docx")
    docx_plugin = pytest.importorskip("disclosure_docx")
    f = tmp_path / "r.docx"
    f.write_bytes(docx_plugin.render_docx(reports["agency-2024"]))
    checked = check_file(f)
    assert checked.findings == () and same_tables(checked, reports["agency-2024"])


def test_web_page_html_file(reports, tmp_path: Path) -> None:
    f = tmp_path / "page.html"
    f.write_text(render(reports["zhangshu-2021"], "html"), encoding="utf-8")
    checked = check_file(f)
    assert checked.year == 2021 and checked.findings == ()


def test_typos_traditional_characters_full_width_digits_and_dashes(reports) -> None:
    text = render(reports["zhangshu-2021"], "text")
    text = text.replace("三、收到和处理政府信息公开申请情况", "三、收到和處理政府信息公開申請情況")
    text = text.replace("1.属于国家秘密", "1．屬於国家秘蜜")
    text = text.replace("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申請数量")
    lines = text.splitlines()
    lines = [re.sub(r"(?<=\s)0(?=\s|$)", "/", ln) if "重复申请" in ln else ln for ln in lines]
    text = "\n".join(lines).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    checked = check_text(text, "variants")
    assert checked.errors == ()
    assert same_tables(checked, reports["zhangshu-2021"])


def test_planted_table_error_is_found_with_rule_and_location(reports) -> None:
    text = render(reports["agency-2024"], "text")
    row = reports["agency-2024"].table3.rows["new"]
    lines = text.splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.startswith("一、本年新收"))
    lines[n] = lines[n].replace(f" {row[0]} ", f" {row[0] + 1} ", 1)
    checked = check_text("\n".join(lines), "planted")
    rules = {(f.rule, f.column or f.row) for f in checked.errors}
    assert ("RC-1", "natural_person") in rules and ("RC-3", "new") in rules
    assert all(f.line == n + 1 for f in checked.errors if f.rule == "RC-3")
    rc1 = next(f for f in checked.errors if f.rule == "RC-1")
    assert rc1.numbers == (
        row[0] + 1 + reports["agency-2024"].table3.rows["carried_in"][0],
        row[0] + reports["agency-2024"].table3.rows["carried_in"][0],
    )


def test_planted_text_error_and_table4_error(reports) -> None:
    report = reports["agency-2024"]
    text = render(report, "text")
    new = report.table3.value("new", "total")
    text = text.replace(f"全年新收政府信息公开申请{new}件", f"全年新收政府信息公开申请{new + 5}件")
    review = report.table4.rows["review"]
    text = text.replace("行政复议" + "  " + "  ".join(f"{v:>8}" for v in review), "x")
    lines = text.splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.startswith("行政复议"))
    lines[n] = re.sub(r"\d+\s*$", str(review[-1] + 1), lines[n])
    checked = check_text("\n".join(lines), "planted")
    found = {f.rule: f for f in checked.errors}
    assert found["TXT-1"].numbers == (new + 5, new)
    assert found["TC-1"].row == "review" and found["TC-1"].table == "table4"


def test_missing_row_makes_the_table_unreadable_not_passing(reports) -> None:
    text = "\n".join(
        ln
        for ln in render(reports["agency-2024"], "text").splitlines()
        if "属于行政执法案卷" not in ln
    )
    checked = check_text(text, "missing")
    read3 = [f for f in checked.errors if f.rule == "READ-3"]
    assert read3 and read3[0].row == "withheld.enforcement_file"
    assert not any(f.rule in ("RC-1", "RC-2", "RC-3") for f in checked.findings)


def test_ambiguous_glued_cells_are_reported_not_guessed() -> None:
    assert split_groups("101000011", 1, 7).readings == (
        (1, 0, 10, 0, 0, 0, 11),
        (10, 1, 0, 0, 0, 0, 11),
    )
    zeros = "0000000"
    rows = {
        "一、本年新收政府信息公开申请数量": "101000011",
        "（一）予以公开": "101000011",
        "（七）总计": "101000011",
    }
    lines = ["樟树市测试局2022年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况"]
    template_rows = [
        "一、本年新收政府信息公开申请数量",
        "二、上年结转政府信息公开申请数量",
        "（一）予以公开",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "1.属于国家秘密",
        "2.其他法律行政法规禁止公开",
        "3.危及“三安全一稳定”",
        "4.保护第三方合法权益",
        "5.属于三类内部事务信息",
        "6.属于四类过程性信息",
        "7.属于行政执法案卷",
        "8.属于行政查询事项",
        "1.本机关不掌握相关政府信息",
        "2.没有现成信息需要另行制作",
        "3.补正后申请内容仍不明确",
        "1.信访举报投诉类申请",
        "2.重复申请",
        "3.要求提供公开出版物",
        "4.无正当理由大量反复申请",
        "5.要求行政机关确认或重新出具已获取信息",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "3.其他",
        "（七）总计",
        "四、结转下年度继续办理",
    ]
    for label in template_rows:
        lines.append(f"{label} {rows.get(label, zeros)}")
    checked = check_text("\n".join(lines), "ambiguous")
    assert any(f.rule == "READ-2" for f in checked.errors)
    assert not any(f.rule.startswith("RC") for f in checked.findings)
    # the same digits become unambiguous when another row pins the split down
    lines[lines.index("二、上年结转政府信息公开申请数量 0000000")] = (
        "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0"
    )
    lines[lines.index("四、结转下年度继续办理 0000000")] = "四、结转下年度继续办理 0 0 0 0 0 0 0"
    lines[lines.index("（一）予以公开 101000011")] = "（一）予以公开 10 1 0 0 0 0 11"
    checked = check_text("\n".join(lines), "resolved")
    assert checked.tables["table3"]["rows"]["new"] == [10, 1, 0, 0, 0, 0, 11]
    assert not any(f.rule.startswith("READ") and f.table == "table3" for f in checked.findings)


def test_wrong_format_for_the_year_and_period_mismatch(reports) -> None:
    text = render(reports["agency-2020"], "text").replace("2020年", "2022年")
    checked = check_text(text, "old-format")
    assert checked.format == "cn-annual-2019"
    assert any(f.rule == "FMT-1" for f in checked.errors)
    text = render(reports["zhangshu-2021"], "text")
    text = text.replace(
        "统计期限自2021年1月1日起至2021年12月31日止", "统计期限自2020年1月1日起至2020年12月31日止"
    )
    assert [f.rule for f in check_text(text, "period").errors] == ["STR-1"]


def test_heading_problems_are_warnings(reports) -> None:
    text = render(reports["zhangshu-2021"], "text")
    text = text.replace("五、存在的主要问题及改进情况", "存在的主要问题及改进情况")
    text = text.replace("六、其他需要报告的事项", "")
    checked = check_text(text, "headings")
    assert checked.errors == ()
    assert {f.rule for f in checked.warnings} == {"STR-3", "STR-4"}


def test_cross_year_check_with_previous(reports) -> None:
    last = json.loads(render(reports["agency-2020"], "json"))
    checked = check_text(render(reports["zhangshu-2021"], "text"), "x", previous=last)
    rc7 = [f for f in checked.warnings if f.rule == "RC-7"]
    assert rc7 and rc7[0].table == "table3"


def test_cli_report_check(tmp_path: Path, reports) -> None:
    good = tmp_path / "good.txt"
    good.write_text(render(reports["zhangshu-2021"], "text"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "check", str(good)])
    assert result.exit_code == 0 and "樟树市行政服务中心管委会" in result.stdout
    bad = tmp_path / "dir" / "bad.txt"
    bad.parent.mkdir()
    bad.write_text(
        render(reports["zhangshu-2021"], "text").replace(
            "全年收到政府信息公开申请1件", "全年收到政府信息公开申请3件"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["report", "check", str(good), str(bad.parent), "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [r["errors"] for r in doc["reports"]] == [0, 1]
    assert doc["reports"][1]["findings"][0]["rule"] == "TXT-1"
    assert doc["reports"][0]["table3"]["rows"]["new"] == [1, 0, 0, 0, 0, 0, 1]
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip")
    result = CliRunner().invoke(cli, ["report", "check", str(broken)])
    assert result.exit_code == 2 and "unreadable" in result.stdout
    result = CliRunner().invoke(cli, ["report", "check", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2


def test_a_file_that_cannot_be_read_is_unreadable_naming_it(tmp_path: Path) -> None:
    """The checker's one error for what it cannot read, with the path, as api.md says."""
    from disclosure.documents.source import ReadError, read_limited

    missing = tmp_path / "nope.html"
    with pytest.raises(Unreadable) as raised:
        check_file(missing)
    assert str(raised.value) == f"{missing}: file not found"
    assert raised.value.source == str(missing) and raised.value.reason == "file not found"
    with pytest.raises(Unreadable, match=f"^{re.escape(str(tmp_path))}: is a directory"):
        check_file(tmp_path)
    # what the reader of any user file raises names the file too
    with pytest.raises(ReadError) as read:
        read_limited(missing)
    assert str(read.value) == f"{missing}: file not found" and read.value.reason == "file not found"
    # the command: exit 2, the reason once in the file's row, no traceback
    result = CliRunner().invoke(cli, ["report", "check", str(missing), "--json"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert json.loads(result.stdout)["unreadable"] == [
        {"source": str(missing), "reason": "file not found"}
    ]
    result = CliRunner().invoke(cli, ["report", "check", "--previous", str(missing), str(missing)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {missing}: cannot read: file not found\n"


def test_a_docx_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    import zipfile

    bomb = tmp_path / "bomb.docx"
    block = b"\0" * (1024 * 1024)
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(101):
            member.write(block)
    assert bomb.stat().st_size < 1024 * 1024  # under the 10 MiB file cap
    result = CliRunner().invoke(cli, ["report", "check", str(bomb)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "zip bomb" in " ".join(result.stdout.split())


@pytest.mark.parametrize(
    ("block", "count", "why"),
    [
        ("<w:p><w:r><w:t>申请1</w:t></w:r></w:p>", 100_001, "lines"),  # many paragraphs
        ("<w:r><w:t>1</w:t></w:r>", 500_001, "XML elements"),  # one paragraph of many runs
    ],
)
def test_a_small_docx_holding_a_huge_document_is_refused_as_it_is_read(
    tmp_path: Path, block: str, count: int, why: str
) -> None:
    import io
    import zipfile

    import docx

    made = io.BytesIO()
    docx.Document().save(made)
    padded = tmp_path / "padded.docx"
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                body = block * count
                if why == "XML elements":
                    body = f"<w:p>{body}</w:p>"
                data = data.replace(b"<w:body>", b"<w:body>" + body.encode(), 1)
            out.writestr(info.filename, data)
    assert padded.stat().st_size < 1024 * 1024  # a small file, well under every cap
    result = CliRunner().invoke(cli, ["report", "check", str(padded)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert why in " ".join(result.stdout.split())


def one_page_pdf(content: bytes) -> bytes:
    """A minimal PDF of one page whose content stream (deflated) is ``content``."""
    import zlib

    data = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )


def test_a_small_pdf_whose_page_inflates_to_megabytes_is_refused(tmp_path: Path) -> None:
    pdf = tmp_path / "inflating.pdf"
    pdf.write_bytes(one_page_pdf(b"BT /F1 12 Tf 72 712 Td (1) Tj ET\n" * 100_000))  # 3.3 MB
    assert pdf.stat().st_size < 100_000
    result = CliRunner().invoke(cli, ["report", "check", str(pdf)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    with pytest.raises(Unreadable, match="drawing instructions"):
        check_file(pdf)
    small = tmp_path / "small.pdf"  # the same page, of a size real pages have: read
    small.write_bytes(
        one_page_pdf(b"BT /F1 12 Tf 72 712 Td " + b"(a line) Tj 0 -14 Td " * 40 + b"ET")
    )
    with pytest.raises(Unreadable, match="not an annual report"):  # read, and found no report
        check_file(small)


# -- real forms: one-line web pages, glued numbering, stray spaces ----------------------


def one_line(text: str) -> str:
    """A web page copied to text: every space and line break gone, all on one line."""
    return "".join(text.split())


@pytest.mark.parametrize(("name", "_year"), YEARS)
def test_a_whole_page_on_one_line_with_glued_cells_reads_back(reports, name, _year) -> None:
    report = reports[name]
    text = one_line(str(render(report, "text")))
    assert "\n" not in text and re.search(r"\d{7,}\d\.", text)  # numbering glued to cells
    checked = check_text(text, "one-line")
    assert checked.errors == ()
    assert checked.tables["table3"]["rows"] == {k: list(v) for k, v in report.table3.rows.items()}
    assert checked.tables["table4"] == {
        k: dict(zip(report.table4.columns, v, strict=True)) for k, v in report.table4.rows.items()
    }
    assert not any(f.rule == "STR-3" for f in checked.findings)


def test_the_issue_row_and_a_stray_space_are_read(reports) -> None:
    text = str(render(reports["agency-2024"], "text"))
    row = reports["agency-2024"].table3.rows["new"]
    lines = text.splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.startswith("一、本年新收"))
    digits = "".join(str(v) for v in row)
    lines[n] = f"一、本年新收政府信息公开申请数量{digits[:-1]} {digits[-1]}"  # a stray space
    checked = check_text("\n".join(lines), "stray")
    assert checked.tables["table3"]["rows"]["new"] == list(row)
    assert checked.errors == ()


def test_a_real_contradiction_on_a_one_line_page_is_quoted(reports) -> None:
    report = reports["agency-2024"]
    text = one_line(str(render(report, "text")))
    review = report.table4.rows["review"]
    glued = "".join(str(v) for v in review)
    wrong = "".join(str(v) for v in (*review[:-1], review[-1] + 1))
    assert glued in text
    checked = check_text(text.replace(glued, wrong, 1), "one-line-bad")
    rules = {f.rule for f in checked.errors}
    assert rules & {"TC-1", "READ-1", "READ-2"}, checked.errors
    assert all(f.line == 1 for f in checked.errors if f.line is not None)


# -- the splitter --------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from disclosure.reports.checker.split import Budget  # noqa: E402

counts = st.integers(min_value=0, max_value=400)


@settings(max_examples=150, deadline=None)
@given(st.lists(counts, min_size=6, max_size=6))
def test_a_glued_row_splits_back_to_a_reading_that_includes_it(cells: list[int]) -> None:
    row = (*cells, sum(cells))
    found = split_groups("".join(map(str, row)), 1, 7)
    assert row in found.readings or not found.complete
    assert all(sum(r[:-1]) == r[-1] for r in found.readings)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(counts, min_size=4, max_size=4), min_size=3, max_size=3))
def test_table4_glued_into_one_run_splits_back(groups: list[list[int]]) -> None:
    cells = tuple(v for g in groups for v in (*g, sum(g)))
    found = split_groups("".join(map(str, cells)), 3, 5)
    assert cells in found.readings or not found.complete


def test_ambiguity_is_reported_with_the_readings_not_guessed(reports) -> None:
    text = str(render(reports["zhangshu-2021"], "text"))
    lines = text.splitlines()
    # 72 64 178 37 351 | 13 4 8 1 26 | 12 1 1 6 20 glued: three cuts fit every group total
    k = next(i for i, ln in enumerate(lines) if ln.startswith("行政复议"))
    lines = [*lines[:k], "行政复议 行政诉讼", "72641783735113481261211620", *lines[k + 3 :]]
    checked = check_text("\n".join(lines), "ambiguous-t4")
    read2 = [f for f in checked.errors if f.rule == "READ-2" and f.table == "table4"]
    assert read2 and "(12, 1, 1, 6, 20)" in " ".join(f.message for f in read2)
    assert "(1, 2, 11, 6, 20)" in " ".join(f.message for f in read2)
    assert not any(f.rule == "TC-1" for f in checked.findings)


def test_a_line_of_60_digits_is_cut_within_the_budget() -> None:
    import time

    t0 = time.process_time()
    found = split_groups("1" * 60, 1, 7, Budget())
    assert not found.complete  # refused, not searched to the end
    text = "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 " + "7" * 60
    checked = check_text(text, "long")
    assert any(f.rule.startswith("READ") for f in checked.errors)
    assert time.process_time() - t0 < 30  # generous: the old search took 148 s


# -- hostile input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1\n" * (MAX_LINES + 1), "line breaks"),  # refused before any line is read
        ("\r" * (MAX_LINES + 1), "line breaks"),
        ("1 " * (MAX_TOKENS + 1), "figures and pieces of text"),  # on one line
        ("申请\n" * (MAX_TOKENS + 1), "figures and pieces of text"),
        ("<table>" + "<tr><td>1</td></tr>" * 100_000 + "</table>", "pieces of markup"),
    ],
)
def test_a_text_larger_than_any_report_is_refused(tmp_path: Path, text: str, why: str) -> None:
    if not text.startswith("<"):  # (a page is read as HTML from a file)
        with pytest.raises(Unreadable, match=why):
            check_text(text, "big.txt")
    f = tmp_path / ("big.html" if text.startswith("<") else "big.txt")
    f.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "check", str(f)])
    assert result.exit_code == 2 and "unreadable" in result.stdout


def test_a_text_with_nothing_of_a_report_is_refused_but_a_report_missing_tables_is_checked(
    reports, tmp_path: Path
) -> None:
    shopping = tmp_path / "shopping.txt"
    shopping.write_text("Shopping list\n\n- milk\n- eggs 12\n- bread\n", "utf-8")
    for f in (shopping, ROOT / "README.md"):
        result = CliRunner().invoke(cli, ["report", "check", str(f)])
        assert result.exit_code == 2, result.output
        assert "not an annual report" in result.stdout and "READ-1" not in result.stdout
    # a report whose tables were lost (pictures, say) is still checked: READ errors
    text = render(reports["agency-2024"], "text")
    kept = text[: text.index("二、主动公开政府信息情况")]  # the title and section 一 only
    checked = check_text(kept, "no-tables.txt")
    assert checked.year == 2024 and {"READ-1"} <= {f.rule for f in checked.errors}


def test_a_windows_line_break_counts_once_against_the_bound() -> None:
    text = "x" + "\r\n" * (MAX_LINES * 3 // 4)  # more \r plus \n than the bound, fewer lines
    with pytest.raises(Unreadable, match="not an annual report"):  # read, not refused as too long
        check_text(text, "crlf.txt")


def test_a_long_run_of_blank_lines_is_a_break_not_empty_cells() -> None:
    table = "\r\r\r\r\r".join("\r\r\r".join(["x", "1", "2"]) for _ in range(25))
    for extra, cells in ((30, 30), (31, 0)):  # a row gap and that many cell gaps
        gap = "\r" * (5 + 3 * extra)
        lines = (table + "\r\r\r\r\rlabel" + gap + "1\r\r\r\r\r" + table).split("\r")
        at = lines.index("label") + 1
        assert len(blank_cells(lines).get(at + 5 + 3 * extra, ())) == cells


def test_a_zip_named_docx_without_content_types_is_unreadable(tmp_path: Path) -> None:
    import zipfile

    f = tmp_path / "fake.docx"
    with zipfile.ZipFile(f, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    result = CliRunner().invoke(cli, ["report", "check", str(f)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "Content_Types" in " ".join(result.stdout.split())


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_our_own_csv_or_json_output_is_not_an_annual_report(
    reports, tmp_path: Path, fmt: str
) -> None:
    f = tmp_path / f"report.{fmt}"
    f.write_text(str(render(reports["agency-2024"], fmt)), encoding="utf-8")
    with pytest.raises(ValueError, match="not an annual report"):
        check_file(f)
    txt = tmp_path / "report-as.txt"
    txt.write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "check", str(txt)])
    assert result.exit_code == 2


def test_a_markdown_title_does_not_become_the_agency_name(reports) -> None:
    text = "# " + str(render(reports["zhangshu-2021"], "markdown")).lstrip("# ")
    checked = check_text(text, "md")
    assert checked.agency == "樟树市行政服务中心管委会"


def test_a_pdf_without_a_text_layer_is_unreadable(tmp_path: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    f = tmp_path / "scan.pdf"
    with f.open("wb") as out:
        writer.write(out)
    with pytest.raises(ValueError, match="no text layer; OCR is not supported"):
        check_file(f)
    result = CliRunner().invoke(cli, ["report", "check", str(f)])
    assert result.exit_code == 2


def test_html_empty_cells_are_zeros_not_dropped() -> None:
    html = (
        "<p>三、收到和处理政府信息公开申请情况</p><table>"
        "<tr><td>一、本年新收政府信息公开申请数量</td><td>5</td><td></td><td>&nbsp;</td>"
        "<td></td><td>2</td><td></td><td>7</td></tr></table>"
    )
    text = html_to_text(html)
    checked = check_text(text, "html")
    assert checked.tables["table3"]["rows"]["new"] == [5, 0, 0, 0, 2, 0, 7]


def cell_per_line(text: str, blank: list[bool]) -> str:
    """A report as some portals publish it: every cell on a line of its own, two
    empty lines between cells and four between rows, an empty cell an empty line.

    ``blank`` says, zero by zero in turn, which zeros are printed as empty cells.
    """
    turn = iter(blank * len(text))
    rows = []
    for line in text.splitlines():
        cells = ["" if c == BLANK or (c == "0" and next(turn)) else c for c in line.split("\t")]
        rows.append("\r\r\r".join(cells))
    return "\r\r\r\r\r".join(rows)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=40))
def test_cells_on_lines_of_their_own_keep_their_empty_cells(reports, blank: list[bool]) -> None:
    report = reports["agency-2024"]
    text = cell_per_line(html_to_text(render(report, "html")), blank)
    checked = check_text(text, "cells.txt")
    assert not checked.errors, [f.message for f in checked.errors]
    assert same_tables(checked, report)


def test_blank_lines_are_cells_only_where_the_text_has_that_layout() -> None:
    assert blank_cells(["a", "", "b", "", "", "", "7"]) == {}  # no cell rhythm: no empty cells
    table = "\r\r\r\r\r".join("\r\r\r".join(["x", "1", "2"]) for _ in range(25))
    lines = (table + "\r\r\r\r\r" + "label" + "\r" * 11 + "1\r\r\r2\r\r\r\r\r" + table).split("\r")
    at = lines.index("label") + 1  # lines count from 1
    # a row gap (5) plus two cell gaps (3): two empty cells after the label, each on its line
    assert blank_cells(lines) == {at + 11: range(at + 3, at + 7, 3)}


def test_a_table_of_empty_cells_is_read_as_blank_not_as_figures(reports) -> None:
    html = re.sub(
        r"(<td[^>]*>)\s*[\d.]+\s*(</td>)", r"\1\2", render(reports["agency-2024"], "html")
    )
    checked = check_text(html_to_text(html), "blank.html")
    assert all(v == [0] * 7 for v in checked.tables["table3"]["rows"].values())
    assert sorted(f.table for f in checked.findings if f.rule == "READ-5") == ["table3", "table4"]


def test_an_empty_file_is_unreadable_for_being_empty(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from disclosure.cli import cli

    f = tmp_path / "empty.txt"
    f.write_text("\n\n  \n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "check", str(f), "--json"])
    assert result.exit_code == 2
    assert "the file holds no text" in result.stdout
