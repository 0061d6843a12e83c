"""Auditing many reports at once: ``report check ... --summary`` and ``reports.audit``.

The inputs are reports the project generates itself (text and HTML, two
agencies), one with a planted contradiction and markup in its agency name, a
binary file, and a ``.docx`` that makes the checker raise; they are checked
in two worker processes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from disclosure.cli import cli
from disclosure.reports import audit
from disclosure.reports.audit_html import summary_html
from disclosure.reports.checker import CheckedReport, CheckFinding, check_file

MARKUP = "<b>x</b><script>alert(1)</script>"
CLEAN = ["agency-2024.html", "agency-2024.txt", "zhangshu-2021.html", "zhangshu-2021.txt"]


def _annual(name: str, year: int, fmt: str, out: Path) -> None:
    d = EXAMPLES / name
    args = ["report", "annual", "--year", str(year), "--cases", str(d / "cases.yaml")]
    args += ["--agency-data", str(d / "agency.yaml"), "--narrative", str(d / "narrative.md")]
    result = CliRunner().invoke(cli, [*args, "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of mixed inputs, as a supervising office would collect them."""
    os.environ["DISCLOSURE_LOAD_PLUGINS"] = ""
    folder = tmp_path_factory.mktemp("reports")
    for name, year in (("agency-2024", 2024), ("zhangshu-2021", 2021)):
        _annual(name, year, "text", folder / f"{name}.txt")
        _annual(name, year, "html", folder / f"{name}.html")
    # a contradiction (RC-1, RC-3 in row 'new') and markup in the agency's name
    text = (folder / "agency-2024.txt").read_text(encoding="utf-8")
    lines = text.replace("示例市市场监督管理局", f"示例市{MARKUP}局", 1).splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.startswith("一、本年新收"))
    lines[n] = re.sub(r"(\s)(\d+)(\s)", lambda m: f"{m[1]}{int(m[2]) + 1}{m[3]}", lines[n], count=1)
    (folder / "sub").mkdir()
    (folder / "sub" / "planted.txt").write_text("\n".join(lines), encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    with zipfile.ZipFile(folder / "raises.docx", "w") as archive:  # no [Content_Types].xml
        archive.writestr("word/document.xml", "<w:document/>")
    (folder / "notes.csv").write_text("not a report\n", encoding="utf-8")  # not walked
    return folder


def _rows(text: str) -> dict[str, dict[str, str]]:
    return {Path(r["file"]).name: r for r in csv.DictReader(io.StringIO(text))}


def test_summary_csv_and_json_one_row_per_report(reports: Path, tmp_path: Path) -> None:
    out = tmp_path / "summary.csv"
    result = CliRunner().invoke(
        cli, ["report", "check", str(reports), "--jobs", "2", "--summary", str(out)]
    )
    assert result.exit_code == 2, result.output  # unreadable files outrank errors
    assert "Traceback" not in result.output and result.stderr == ""  # no bar when piped
    assert "7 reports checked: 4 clean" in result.stdout and "2 unreadable" in result.stdout
    rows = _rows(out.read_text(encoding="utf-8"))
    assert sorted(rows) == sorted([*CLEAN, "planted.txt", "binary.txt", "raises.docx"])
    assert list(next(iter(rows.values()))) == list(audit.COLUMNS)
    for name in CLEAN:
        assert rows[name]["status"] == "clean"
        assert (rows[name]["errors"], rows[name]["tables_read"]) == ("0", "2")
        assert rows[name]["format"] == "cn-annual-2021"
    assert rows["zhangshu-2021.txt"]["agency"] == "樟树市行政服务中心管委会"
    assert rows["zhangshu-2021.html"]["year"] == "2021"
    planted = rows["planted.txt"]
    assert planted["status"] == "errors" and int(planted["errors"]) >= 2
    assert planted["first_error"].startswith(("RC-1: ", "RC-3: "))
    for name in ("binary.txt", "raises.docx"):
        assert rows[name]["status"] == "unreadable" and rows[name]["first_error"]
        assert "\n" not in rows[name]["first_error"]

    as_json = tmp_path / "summary.json"
    CliRunner().invoke(cli, ["report", "check", str(reports), "--summary", str(as_json)])
    doc = json.loads(as_json.read_text(encoding="utf-8"))
    assert doc["totals"] == {"reports": 7, "clean": 4, "warnings": 0, "errors": 1, "unreadable": 2}
    by_name = {Path(r["file"]).name: r for r in doc["reports"]}
    assert by_name["planted.txt"]["errors"] == int(planted["errors"])
    assert by_name["raises.docx"]["errors"] is None
    assert by_name["agency-2024.html"]["year"] == 2024


def test_exit_status_clean_errors_unreadable(reports: Path, tmp_path: Path) -> None:
    clean = [str(reports / n) for n in CLEAN]
    out = str(tmp_path / "s.csv")
    run = CliRunner().invoke
    assert run(cli, ["report", "check", *clean, "--summary", out]).exit_code == 0
    with_error = [*clean, str(reports / "sub")]
    assert run(cli, ["report", "check", *with_error, "--summary", out]).exit_code == 1
    result = run(cli, ["report", "check", *with_error, str(reports / "binary.txt"), "--json"])
    assert result.exit_code == 2


def test_json_output_is_what_check_file_gives(reports: Path) -> None:
    """--json keeps its document: the checker's own dicts, then the unreadable files."""
    result = CliRunner().invoke(cli, ["report", "check", str(reports), "--jobs", "2", "--json"])
    doc = json.loads(result.stdout)
    assert list(doc) == ["reports", "unreadable"]
    readable = [f for f in audit.find_reports([reports]) if f.suffix != ".docx"]
    readable.remove(reports / "binary.txt")
    assert doc["reports"] == [check_file(f).to_dict() for f in readable]
    assert [set(u) for u in doc["unreadable"]] == [{"source", "reason"}] * 2


def test_the_summary_page_escapes_what_reports_contain(reports: Path, tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    CliRunner().invoke(cli, ["report", "check", str(reports), "--summary", str(out)])
    page = out.read_text(encoding="utf-8")
    agency = check_file(reports / "sub" / "planted.txt").agency
    assert MARKUP in agency  # the checker keeps it: the page must not
    assert page.count("<script") == 1 and "<b>" not in page
    assert html_escaped(agency) in page  # shown as text
    assert "Content-Security-Policy" in page and "http" not in page.replace("http-equiv", "")
    assert len(re.findall(r'<tbody id="r\d+">', page)) == 7


def html_escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_every_value_on_the_page_is_escaped() -> None:
    nasty = '</td><script>alert("x")</script>\u202e'
    report = CheckedReport(
        source=f"dir/{nasty}.txt",
        agency=nasty,
        year=2024,
        format="cn-annual-2021",
        tables={"table3": {"columns": [nasty], "rows": {nasty: [None]}}, "table4": {}},
        findings=(CheckFinding("error", nasty, nasty, nasty, nasty, nasty, 3),),
    )
    page = summary_html([report, audit.Unreadable(nasty, nasty)])
    assert page.count("<script") == 1 and "</td><script>" not in page
    assert "\u202e" not in page and "\\u202e" in page
    assert page.count(html_escaped('<script>alert("x")</script>')) >= 8


def test_csv_cells_that_a_spreadsheet_would_run_stay_text() -> None:
    report = CheckedReport("r.txt", '=HYPERLINK("http://x")', 2024, "f", {}, ())
    row = next(csv.DictReader(io.StringIO(audit.summary_csv([report]))))
    assert row["agency"] == '\'=HYPERLINK("http://x")'


def explode(path: Path) -> audit.Outcome:
    """A check that fails the way a checker bug or a killed worker would."""
    if path.name == "raise.txt":
        raise RuntimeError("boom\nsecond line")
    if path.name == "die.txt":
        os._exit(3)  # the worker process disappears (as if killed for memory)
    return audit.Unreadable(str(path), "fine")


def test_a_failing_or_dying_worker_costs_only_its_file(tmp_path: Path) -> None:
    names = ["a.txt", "raise.txt", "b.txt", "die.txt", *[f"c{i}.txt" for i in range(6)]]
    done: list[str] = []
    outcomes = audit.check_many(
        [tmp_path / n for n in names],
        jobs=2,
        check=explode,
        on_done=lambda o: done.append(o.source),
    )
    assert [Path(o.source).name for o in outcomes] == names  # in the order given
    assert sorted(done) == sorted(o.source for o in outcomes)  # progress: each once
    reasons = {Path(o.source).name: o.reason for o in outcomes if isinstance(o, audit.Unreadable)}
    assert reasons["raise.txt"] == "RuntimeError: boom second line"
    assert "worker process" in reasons["die.txt"]
    assert all(reasons[n] == "fine" for n in names if n not in ("raise.txt", "die.txt"))


def test_a_progress_bar_only_on_a_terminal(reports: Path, tmp_path: Path) -> None:
    args = ["report", "check", str(reports), "--summary", str(tmp_path / "s.json")]
    assert CliRunner().invoke(cli, args).stderr == ""
    shown = CliRunner().invoke(cli, args, env={"FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"})
    assert "checking" in shown.stderr and "7/7" in shown.stderr


def test_summary_file_problems_are_usage_errors(reports: Path, tmp_path: Path) -> None:
    for bad in (tmp_path / "s.xlsx", tmp_path / "missing" / "s.csv"):
        result = CliRunner().invoke(cli, ["report", "check", str(reports), "--summary", str(bad)])
        assert result.exit_code == 2 and "--summary" in result.output
        assert "Traceback" not in result.output and not bad.exists()


CHROMIUM = Path("/usr/bin/chromium")
HEADLESS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
HEADLESS += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_the_summary_page_in_a_real_browser(reports: Path, tmp_path: Path) -> None:
    """Chromium runs the page's script under its CSP: #open=N opens that row only."""
    page = tmp_path / "page.html"
    CliRunner().invoke(cli, ["report", "check", str(reports), "--summary", str(page)])
    profile, opened = tempfile.mkdtemp(), f"{page.as_uri()}#open=2"
    try:
        dom = subprocess.run(
            [str(CHROMIUM), *HEADLESS, f"--user-data-dir={profile}", "--dump-dom", opened],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert all(name in dom for name in ("planted.txt", "raises.docx", *CLEAN))
    assert re.search(r'<tr class="detail" id="d2">', dom)  # opened: no longer hidden
    assert len(re.findall(r'<tr class="detail" id="d\d+" hidden="">', dom)) == 6
    assert 'aria-expanded="true"' in dom and "<b>x</b>" not in dom
