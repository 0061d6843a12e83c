"""``disclosure init`` on a path that is taken: only a case store (or an empty file) is replaced."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from disclosure.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback for a user's mistake fails the test
    return result.exit_code, result.stdout, result.stderr


def test_force_replaces_a_case_store_and_an_empty_file(tmp_path: Path) -> None:
    store, empty = tmp_path / "s.db", tmp_path / "e.db"
    assert run("init", "--db", str(store))[0] == 0
    empty.touch()
    for path in (store, empty):
        code, out, err = run("init", "--db", str(path), "--force")
        assert code == 0 and "created case store" in out, err


@pytest.mark.parametrize("kind", ["case file", "other database", "directory", "dangling link"])
def test_force_never_deletes_what_is_not_a_case_store(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "target"
    if kind == "case file":
        path.write_text("cases: []\n", "utf-8")
    elif kind == "other database":
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE accounts (x)")
        con.commit()
        con.close()
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to(tmp_path / "nowhere")
    before = path.read_bytes() if path.is_file() else None
    code, out, err = run("init", "--db", str(path), "--force")
    assert code == 1 and out == ""
    assert err.startswith(f"error: {path} ") and "pass another --db" in err
    assert "--force replaces only a case store" in err
    assert path.exists() or path.is_symlink()
    assert (path.read_bytes() if path.is_file() else None) == before


def test_without_force_a_directory_is_not_offered_force(tmp_path: Path) -> None:
    code, _, err = run("init", "--db", str(tmp_path))
    assert code == 1 and "is a directory" in err and "--force" not in err


def test_a_store_that_cannot_be_removed_is_an_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "s.db"
    assert run("init", "--db", str(store))[0] == 0

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(1, "Operation not permitted", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)
    code, _, err = run("init", "--db", str(store), "--force")
    assert code == 1
    assert "cannot remove the old store: Operation not permitted; nothing was changed" in err
