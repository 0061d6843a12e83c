"""``copy_store``: every case from one store into another, lossless, SQLite and PostgreSQL.

Lossless means the rows themselves: personal data, each event's
``recorded_at`` and hash, the case's genesis and head, the projection. The
PostgreSQL tests run when ``DISCLOSURE_TEST_POSTGRES`` is set.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import disclosure.store.sqlite as sqlite_adapter
from conftest import EXAMPLES, D, make_case
from disclosure import Case, Engine, Event, load_cases
from disclosure.settings import parse_settings
from disclosure.store import StoreError
from disclosure.store.copy import copy_store
from disclosure.store.open import open_store
from disclosure.store.port import CaseStore

TABLES = {
    "cases": "id",
    "events": "case_id, seq",
    "projection": "case_id",
}


def _past() -> Iterator[str]:
    """When the source's rows were recorded: a new time for each batch, long before any copy."""
    for minute in itertools.count():
        yield f"2021-01-01T{minute // 60:02}:{minute % 60:02}:00+00:00"


def _cases() -> list[Case]:
    """Cases of two rulesets (one with declared fields), and one with every personal field."""
    personal = Case(
        "P-1",
        "natural_person",
        "online",
        D("2024-03-01"),
        (Event("extend", D("2024-03-20"), {}, note="张三 13812345678", by="clerk li"),),
        subject="住址 南宁市青秀区 1 号; 请公开",
        applicant_name="张三",
        id_number="110101199003071234",
        contact="zhang@example.com",
    )
    return [
        *load_cases(EXAMPLES / "agency-2024" / "cases.yaml")[:120],
        *load_cases(EXAMPLES / "us-agency-2025" / "cases.yaml")[:80],
        personal,
        make_case("2024-03-01", case_id="P-2"),
    ]


@pytest.fixture
def source(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[CaseStore]:
    """A SQLite store whose rows were recorded at several past times, with settings."""
    store = open_store(tmp_path / "source.db", engine, create=True)
    store.store_settings(parse_settings('[agency]\nruleset = "cn-ogi-2019"\n', "test settings"))
    cases = _cases()
    past = _past()
    with monkeypatch.context() as patch:
        patch.setattr(sqlite_adapter, "now_text", lambda: next(past))
        store.import_stream(cases, batch_size=50)
        for cid in ("P-1", "P-2"):
            n = len(store.get(cid).events)
            store.append(cid, Event("set_reply_date", D("2024-03-22"), {"due": "2024-12-31"}), n)
    try:
        yield store
    finally:
        store.close()


def _toml(store: CaseStore) -> str:
    """The agency's settings a store holds, as their text ('' for none)."""
    settings = store.stored_settings()
    return "" if settings is None else settings.to_toml()


def sqlite_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the three case tables, in key order, read past the store's code."""
    con = sqlite3.connect(path)
    try:
        return {
            t: con.execute(f"SELECT * FROM {t} ORDER BY {k}").fetchall() for t, k in TABLES.items()
        }
    finally:
        con.close()


def pg_rows(url: str, agency: str) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of one agency, columns in SQLite's order (``agency`` left out)."""
    import psycopg

    out: dict[str, list[tuple[Any, ...]]] = {}
    with psycopg.connect(url) as con:
        for table, key in TABLES.items():
            names = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "AND table_schema = current_schema() AND column_name <> 'agency' "
                    "ORDER BY ordinal_position",
                    (table,),
                )
            ]
            order = {
                "cases": "id, ruleset, calendar, applicant, channel, received, subject, "
                "applicant_name, id_number, contact, seq, genesis, head, fields",
            }.get(table, ", ".join(names))
            out[table] = con.execute(
                f"SELECT {order} FROM {table} WHERE agency = %s ORDER BY {key}", (agency,)
            ).fetchall()
    return out


def test_sqlite_to_sqlite_copies_every_row_as_it_is(
    source: CaseStore, tmp_path: Path, engine: Engine
) -> None:
    before = sqlite_rows(tmp_path / "source.db")
    recorded = {ev[7] for ev in before["events"]}
    assert len(recorded) > 2 and all(r.startswith("2021-") for r in recorded)
    told: list[int] = []
    with open_store(tmp_path / "copy.db", engine, create=True) as target:
        n = copy_store(source, target, batch_size=37, progress=told.append)
        assert n == source.count() == target.count() == len(before["cases"])
        assert told[0] == 37 and sum(told) == n
        assert target.verify() == []
        assert _toml(target) == _toml(source) != ""
        assert target.get("P-1") == source.get("P-1")
    assert sqlite_rows(tmp_path / "copy.db") == before
    assert sqlite_rows(tmp_path / "source.db") == before  # the source is only read


