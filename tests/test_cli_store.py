"""CLI commands over the case store and the annual report, end to end."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, case_open
from disclosure.cli import cli

AGENCY = EXAMPLES / "agency-2024"
#: Opens a plain case "A" (add ``--db``).
OPEN_A = case_open("A")


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "cases.db")
    assert run("init", "--db", path)[0] == 0
    return path


@pytest.fixture
def loaded(db: str) -> str:
    code, _out, err = run("case", "import", str(AGENCY / "cases.yaml"), "--db", db)
    assert code == 0, err
    return db


def test_open_event_show_list(db: str) -> None:
    code, out, _ = run(
        "case",
        "open",
        "2024-0042",
        "--applicant",
        "legal_service_org",
        "--channel",
        "post_signed",
        "--received",
        "2024-09-10",
        "--applicant-name",
        "张三丰",
        "--id-number",
        "110101199001011234",
        "--contact",
        "13800138000",
        "--db",
        db,
    )
    assert code == 0 and "reply due 2024-10-14" in out
    code, out, _ = run(
        "case",
        "event",
        "2024-0042",
        "request_correction",
        "--on",
        "2024-09-13",
        "correction_period=10",
        "--db",
        db,
    )
    assert code == 0 and "awaiting_correction" in out
    code, out, _ = run(
        "case",
        "event",
        "2024-0042",
        "correction_received",
        "--on",
        "2024-09-23",
        "--db",
        db,
        "--expect-seq",
        "1",
    )
    assert code == 0
    code, out, _ = run("case", "show", "2024-0042", "--db", db, "--as-of", "2024-10-01")
    assert code == 0
    assert "张**" in out and "110*************34" in out and "*******8000" in out
    assert "张三丰" not in out and "13800138000" not in out
    assert "2024-10-24" in out and "discarded" in out and "correction_received" in out
    code, out, _ = run("case", "show", "2024-0042", "--db", db, "--show-personal-data", "--json")
    doc = json.loads(out)
    assert doc["case"]["applicant_name"] == "张三丰" and doc["state"] == "under_review"
    assert doc["deadlines"]["reply"]["due"] == "2024-10-24"
    code, out, _ = run("case", "list", "--waiting-on", "agency", "--json", "--db", db)
    assert [r["case_id"] for r in json.loads(out)] == ["2024-0042"]


def test_rejected_event_lists_allowed_and_changes_nothing(db: str) -> None:
    run(*OPEN_A, "--db", db)
    code, _, err = run(
        "case", "event", "A", "correction_received", "--on", "2024-03-02", "--db", db
    )
    assert code == 1 and "not allowed in state 'received'" in err and "allowed: " in err
    assert "Traceback" not in err
    code, out, _ = run("case", "show", "A", "--json", "--db", db)
    assert json.loads(out)["timeline"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["case", "show", "NOPE"], "no case 'NOPE'"),
        (["case", "event", "A", "decid", "--on", "2024-03-05"], "unknown event type 'decid'"),
        (["case", "event", "A", "decide", "--on", "2024-03-05"], "needs field 'outcome'"),
        (
            ["case", "event", "A", "decide", "--on", "2024-02-30", "outcome=disclosed"],
            "is not a date",
        ),
        (["case", "event", "A", "decide", "outcome"], "is not KEY=VALUE"),
        (["case", "event", "A", "extend", "--expect-seq", "3"], "expected 3 events"),
        (
            OPEN_A,
            "case A already exists",
        ),
        (
            [
                "case",
                "open",
                "B",
                "--applicant",
                "citizen",
                "--channel",
                "online",
                "--received",
                "2024-03-01",
            ],
            "unknown applicant kind 'citizen'",
        ),
        (["case", "list", "--due-within", "-1"], "-1"),
        (["init"], "already exists"),
    ],
)
def test_store_user_errors(db: str, args: list[str], message: str) -> None:
    run(*OPEN_A, "--db", db)
    code, out, err = run(*args, "--db", db)
    assert code != 0
    assert message in err, err
    assert "Traceback" not in out + err


def test_missing_and_unreadable_database(tmp_path: Path) -> None:
    code, _, err = run("case", "list", "--db", str(tmp_path / "none.db"))
    assert code == 1 and "no case store here" in err and "disclosure init" in err
    bad = tmp_path / "bad.db"
    bad.write_text("garbage" * 100, encoding="utf-8")
    code, _, err = run("due", "--db", str(bad))
    assert code == 1 and "cannot open the case store" in err


def test_a_db_that_is_a_directory_or_in_a_missing_one_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    for args in (("case", "list"), ("init",), ("due",)):
        code, out, err = run(*args, "--db", str(missing / "x.db"))
        assert code == 1 and out == "" and "Traceback" not in err
        assert f"no directory {missing}" in err or f"directory {missing} does not exist" in err
        assert f"mkdir -p {missing}" in err and "unable to open" not in err
    assert not missing.exists()  # nothing created
    for args in (("case", "list"), ("store", "verify"), (*OPEN_A,)):
        code, out, err = run(*args, "--db", str(tmp_path))
        assert code == 1 and out == "" and "unable to open" not in err
        assert err.startswith(f"error: {tmp_path} is a directory, not a store file; ")
        assert str(tmp_path / "cases.db") in err
    assert list(tmp_path.iterdir()) == []
    afile = tmp_path / "notes.txt"
    afile.write_text("x", "utf-8")
    code, _, err = run("init", "--db", str(afile / "x.db"))
    assert code == 1 and f"{afile} is not a directory" in err


def test_a_db_that_is_a_url_of_another_kind_is_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for url, hint in (
        ("postgresq://clerk@/foi?host=/var/run/pg", "did you mean 'postgresql'?"),
        ("mysql://clerk@db/foi", "expected one of"),
    ):
        for args in (("case", "list"), ("init",)):
            code, out, err = run(*args, "--db", url)
            assert code == 1 and out == "" and "Traceback" not in err
            assert "is no kind of case store" in err and hint in err, err
            assert "mkdir" not in err
    assert list(tmp_path.iterdir()) == []  # no folder made for a URL


def test_locked_database_gives_a_clear_error(db: str) -> None:
    holder = sqlite3.connect(db)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "disclosure",
                *case_open("L"),
                "--db",
                db,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "DISCLOSURE_BUSY_TIMEOUT": "0.5"},
        )
    finally:
        holder.rollback()
        holder.close()
    assert proc.returncode == 1
    assert "database is locked" in proc.stderr and "Traceback" not in proc.stderr


def test_db_from_environment(loaded: str) -> None:
    code, out, _ = run("case", "list", "--json", env={"DISCLOSURE_DB": loaded})
    assert code == 0 and len(json.loads(out)) == 346


def test_due_dashboard_and_advance(loaded: str) -> None:
    code, out, _ = run("due", "--as-of", "2025-01-13", "--db", loaded, "--json")
    doc = json.loads(out)
    assert doc["overdue"]["count"] == 1 and doc["overdue"]["cases"][0]["id"] == "2024-0074"
    assert doc["lapsed"]["cases"][0]["command"].startswith(
        "disclosure case event 2024-0334 fee_lapsed --on 2025-01-10"
    )
    code, out, _ = run("due", "--as-of", "2025-01-13", "--db", loaded)
    assert "OVERDUE" in out and "disclosure case show 2024-0074" in out
    code, out, _ = run("advance", "--as-of", "2025-01-13", "--db", loaded, "--json")
    assert [e["type"] for e in json.loads(out)] == ["fee_lapsed"]
    code, out, _ = run("advance", "--as-of", "2025-01-13", "--apply", "--db", loaded)
    assert code == 0 and "recorded" in out
    code, out, _ = run("advance", "--as-of", "2025-01-13", "--db", loaded)
    assert "nothing has lapsed" in out
    code, out, _ = run("store", "verify", "--db", loaded)
    assert code == 0 and "346 case(s) replayed: ok" in out


def test_export_import_round_trip(loaded: str, tmp_path: Path) -> None:
    out_file = tmp_path / "all.jsonl"
    code, _, _ = run("case", "export", "-o", str(out_file), "--db", loaded, "--show-personal-data")
    assert code == 0
    other = str(tmp_path / "other.db")
    run("init", "--db", other)
    code, out, _ = run("case", "import", str(out_file), "--db", other)
    assert "imported 346" in out
    again = tmp_path / "again.jsonl"
    run("case", "export", "-o", str(again), "--db", other, "--show-personal-data")
    assert again.read_text(encoding="utf-8") == out_file.read_text(encoding="utf-8")


def test_report_from_the_store_equals_report_from_files(loaded: str) -> None:
    common = [
        "report",
        "annual",
        "--year",
        "2024",
        "--format",
        "json",
        "--agency-data",
        str(AGENCY / "agency.yaml"),
        "--narrative",
        str(AGENCY / "narrative.md"),
    ]
    code, from_db, _ = run(*common, "--db", loaded)
    assert code == 0
    code, from_files, _ = run(*common, "--cases", str(AGENCY / "cases.yaml"))
    assert json.loads(from_db) == json.loads(from_files)
    assert from_files == (AGENCY / "report" / "report.json").read_text(encoding="utf-8")


def test_report_explain_and_previous(loaded: str, tmp_path: Path) -> None:
    code, out, _ = run(
        "report", "annual", "--year", "2024", "--db", loaded, "--explain", "carried_out", "total"
    )
    doc = json.loads(out)
    assert doc["count"] == len(doc["cases"]) > 0
    code, out, _ = run(
        "report", "annual", "--year", "2024", "--db", loaded, "--explain", "table4.review", "upheld"
    )
    assert code == 0 and json.loads(out)["table"] == "table4"
    last = tmp_path / "2024.json"
    run("report", "annual", "--year", "2024", "--db", loaded, "--format", "json", "-o", str(last))
    code, out, err = run(
        "report",
        "annual",
        "--year",
        "2025",
        "--db",
        loaded,
        "--previous",
        str(last),
        "--format",
        "json",
    )
    assert code == 0, err
    rc7 = next(c for c in json.loads(out)["checks"] if c["id"] == "RC-7")
    assert rc7["passed"] is True and rc7["skipped"] is None


def test_report_errors(loaded: str, tmp_path: Path) -> None:
    code, _, err = run("report", "annual", "--year", "2024", "--db", loaded, "--format", "pdf")
    assert code == 1 and "no report renderer 'pdf'" in err
    code, _, err = run(
        "report", "annual", "--year", "2024", "--db", loaded, "--template", "cn-annual-2019"
    )
    assert code == 1 and "not 2024" in err
    code, _, err = run(
        "report", "annual", "--year", "2024", "--db", loaded, "--explain", "nwe", "total"
    )
    assert code == 1 and "did you mean 'new'" in err


def test_report_reads_the_default_store_like_every_other_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCLOSURE_DB", raising=False)
    code, _, err = run("report", "annual", "--year", "2024")
    assert code == 1 and "disclosure.db: no case store here" in err and "disclosure init" in err
    assert run("init")[0] == 0
    cases = str(EXAMPLES / "agency-2024" / "cases.yaml")
    assert run("case", "import", cases)[0] == 0
    code, out, err = run("report", "annual", "--year", "2024", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["table3"]["rows"]["new"][-1] > 300


def test_rules_graph() -> None:
    _, out, _ = run("rules", "graph", "cn-ogi-2019")
    assert out.startswith("stateDiagram-v2") and "awaiting_correction --> concluded" in out
    _, out, _ = run("rules", "graph", "cn-ogi-2019", "--format", "dot")
    assert out.startswith('digraph "cn-ogi-2019"')


def test_list_filters_are_checked_against_the_rulesets(db: str) -> None:
    code, _, err = run("case", "list", "--state", "under_reveiw", "--db", db)
    assert code == 1 and "did you mean 'under_review'" in err
    code, _, err = run("case", "list", "--waiting-on", "requestr", "--db", db)
    assert code == 1 and "did you mean 'requester'" in err  # a party of us-foia
    assert run("case", "list", "--state", "awaiting_clarification", "--db", db)[0] == 0


def test_store_copy_between_files_is_lossless_and_refuses_a_full_target(
    loaded: str, tmp_path: Path
) -> None:
    import sqlite3

    copy = str(tmp_path / "copy.db")
    code, out, err = run("store", "copy", loaded, copy)
    assert code == 0 and "both stores verify" in out, err
    for table in ("cases", "events", "projection"):
        with sqlite3.connect(loaded) as a, sqlite3.connect(copy) as b:
            query = f"SELECT * FROM {table} ORDER BY 1, 2"
            assert a.execute(query).fetchall() == b.execute(query).fetchall()
    code, _, err = run("store", "copy", loaded, copy)
    assert code == 1 and "already holds" in err
    code, _, err = run("store", "copy", loaded, loaded)
    assert code == 1 and "the same store" in err
    code, _, err = run("store", "copy", str(tmp_path / "missing.db"), copy)
    assert code == 1 and "no case store here" in err


def test_keyset_pages_cover_the_list_once_and_do_not_shift(loaded: str) -> None:
    """--after walks the whole list in pages; a case added before the cursor
    moves no page boundary (an offset would repeat a row)."""

    def page(*extra: str) -> list[str]:
        code, out, err = run("case", "list", "--json", "--limit", "40", *extra, "--db", loaded)
        assert code == 0, err
        return [row["case_id"] for row in json.loads(out)]

    code, out, _ = run("case", "list", "--json", "--limit", "0", "--db", loaded)
    everything = [row["case_id"] for row in json.loads(out)]
    seen: list[str] = []
    after: list[str] = []
    while True:
        ids = page(*after)
        if not ids:
            break
        seen += ids
        after = ["--after", ids[-1]]
        if len(seen) == 80:  # between pages, a case due before the cursor arrives
            assert run(*case_open("0-EARLY", received="2023-01-02"), "--db", loaded)[0] == 0
    assert seen == everything  # each case once, in the list's order
    code, _, err = run("case", "list", "--after", "NOPE", "--db", loaded)
    assert code == 1 and "no case 'NOPE'" in err
    # the same filter and order with --overdue (the due-date index order)
    overdue = ["--overdue", "--as-of", "2025-01-13"]
    code, out, _ = run("case", "list", "--json", *overdue, "--limit", "0", "--db", loaded)
    all_overdue = [row["case_id"] for row in json.loads(out)]
    assert len(all_overdue) >= 2
    rest = page(*overdue, "--after", all_overdue[0])
    assert rest == all_overdue[1:41]


def test_refold_after_a_settings_file_change(loaded: str, tmp_path: Path) -> None:
    """A disclosure.toml change moves deadlines without a write: verify names the rows
    and the command, refold --dry-run lists them and writes nothing, refold rewrites them."""
    config = tmp_path / "disclosure.toml"
    config.write_text("[parameters.cn-ogi-2019]\ncount_trigger_day = true\n", encoding="utf-8")
    same = run("store", "refold", "--db", loaded)
    assert same == (0, "346 case(s) folded again: 0 projection row(s) rewritten\n", "")

    code, _out, err = run("--config", str(config), "store", "verify", "--db", loaded)
    assert code == 1 and ": projection differs: next_" in err
    assert err.endswith(
        "with this command's, run: DISCLOSURE_LOAD_PLUGINS='' disclosure --config "
        f"{config} store refold --db {loaded}\n"
    )

    code, out, err = run("--config", str(config), "store", "refold", "--dry-run", "--db", loaded)
    assert code == 0 and err == ""
    *ids, summary = out.splitlines()
    assert (
        summary
        == "346 case(s) folded again: 31 projection row(s) would change (nothing was written)"
    )
    assert ids[0].startswith("2023-0009, 2023-0012, ") and ids[0].endswith(" and 11 more")
    assert run("--config", str(config), "store", "verify", "--db", loaded)[0] == 1

    code, out, _ = run("--config", str(config), "store", "refold", "--json", "--db", loaded)
    doc = json.loads(out)
    assert code == 0 and doc["cases"] == 346 and len(doc["changed"]) == 31
    assert doc["changed"][:2] == ["2023-0009", "2023-0012"] and doc["failed"] == []
    assert run("--config", str(config), "store", "verify", "--db", loaded)[:2] == (
        0,
        "346 case(s) replayed: ok\n",
    )
    assert run("store", "verify", "--db", loaded)[0] == 1  # now the old settings differ


def test_refold_names_a_case_that_no_longer_folds_and_exits_1(
    loaded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from disclosure import Engine
    from disclosure.errors import DisclosureError

    real_fold = Engine.fold

    def refusing(self: Engine, case: object, as_of: object = None) -> object:
        if getattr(case, "id", None) == "2024-0027":
            raise DisclosureError("no longer allowed")
        return real_fold(self, case, as_of)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "fold", refusing)
    code, out, err = run("store", "refold", "--db", loaded)
    assert code == 1
    assert err == (
        "case 2024-0027: no longer folds: no longer allowed; its projection row is left as it was\n"
    )
    assert out.endswith("0 projection row(s) rewritten; 1 case(s) left as they were\n")


def test_due_warns_when_the_cases_it_shows_fold_differently_now(
    loaded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a settings file change: a warning naming one difference and the settings
    used, and a refold command that folds the same way from any folder."""
    (tmp_path / "disclosure.toml").write_text(
        "[parameters.cn-ogi-2019]\ncount_trigger_day = true\n", encoding="utf-8"
    )
    day = ["--as-of", "2024-12-20", "--db", loaded]
    plain = run("due", *day)
    assert plain[0] == 0 and plain[2] == ""
    monkeypatch.chdir(tmp_path)  # the settings file is found here, and the store
    day[-1] = "cases.db"
    code, out, err = run("due", *day)
    # the rows as stored, and a warning beside them
    assert code == 0 and out.replace("--db cases.db", f"--db {loaded}") == plain[1]
    settings = tmp_path / "disclosure.toml"
    assert err == (
        "warning: 4 case(s) shown fold differently now than when their row was written (case "
        f"2024-0334: next_lapse 2025-01-09 → 2025-01-08), with the settings of {settings}, "
        "the calendars and rulesets of this command; if these are right, run: "
        f"DISCLOSURE_LOAD_PLUGINS='' disclosure --config {settings} store refold --db {loaded}\n"
    )
    assert run("due", "--json", *day)[2] == err
    refold = err.split(" disclosure ")[1].split()
    monkeypatch.chdir(tmp_path.parent)  # elsewhere: the command names the settings itself
    assert run(*refold)[0] == 0
    day[-1] = loaded
    code, out, err = run("--config", str(settings), "due", *day)
    assert code == 0 and err == "" and out != plain[1]


