"""The Word renderer: registered through the hook, official tables, both formats."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import attrs
import docx
import pytest

from disclosure import AnnualReportJob, Engine
from disclosure.plugins import Plugins

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture(autouse=True)
def _all_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCLOSURE_LOAD_PLUGINS", raising=False)


def report(name: str, year: int):  # type: ignore[no-untyped-def]
    d = EXAMPLES / name
    job = AnnualReportJob(Engine(plugins=Plugins(entry_points=True, allow=["docx"])))
    built = job.build(
        year,
        case_files=[str(d / "cases.yaml")],
        agency_data=str(d / "agency.yaml"),
        narrative=str(d / "narrative.md"),
    )
    return job, built


def docx_text(data: bytes) -> str:
    """Paragraphs and tables as text; merged cells show once per grid position."""
    document = docx.Document(io.BytesIO(data))
    out = [p.text for p in document.paragraphs if p.text]
    for t in document.tables:
        out.append("--- table")
        for row in t.rows:
            out.append("\t".join(c.text for c in row.cells))
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(("name", "year"), [("agency-2024", 2024), ("agency-2020", 2020)])
def test_golden_docx(name: str, year: int) -> None:
    job, built = report(name, year)
    data = job.render(built, "docx")
    assert isinstance(data, bytes) and data[:2] == b"PK"
    text = docx_text(data)
    golden = GOLDEN / f"{name}.docx.txt"
    if os.environ.get("DISCLOSURE_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_table3_cells_are_merged_like_the_official_layout() -> None:
    job, built = report("agency-2024", 2024)
    document = docx.Document(io.BytesIO(job.render(built, "docx")))
    t3 = document.tables[4]  # four table-二 sub-tables come first
    header = t3.rows[0].cells
    assert header[0].text.startswith("（本列数据的勾稽关系为") and header[0] is not None
    assert header[0]._tc is t3.cell(2, 2)._tc  # caption spans 3 rows x 3 label columns
    assert t3.cell(0, 3).text == "申请人情况" and t3.cell(0, 3)._tc is t3.cell(0, 9)._tc
    assert t3.cell(1, 4).text == "法人或其他组织" and t3.cell(1, 4)._tc is t3.cell(1, 8)._tc
    first_result = 5  # rows 3, 4 are 一 and 二
    assert t3.cell(first_result, 0).text == "三、本年度办理结果"
    assert t3.cell(first_result, 0)._tc is t3.cell(first_result + 21, 0)._tc  # spans 22 rows
    total_row = next(r for r in t3.rows if r.cells[2].text == "（七）总计")
    assert [c.text for c in total_row.cells[3:]] == [str(v) for v in built.table3.rows["total"]]


def test_registered_through_the_hook_and_listed() -> None:
    engine = Engine()
    assert "docx" in engine.renderers() and engine.renderers()["docx"].binary
    out = subprocess.run(
        [sys.executable, "-m", "disclosure", "plugins", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = {p["name"] for p in json.loads(out.stdout)}
    assert {"disclosure.builtin", "docx"} <= names


def test_cli_writes_a_docx_file(tmp_path: Path) -> None:
    out = tmp_path / "r.docx"
    d = EXAMPLES / "zhangshu-2021"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "disclosure",
            "report",
            "annual",
            "--year",
            "2021",
            "--cases",
            str(d / "cases.yaml"),
            "--agency-data",
            str(d / "agency.yaml"),
            "--format",
            "docx",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "樟树市行政服务中心管委会2021年政府信息公开工作年度报告" in docx_text(out.read_bytes())
    stdout = subprocess.run(
        [
            sys.executable,
            "-m",
            "disclosure",
            "report",
            "annual",
            "--year",
            "2021",
            "--cases",
            str(d / "cases.yaml"),
            "--format",
            "docx",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert stdout.returncode == 2 and "write it with -o FILE" in stdout.stderr


def document_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml").decode("utf-8")


def test_fonts_come_from_the_template() -> None:
    """Body and headings use the first family of the template's font lists."""
    job, built = report("agency-2024", 2024)
    xml = document_xml(job.render(built, "docx"))
    assert 'w:eastAsia="FangSong"' in xml and 'w:eastAsia="SimHei"' in xml
    assert "仿宋_GB2312" not in xml and "黑体" not in xml
    meta = attrs.evolve(
        built.template.template,
        body_fonts="'Body Face', \"STFangsong\", serif",
        heading_fonts="Heading Face, sans-serif",
    )
    custom = attrs.evolve(built, template=attrs.evolve(built.template, template=meta))
    xml = document_xml(job.render(custom, "docx"))
    assert 'w:eastAsia="Body Face"' in xml and 'w:eastAsia="Heading Face"' in xml
    assert "FangSong" not in xml and "SimHei" not in xml


def test_generic_font_family_leaves_words_default() -> None:
    """``serif`` names no font Word knows: the run keeps the document's default."""
    job, built = report("agency-2024", 2024)
    meta = attrs.evolve(built.template.template, body_fonts="serif", heading_fonts="sans-serif")
    custom = attrs.evolve(built, template=attrs.evolve(built.template, template=meta))
    xml = document_xml(job.render(custom, "docx"))
    assert 'w:eastAsia="serif"' not in xml and 'w:eastAsia="sans-serif"' not in xml


def test_a_statistics_report_is_refused_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "foia.docx"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "disclosure",
            "report",
            "annual",
            "--ruleset",
            "us-foia",
            "--year",
            "2025",
            "--cases",
            str(EXAMPLES / "us-agency-2025" / "cases.yaml"),
            "--format",
            "docx",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "plugin 'docx'" in lines[0] and "TypeError" in lines[0]
    assert "national annual report" in lines[0] and "statistics report" in lines[0]
    assert "--format" in lines[0] and "AttributeError" not in lines[0]
