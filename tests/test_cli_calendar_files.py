"""A regional calendar kept as a file, used with a case store.

Every command that builds an engine takes ``--calendar-file`` (or
``$DISCLOSURE_CALENDAR_FILES``), so the store's writes, reads and checks can
all use a calendar no plugin offers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from disclosure.cli import cli

XINJIANG = str(EXAMPLES / "calendars" / "cn-xinjiang.yaml")


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--no-plugins", *args], env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCLOSURE_CONFIG", raising=False)
    monkeypatch.delenv("DISCLOSURE_CALENDAR_FILES", raising=False)
    return tmp_path


OPEN = ("case", "open", "X-1", "--applicant", "natural_person", "--channel", "online")


def test_a_store_whose_calendar_is_a_file_works_with_calendar_file(here: Path) -> None:
    code, _, err = run("init", "--calendar", "cn-xinjiang")
    assert code == 1 and "no calendar 'cn-xinjiang'" in err and "--calendar-file" in err
    assert not (here / "disclosure.db").exists()  # refused before anything was created
    assert run("init", "--calendar", "cn-xinjiang", "--calendar-file", XINJIANG)[0] == 0
    # received 2025-03-20: the 20th working day is 2025-04-18 nationally; 肉孜节
    # (2025-03-31) is a day off in Xinjiang, so the reply is due one working day later
    code, out, err = run(*OPEN, "--received", "2025-03-20", "--json", "--calendar-file", XINJIANG)
    assert code == 0, err
    assert json.loads(out)["deadlines"]["reply"]["due"] == "2025-04-21"
    for command in (("case", "show", "X-1"), ("case", "explain", "X-1"), ("store", "verify")):
        code, out, err = run(*command)
        assert code == 1 and "no calendar 'cn-xinjiang'" in err, command
        code, out, err = run(*command, "--calendar-file", XINJIANG)
        assert code == 0, (command, err)
    code, out, _ = run("case", "show", "X-1", "--json", "--calendar-file", XINJIANG)
    assert json.loads(out)["deadlines"]["reply"]["due"] == "2025-04-21"


def test_the_calendar_files_can_come_from_the_environment(here: Path) -> None:
    env = {"DISCLOSURE_CALENDAR_FILES": XINJIANG}
    assert run("init", "--calendar", "cn-xinjiang", env=env)[0] == 0
    code, out, err = run(*OPEN, "--received", "2025-03-20", "--json", env=env)
    assert code == 0, err
    assert json.loads(out)["deadlines"]["reply"]["due"] == "2025-04-21"
    code, out, err = run("due", "--as-of", "2025-04-18", "--json", env=env)
    assert code == 0, err
    assert "X-1" in out
    code, out, err = run("report", "annual", "--year", "2025", "--format", "json", env=env)
    assert code == 0, err


def test_the_national_calendar_gives_the_earlier_day(here: Path) -> None:
    # the same case on the national calendar: the holiday above is a working day
    assert run("init")[0] == 0
    code, out, err = run(*OPEN, "--received", "2025-03-20", "--json")
    assert code == 0, err
    assert json.loads(out)["deadlines"]["reply"]["due"] == "2025-04-18"


def test_explain_of_a_stored_case_uses_the_settings_kept_in_its_store(here: Path) -> None:
    """It once folded with the settings file's calendar: 04-18 where case show said 04-21."""
    env = {"DISCLOSURE_CALENDAR_FILES": XINJIANG}
    assert run("init", "--calendar", "cn-xinjiang", env=env)[0] == 0
    assert run(*OPEN, "--received", "2025-03-20", env=env)[0] == 0
    code, out, err = run("case", "explain", "X-1", "--json", "--as-of", "2025-04-01", env=env)
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["due"], doc["calendar"]) == ("2025-04-21", "cn-xinjiang")
    code, out, err = run("case", "explain", "X-1", "--ruleset", "us-foia", env=env)
    assert code == 2 and "--ruleset: only for case files" in err and not out


def test_an_empty_calendar_path_is_refused_not_read_as_the_current_folder(
    here: Path,
) -> None:
    (here / "notes.yaml").write_text("shopping: [tea]\n", encoding="utf-8")  # no calendar
    for env in ({"DISCLOSURE_CALENDAR_FILES": ":"}, {"DISCLOSURE_CALENDAR_FILES": XINJIANG + ":"}):
        code, _, err = run("calendar", "add", "2025-03-20", "1", env=env)
        assert code == 2 and "an empty path names no calendar file" in err and "notes" not in err
    code, _, err = run("calendar", "add", "2025-03-20", "1", "--calendar-file", "")
    assert code == 2 and "an empty path names no calendar file" in err


def test_settings_set_takes_a_calendar_the_command_is_given_as_a_file(here: Path) -> None:
    """`settings set` checks the calendar with the command's --calendar-file, as `init`
    does (it once checked with the installed calendars only, and refused it)."""
    assert run("init")[0] == 0
    code, _, err = run("settings", "set", "agency.calendar", "cn-xinjiang")
    assert code == 1 and "no calendar 'cn-xinjiang'" in err
    code, out, err = run(
        "settings", "set", "agency.calendar", "cn-xinjiang", "--calendar-file", XINJIANG
    )
    assert code == 0, err
    assert out.startswith("agency.calendar = cn-xinjiang (in ")
    env = {"DISCLOSURE_CALENDAR_FILES": XINJIANG}
    assert run("settings", "set", "agency.calendar", "cn", env=env)[0] == 0
    assert run("settings", "set", "agency.calendar", "cn-xinjiang", env=env)[0] == 0
