"""Problems of a JSON Lines record are placed FILE:LINE:COLUMN within the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from disclosure import load_cases
from disclosure.cli import cli
from disclosure.errors import DocumentError

GOOD = '{"id": "A-1", "applicant": "natural_person", "channel": "online", "received": "2024-03-01"}'


def problem_text(tmp_path: Path, *lines: str) -> tuple[Path, str]:
    f = tmp_path / "c.jsonl"
    f.write_text("".join(line + "\n" for line in lines), "utf-8")
    with pytest.raises(DocumentError) as exc:
        load_cases(f)
    (problem,) = exc.value.problems
    return f, str(problem)


def test_a_missing_key_is_at_the_line_not_line_1_of_it(tmp_path: Path) -> None:
    line = '{"id": "B-1", "applicant": "natural_person", "received": "2024-03-01"}'
    f, text = problem_text(tmp_path, GOOD, line)
    assert text == f"{f}:2:1: missing required key 'channel'"


def test_a_bad_date_is_at_its_column(tmp_path: Path) -> None:
    line = GOOD[:-1] + ', "events": [{"type": "extend", "on": "2024-02-30"}]}'
    f, text = problem_text(tmp_path, line)
    column = line.index('"2024-02-30"') + 1
    assert text.startswith(f"{f}:1:{column}: events[0].on: '2024-02-30' is not a valid date")


def test_a_line_that_is_not_json_says_so_with_json_s_column(tmp_path: Path) -> None:
    f, text = problem_text(tmp_path, GOOD, '{"id": "x", ')
    assert text.startswith(f"{f}:2:13: not valid JSON: Expecting property name")
    f, text = problem_text(tmp_path, "not json {")
    assert text.startswith(f"{f}:1:1: not valid JSON: Expecting value")
    f, text = problem_text(tmp_path, "id: Y-1")  # a YAML line, never a whole case
    assert text.startswith(f"{f}:1:1: not valid JSON: Expecting value")


def test_a_yaml_flow_line_still_reads_and_is_placed(tmp_path: Path) -> None:
    f = tmp_path / "c.jsonl"
    f.write_text(
        GOOD + "\n{id: C-900, applicant: natural_person, channel: online, received: 2024-03-02,"
        " events: [{type: extend, on: 2024-03-04}]}\n",
        "utf-8",
    )
    cases = load_cases(f)
    assert [c.id for c in cases] == ["A-1", "C-900"]
    assert cases[1].where == f"{f}:2" and cases[1].events[0].where == f"{f}:2"
    f.write_text("{id: C-901, applicant: natural_person, received: 2024-03-02}\n", "utf-8")
    with pytest.raises(DocumentError) as exc:
        load_cases(f)
    assert [str(p) for p in exc.value.problems] == [f"{f}:1:1: missing required key 'channel'"]


def test_a_yaml_line_broken_by_a_carriage_return_is_placed_in_the_file_line(
    tmp_path: Path,
) -> None:
    """The YAML reader starts a line at a lone CR; the file does not."""
    f = tmp_path / "c.jsonl"
    line = '{"id": "R-1",\r "applicant": "natural_person", "channel": "online", "received": 5}'
    f.write_bytes((GOOD + "\n" + line + "\n").encode())
    with pytest.raises(DocumentError) as exc:
        load_cases(f)
    (problem,) = exc.value.problems
    assert (problem.source, problem.line, problem.column) == (str(f), 2, line.index("5") + 1)


def test_case_import_places_and_words_them(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--no-plugins", "init", "--db", db]).exit_code == 0
    f = tmp_path / "c.jsonl"
    bad_date = GOOD.replace("A-1", "C-1")[:-1] + ', "events": [{"type": "x", "on": "2024-02-30"}]}'
    f.write_text(
        "\n".join(
            [
                GOOD,
                '{"id": "B-1", "applicant": "natural_person", "received": "2024-03-01"}',
                bad_date,
                '{"id": "x", ',
            ]
        )
        + "\n",
        "utf-8",
    )
    result = runner.invoke(cli, ["--no-plugins", "case", "import", str(f), "--db", db])
    assert result.exit_code == 1 and "Traceback" not in result.output
    err = result.stderr
    assert f"skipped {f}:2: missing required key 'channel'" in err
    assert f"skipped {f}:3: events[0].on: '2024-02-30' is not a valid date" in err
    assert f"skipped {f}:4: not valid JSON: Expecting property name" in err
    assert f"{f}:2:1" not in err and f"{f}:4:2" not in err
    out = runner.invoke(cli, ["--no-plugins", "case", "import", str(f), "--json", "--db", db])
    skipped = json.loads(out.stdout)["skipped"]
    assert [b["where"] for b in skipped[1:]] == [f"{f}:2", f"{f}:3", f"{f}:4"]
    assert skipped[3]["error"].startswith("not valid JSON: Expecting property name")


def test_a_duplicate_key_names_the_file_line(tmp_path: Path) -> None:
    f, text = problem_text(tmp_path, GOOD, GOOD[:-1] + ', "id": "A-2"}')
    column = len(GOOD[:-1]) + 3
    assert text.startswith(f"{f}:2:{column}: id: duplicate key 'id' (first defined on line 2)")


def test_a_control_character_is_placed(tmp_path: Path) -> None:
    """Valid JSON, but a C1 control the YAML reader refuses: said where it is, in one line."""
    line = GOOD[:-1] + ', "subject": "a\x80"}'
    f, text = problem_text(tmp_path, GOOD, line)
    column = line.index("\x80") + 1
    assert text.startswith(f"{f}:2:{column}: unacceptable character U+0080")
    assert "\n" not in text and "position" not in text
    y = tmp_path / "c.yaml"
    y.write_text("id: A\nsubject: 'ab\x80'\n", "utf-8")
    with pytest.raises(DocumentError) as exc:
        load_cases(y)
    assert str(exc.value.problems[0]).startswith(f"{y}:2:13: unacceptable character U+0080")
