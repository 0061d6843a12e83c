"""The tamper-evident store: verify finds damage and edits, and never raises."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_case
from disclosure import Engine, Event
from disclosure.cli import cli
from disclosure.plugins import Plugins
from disclosure.store import Store, StoreError, verify
from disclosure.store.schema import SCHEMA_VERSION


def engine() -> Engine:
    return Engine(plugins=Plugins.builtin_only())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cases.db"
    with Store(path, engine()) as store:
        for i in range(8):
            store.open_case(
                make_case(
                    "2024-03-01",
                    ("extend", "2024-03-04"),
                    ("decide", "2024-03-05", {"outcome": "disclosed"}),
                    case_id=f"C-{i}",
                )
            )
        store.open_case(make_case("2024-03-01", case_id="OPEN"))
        assert store.verify() == []
    return path


def tamper(path: Path, sql: str) -> list[str]:
    con = sqlite3.connect(path)
    con.execute(sql)
    con.commit()
    con.close()
    with Store(path, engine()) as store:
        return store.verify()


@pytest.mark.parametrize(
    ("sql", "expect"),
    [
        ("UPDATE events SET on_date = '2024-03-03' WHERE case_id = 'C-1' AND seq = 1", "seq 1"),
        ("UPDATE events SET on_date = 'yesterday' WHERE case_id = 'C-1' AND seq = 1", "seq 1"),
        ("UPDATE events SET data = '{not json' WHERE case_id = 'C-1' AND seq = 2", "seq 2"),
        ("UPDATE events SET note = 'x' WHERE case_id = 'C-1' AND seq = 1", "seq 1"),
        ("UPDATE events SET by = 'mallory' WHERE case_id = 'C-1' AND seq = 2", "seq 2"),
        ("UPDATE events SET recorded_at = '2020-01-01' WHERE case_id = 'C-1' AND seq = 1", "seq 1"),
        ("UPDATE cases SET received = 'soon' WHERE id = 'C-1'", "received"),
        ("UPDATE cases SET applicant_name = '张三' WHERE id = 'C-1'", "case row"),
        ("UPDATE cases SET id_number = '1' WHERE id = 'OPEN'", "case row"),
        ("UPDATE cases SET contact = 'x@y' WHERE id = 'C-1'", "case row"),
        ("UPDATE events SET seq = 3 WHERE case_id = 'C-1' AND seq = 2", "sequence"),
        ("DELETE FROM events WHERE case_id = 'C-1' AND seq = 2", "C-1"),
        ("DROP TABLE projection", "missing table"),
    ],
)
def test_verify_reports_each_kind_of_tampering(db: Path, sql: str, expect: str) -> None:
    problems = tamper(db, sql)
    assert problems and any(expect in p for p in problems), problems
    assert all("\n" not in p for p in problems)


def test_an_outcome_changed_in_event_and_projection_is_found(db: Path) -> None:
    con = sqlite3.connect(db)
    con.execute(
        "UPDATE events SET data = '{\"outcome\": \"refused\"}' WHERE case_id = 'C-2' AND seq = 2"
    )
    con.execute("UPDATE projection SET outcome = 'refused' WHERE case_id = 'C-2'")
    con.commit()
    con.close()
    with Store(db, engine()) as store:
        assert any("C-2: seq 2" in p for p in store.verify())


def test_append_after_a_sequence_gap_says_the_log_is_damaged(db: Path) -> None:
    tamper(db, "UPDATE events SET seq = 3 WHERE case_id = 'C-1' AND seq = 2")
    with Store(db, engine()) as store, pytest.raises(StoreError, match="damaged.*verify"):
        store.append("C-1", Event("extend", make_case("2024-03-04").received))


def test_cli_verify_exits_1_with_one_line_per_problem(db: Path) -> None:
    tamper(db, "UPDATE events SET note = 'x' WHERE case_id = 'C-3' AND seq = 1")
    result = CliRunner().invoke(cli, ["store", "verify", "--db", str(db)])
    assert result.exit_code == 1 and "C-3" in result.output and "Traceback" not in result.output


def _index_rewritten(path: Path) -> None:
    """Point an index at another column behind SQLite's back: its entries no longer match."""
    con = sqlite3.connect(path)
    version = con.execute("PRAGMA schema_version").fetchone()[0]
    con.execute("PRAGMA writable_schema = ON")
    con.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX projection_state ON projection(applicant)'"
        " WHERE name = 'projection_state'"
    )
    con.execute(f"PRAGMA schema_version = {version + 1}")
    con.commit()
    con.close()


