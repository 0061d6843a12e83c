"""Issue 15: nothing from data is interpreted by the terminal.

Markup (``[/bold]``, ``[link=…]``) and escape sequences stored in cases,
calendar files, rulesets and published reports are printed as text by every
command: no ``MarkupError``, the literal text appears, no ESC byte reaches the
output. Suggested commands are shell-quoted. Dates near ``date.max`` and
unwritable output files give one-line errors, not tracebacks.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, case_open
from disclosure.cli import cli

if TYPE_CHECKING:
    from disclosure.privacy import Masker

DATA = Path(__file__).parent / "data"
MARKUP = "[/bold][bold red]OVERDUE[/] [link=https://evil.example]click to renew[/link]"
ESCAPES = "\x1b[2J\x1b]8;;https://evil.example\x07x\x1b]8;;\x07\u202e\x9b"
HOSTILE = MARKUP + " " + ESCAPES


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout + result.stderr


def assert_safe(out: str) -> None:
    assert "\x1b" not in out
    assert "\x9b" not in out
    assert "\u202e" not in out
    assert "Traceback" not in out


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "cases.db")
    assert run("init", "--db", path)[0] == 0
    code, out = run(
        *case_open("[/bold]X"),
        "--subject",
        HOSTILE,
        "--db",
        path,
    )
    assert code == 0, out
    code, out = run(
        "case",
        "event",
        "[/bold]X",
        "request_correction",
        "--on",
        "2024-03-05",
        "--note",
        HOSTILE,
        "--db",
        path,
    )
    assert code == 0, out
    return path


def test_clean_shows_control_characters() -> None:
    from disclosure.cli._out import clean

    assert clean("a\x1b[2Jb\u202ec\x9b\x7f\n\t") == "a\\x1b[2Jb\\u202ec\\x9b\\x7f\n\t"


def test_case_show_prints_markup_and_escapes_as_text(db: str) -> None:
    code, out = run("case", "show", "[/bold]X", "--as-of", "2024-03-06", "--db", db)
    assert code == 0, out
    assert_safe(out)
    assert MARKUP in out  # the subject, literally
    assert "\\x1b[2J" in out
    assert "\\u202e" in out
    assert "Case [/bold]X" in out


def test_case_list_and_due_print_ids_as_text(db: str) -> None:
    code, out = run("case", "list", "--db", db)
    assert code == 0, out
    assert_safe(out)
    assert "[/bold]X" in out
    code, out = run("due", "--as-of", "2024-06-01", "--db", db)
    assert code == 0, out
    assert_safe(out)
    assert "[/bold]X" in out


def test_due_suggests_shell_quoted_commands(db: str) -> None:
    evil = "X; touch PWNED"
    code, out = run(
        *case_open(evil),
        "--db",
        db,
    )
    assert code == 0, out
    code, out = run("due", "--as-of", "2024-06-01", "--db", db)
    assert code == 0, out
    assert f"disclosure case show {shlex.quote(evil)} --db" in out
    assert "case show X; touch" not in out


def test_case_replay_and_explain_print_case_files_as_text(db: str, tmp_path: Path) -> None:
    exported = tmp_path / "cases.yaml"
    code, out = run("case", "export", "--show-personal-data", "-o", str(exported), "--db", db)
    assert code == 0, out
    code, out = run("case", "replay", str(exported), "--as-of", "2024-03-06")
    assert code == 0, out
    assert_safe(out)
    assert "Case [/bold]X" in out
    code, out = run("case", "explain", str(exported), "reply", "--as-of", "2024-03-06")
    assert "Traceback" not in out
    assert_safe(out)


def test_calendar_show_prints_holiday_names_as_text(tmp_path: Path) -> None:
    cal = tmp_path / "evil.yaml"
    cal.write_text(
        "calendar:\n  id: evil\n  title: evil\n  extends: cn\n"
        f'holidays:\n  - {{date: 2024-03-06, name: "{MARKUP} \\e[2J"}}\n',
        encoding="utf-8",
    )
    code, out = run(
        "calendar", "show", "2024-03", "--calendar", "evil", "--calendar-file", str(cal)
    )
    assert code == 0, out
    assert_safe(out)
    assert MARKUP in out
    assert "\\x1b[2J" in out


def test_rules_show_prints_titles_as_text(tmp_path: Path) -> None:
    text = (DATA / "rulesets" / "toy-foi.yaml").read_text(encoding="utf-8")
    evil = tmp_path / "toy-foi.yaml"
    evil.write_text(
        text.replace(
            "title: Toy Freedom of Information Act", f'title: "{MARKUP} \\e]8;;x\\a"'
        ).replace("{en: Public authority}", f'{{en: "{MARKUP}"}}'),
        encoding="utf-8",
    )
    code, out = run("rules", "show", str(evil))
    assert code == 0, out
    assert_safe(out)
    assert MARKUP in out
    assert "\\x1b]8;;x\\x07" in out


def test_report_check_prints_report_text_as_text(tmp_path: Path) -> None:
    source = DATA / "published" / "002-xiongxian-xiang-2019.txt"
    evil = tmp_path / "[bold]evil[red].txt"
    title = "[/bold]县人民政府[link=x]y[/link]\x1b[2J 2019年政府信息公开工作年度报告\n"
    evil.write_text(title + source.read_text(encoding="utf-8"), encoding="utf-8")
    code, out = run("report", "check", str(evil))
    assert code in (0, 1), out
    assert_safe(out)
    assert "[/bold]县人民政府[link=x]y[/link]" in out
    assert "[bold]evil[red].txt" in out


def test_dates_near_the_end_of_time_do_not_overflow(db: str) -> None:
    code, out = run("due", "--as-of", "9999-12-31", "--db", db)
    assert "Traceback" not in out
    assert code == 0, out
    code, out = run("case", "list", "--due-within", "99999999", "--db", db)
    assert "Traceback" not in out
    assert code == 0, out
    assert "case(s)" in out


def test_export_to_a_missing_directory_is_one_line(db: str) -> None:
    code, out = run("case", "export", "-o", "/nonexistent/x.yaml", "--db", db)
    assert code != 0
    assert out.strip().startswith("error: cannot write /nonexistent/x.yaml")
    assert len(out.strip().splitlines()) == 1


def test_example_store_still_renders(tmp_path: Path) -> None:
    path = str(tmp_path / "cases.db")
    assert run("init", "--db", path)[0] == 0
    code, out = run("case", "import", str(EXAMPLES / "agency-2024" / "cases.yaml"), "--db", path)
    assert code == 0, out
    code, out = run("due", "--as-of", "2024-06-01", "--db", path)
    assert code == 0, out
    assert "OVERDUE" in out


# -- masking (issue 15, item 3) ---------------------------------------------------

CONTACT = "wangwu@example.com; 电话 13912345678; 住址 北京市朝阳区某某路1号"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (CONTACT, "wangwu@"),
        (CONTACT, "1391234"),
        (CONTACT, "朝阳区"),
        ("电话 010-12345678", "1234"),
        ("+86 139 1234 5678", "139 1234"),
        ("8613912345678", "3912345"),
        ("身份证 11010519491231002X", "1949123"),
        ("旧证 110105491231002", "4912310"),
        ("address: 1 Main St, Springfield", "Springfield"),
        ("地址：上海市黄浦区人民大道200号", "黄浦区"),
    ],
)
def test_mask_text_finds_personal_data_anywhere(text: str, secret: str) -> None:
    masker = _masker("cn-ogi-2019")
    assert secret not in masker.mask_text(text)
    assert secret not in masker.mask_contact(text)


def _masker(ruleset: str) -> Masker:
    from disclosure.privacy import Masker
    from disclosure.rules.load import load_ruleset

    return Masker(load_ruleset(ruleset).personal_data)


def test_mask_keeps_ordinary_text() -> None:
    masker = _masker("cn-ogi-2019")
    text = "2024 年第 12 号文件的财政预算"
    assert masker.mask_text(text) == text
    assert masker.mask_contact("wangwu@example.com") == "wa***@example.com"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("call (202) 555-0123 after 5", "555"),
        ("+1 202.555.0199 x12", "202"),
        ("SSN 123-45-6789", "123-45"),
        ("Mailing address: 1600 Pennsylvania Ave NW", "Pennsylvania"),
        ("jane.doe@example.org", "jane.doe"),
    ],
)
def test_the_us_regime_masks_its_own_personal_data(text: str, secret: str) -> None:
    assert secret not in _masker("us-foia").mask_text(text)


def test_patterns_are_data_a_ruleset_without_them_masks_fields_only() -> None:
    from disclosure.privacy import Masker
    from disclosure.rules.model import PersonalData

    bare = Masker(PersonalData())
    case = {"applicant_name": "王五", "contact": "13912345678", "subject": "电话 13912345678"}
    masked = bare.mask_case(case)
    assert masked["applicant_name"] == "王*" and masked["contact"] == "*******5678"
    assert masked["subject"] == case["subject"]  # no pattern says what a phone number is


def test_event_data_fields_named_in_the_ruleset_are_masked() -> None:
    from disclosure.privacy import Masker
    from disclosure.rules.model import PersonalData

    masker = Masker(
        attrs.evolve(
            _masker("cn-ogi-2019").spec,
            event_fields={"note": "patterns", "third_party": "first_character"},
        )
    )
    event = {"type": "consult", "note": "打 13912345678", "data": {"third_party": "李四"}}
    masked = masker.mask_event(event)
    assert masked["note"] == "打 *******5678" and masked["data"]["third_party"] == "李*"
    assert PersonalData().event_fields == {"note": "patterns"}


def _open_personal(db: str) -> None:
    code, out = run(
        *case_open("P-1"),
        "--contact",
        CONTACT,
        "--subject",
        "请回电 13812345678",
        "--db",
        db,
    )
    assert code == 0, out
    code, out = run(
        "case", "event", "P-1", "request_correction", "--on", "2024-03-05",
        "--note", "申请人住址 上海市某路 9 号", "--db", db,
    )  # fmt: skip
    assert code == 0, out


def test_case_show_and_export_mask_every_personal_datum(db: str) -> None:
    _open_personal(db)
    for args in (("case", "show", "P-1"), ("case", "show", "P-1", "--json"), ("case", "export")):
        code, out = run(*args, "--db", db)
        assert code == 0, out
        for secret in ("wangwu@", "13912345678", "朝阳区", "13812345678", "上海市某路"):
            assert secret not in out, (args, secret)
    code, out = run("case", "show", "P-1", "--show-personal-data", "--db", db)
    assert "13912345678" in out and "13812345678" in out


@pytest.mark.parametrize("suffix", ["yaml", "json", "jsonl"])
def test_masked_export_is_marked_and_refused_by_import(
    db: str, tmp_path: Path, suffix: str
) -> None:
    _open_personal(db)
    masked = tmp_path / f"masked.{suffix}"
    code, out = run("case", "export", "-o", str(masked), "--db", db)
    assert code == 0, out
    assert '"masked": true' in masked.read_text() or "masked: true" in masked.read_text()
    code, out = run("case", "import", "--replace", str(masked), "--db", db)
    assert code == 1
    assert "masked export" in out and "--show-personal-data" in out
    assert "Traceback" not in out
    full = tmp_path / f"full.{suffix}"
    code, out = run("case", "export", "--show-personal-data", "-o", str(full), "--db", db)
    assert code == 0, out
    assert "masked" not in full.read_text()
    code, out = run("case", "import", "--replace", str(full), "--db", db)
    assert code == 0, out
    code, out = run("case", "show", "P-1", "--show-personal-data", "--db", db)
    assert "13912345678" in out


# -- rendered reports (issue 15, item 2) --------------------------------------------


def _hostile_report():  # type: ignore[no-untyped-def]
    import attrs

    from disclosure.annual import AnnualReportJob

    d = EXAMPLES / "agency-2024"
    report = AnnualReportJob().build(
        2024,
        case_files=[str(d / "cases.yaml")],
        agency_data=str(d / "agency.yaml"),
        narrative=str(d / "narrative.md"),
    )
    agency = (
        "某县\n## 六、伪造的章节\n| 1 | 2 |\n[点此续期](https://evil.example) <script>x</script>"
    )
    return attrs.evolve(report, agency=agency)


def test_markdown_agency_name_cannot_inject_structure() -> None:
    from disclosure.reports.render import render

    out = render(_hostile_report(), "markdown")
    assert isinstance(out, str)
    lines = out.splitlines()
    assert not any(line.startswith("## 六、伪造") for line in lines)
    assert not any(line.startswith("| 1 | 2 |") for line in lines)
    assert "](https://evil.example)" not in out
    assert sum(1 for line in lines if line.startswith("# ")) == 1


def test_html_escapes_the_agency_name() -> None:
    from disclosure.reports.render import render

    out = render(_hostile_report(), "html")
    assert isinstance(out, str)
    assert "<script>" not in out
    assert "&lt;script&gt;" in out


def test_json_output_is_exact_and_has_no_raw_control_bytes(db: str) -> None:
    import json

    code, out = run("case", "show", "[/bold]X", "--json", "--db", db)
    assert code == 0, out
    assert_safe(out)
    assert json.loads(out)["case"]["subject"] == HOSTILE


def test_tables_follow_columns_when_piped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    narrow = CliRunner().invoke(cli, ["--no-plugins", "rules", "list"])
    assert max(len(line) for line in narrow.output.splitlines()) <= 80
    monkeypatch.delenv("COLUMNS")
    wide = CliRunner().invoke(cli, ["--no-plugins", "rules", "list"])
    assert max(len(line) for line in wide.output.splitlines()) > 80
