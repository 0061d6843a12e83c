"""``case open --json`` and ``case event --json`` print what ``case show --json`` prints.

One builder makes the three documents, so a script reads the answer of a
write (id, state, ``seq`` of the last event, open deadlines) as it reads
``case show``; errors still go to stderr with exit 1 and nothing on stdout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from conftest import ROOT, case_open
from disclosure.cli import cli

SCHEMA = json.loads((ROOT / "docs" / "schemas" / "case-state.schema.json").read_text("utf-8"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--no-plugins", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> Any:
    code, out, err = run(*args)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "s.db")
    assert run("init", "--db", path)[0] == 0
    return path


def test_open_prints_the_new_case_as_show_does(db: str) -> None:
    doc = run_json(
        *case_open("W-1", "--applicant-name", "张三丰", "--contact", "13800138000"),
        "--received",
        "2024-09-10",
        "--json",
        "--db",
        db,
    )
    assert list(Draft202012Validator(SCHEMA).iter_errors(doc)) == []
    assert doc["id"] == "W-1" and doc["state"] == "received" and doc["seq"] == 0
    assert {"clock": "reply", "due": "2024-10-14", "status": "running"} in doc["open_deadlines"]
    assert "张三丰" not in json.dumps(doc, ensure_ascii=False)  # masked, as show masks it
    assert doc == run_json("case", "show", "W-1", "--json", "--db", db)


def test_event_prints_the_state_seq_and_open_deadlines(db: str) -> None:
    run("case", "open", "W-2", "--applicant", "natural_person", "--channel", "online",
        "--received", "2024-09-10", "--db", db)  # fmt: skip
    doc = run_json(
        "case", "event", "W-2", "request_correction", "--on", "2024-09-13",
        "correction_period=10", "--expect-seq", "0", "--json", "--db", db,
    )  # fmt: skip
    assert list(Draft202012Validator(SCHEMA).iter_errors(doc)) == []
    assert doc["state"] == "awaiting_correction" and doc["seq"] == 1
    assert doc["timeline"][-1]["type"] == "request_correction"
    assert {d["clock"] for d in doc["open_deadlines"]} == {
        name for name, d in doc["deadlines"].items() if d["status"] in ("running", "paused")
    }
    assert doc == run_json("case", "show", "W-2", "--json", "--db", db)
    # the seq printed is what the next --expect-seq takes
    nxt = run_json(
        "case", "event", "W-2", "correction_received", "--on", "2024-09-20",
        "--expect-seq", str(doc["seq"]), "--json", "--db", db,
    )  # fmt: skip
    assert nxt["seq"] == 2 and nxt["state"] == "under_review"


@pytest.mark.parametrize(
    "args",
    [
        ("case", "event", "W-3", "correction_received", "--on", "2024-09-12"),  # rejected
        ("case", "event", "W-3", "extend", "--on", "2024-09-12", "--expect-seq", "5"),
        ("case", "event", "NOPE", "extend", "--on", "2024-09-12"),
        ("case", *case_open("W-3")[1:]),  # the id exists
    ],
    ids=["rejected", "conflict", "unknown-case", "duplicate-open"],
)
def test_errors_under_json_go_to_stderr(db: str, args: tuple[str, ...]) -> None:
    assert run(*case_open("W-3"), "--db", db)[0] == 0
    code, out, err = run(*args, "--json", "--db", db)
    assert code == 1 and out == "" and err.startswith("error: ") and "Traceback" not in err