def test_an_index_that_disagrees_with_its_table_is_found_on_one_process_and_on_two(
    db: Path,
) -> None:
    _index_rewritten(db)
    with Store(db, engine()) as store:
        found = store.verify()
        # small chunks, so that two workers share the file checks and the cases
        one = verify.check_cases(
            store.db, store._reader_uri, store.engine, True, workers=1, chunk=2
        )
        two = verify.check_cases(
            store.db, store._reader_uri, store.engine, True, workers=2, chunk=2
        )
    assert found == one == two
    assert found and all(p.startswith("SQLite integrity check:") for p in found)
    assert any("projection_state" in p for p in found)


def test_the_integrity_check_maps_the_file_only_while_it_runs(db: Path) -> None:
    _index_rewritten(db)
    with Store(db, engine()) as store:
        statements: list[str] = []
        store.db.set_trace_callback(statements.append)
        found = verify.check_integrity(store.db)
        store.db.set_trace_callback(None)
        mapped_after = store.db.execute("PRAGMA mmap_size").fetchone()[0]
    assert found and all(p.startswith("SQLite integrity check:") for p in found)
    check = next(i for i, sql in enumerate(statements) if "integrity_check" in sql)
    assert f"PRAGMA mmap_size = {verify.INTEGRITY_MMAP_BYTES}" in statements[:check]
    assert "PRAGMA mmap_size = 0" in statements[check:]
    assert mapped_after == 0


def test_chunks_tile_every_id_so_each_row_is_read_once(db: Path) -> None:
    con = sqlite3.connect(db)
    ids = [r[0] for r in con.execute("SELECT id FROM cases ORDER BY id")]
    assert list(verify.chunks(con, 3)) == [(None, ids[2]), (ids[2], ids[5]), (ids[5], None)]
    assert list(verify.chunks(con, 4)) == [(None, ids[3]), (ids[3], ids[7]), (ids[7], None)]
    assert list(verify.chunks(con, 100)) == [(None, None)]
    con.execute("DELETE FROM cases")
    assert list(verify.chunks(con, 3)) == [(None, None)]  # still one chunk: rows without a case


#: Event and projection rows of cases whose row is gone: before the first id, between
#: two ids, after the last, and on a chunk's upper bound.
GHOSTS = ("A-0", "C-05", "ZZZ", "C-2")


GONE = [
    "case A-0: 2 event row(s) but no case row (the case was deleted outside disclosure)",
    "case C-05: 2 event row(s) but no case row (the case was deleted outside disclosure)",
    "case C-2: 2 event row(s) and a projection row but no case row (the case was deleted "
    "outside disclosure)",
    "case ZZZ: 2 event row(s) and a projection row but no case row (the case was deleted "
    "outside disclosure)",
]


