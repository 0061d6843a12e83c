"""User mistakes on daily commands: a one-line error that says what to do, never a traceback."""

from __future__ import annotations

import datetime as dt
import inspect
import json
from pathlib import Path

from click.testing import CliRunner

import disclosure
import disclosure.errors
from conftest import case_open
from disclosure.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_opening_a_case_whose_id_exists_says_so_without_options_it_lacks(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    assert run("init", "--db", db)[0] == 0
    assert run(*case_open("A 1"), "--db", db)[0] == 0
    code, out, err = run(*case_open("A 1"), "--db", db)
    assert code == 1 and out == ""
    assert err.startswith("error: case A 1 already exists; nothing was written")
    assert f"disclosure case show 'A 1' --db {db}" in err
    assert "--replace" not in err and "batch" not in err  # case open has neither


def test_checking_a_folder_without_reports_is_not_a_clean_audit(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n", "utf-8")
    code, out, err = run("report", "check", str(tmp_path))
    assert code == 2 and out == ""
    assert err.startswith("error: no report files (") and str(tmp_path) in err


def test_every_error_the_package_raises_is_importable_from_it() -> None:
    errors = {
        name
        for name, value in vars(disclosure.errors).items()
        if inspect.isclass(value)
        and issubclass(value, disclosure.errors.DisclosureError)
        and value.__module__ == "disclosure.errors"
    }
    assert errors - set(disclosure.__all__) == set()
    for name in errors:
        assert getattr(disclosure, name) is getattr(disclosure.errors, name)


def test_show_and_explain_take_a_day_beyond_the_calendar_as_due_and_case_list_do(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "s.db")
    assert run("init", "--db", db)[0] == 0
    assert run(*case_open("A-1"), "--db", db)[0] == 0
    assert "A-1" in run("case", "list", "--overdue", "--as-of", "2099-01-01", "--db", db)[1]
    code, out, err = run("case", "show", "A-1", "--as-of", "2099-01-01", "--db", db)
    assert code == 0 and err == "", err
    assert "overdue" in out and "2099-01-01 is outside calendar 'cn'" in out
    assert "not counted" in out
    code, out, err = run("case", "show", "A-1", "--as-of", "2099-01-01", "--json", "--db", db)
    reply = json.loads(out)["deadlines"]["reply"]
    assert code == 0 and reply["overdue"] and reply["remaining_working_days"] is None
    code, out, err = run("case", "explain", "A-1", "--as-of", "2099-01-01", "--db", db)
    assert code == 0 and err == "", err
    assert "OVERDUE as of 2099-01-01" in out and "not counted" in out
    code, out, err = run("case", "explain", "A-1", "--as-of", "1999-01-01", "--json", "--db", db)
    assert code == 0 and json.loads(out)["remaining_working_days"] is None


def test_opening_a_case_received_in_the_future_is_refused_as_a_future_event_is(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "s.db")
    assert run("init", "--db", db)[0] == 0
    later = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    code, out, err = run(*case_open("A-1", received=later), "--db", db)
    assert code == 1 and out == ""
    assert err.startswith(f"error: case A-1: receipt on {later} is in the future (today is ")
    assert "is the year mistyped?" in err and "already exists" not in err
    assert run("case", "list", "--json", "--db", db)[1].strip() == "[]"  # nothing written
    assert run(*case_open("A-1"), "--db", db)[0] == 0
    code, _, err = run("case", "event", "A-1", "extend", "--on", later, "--db", db)
    assert code == 1 and f"case A-1: event 'extend' on {later} is in the future" in err


def test_an_exported_agency_key_is_left_aside_on_a_sqlite_store(tmp_path: Path) -> None:
    """$DISCLOSURE_AGENCY names a tenant of a PostgreSQL store (deployment.md has users
    export it); a local SQLite file must still work. A typed --agency is still refused."""
    db = str(tmp_path / "one.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--no-plugins", "init", "--db", db]).exit_code == 0
    opened = ["case", "open", "A-1", "--applicant", "natural_person", "--channel", "online"]
    env = {"DISCLOSURE_AGENCY": "gx-key"}
    for args in (
        [*opened, "--received", "2024-03-01", "--db", db],
        ["case", "list", "--db", db],
        ["due", "--as-of", "2024-03-04", "--db", db],
        ["report", "annual", "--year", "2024", "--format", "json", "--db", db],
    ):
        result = runner.invoke(cli, ["--no-plugins", *args], env=env)
        assert result.exit_code == 0, (args, result.output)
        assert "--agency" not in result.stdout  # no suggested command carries the key
    typed = runner.invoke(cli, ["--no-plugins", "case", "list", "--db", db, "--agency", "x"])
    assert typed.exit_code == 1 and "--agency needs a postgresql:// store" in typed.stderr
