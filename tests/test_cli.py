"""The command line: output for people and scripts, and errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DATA, EXAMPLES, GUANGXI
from disclosure.cli import cli

WORKED = str(EXAMPLES / "cases" / "worked-examples.yaml")
REGIONAL = str(EXAMPLES / "cases" / "example-9-regional.yaml")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_replay_json_single_case(tmp_path: Path) -> None:
    f = tmp_path / "one.yaml"
    f.write_text(
        "id: 2024-0042\napplicant: legal_service_org\nchannel: post_signed\n"
        "received: 2024-09-10\nevents:\n"
        "  - {type: request_correction, on: 2024-09-13, correction_period: 10}\n"
        "  - {type: correction_received, on: 2024-09-23}\n"
        "  - {type: decide, on: 2024-10-18, outcome: partially_disclosed}\n",
        encoding="utf-8",
    )
    code, out, _ = run("case", "replay", str(f), "--json", "--as-of", "2024-12-01")
    assert code == 0
    doc = json.loads(out)
    assert doc["id"] == "2024-0042" and doc["ruleset"] == "cn-ogi-2019"
    assert (doc["state"], doc["outcome"], doc["closed_on"]) == (
        "concluded",
        "partially_disclosed",
        "2024-10-18",
    )
    assert doc["waiting_on"] == "nobody"
    assert doc["next_events"] == ["review_filed", "lawsuit_filed"]
    assert doc["deadlines"]["reply"] == {
        **doc["deadlines"]["reply"],
        "due": "2024-10-24",
        "status": "met",
        "provisional": False,
    }
    assert doc["overdue"] is False and doc["findings"] == []


def test_replay_json_many_cases_and_open_outcome_is_null() -> None:
    code, out, _ = run("case", "replay", WORKED, "--json", "--as-of", "2025-01-05")
    docs = json.loads(out)
    assert code == 0 and isinstance(docs, list) and len(docs) == 9
    ex04 = next(d for d in docs if d["id"] == "EX-04")
    assert ex04["outcome"] is None and ex04["state"] == "received"
    assert ex04["overdue"] is True
    assert ex04["deadlines"]["reply"]["remaining_working_days"] < 0


def test_replay_regional_calendar_files() -> None:
    _, out, _ = run(
        "case",
        "replay",
        REGIONAL,
        "--calendar-file",
        str(EXAMPLES / "calendars"),
        "--calendar-file",
        str(GUANGXI),
        "--json",
        "--as-of",
        "2024-01-01",
    )
    dues = {d["id"]: d["deadlines"]["reply"]["due"] for d in json.loads(out)}
    assert dues["EX-09-GX-2024"] == "2024-05-10" and dues["EX-09-NATIONAL-2024"] == "2024-05-08"


def test_replay_for_people() -> None:
    code, out, _ = run("case", "replay", WORKED, "--as-of", "2025-01-05")
    assert code == 0
    assert "Case EX-02" in out and "partially_disclosed" in out and "部分公开" in out
    assert "overdue" in out  # EX-04/EX-05 text, not only colour


def test_explain_prints_the_derivation() -> None:
    code, out, _ = run(
        "case", "explain", WORKED, "--case", "EX-02", "--clock", "reply", "--as-of", "2024-11-20"
    )
    assert code == 0
    for text in ("restart", "discarded", "paused with 4 working days used", "2024-12-10"):
        assert text in out
    code, out, _ = run("case", "explain", WORKED, "--case", "EX-01", "--json")
    doc = json.loads(out)
    assert doc["due"] == "2024-11-11" and doc["steps"][0]["action"] == "start"
    assert "2024-10-01" in {d["day"] for d in doc["non_working_days"]}
    assert "2024-09-29" in {d["day"] for d in doc["makeup_days"]}


def test_advance_lists_lapsed_windows(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(
        "id: L-1\napplicant: natural_person\nchannel: online\nreceived: 2024-03-01\n"
        "events: [{type: request_correction, on: 2024-03-04}]\n",
        encoding="utf-8",
    )
    _, out, _ = run("case", "advance", str(f), "--as-of", "2024-04-01", "--json")
    assert json.loads(out) == [
        {
            "case": "L-1",
            "type": "correction_lapsed",
            "on": "2024-03-19",
            "note": "produced by time (advance)",
            "by": "disclosure",
        }
    ]


def test_rules_commands() -> None:
    code, out, _ = run("rules", "list", "--json")
    assert any(r["name"] == "cn-ogi-2019" for r in json.loads(out))
    code, out, _ = run("rules", "show", "cn-ogi-2019", "--json")
    assert json.loads(out)["ruleset"]["id"] == "cn-ogi-2019"
    code, out, _ = run("rules", "show", "cn-ogi-2019")
    assert code == 0 and "awaiting_correction" in out and "Clocks" in out
    code, out, _ = run("rules", "lint", "rulesets/cn-ogi-2019.yaml")
    assert code == 0 and out.strip().endswith("ok")


def test_rules_lint_reports_positions_and_fails() -> None:
    code, _, err = run("rules", "lint", str(DATA / "rulesets" / "broken.yaml"))
    assert code == 1
    assert "broken.yaml:3:3: ruleset.titel: unknown key 'titel' (did you mean 'title'?)" in err


def test_calendar_add_with_natural_days_counts_the_holidays_it_names() -> None:
    code, out, _ = run("calendar", "add", "2024-09-10", "15", "--natural")
    assert code == 0 and "= 2024-09-25" in out
    assert "2024-09-17 中秋节: counted (natural days)" in out and "not counted" not in out


def test_calendar_commands() -> None:
    code, out, _ = run("calendar", "add", "2024-09-10", "20")
    assert code == 0 and "2024-10-14" in out and "2024-09-29" in out
    code, out, _ = run("calendar", "add", "2026-12-10", "20", "--json")
    doc = json.loads(out)
    assert doc["result"] == "2027-01-08" and doc["provisional"] is True
    code, out, _ = run("calendar", "show", "2026-02")
    assert code == 0 and "14班" in out and "17休" in out
    code, out, _ = run("calendar", "show", "2026-02", "--json")
    days = {d["day"]: d for d in json.loads(out)["days"]}
    assert days["2026-02-14"]["kind"] == "makeup" and days["2026-02-17"]["working"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["case", "replay", "nope.yaml"], "file not found"),
        (["case", "replay", WORKED, "--as-of", "2024-13-01"], "is not a date"),
        (["case", "explain", WORKED], "choose one with --case"),
        (["case", "explain", WORKED, "--case", "EX-99"], "no case 'EX-99'"),
        (
            ["case", "explain", WORKED, "--case", "EX-01", "--clock", "replie"],
            "did you mean 'reply'",
        ),
        (
            ["case", "explain", WORKED, "--case", "EX-01", "--clock", "fee_payment"],
            "was never started",
        ),
        (["rules", "show", "nope"], "no ruleset named 'nope'"),
        (["calendar", "show", "2026-14"], "is not a month"),
        (["calendar", "show", "2026-02", "--calendar", "cn-mars"], "no calendar 'cn-mars'"),
        (["calendar", "add", "2024-09-10", "-3"], "-3"),
        (["case", "frobnicate"], "No such command"),
    ],
)
def test_user_errors_exit_non_zero_without_traceback(args, message) -> None:
    code, out, err = run(*args)
    assert code != 0
    assert message in err
    assert "Traceback" not in err + out


def test_rejected_event_in_file_names_file_line_and_allowed(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(
        "id: B-1\napplicant: natural_person\nchannel: online\nreceived: 2024-03-01\n"
        "events:\n  - {type: request_correction, on: 2024-03-04}\n"
        "  - {type: decide, on: 2024-03-05, outcome: disclosed}\n",
        encoding="utf-8",
    )
    code, _, err = run("case", "replay", str(f))
    assert code == 1
    assert f"{f}:7: case B-1: event 'decide' is not allowed in state 'awaiting_correction'" in err
    assert "allowed: correction_received, correction_lapsed, withdraw" in err


def test_installed_entry_point_runs_as_a_real_process() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "disclosure",
            "case",
            "replay",
            WORKED,
            "--json",
            "--as-of",
            "2025-01-05",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 9
    bad = subprocess.run(
        [sys.executable, "-m", "disclosure", "case", "replay", "missing.yaml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("error: ")


def _leaf_commands() -> list[tuple[str, ...]]:
    import click

    from disclosure.cli import cli as root

    found: list[tuple[str, ...]] = []

    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        for name, command in sorted(group.commands.items()):
            if isinstance(command, click.Group):
                walk(command, (*path, name))
            else:
                found.append((*path, name))

    walk(root, ())
    return found


@pytest.mark.parametrize("path", _leaf_commands(), ids=" ".join)
def test_every_command_shows_examples_in_its_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and "  disclosure " in result.output


@pytest.mark.parametrize(
    ("args", "incomplete", "expected"),
    [
        (["rules", "show"], "cn", {"cn-ogi-2019"}),
        (["rules", "graph"], "us", {"us-foia"}),
        (["report", "annual", "--format"], "m", {"markdown"}),
        (["calendar", "show", "2025-10", "--calendar"], "us", {"us-federal"}),
        (["case", "replay", "x.yaml", "--ruleset"], "", {"cn-ogi-2019", "us-foia"}),
    ],
)
def test_completion_offers_what_is_installed(
    args: list[str], incomplete: str, expected: set[str]
) -> None:
    from click.shell_completion import ShellComplete

    from disclosure.cli import cli as root

    done = ShellComplete(root, {}, "disclosure", "_DISCLOSURE_COMPLETE")
    offered = {c.value for c in done.get_completions(args, incomplete)}
    assert expected <= offered


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_for_each_shell(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0 and "_DISCLOSURE_COMPLETE" in result.output


def test_completion_offers_case_ids_event_types_and_the_rulesets_kinds(tmp_path: Path) -> None:
    from click.shell_completion import ShellComplete

    from conftest import case_open
    from disclosure.cli import cli as root

    db = str(tmp_path / "c.db")
    runner = CliRunner()
    assert runner.invoke(root, ["init", "--db", db]).exit_code == 0
    for case_id in ("2024-0041", "2024-0042", "2025-0001"):
        assert runner.invoke(root, [*case_open(case_id), "--db", db]).exit_code == 0
    done = ShellComplete(root, {}, "disclosure", "_DISCLOSURE_COMPLETE")

    def offered(args: list[str], incomplete: str) -> set[str]:
        return {c.value for c in done.get_completions(args, incomplete)}

    assert offered(["case", "show", "--db", db], "2024") == {"2024-0041", "2024-0042"}
    assert "request_correction" in offered(["case", "event", "--db", db, "2024-0041"], "req")
    assert offered(["case", "open", "X", "--applicant"], "nat") == {"natural_person"}
    foia = offered(["case", "open", "X", "--ruleset", "us-foia", "--channel"], "")
    assert foia == {"online", "email", "mail", "fax", "in_person"}
    assert offered(["case", "show", "--db", str(tmp_path / "none.db")], "") == set()