def add_ghosts(db: Path) -> None:
    """Rows of cases whose row is gone: before the first id, between two, after the last."""
    con = sqlite3.connect(db)
    with con:
        for ghost in ("A-0", "C-05", "ZZZ"):
            con.execute(
                "INSERT INTO events SELECT ?, seq, type, on_date, data, note, by, recorded_at, "
                "hash FROM events WHERE case_id = 'C-1'",
                (ghost,),
            )
        con.execute(
            "INSERT INTO projection SELECT 'ZZZ', ruleset, state, waiting_on, closed, outcome, "
            "closed_on, applicant, received, next_due, next_due_clock, next_lapse, "
            "next_lapse_event, provisional, findings FROM projection LIMIT 1"
        )
        con.execute("DELETE FROM cases WHERE id = 'C-2'")  # foreign keys off: rows stay
    con.close()


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("chunk", [2, 3, 1000])
def test_rows_whose_case_row_is_gone_are_found_wherever_their_id_falls(
    db: Path, workers: int, chunk: int
) -> None:
    add_ghosts(db)
    with Store(db, engine()) as store:
        found = verify.check_cases(
            store.db, store._reader_uri, store.engine, True, workers=workers, chunk=chunk
        )
        assert found == GONE
        assert store.verify() == GONE


@pytest.mark.parametrize("bounds", [(None, None), (None, "C-3"), ("C-3", None)])
def test_the_case_by_case_reading_finds_them_too(
    db: Path, bounds: tuple[str | None, str | None]
) -> None:
    """The slow path a chunk takes when its bulk read fails."""
    add_ghosts(db)
    after, last = bounds

    def within(cid: str) -> bool:
        return (after is None or cid > after) and (last is None or cid <= last)

    with Store(db, engine()) as store:
        ids = [r[0] for r in store.db.execute("SELECT id FROM cases")]
        cases, found = verify._case_by_case(store.db, bounds, store.engine, True)
    assert found == [p for p in GONE if within(p.split(":")[0].removeprefix("case "))]
    assert found and cases == len([cid for cid in ids if within(cid)])


