"""Ruleset mistakes found when the ruleset is checked, not when a case meets them:
a lapse that could never be recorded, a calendar that is not there, a parameter
whose default or given value is outside its range; and a ruleset file named
otherwise than its id, which cases still find by the id."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conftest import DATA
from disclosure.cli import cli
from disclosure.rules.load import lint_ruleset

TOY = (DATA / "rulesets" / "toy-foi.yaml").read_text(encoding="utf-8")
WEEKDAYS = str(DATA / "calendars-weekdays.yaml")


def toy(tmp_path: Path, text: str = TOY, name: str = "toy-foi.yaml") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--no-plugins", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def test_a_lapse_event_allowed_in_no_state_its_clock_runs_in_is_found(tmp_path: Path) -> None:
    text = TOY.replace(
        "  clarification_lapsed:\n    from: [clarifying]",
        "  clarification_lapsed:\n    from: [open]",
    )
    (problem,) = lint_ruleset(toy(tmp_path, text))
    assert "clocks.clarification.lapse_event" in str(problem)
    assert "allowed in none of the states clock 'clarification' runs in (clarifying)" in str(
        problem
    )
    assert lint_ruleset(toy(tmp_path)) == []


def test_a_default_calendar_that_is_not_there_is_found_by_rules_lint(tmp_path: Path) -> None:
    f = str(toy(tmp_path))
    code, _, err = run("rules", "lint", f)
    assert code == 1 and "ruleset.default_calendar: calendar 'weekdays' is not defined" in err
    assert f"{f}:8:" in err  # the line of default_calendar
    code, out, _ = run("rules", "lint", f, "--calendar-file", WEEKDAYS)
    assert code == 0 and out.strip().endswith("ok")


def test_parameter_ranges_are_checked_for_defaults_and_fields_taking_them(tmp_path: Path) -> None:
    above = TOY.replace(
        "    type: int\n    default: 30\n",
        "    type: int\n    default: 30\n    min: 1\n    max: 20\n",
    )
    (problem,) = lint_ruleset(toy(tmp_path, above))
    assert (
        "parameters.clarification_days.default: default does not fit: must be at most 20, got 30"
        in str(problem)
    )
    upside = TOY.replace(
        "    type: int\n    default: 30\n",
        "    type: int\n    default: 30\n    min: 40\n    max: 30\n",
    )
    (problem,) = lint_ruleset(toy(tmp_path, upside))
    assert "min 40 is above max 30" in str(problem)
    field = TOY.replace(
        "{type: int, default_from: clarification_days}",
        "{type: int, default_from: clarification_days, max: 10}",
    )
    (problem,) = lint_ruleset(toy(tmp_path, field))
    assert (
        "must be at most 10, got 30 (the default of field 'days' of event 'ask_clarification')"
        in str(problem)
    )


def test_settings_refuse_a_parameter_outside_its_range(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCLOSURE_CONFIG", raising=False)
    code, _, err = run("settings", "set", "parameters.cn-ogi-2019.correction_period", "0", "--file")
    assert code == 1 and "must be at least 1, got 0" in err
    assert not (tmp_path / "disclosure.toml").exists() or "correction_period" not in (
        tmp_path / "disclosure.toml"
    ).read_text("utf-8")


def test_cases_find_a_ruleset_by_its_id_whatever_its_file_is_called(tmp_path: Path) -> None:
    regime = toy(tmp_path, name="my-regime.yaml")
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "id: R-1\nruleset: toy-foi\napplicant: press\nchannel: email\nreceived: 2024-01-05\n",
        encoding="utf-8",
    )
    code, out, err = run(
        "case",
        "replay",
        str(cases),
        "--ruleset",
        str(regime),
        "--calendar-file",
        WEEKDAYS,
        "--as-of",
        "2024-01-08",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["ruleset"] == "toy-foi"
