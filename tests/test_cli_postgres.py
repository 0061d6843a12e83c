"""The CLI on a PostgreSQL store: every store command takes a ``postgresql://`` --db.

Two agencies share one server; each command runs for one of them (--agency
or $DISCLOSURE_AGENCY) and sees only its cases. Skipped unless
``DISCLOSURE_TEST_POSTGRES`` is set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import case_open
from disclosure.cli import cli

pytest.importorskip("psycopg")

ROOT = Path(__file__).resolve().parents[1]
AGENCY = ROOT / "examples" / "agency-2024"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def server(
    pg_fresh: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    """A store with agencies A (holding the 2024 example year) and B (empty)."""
    url, prefix = pg_fresh
    monkeypatch.chdir(tmp_path)  # no settings file: the agency's settings go to the server
    monkeypatch.delenv("DISCLOSURE_CONFIG", raising=False)
    monkeypatch.delenv("DISCLOSURE_AGENCY", raising=False)
    code, out, err = run("init", "--db", url, "--agency", "A", "--role", f"{prefix}_a")
    assert code == 0, err
    assert f"role {prefix}_a" in out
    code, out, err = run(
        "init", "--db", url, "--agency", "B", "--role", f"{prefix}_b", "--calendar", "cn"
    )
    assert code == 0 and "agency settings stored for 'B'" in out, err
    code, out, err = run("case", "import", str(AGENCY / "cases.yaml"), "--db", url, "--agency", "A")
    assert code == 0, err
    return url, prefix


def test_report_from_a_server_equals_report_from_a_file(
    server: tuple[str, str], tmp_path: Path
) -> None:
    url, _ = server
    sqlite_db = str(tmp_path / "cases.db")
    assert run("init", "--db", sqlite_db)[0] == 0
    assert run("case", "import", str(AGENCY / "cases.yaml"), "--db", sqlite_db)[0] == 0
    args = ["report", "annual", "--year", "2024", "--format", "json"]
    code, from_server, err = run(*args, "--db", url, "--agency", "A")
    assert code == 0, err
    code, from_file, err = run(*args, "--db", sqlite_db)
    assert code == 0, err
    tables = ("table3", "table4", "fees")
    server_report, file_report = json.loads(from_server), json.loads(from_file)
    assert [server_report[t] for t in tables] == [file_report[t] for t in tables]
    assert server_report["table3"]["rows"]["new"][-1] > 0
    # agency B's report counts none of A's cases
    code, empty, err = run(*args, "--db", url, "--agency", "B")
    assert code == 0, err
    assert json.loads(empty)["table3"]["rows"]["new"][-1] == 0


def test_agencies_see_only_their_own_cases(server: tuple[str, str]) -> None:
    url, _ = server
    code, out, _ = run("case", "list", "--db", url, "--agency", "A", "--json")
    assert code == 0
    ids = [row["case_id"] for row in json.loads(out)]
    assert ids
    some = ids[0]
    code, out, _ = run("case", "list", "--db", url, "--agency", "B", "--json")
    assert code == 0 and json.loads(out) == []
    code, _, err = run("case", "show", some, "--db", url, "--agency", "B")
    assert code != 0 and some in err
    code, out, err = run("case", "show", some, "--db", url, env={"DISCLOSURE_AGENCY": "A"})
    assert code == 0, err
    assert some in out


def test_write_verify_due_and_export_on_a_server(server: tuple[str, str], tmp_path: Path) -> None:
    url, _ = server
    b = ["--db", url, "--agency", "B"]
    code, _, err = run(*case_open("B-1", received="2024-09-10"), *b)
    assert code == 0, err
    code, _, err = run("case", "event", "B-1", "correction_received", "--on", "2024-09-12", *b)
    assert code == 1 and "not allowed in state 'received'" in err
    code, _, err = run("case", "event", "B-1", "extend", "--on", "2024-09-20", *b)
    assert code == 0, err
    code, out, err = run("case", "show", "B-1", "--json", *b)
    assert code == 0, err
    assert [e["type"] for e in json.loads(out)["timeline"]] == ["extend"]
    code, out, err = run("case", "explain", "B-1", "--json", "--as-of", "2024-09-20", *b)
    assert code == 0, err  # an id, read from the server (once taken for a missing file)
    assert json.loads(out)["case"] == "B-1"
    code, out, err = run("store", "verify", "--json", *b)
    assert code == 0, err
    assert json.loads(out) == {"cases": 1, "ok": True, "problems": []}
    code, out, err = run("due", "--as-of", "2024-12-20", *b)
    assert code == 0, err
    assert "B-1" in out
    assert "--agency B" in out  # suggested commands keep the agency
    exported = tmp_path / "b.json"
    code, _, err = run("case", "export", "-o", str(exported), "--show-personal-data", *b)
    assert code == 0, err
    assert [c["id"] for c in json.loads(exported.read_text("utf-8"))["cases"]] == ["B-1"]


def test_server_errors_are_one_line(server: tuple[str, str]) -> None:
    url, _ = server
    # the owner without --agency sees every agency but may not write
    code, _, err = run(*case_open("X-1"), "--db", url)
    assert code != 0 and "writing needs an agency" in err and "Traceback" not in err
    code, _, err = run("due", "--db", url, "--agency", "nobody")
    assert code != 0 and "no agency 'nobody'" in err and "A, B" in err
    code, _, err = run("init", "--db", url, "--force")
    assert code != 0 and "only for a SQLite file" in err


def test_sqlite_store_refuses_an_agency(tmp_path: Path) -> None:
    db = str(tmp_path / "one.db")
    assert run("init", "--db", db)[0] == 0
    code, _, err = run("due", "--db", db, "--agency", "A")
    assert code != 0 and "needs a postgresql:// store" in err
    code, _, err = run("init", "--db", str(tmp_path / "two.db"), "--role", "r")
    assert code != 0 and "--role" in err


def test_each_agency_keeps_its_own_settings_on_the_server(server: tuple[str, str]) -> None:
    url, _ = server
    a, b = ["--db", url, "--agency", "A"], ["--db", url, "--agency", "B"]
    code, out, err = run("settings", "set", "parameters.cn-ogi-2019.correction_period", "15", *a)
    assert code == 0 and "agency 'A' (stored settings)" in out, err
    code, out, _ = run("settings", "show", "--json", *a)
    assert json.loads(out)["parameters"] == {"cn-ogi-2019": {"correction_period": 15}}
    code, out, _ = run("settings", "show", "--json", *b)
    doc = json.loads(out)
    assert doc["parameters"] == {} and doc["agency"]["calendar"] == "cn"  # B's, from init
    code, _, err = run("settings", "set", "agency.calendar", "cn-atlantis", *b)
    assert code == 1 and "cn-atlantis" in err  # checked before anything is written


def test_init_run_again_for_an_agency_keeps_the_settings_set_since(
    server: tuple[str, str],
) -> None:
    url, prefix = server
    b = ["--db", url, "--agency", "B"]
    assert run("settings", "set", "agency.name", "某市教育局", *b)[0] == 0
    assert run("settings", "set", "parameters.cn-ogi-2019.correction_period", "15", *b)[0] == 0
    # a provisioning script run twice, the second time also choosing a ruleset
    code, out, err = run("init", *b, "--role", f"{prefix}_b", "--ruleset", "cn-ogi-2019")
    assert code == 0, err
    assert "agency.name is '某市教育局'" in out
    doc = json.loads(run("settings", "show", "--json", *b)[1])
    assert doc["agency"]["name"] == "某市教育局" and doc["agency"]["calendar"] == "cn"
    assert doc["agency"]["ruleset"] == "cn-ogi-2019"
    assert doc["parameters"] == {"cn-ogi-2019": {"correction_period": 15}}


def test_store_copy_moves_an_agency_onto_the_server_and_back(
    server: tuple[str, str], tmp_path: Path
) -> None:
    url, _ = server
    local = str(tmp_path / "local.db")
    assert run("init", "--db", local, "--calendar", "cn")[0] == 0
    assert run("case", "import", str(AGENCY / "cases.yaml"), "--db", local)[0] == 0
    code, out, err = run("store", "copy", local, url, "--to-agency", "B", "--replace")
    assert code == 0, err
    copied = int(out.split()[1])
    assert copied > 300 and "both stores verify" in out
    code, out, _ = run("case", "list", "--json", "--limit", "0", "--db", url, "--agency", "B")
    assert len(json.loads(out)) == copied
    back = str(tmp_path / "back.db")
    code, out, err = run("store", "copy", url, back, "--from-agency", "B")
    assert code == 0 and f"copied {copied} case(s)" in out, err
    # the same rows, hashes included, in both files
    import sqlite3

    def rows(db: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(db) as con:
            return con.execute("SELECT * FROM events ORDER BY case_id, seq").fetchall()

    assert rows(local) == rows(back)
    code, _, err = run("store", "copy", local, url, "--to-agency", "B")
    assert code == 1 and "already holds" in err and "--replace" in err
    assert "Traceback" not in err


def test_the_doj_report_from_a_server_equals_the_report_from_the_file(
    server: tuple[str, str],
) -> None:
    url, _ = server
    us = ROOT / "examples" / "us-agency-2025" / "cases.yaml"
    b = ["--db", url, "--agency", "B"]
    assert run("case", "import", str(us), *b)[0] == 0
    args = ["report", "annual", "--ruleset", "us-foia", "--format", "json"]
    for year in ("2024", "2025"):
        code, from_server, err = run(*args, "--year", year, *b)
        assert code == 0, err
        code, from_file, err = run(*args, "--year", year, "--cases", str(us), "--agency", "B")
        assert code == 0, err
        assert json.loads(from_server)["tables"] == json.loads(from_file)["tables"]


def test_on_a_server_agency_is_the_tenant_and_the_report_name_comes_from_the_settings(
    server: tuple[str, str],
) -> None:
    import shlex

    url, prefix = server
    code, out, err = run(
        "init", "--db", url, "--agency", "C", "--role", f"{prefix}_c", "--ruleset", "us-foia"
    )
    assert code == 0, err
    hint = out.splitlines()[-1]  # the key is the first name: init says how to set another
    assert hint.startswith("agency.name is 'C'")
    assert hint.endswith(
        f'disclosure settings set agency.name "…" --db {shlex.quote(url)} --agency C'
    )
    c = ["--db", url, "--agency", "C"]
    us = ROOT / "examples" / "us-agency-2025" / "cases.yaml"
    assert run("case", "import", str(us), *c)[0] == 0
    args = ["report", "annual", "--year", "2025", "--format", "json"]
    code, out, err = run(*args, *c)
    assert code == 0, err
    assert json.loads(out)["agency"] == "C"
    assert run("settings", "set", "agency.name", "Office of C", *c)[0] == 0
    # typed or exported, --agency only chooses the tenant; the name is the stored one
    for given, env in ((c, None), (["--db", url], {"DISCLOSURE_AGENCY": "C"})):
        code, out, err = run(*args, *given, env=env)
        assert code == 0, err
        assert json.loads(out)["agency"] == "Office of C"


def test_keyset_paging_on_a_server(server: tuple[str, str]) -> None:
    url, _ = server
    a = ["--db", url, "--agency", "A"]
    code, out, _ = run("case", "list", "--json", "--limit", "0", *a)
    everything = [row["case_id"] for row in json.loads(out)]
    seen: list[str] = []
    after: list[str] = []
    while True:
        code, out, err = run("case", "list", "--json", "--limit", "100", *after, *a)
        assert code == 0, err
        ids = [row["case_id"] for row in json.loads(out)]
        if not ids:
            break
        seen += ids
        after = ["--after", ids[-1]]
    assert seen == everything and len(seen) > 300


def test_a_jsonl_import_read_by_workers_on_a_server_ends_as_on_sqlite(
    server: tuple[str, str], tmp_path: Path
) -> None:
    """The workers read the lines for a server store too; the same cases land, the same
    lines are skipped, as into a SQLite file in one process."""
    lines = []
    for i in range(40):
        doc = {
            "id": f"J-{i:03d}",
            "applicant": "natural_person",
            "channel": "online",
            "received": f"2024-05-{1 + i % 28:02d}",
            "events": [
                {"type": "decide", "on": f"2024-06-{1 + i % 28:02d}", "outcome": "disclosed"}
            ],
        }
        if i % 9 == 4:
            doc["events"] = doc["events"] * 2  # a second decision: rejected
        lines.append('{"id": "broken", ' if i % 11 == 5 else json.dumps(doc))
    f = tmp_path / "cases.jsonl"
    f.write_text("\n".join(lines) + "\n", "utf-8")
    url, _ = server
    sqlite_db = str(tmp_path / "one.db")
    assert run("init", "--db", sqlite_db)[0] == 0
    outcomes = []
    for target, workers in ((["--db", url, "--agency", "B"], "2"), (["--db", sqlite_db], "1")):
        args = ["case", "import", str(f), "--json", "--batch-size", "4", "--workers", workers]
        code, out, _ = run(*args, *target)
        report = json.loads(out)
        listed = json.loads(run("case", "list", "--json", "--limit", "0", *target)[1])
        outcomes.append((code, report["imported"], [b["where"] for b in report["skipped"]], listed))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == 1 and outcomes[0][1] == 40 - len(outcomes[0][2]) > 25


def test_a_server_url_with_spaces_around_it_connects(server: tuple[str, str]) -> None:
    url, _ = server
    code, out, err = run("case", "list", "--json", "--db", f"  {url} ", "--agency", "A")
    assert code == 0, err
    assert json.loads(out)


def test_refold_on_a_server_rewrites_one_agencys_rows(
    server: tuple[str, str], tmp_path: Path
) -> None:
    """A settings file given to the command (not stored) folds agency A's cases anew;
    refold rewrites exactly the rows verify found, and agency B is not touched."""
    url, _ = server
    a = ["--db", url, "--agency", "A"]
    config = tmp_path / "counting.toml"
    config.write_text("[parameters.cn-ogi-2019]\ncount_trigger_day = true\n", encoding="utf-8")
    assert run("store", "refold", *a)[:2] == (
        0,
        "346 case(s) folded again: 0 projection row(s) rewritten\n",
    )
    code, _, err = run("--config", str(config), "store", "verify", *a)
    assert code == 1 and " disclosure --config " in err and " store refold --db " in err
    assert err.endswith(" --agency A\n")
    code, out, err = run("--config", str(config), "store", "refold", "--json", *a)
    assert code == 0, err
    assert json.loads(out)["cases"] == 346 and len(json.loads(out)["changed"]) == 31
    assert run("--config", str(config), "store", "verify", *a)[0] == 0
    assert run("store", "refold", "--db", url, "--agency", "B")[1].startswith("0 case(s)")


def test_due_on_a_login_that_sees_several_agencies_checks_nothing(
    server: tuple[str, str],
) -> None:
    """Each agency folds with its own stored settings, which such a login does not apply:
    no check (it would warn falsely, and its refold needs an agency)."""
    url, _ = server
    code, _, err = run(
        "settings",
        "set",
        "parameters.cn-ogi-2019.count_trigger_day",
        "true",
        "--db",
        url,
        "--agency",
        "A",
    )
    assert code == 0, err
    code, _, err = run(*case_open("2024-0334", received="2024-09-10"), "--db", url, "--agency", "B")
    assert code == 0, err
    code, out, err = run("due", "--as-of", "2024-12-20", "--db", url)
    assert code == 0 and "OVERDUE" in out and err == ""
    code, _, err = run("store", "refold", "--dry-run", "--db", url)
    assert code == 1 and "refold needs an agency: give --agency" in err
    assert run("due", "--as-of", "2024-12-20", "--db", url, "--agency", "A")[2] == ""


def test_verify_on_a_login_that_sees_several_agencies_replays_each_with_its_settings(
    server: tuple[str, str],
) -> None:
    url, _ = server
    code, _, err = run(
        "settings", "set", "parameters.cn-ogi-2019.count_trigger_day", "true",
        "--db", url, "--agency", "A",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = run(*case_open("B-1", received="2024-09-10"), "--db", url, "--agency", "B")
    assert code == 0, err
    code, out, err = run("store", "verify", "--db", url)  # the owner: both agencies
    assert (code, out, err) == (0, "347 case(s) replayed: ok\n", "")


def test_verify_of_several_agencies_names_each_and_goes_on_past_unreadable_settings(
    server: tuple[str, str],
) -> None:
    import psycopg

    url, _ = server
    code, _, err = run(*case_open("B-1", received="2024-09-10"), "--db", url, "--agency", "B")
    assert code == 0, err
    with psycopg.connect(url, autocommit=True) as owner:
        owner.execute(
            "INSERT INTO agency_settings VALUES ('A', '[agency]\ncolour = 1') "
            "ON CONFLICT (agency) DO UPDATE SET document = EXCLUDED.document"
        )
        owner.execute("UPDATE projection SET state = 'bogus' WHERE agency = 'B'")
    code, out, err = run("store", "verify", "--db", url)
    assert code == 1 and out.startswith("347 case(s) replayed: ")
    lines = err.splitlines()
    assert lines[0].startswith("agency A: its stored settings cannot be read (")
    assert "agency 'A' (stored settings)" in lines[0] and "colour" in lines[0]
    assert any(
        line.startswith("agency B: case B-1: projection differs: state 'bogus'") for line in lines
    )
    assert lines[-1].startswith("a projection that differs was written with other settings")
    assert " run for each agency named: " in lines[-1] and lines[-1].endswith(" --agency AGENCY")