def test_a_target_holding_cases_is_refused_unless_replaced(
    source: CaseStore, tmp_path: Path, engine: Engine
) -> None:
    with open_store(tmp_path / "busy.db", engine, create=True) as target:
        target.open_case(make_case("2024-05-01", case_id="OTHER-1"))
        with pytest.raises(StoreError) as refused:
            copy_store(source, target)
        message = str(refused.value)
        assert "already holds 1 case" in message
        assert str(tmp_path / "source.db") in message and str(tmp_path / "busy.db") in message
        assert target.count() == 1 and target.get("OTHER-1")
        assert copy_store(source, target, replace=True, batch_size=64) == source.count()
        assert target.verify() == []
    assert sqlite_rows(tmp_path / "busy.db") == sqlite_rows(tmp_path / "source.db")


def test_a_source_without_settings_replaces_a_targets_settings_with_none(
    tmp_path: Path, engine: Engine
) -> None:
    """The copied projections were folded without settings; the target folds so too."""
    from disclosure.settings import Settings

    with open_store(tmp_path / "plain.db", engine, create=True) as plain:
        plain.import_cases([make_case("2024-04-01", case_id="A")])
        with open_store(tmp_path / "target.db", engine, create=True) as target:
            target.open_case(make_case("2024-05-01", case_id="OLD"))
            target.store_settings(  # type: ignore[attr-defined]
                Settings(parameters={"cn-ogi-2019": {"count_trigger_day": True}})
            )
            assert copy_store(plain, target, replace=True) == 1
            assert target.verify() == []
            assert target.engine.parameters == {}
        # a target case that folds only with the target's settings is replaced, not refolded
        with open_store(tmp_path / "foia.db", engine, create=True) as target:
            target.store_settings(Settings(ruleset="us-foia"))  # type: ignore[attr-defined]
            target.open_case(make_case("2024-05-01", case_id="U-1", applicant="commercial"))
            assert copy_store(plain, target, replace=True) == 1
            assert target.verify() == [] and target.stored_settings() == Settings()


def test_copying_a_store_onto_itself_is_refused(source: CaseStore, engine: Engine) -> None:
    with (
        open_store(source.path, engine) as same,  # type: ignore[attr-defined]
        pytest.raises(StoreError, match="the same store"),
    ):
        copy_store(source, same, replace=True)
    assert source.verify() == [] and source.count() == 202


def test_a_damaged_source_stops_the_copy_and_says_where(
    source: CaseStore, tmp_path: Path, engine: Engine
) -> None:
    path = tmp_path / "source.db"
    ids = [r[0] for r in sqlite_rows(path)["cases"]]
    damaged = ids[100]  # in the third batch of 40
    con = sqlite3.connect(path)
    with con:  # personal data edited outside disclosure
        con.execute("UPDATE cases SET contact = 'edited' WHERE id = ?", (damaged,))
    con.close()
    with open_store(tmp_path / "copy.db", engine, create=True) as target:
        with pytest.raises(StoreError) as stopped:
            copy_store(source, target, batch_size=40)
        message = str(stopped.value)
        assert "\n" not in message
        assert message.startswith(f"cannot copy {path} to {tmp_path / 'copy.db'}: ")
        assert f"the source is damaged: case {damaged}: the case row" in message
        assert "80 case(s) from earlier batches were copied and stay" in message
        assert target.count() == 80 and target.verify() == []


def test_a_source_that_no_longer_verifies_is_reported_by_the_verify_step(
    source: CaseStore, tmp_path: Path, engine: Engine
) -> None:
    con = sqlite3.connect(tmp_path / "source.db")
    with con:  # a projection row without a case: no case's own check sees it
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute(
            "INSERT INTO projection SELECT 'GHOST', ruleset, state, waiting_on, closed, outcome, "
            "closed_on, applicant, received, next_due, next_due_clock, next_lapse, "
            "next_lapse_event, provisional, findings FROM projection LIMIT 1"
        )
    con.close()
    with open_store(tmp_path / "copy.db", engine, create=True) as target:
        with pytest.raises(
            StoreError,
            match="the source does not verify: .*GHOST: a projection row but no case row",
        ):
            copy_store(source, target)
        assert target.count() == source.count()  # the cases themselves were sound
    with open_store(tmp_path / "copy2.db", engine, create=True) as target:
        assert copy_store(source, target, verify=False) == source.count()


# -- PostgreSQL ------------------------------------------------------------------------


@pytest.fixture
def pg_agency(pg_fresh: tuple[str, str], engine: Engine) -> tuple[str, str]:
    """A fresh database with agencies 'agency-1' and 'agency-2'; (url, prefix)."""
    from disclosure.store.postgres import PostgresStore

    url, prefix = pg_fresh
    with PostgresStore(url, engine) as owner:
        owner.add_agency("agency-1", f"{prefix}_a1")
        owner.add_agency("agency-2", f"{prefix}_a2")
    return url, prefix


