"""``case import`` skips bad cases, says where each is, and stops after ``--max-errors``.

Each bad case (a record that cannot be read, an invalid id, an event the rules
reject, an id already stored or given twice) is reported with its place and
left out; the good cases of its batch still land. Only a batch holding a bad
case is tried again, so a clean import folds every case once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from conftest import ROOT, make_case
from disclosure import Engine
from disclosure.cli import cli
from disclosure.errors import DisclosureError, EventRejected, NotFoundError, StoreError
from disclosure.lifecycle.case import Case
from disclosure.store import Store
from disclosure.store.port import ImportLog, ImportStopped, import_in_batches

SCHEMA = json.loads((ROOT / "docs" / "schemas" / "import-summary.schema.json").read_text("utf-8"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--no-plugins", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def good(i: int) -> dict[str, Any]:
    return make_case("2024-03-01", case_id=f"G-{i}").to_dict()


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), "utf-8"
    )
    return path


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "s.db")
    assert run("init", "--db", path)[0] == 0
    return path


def stored(db: str) -> set[str]:
    with Store(db) as s:
        return {c.id for c in s.iter_cases()}


@pytest.fixture
def mixed(tmp_path: Path, db: str) -> Path:
    """25 lines, batch size 10: a bad case of every kind, some in one batch."""
    with Store(db) as s:
        s.import_cases([make_case("2024-03-01", case_id="OLD")])
    lines: list[Any] = [good(i) for i in range(25)]
    lines[2] = '{"id": "U", "applicant": '  # not JSON
    lines[4] = {**good(4), "id": "bad\u202eid"}  # an invalid id
    lines[6] = make_case(
        "2024-03-01", ("decide", "2024-03-04", {"outcome": "nonsense"}), case_id="R"
    ).to_dict()  # an event the rules reject
    lines[13] = {**good(13), "id": "OLD"}  # already stored
    lines[21] = {**good(21), "id": "G-20"}  # given twice in one batch
    return write_jsonl(tmp_path / "mixed.jsonl", lines)


def test_every_bad_case_is_reported_and_the_good_ones_land(mixed: Path, db: str) -> None:
    code, out, err = run("case", "import", str(mixed), "--batch-size", "10", "--db", db)
    assert code == 1 and "Traceback" not in err
    for line in (3, 5, 7, 14, 22):
        assert f"skipped {mixed}:{line}:" in err
    assert "unknown outcome code 'nonsense'" in err and "case OLD already exists" in err
    assert "case G-20 is given twice" in err
    assert "imported 20 case(s)" in out and "skipped 5 bad case(s)" in out
    bad = {2, 4, 6, 13, 21}
    assert stored(db) == {"OLD"} | {f"G-{i}" for i in range(25) if i not in bad}
    with Store(db) as s:
        assert s.verify() == []


def test_the_json_summary_names_each_bad_case(mixed: Path, db: str) -> None:
    code, out, err = run("case", "import", str(mixed), "--batch-size", "10", "--json", "--db", db)
    assert code == 1 and err == ""
    doc = json.loads(out)
    assert list(Draft202012Validator(SCHEMA).iter_errors(doc)) == []
    assert doc["imported"] == 20 and doc["stopped"] is None and doc["error"] is None
    assert [b["where"] for b in doc["skipped"]] == [f"{mixed}:{n}" for n in (3, 5, 7, 14, 22)]
    rejected = doc["skipped"][2]
    assert rejected["case"] == "R" and "nonsense" in rejected["error"]
    assert rejected["event"] == {"type": "decide", "where": f"{mixed}:7"}
    assert doc["skipped"][3]["case"] == "OLD" and doc["skipped"][3]["event"] is None


def test_the_json_error_does_not_repeat_the_position_its_where_holds(
    tmp_path: Path, db: str
) -> None:
    f = tmp_path / "cases.yaml"
    f.write_text(
        "cases:\n"
        "- {id: R-1, applicant: natural_person, channel: online, received: '2024-03-01',\n"
        "   events: [{type: decide, 'on': '2024-03-10', outcome: disclosed},\n"
        "            {type: extend, 'on': '2024-03-12', working_days: 10, approved_by: head}]}\n"
        "- {id: K-1, applicant: martian, channel: online, received: '2024-03-01'}\n",
        "utf-8",
    )
    code, out, err = run("case", "import", str(f), "--json", "--db", db)
    skipped = json.loads(out)["skipped"]
    assert code == 1 and [b["where"] for b in skipped] == [f"{f}:2", f"{f}:5"]
    assert skipped[0]["event"] == {"type": "extend", "where": f"{f}:4"}
    assert skipped[0]["error"].startswith("case R-1: event 'extend' is not allowed in state")
    assert skipped[1]["error"].startswith("case K-1: unknown applicant kind 'martian'")
    assert not any(str(f) in b["error"] for b in skipped)
    code, out, err = run("case", "import", str(f), "--db", db)  # the text keeps the positions
    assert f"skipped {f}:4: case R-1: event 'extend' is not allowed in state" in err
    assert f"skipped {f}:5: case K-1: unknown applicant kind 'martian'" in err
    code, out, err = run("case", "import", str(f), "--json", "--max-errors", "0", "--db", db)
    doc = json.loads(out)
    assert doc["stopped"]["error"].startswith("case R-1: event 'extend'")
    assert doc["error"].startswith(f"{f}:4: case R-1: event 'extend'")  # the whole sentence


def test_max_errors_zero_stops_at_the_first_as_before(tmp_path: Path, db: str) -> None:
    lines: list[Any] = [good(i) for i in range(30)]
    lines[25] = {**lines[25], "received": "2024-02-30"}
    f = write_jsonl(tmp_path / "c.jsonl", lines)
    code, out, err = run(
        "case", "import", str(f), "--batch-size", "10", "--max-errors", "0", "--db", db
    )
    assert code == 1 and "Traceback" not in err and "skipped" not in err
    assert f"error: {f}:26:" in err and "(20 case(s) from earlier batches" in err
    assert "--max-errors 0" in out
    assert len(stored(db)) == 20  # nothing of the failing batch


def test_a_rejected_event_with_max_errors_zero_writes_nothing_of_its_batch(
    tmp_path: Path, db: str
) -> None:
    lines: list[Any] = [good(i) for i in range(10)]
    twice = make_case("2024-03-01", ("extend", "2024-03-02"), ("extend", "2024-03-03"))
    lines[7] = {**twice.to_dict(), "id": "TWICE"}
    f = write_jsonl(tmp_path / "c.jsonl", lines)
    code, _, err = run("case", "import", str(f), "--max-errors", "0", "--db", db)
    assert code == 1 and f"{f}:8" in err and stored(db) == set()


def test_it_stops_after_max_errors_and_keeps_what_landed(tmp_path: Path, db: str) -> None:
    lines: list[Any] = [good(i) for i in range(40)]
    for i in (3, 12, 15, 31):
        lines[i] = "not json {"
    f = write_jsonl(tmp_path / "c.jsonl", lines)
    code, out, err = run(
        "case", "import", str(f), "--batch-size", "10", "--max-errors", "2", "--json", "--db", db
    )
    doc = json.loads(out)
    assert code == 1 and list(Draft202012Validator(SCHEMA).iter_errors(doc)) == []
    assert [b["where"] for b in doc["skipped"]] == [f"{f}:4", f"{f}:13"]
    assert doc["stopped"]["where"] == f"{f}:16" and "more than 2 bad case(s)" in doc["error"]
    # batch 1 (lines 1-11, one skipped) landed; batch 2 stopped while it was read
    assert doc["imported"] == 10 and len(stored(db)) == 10
    assert err.startswith("error: ") and "Traceback" not in err


def test_yaml_items_are_placed_and_an_unreadable_file_does_not_stop_the_rest(
    tmp_path: Path, db: str
) -> None:
    y = tmp_path / "c.yaml"
    y.write_text(
        "cases:\n"
        "  - {id: Y-1, applicant: natural_person, channel: online, received: 2024-03-01}\n"
        "  - {id: Y-2, applicant: natural_person, channel: online}\n"
        "  - {id: Y-1, applicant: natural_person, channel: online, received: 2024-03-01}\n"
        "  - id: Y-3\n"
        "    applicant: natural_person\n"
        "    channel: online\n"
        "    received: 2024-03-01\n"
        "    events:\n"
        "      - {type: correction_received, on: 2024-03-02}\n"
        "  - {id: Y-4, applicant: natural_person, channel: online, received: 2024-03-01}\n",
        "utf-8",
    )
    missing = tmp_path / "nope.jsonl"
    broken = tmp_path / "broken.yaml"
    broken.write_text("cases: [\n", "utf-8")
    code, out, err = run("case", "import", str(missing), str(y), str(broken), "--db", db)
    assert code == 1 and "Traceback" not in err
    assert f"skipped {missing}: " in err and "file not found" in err
    assert f"skipped {y}:3: " in err and "received" in err
    assert f"skipped {y}:4: cases[2].id: duplicate case id 'Y-1'" in err
    assert f"{y}:10: case Y-3: event 'correction_received' is not allowed" in err
    assert f"skipped {broken}" in err
    assert "imported 2 case(s)" in out and "skipped 5 bad case(s)" in out
    assert stored(db) == {"Y-1", "Y-4"}


def test_a_clean_import_exits_zero_and_replace_still_works(tmp_path: Path, db: str) -> None:
    f = write_jsonl(tmp_path / "c.jsonl", [good(i) for i in range(12)])
    code, out, _ = run("case", "import", str(f), "--batch-size", "5", "--json", "--db", db)
    assert code == 0
    assert json.loads(out) == {
        "imported": 12,
        "skipped": [],
        "stopped": None,
        "error": None,
        "max_errors": 100,
    }
    code, out, err = run("case", "import", str(f), "--replace", "--db", db)
    assert code == 0 and "imported 12 case(s)" in out and err == ""


# -- the shared loop ----------------------------------------------------------------


class Counting(Engine):
    """An engine that counts folds: a clean batch is folded once."""

    folds = 0

    def fold(self, case: Case, as_of: Any = None) -> Any:
        Counting.folds += 1
        return super().fold(case, as_of)


def test_only_a_batch_with_a_bad_case_is_folded_again(tmp_path: Path) -> None:
    cases = [make_case("2024-03-01", case_id=f"F-{i}") for i in range(30)]
    cases[14] = make_case("2024-03-01", ("decide", "2024-03-02", {"outcome": "x"}), case_id="X")
    Counting.folds = 0
    with Store(tmp_path / "s.db", Counting()) as s:
        log = ImportLog(10)
        landed = import_in_batches(
            s.import_cases,
            cases,
            batch_size=10,
            replace=False,
            progress=None,
            earlier=0,
            log=log,
        )
        assert landed == log.imported == 29 and s.count() == 29
    assert [b.case for b in log.skipped] == ["X"]
    assert Counting.folds == 30 + 9  # batch 2 once more, without X


def loop(fake: Any, cases: list[Case], log: ImportLog) -> int:
    return import_in_batches(
        fake, cases, batch_size=8, replace=False, progress=None, earlier=0, log=log
    )


def test_an_adapter_naming_a_case_only_by_id_gets_it_skipped() -> None:
    """What the PostgreSQL adapter raises for a rejected event: EventRejected.case_id."""
    landed: list[str] = []

    def import_cases(batch: list[Case], replace: bool) -> list[Any]:
        for c in batch:
            if c.id in ("B-3", "B-6"):
                raise EventRejected("no", case_id=c.id, event_type="decide")
        landed.extend(c.id for c in batch)
        return []

    cases = [make_case("2024-03-01", case_id=f"B-{i}") for i in range(10)]
    log = ImportLog(5)
    assert loop(import_cases, cases, log) == 8
    assert [b.case for b in log.skipped] == ["B-3", "B-6"]
    assert sorted(landed) == sorted(c.id for c in cases if c.id not in ("B-3", "B-6"))


def test_an_error_naming_no_case_is_found_by_halving() -> None:
    def import_cases(batch: list[Case], replace: bool) -> list[Any]:
        if any(c.id == "H-5" for c in batch):
            raise NotFoundError("unknown calendar 'x'")
        return []

    log = ImportLog(5)
    cases = [make_case("2024-03-01", case_id=f"H-{i}") for i in range(8)]
    assert loop(import_cases, cases, log) == 7
    assert [(b.case, b.error) for b in log.skipped] == [("H-5", "unknown calendar 'x'")]


def test_a_store_error_naming_no_case_stops_at_once() -> None:
    tries: list[int] = []

    def import_cases(batch: list[Case], replace: bool) -> list[Any]:
        tries.append(len(batch))
        raise StoreError("the store is open read-only")

    log = ImportLog(100)
    with pytest.raises(StoreError, match=r"read-only \(0 case\(s\) were imported"):
        loop(import_cases, [make_case("2024-03-01", case_id=f"S-{i}") for i in range(8)], log)
    assert tries == [8] and log.skipped == []


def test_one_bad_case_too_many_raises_import_stopped() -> None:
    def import_cases(batch: list[Case], replace: bool) -> list[Any]:
        raise DisclosureError("bad")

    log = ImportLog(1)
    with pytest.raises(ImportStopped, match="more than 1 bad case"):
        loop(import_cases, [make_case("2024-03-01", case_id=f"T-{i}") for i in range(3)], log)
    assert len(log.skipped) == 1 and log.stopped is not None and log.imported == 0