@pytest.mark.parametrize("before", ["get", "projection"])
def test_due_checks_only_what_it_can_read_and_what_changed_since_it_listed(
    loaded: str, monkeypatch: pytest.MonkeyPatch, before: str
) -> None:
    """A damaged case is left to store verify (no traceback); a case a clerk changed
    between the list and the check is no difference."""
    from disclosure import Event
    from disclosure.store import Store

    con = sqlite3.connect(loaded)
    with con:
        con.execute("UPDATE events SET data = '{not json' WHERE case_id = '2024-0334' AND seq = 1")
    con.close()
    real_get, real = Store.get, getattr(Store, before)
    appended: list[str] = []

    def clerk_first(self: Store, case_id: str) -> object:
        if not appended and case_id != "2024-0334":
            with Store(loaded) as clerk:
                n = len(real_get(clerk, case_id).events)
                clerk.append(case_id, Event("withdraw", dt.date(2024, 12, 20)), expected_seq=n)
            appended.append(case_id)
        return real(self, case_id)

    monkeypatch.setattr(Store, before, clerk_first)
    code, out, err = run("due", "--as-of", "2024-12-20", "--db", loaded)
    assert code == 0 and "OVERDUE" in out and err == "" and appended


def test_refold_names_a_case_it_cannot_read_and_goes_on(loaded: str) -> None:
    con = sqlite3.connect(loaded)
    with con:
        con.execute("UPDATE cases SET received = 'soon' WHERE id = '2024-0027'")
    con.close()
    code, out, err = run("store", "refold", "--db", loaded)
    assert code == 1
    assert err.startswith("case 2024-0027: cannot be read (")
    assert err.endswith("); see 'disclosure store verify'; its projection row is left as it was\n")
    assert out == (
        "345 case(s) folded again: 0 projection row(s) rewritten; 1 case(s) left as they were\n"
    )


def test_refold_reads_past_a_case_whose_id_is_no_longer_text(loaded: str) -> None:
    """The next page starts after the last row read, as the database orders ids, even
    when that row cannot be made a case."""
    con = sqlite3.connect(loaded)
    with con:
        con.execute("UPDATE cases SET id = CAST(id AS BLOB) WHERE id = '2024-0027'")
    con.close()
    code, out, _ = run("store", "refold", "--json", "--db", loaded)
    doc = json.loads(out)
    assert code == 1 and doc["cases"] == 345 and doc["changed"] == []
    assert [f["case"] for f in doc["failed"]] == ["b'2024-0027'"]


def test_the_refold_hint_escapes_control_characters_in_the_store_path(tmp_path: Path) -> None:
    odd = str(tmp_path / "a\x01b.db")
    assert run("init", "--db", odd)[0] == 0
    assert run(*OPEN_A, "--db", odd)[0] == 0
    con = sqlite3.connect(odd)
    with con:
        con.execute("UPDATE projection SET state = 'bogus'")
    con.close()
    code, _, err = run("store", "verify", "--db", odd)
    assert code == 1 and "store refold --db" in err and "\x01" not in err