def test_sqlite_to_postgresql_to_sqlite_gives_identical_rows_and_hashes(
    source: CaseStore, tmp_path: Path, engine: Engine, pg_agency: tuple[str, str]
) -> None:
    url, _ = pg_agency
    before = sqlite_rows(tmp_path / "source.db")
    with open_store(url, engine, agency="agency-1") as server:
        assert copy_store(source, server, batch_size=64) == len(before["cases"])
        assert server.verify() == []
        assert _toml(server) == _toml(source) != ""
    assert pg_rows(url, "agency-1") == before
    with (
        open_store(url, engine, agency="agency-1") as server,
        open_store(tmp_path / "back.db", engine, create=True) as back,
    ):
        assert copy_store(server, back, batch_size=50) == len(before["cases"])
        assert back.verify() == []
    assert sqlite_rows(tmp_path / "back.db") == before


def test_an_owner_copies_from_a_server_only_for_one_agency(
    source: CaseStore, tmp_path: Path, engine: Engine, pg_agency: tuple[str, str]
) -> None:
    from disclosure.store.postgres import PostgresStore

    url, _ = pg_agency
    with PostgresStore(url, engine) as owner:  # sees every agency, acts for none
        with pytest.raises(StoreError, match="writing needs an agency"):
            copy_store(source, owner)
        with PostgresStore(url, engine, agency="agency-1") as one:
            copy_store(source, one)
        with open_store(tmp_path / "one.db", engine, create=True) as back:
            assert copy_store(owner, back) == source.count()  # one agency has cases: it
        with PostgresStore(url, engine, agency="agency-2") as two:
            two.open_case(make_case("2024-05-01", case_id="B-1"))
        with open_store(tmp_path / "two.db", engine, create=True) as back:
            with pytest.raises(StoreError, match="several agencies .*agency-1, agency-2"):
                copy_store(owner, back)
            assert back.count() == 0


def test_a_postgresql_target_holding_cases_is_refused(
    source: CaseStore, engine: Engine, pg_agency: tuple[str, str]
) -> None:
    url, _ = pg_agency
    with open_store(url, engine, agency="agency-1") as server:
        server.open_case(make_case("2024-05-01", case_id="OTHER-1"))
        with pytest.raises(StoreError, match=r"to postgresql://.*agency-1.*already holds 1 case"):
            copy_store(source, server)
        assert server.count() == 1
        assert copy_store(source, server, replace=True) == source.count()
        assert server.verify() == [] and server.count() == source.count()


def test_a_batch_the_server_refuses_lands_whole_or_not_at_all(
    tmp_path: Path, engine: Engine, pg_agency: tuple[str, str]
) -> None:
    """A NUL character SQLite keeps and PostgreSQL's text cannot: that batch, none of it."""
    with open_store(tmp_path / "nul.db", engine, create=True) as nul:
        nul.import_stream(
            [make_case("2024-03-01", case_id=f"N-{i:02}") for i in range(30)], batch_size=30
        )
        con = sqlite3.connect(tmp_path / "nul.db")
        with con:  # rehashed by hand, so the source itself verifies clean
            from disclosure.store.chain import chained_rows

            case = make_case("2024-03-01", case_id="N-25")
            bad = Case(case.id, case.applicant, case.channel, case.received, subject="a\x00b")
            row, _ = chained_rows(engine.normalize(bad), "2021-01-01T00:00:00+00:00")
            con.execute(
                "UPDATE cases SET subject = ?, genesis = ?, head = ? WHERE id = 'N-25'",
                (row[6], row[12], row[13]),
            )
        con.close()
        assert nul.verify() == []
        url, _ = pg_agency
        with open_store(url, engine, agency="agency-1") as server:
            with pytest.raises(StoreError) as refused:
                copy_store(nul, server, batch_size=10)
            message = str(refused.value)
            assert "nothing of this batch was written" in message
            assert "20 case(s) from earlier batches were copied and stay" in message
            assert server.count() == 20 and server.verify() == []


def test_a_source_server_lost_mid_copy_is_one_line_naming_both_ends(
    source: CaseStore, tmp_path: Path, engine: Engine, pg_agency: tuple[str, str]
) -> None:
    import psycopg

    url, _ = pg_agency
    with open_store(url, engine, agency="agency-1") as server:
        copy_store(source, server)
    with (
        open_store(url, engine, agency="agency-1") as server,
        open_store(tmp_path / "back.db", engine, create=True) as back,
    ):
        pid = server.db.info.backend_pid  # type: ignore[attr-defined]

        def lose_the_server(n: int) -> None:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

        with pytest.raises(StoreError) as lost:
            copy_store(server, back, batch_size=50, progress=lose_the_server)
        message = str(lost.value)
        assert "\n" not in message
        assert message.startswith("cannot copy postgresql://") and "(agency agency-1)" in message
        assert f"to {tmp_path / 'back.db'}: " in message
        assert (
            f"50 case(s) from earlier batches were copied and stay in {tmp_path / 'back.db'}"
            in message
        )
        assert back.count() == 50 and back.verify() == []