def test_a_failure_reading_the_chunks_beside_the_workers_is_raised_not_hung(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chunks' bounds are read in the pool's own thread while workers check."""
    real = verify.chunks

    def breaking(con: sqlite3.Connection, size: int = verify.CHUNK) -> Iterator[verify.Bounds]:
        source = real(con, size)
        yield next(source)
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(verify, "chunks", breaking)
    with Store(db, engine()) as store, pytest.raises(sqlite3.DatabaseError, match="malformed"):
        verify.check_cases(store.db, store._reader_uri, store.engine, True, workers=2, chunk=2)


def test_100_random_corruptions_never_make_verify_raise(db: Path, tmp_path: Path) -> None:
    rng = random.Random(15)
    data = db.read_bytes()
    pages = len(data) // 4096
    copy = tmp_path / "copy.db"
    found = 0
    for _ in range(100):
        for suffix in ("-wal", "-shm"):
            Path(str(copy) + suffix).unlink(missing_ok=True)
        buf = bytearray(data)
        page = rng.randrange(pages)
        for _ in range(rng.randint(1, 20)):
            buf[page * 4096 + rng.randrange(4096)] ^= 1 << rng.randrange(8)
        copy.write_bytes(bytes(buf))
        try:
            store = Store(copy, engine(), create=False)
        except StoreError:
            found += 1  # a clear error, not a traceback
            continue
        with store:
            problems = store.verify()
        found += bool(problems)
    assert found > 0


def test_a_foreign_sqlite_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes (x)")
    con.commit()
    con.close()
    result = CliRunner().invoke(cli, ["case", "list", "--db", str(other)])
    assert result.exit_code != 0 and "not a disclosure case store" in result.output
    con = sqlite3.connect(other)
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    con.close()
    assert names == ["notes"]


def test_a_non_integer_schema_version_is_a_clear_error(db: Path) -> None:
    tamper_sql = "UPDATE meta SET value = 'two' WHERE key = 'schema_version'"
    con = sqlite3.connect(db)
    con.execute(tamper_sql)
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="not a number"):
        Store(db, engine())


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "-1"])
def test_a_bad_busy_timeout_is_a_clear_error(db: Path, value: str) -> None:
    result = CliRunner().invoke(
        cli, ["case", "list", "--db", str(db)], env={"DISCLOSURE_BUSY_TIMEOUT": value}
    )
    assert result.exit_code != 0 and "DISCLOSURE_BUSY_TIMEOUT" in result.output
    assert not isinstance(result.exception, ValueError | OverflowError)


def test_a_read_only_file_opens_read_only_for_reading(db: Path, tmp_path: Path) -> None:
    ro = tmp_path / "plain.db"
    shutil.copy(db, ro)
    ro.chmod(0o444)
    # as root the file stays writable: then ask for read-only explicitly
    with Store(ro, engine(), create=False, read_only=os.access(ro, os.W_OK)) as store:
        assert store.read_only
        assert store.count() == 9
        with pytest.raises(StoreError, match="read-only"):
            store.append("OPEN", Event("extend", make_case("2024-03-04").received))


def test_a_store_asked_to_be_read_only_says_so_when_written(db: Path) -> None:
    said = r"read-only \(it was opened with read_only=True\)"
    with (
        Store(db, engine(), create=False, read_only=True) as store,
        pytest.raises(StoreError, match=said),
    ):
        store.append("OPEN", Event("extend", make_case("2024-03-04").received))


def _as_version(db: Path, version: int, *undo: str) -> None:
    """Turn the store back into one of schema ``version`` (``undo``: the later changes)."""
    con = sqlite3.connect(db)
    for statement in undo:
        con.execute(statement)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    con.commit()
    con.close()


def _migrated(db: Path) -> Store:
    store = Store(db, engine())
    assert store.schema_version == SCHEMA_VERSION
    assert store.verify() == []
    return store


def test_a_version_2_store_migrates_and_gets_its_chains(db: Path) -> None:
    dropped = [("cases", "genesis"), ("cases", "head"), ("events", "hash"), ("cases", "fields")]
    _as_version(db, 2, *(f"ALTER TABLE {t} DROP COLUMN {c}" for t, c in dropped))
    _migrated(db).close()


def test_a_version_3_store_gains_case_fields_and_its_chains_stay_valid(db: Path) -> None:
    _as_version(db, 3, "ALTER TABLE cases DROP COLUMN fields")
    _migrated(db).close()


def test_a_version_5_store_gains_the_grouping_index_and_reports_the_same(db: Path) -> None:
    import datetime as dt

    year = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    with Store(db, engine()) as store:
        before = [*store.period_summaries(["review_filed"], *year)]
    _as_version(
        db,
        5,
        "DROP INDEX projection_closed_alike",
        "CREATE INDEX projection_closed_received ON projection(closed_on, received)",
    )
    with _migrated(db) as store:
        names = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master")}
        assert "projection_closed_alike" in names and "projection_closed_received" not in names
        assert [*store.period_summaries(["review_filed"], *year)] == before != []


def test_case_fields_are_stored_hashed_and_verified(tmp_path: Path) -> None:
    import datetime as dt

    from disclosure import Case

    eng = Engine(plugins=Plugins.builtin_only())
    case = Case(
        "F-1",
        "news_media",
        "email",
        dt.date(2025, 1, 6),
        ruleset="us-foia",
        fields={"component": "Office of Records"},
    )
    path = tmp_path / "f.db"
    with Store(path, eng) as store:
        store.open_case(case)
        assert store.get("F-1").fields == {"component": "Office of Records"}
        assert [c.fields for c in store.iter_cases()] == [{"component": "Office of Records"}]
    con = sqlite3.connect(path)
    con.execute('UPDATE cases SET fields = \'{"component": "Elsewhere"}\'')
    con.commit()
    con.close()
    with Store(path, eng) as store:
        assert any("does not match its hash" in p for p in store.verify())
    con = sqlite3.connect(path)
    con.execute("UPDATE cases SET fields = '{broken'")
    con.commit()
    con.close()
    with Store(path, eng) as store:
        assert any("fields are not valid JSON" in p for p in store.verify())


def test_sys_exit_in_a_hook_is_a_plugin_error_after_the_event_landed(tmp_path: Path) -> None:
    from typing import Any

    from disclosure.errors import PluginError
    from disclosure.plugins import hookimpl

    class Quitter:
        @hookimpl
        def disclosure_event_applied(self, case: Any, event: Any, state: Any, on: Any) -> None:
            raise SystemExit(0)

    eng = Engine(plugins=Plugins([("quitter", Quitter())]))
    with Store(tmp_path / "q.db", eng) as store:
        store.open_case(make_case("2024-03-01", case_id="Q"))
        with pytest.raises(PluginError, match="quitter.*SystemExit"):
            store.append("Q", Event("extend", make_case("2024-03-04").received))
        assert len(store.get("Q").events) == 1 and store.verify() == []


def test_plugins_get_the_event_data_read_only(tmp_path: Path) -> None:
    from typing import Any

    from disclosure.errors import PluginError
    from disclosure.plugins import hookimpl

    class Mutator:
        @hookimpl
        def disclosure_event_applied(self, case: Any, event: Any, state: Any, on: Any) -> None:
            event.data["outcome"] = "refused"

    eng = Engine(plugins=Plugins([("mutator", Mutator())]))
    with Store(tmp_path / "m.db", eng) as store:
        store.open_case(make_case("2024-03-01", case_id="M"))
        with pytest.raises(PluginError, match="mutator.*TypeError"):
            store.append(
                "M", Event("decide", make_case("2024-03-05").received, {"outcome": "disclosed"})
            )
        assert store.get("M").events[-1].data == {"outcome": "disclosed"}
        assert store.verify() == []


@pytest.mark.parametrize(
    ("table", "command"),
    [
        ("projection", ["case", "list"]),
        ("events", ["case", "show", "A"]),
        ("projection", ["due", "--as-of", "2024-03-05"]),
    ],
)
def test_reading_a_damaged_store_is_one_line_not_a_traceback(
    tmp_path: Path, table: str, command: list[str]
) -> None:
    from click.testing import CliRunner

    from conftest import case_open
    from disclosure.cli import cli

    db = str(tmp_path / "damaged.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--db", db]).exit_code == 0
    assert runner.invoke(cli, [*case_open("A"), "--db", db]).exit_code == 0
    with sqlite3.connect(db) as con:
        con.execute(f"DROP TABLE {table}")
    result = runner.invoke(cli, [*command, "--db", db])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stderr
    assert "store verify" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("chunk", [2, 1000])
def test_a_case_without_its_projection_row_does_not_hide_a_row_without_a_case(
    db: Path, chunk: int
) -> None:
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM cases WHERE id = 'C-2'")  # its projection row stays
        con.execute("DELETE FROM events WHERE case_id = 'C-2'")
        con.execute("DELETE FROM projection WHERE case_id = 'C-3'")
        con.execute("UPDATE projection SET case_id = CAST(case_id AS BLOB) WHERE case_id = 'C-5'")
    con.close()
    with Store(db, engine()) as store:
        found = verify.check_cases(
            store.db, store._reader_uri, store.engine, True, workers=1, chunk=chunk
        )
    assert "case C-3: no projection row" in found and "case C-5: no projection row" in found
    gone = [p for p in found if "but no case row" in p]
    assert gone == [
        "case C-2: a projection row but no case row (the case was deleted outside disclosure)",
        "case b'C-5': a projection row but no case row (the case was deleted outside disclosure)",
    ]


def test_the_case_by_case_reading_sees_one_snapshot(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case opened by a clerk while the slow path reads is not a row without a case."""
    real = verify.check_case
    opened: list[str] = []

    def opening_one(*args: object, **kwargs: object) -> None:
        if not opened:
            with Store(db, engine()) as clerk:
                clerk.open_case(make_case("2024-03-01", case_id="C-99"))
            opened.append("C-99")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(verify, "check_case", opening_one)
    with Store(db, engine()) as store:
        cases, found = verify._case_by_case(store.db, ("C-3", None), store.engine, True)
    assert opened and found == [] and cases == 5
