"""User mistakes on daily commands: a one-line error that says what to do, never a traceback."""

from __future__ import annotations

import inspect
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
