"""The store's contract (``disclosure.store.port.CaseStore``), run against every adapter.

SQLite always; PostgreSQL when ``DISCLOSURE_TEST_POSTGRES`` is set (a URL, or
``start`` for a throwaway server from ``scripts/pg-test-server``). The
PostgreSQL store under test is scoped to an agency, so every test also runs
through the row-level security policies.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from conftest import EXAMPLES, D, make_case
from disclosure import Engine, Event, load_cases
from disclosure.errors import DisclosureError
from disclosure.plugins import Plugins
from disclosure.reports.build import build_report, report_event_types
from disclosure.settings import Settings
from disclosure.store import ConflictError, StoreError, project
from disclosure.store.open import open_store
from disclosure.store.port import CaseStore, Refold
from disclosure.store.projection import projection_from_row, projection_values

AGENCY_CASES = EXAMPLES / "agency-2024" / "cases.yaml"


@attrs.define
class Backend:
    """Where a store lives, how to open it again, and a back door for tampering."""

    kind: str
    target: str
    agency: str | None

    def open(self, engine: Engine, *, create: bool = False) -> CaseStore:
        return open_store(self.target, engine, create=create, agency=self.agency)

    def tamper(self, sql_sqlite: str, sql_pg: str, *args: Any) -> int:
        """Run an UPDATE as the owner, outside disclosure; return the rows it changed."""
        if self.kind == "sqlite":
            con = sqlite3.connect(self.target)
            try:
                n = con.execute(sql_sqlite, args).rowcount
                con.commit()
            finally:
                con.close()
            return n
        import psycopg

        with psycopg.connect(self.target, autocommit=True) as con:
            return con.execute(sql_pg, args).rowcount

    def seqs(self, case_id: str) -> list[int]:
        """The sequence numbers of a case's event rows, read past the store's code."""
        if self.kind == "sqlite":
            con = sqlite3.connect(self.target)
            try:
                rows = con.execute(
                    "SELECT seq FROM events WHERE case_id = ? ORDER BY seq", (case_id,)
                ).fetchall()
            finally:
                con.close()
            return [r[0] for r in rows]
        import psycopg

        with psycopg.connect(self.target) as con:
            rows = con.execute(
                "SELECT seq FROM events WHERE case_id = %s AND agency = %s ORDER BY seq",
                (case_id, self.agency),
            ).fetchall()
        return [r[0] for r in rows]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, engine: Engine) -> Backend:
    if request.param == "sqlite":
        path = tmp_path / "contract.db"
        open_store(path, engine, create=True).close()  # type: ignore[attr-defined]
        return Backend("sqlite", str(path), None)
    url, prefix = request.getfixturevalue("pg_fresh")
    from disclosure.store.postgres import PostgresStore

    with PostgresStore(url, engine) as owner:
        owner.add_agency("agency-1", f"{prefix}_agency_1")
    return Backend("postgres", url, "agency-1")


@pytest.fixture
def store(backend: Backend, engine: Engine) -> Iterator[CaseStore]:
    s = backend.open(engine)
    try:
        yield s
    finally:
        s.close()  # type: ignore[attr-defined]


def _consistent(store: CaseStore, engine: Engine) -> None:
    """Every stored projection is the projection of its case's log, replayed."""
    for case in store.iter_cases():
        expected = project(engine.fold(case), engine)
        assert store.projection(case.id) == expected, case.id  # type: ignore[attr-defined]


def test_open_import_get_round_trip(store: CaseStore, engine: Engine) -> None:
    cases = load_cases(AGENCY_CASES)
    states = store.import_cases(cases)
    assert len(states) == len(cases) == store.count()
    for case in cases:
        assert store.get(case.id) == engine.normalize(case)
    assert [c.id for c in store.iter_cases(batch=7)] == sorted(c.id for c in cases)
    with pytest.raises(StoreError, match="already exists"):
        store.import_cases([cases[0]])
    assert store.count() == len(cases)


def test_an_import_batch_is_atomic(store: CaseStore) -> None:
    store.import_cases([make_case("2024-03-01", case_id="OLD")])
    with pytest.raises(StoreError, match="case OLD already exists"):
        store.import_cases(
            [make_case("2024-03-01", case_id="NEW"), make_case("2024-03-01", case_id="OLD")]
        )
    assert store.count() == 1
    assert (
        store.import_stream(
            (make_case("2024-03-01", case_id=f"S-{i}") for i in range(25)), batch_size=10
        )
        == 25
    )
    assert store.count() == 26


@pytest.mark.parametrize("workers", [1, 2])
def test_an_import_on_workers_lands_and_stops_as_in_one_process(
    store: CaseStore, engine: Engine, workers: int
) -> None:
    """Batches prepared on forked workers (the adapter's ``prepare_rows`` and
    ``write_rows``) land as ``import_cases`` lands them, and a batch that
    cannot land stops the import at the same place, with the same words."""
    decided = ("decide", "2024-03-09", {"outcome": "disclosed"})
    good = [make_case("2024-03-01", decided, case_id=f"W-{i:02d}") for i in range(23)]
    bad = make_case("2024-03-01", ("decide", "2024-03-09", {"outcome": "no.such"}), case_id="W-X")
    store.import_cases([make_case("2024-03-01", case_id="W-19")])  # stored before
    with pytest.raises(StoreError) as stopped:
        store.import_stream(good, batch_size=4, workers=workers)
    assert "case W-19 already exists" in str(stopped.value)
    assert "(16 case(s) from earlier batches were imported and stay" in str(stopped.value)
    assert [c.id for c in store.iter_cases()] == sorted(["W-19", *(c.id for c in good[:16])])
    with pytest.raises(DisclosureError, match="no.such") as refused:
        store.import_stream([*good[16:], bad], batch_size=2, workers=workers, replace=True)
    assert "(6 case(s) from earlier batches were imported and stay" in str(refused.value)
    assert store.count() == 22  # W-16 to W-21 (W-19 replaced) in 3 batches of 2, then W-22 + W-X
    _consistent(store, engine)


def test_reopening_an_existing_store_migrates_nothing(backend: Backend, engine: Engine) -> None:
    first = backend.open(engine)
    first.import_cases([make_case("2024-03-01", case_id="KEEP")])
    version = first.schema_version  # type: ignore[attr-defined]
    first.close()  # type: ignore[attr-defined]
    again = backend.open(engine)
    try:
        assert again.schema_version == version  # type: ignore[attr-defined]
        assert again.get("KEEP").id == "KEEP"
    finally:
        again.close()  # type: ignore[attr-defined]


def test_append_with_expected_sequence_and_the_conflict(store: CaseStore, backend: Backend) -> None:
    store.import_cases([make_case("2024-09-10", case_id="A")])
    state = store.append("A", Event("request_correction", D("2024-09-13")), expected_seq=0)
    assert state.state == "awaiting_correction"
    with pytest.raises(ConflictError, match="expected 0 events but the store has 1"):
        store.append("A", Event("correction_received", D("2024-09-20")), expected_seq=0)
    assert backend.seqs("A") == [1]
    store.append("A", Event("correction_received", D("2024-09-20")), expected_seq=1)
    assert backend.seqs("A") == [1, 2]
    assert store.verify() == []


def _hammer(
    kind: str, target: str, agency: str | None, case_id: str, attempts: int, worker: int
) -> tuple[int, int]:
    os.environ["DISCLOSURE_LOAD_PLUGINS"] = ""
    store = open_store(target, Engine(plugins=Plugins.builtin_only()), agency=agency, timeout=30)
    ok = conflicts = 0
    try:
        for i in range(attempts):
            seq = len(store.get(case_id).events)
            try:
                store.append(
                    case_id,
                    Event(
                        "set_reply_date",
                        D("2024-03-02"),
                        {"due": "2024-12-31"},
                        note=f"w{worker}-{i}",
                    ),
                    expected_seq=seq,
                )
                ok += 1
            except ConflictError:
                conflicts += 1
    finally:
        store.close()  # type: ignore[attr-defined]
    return ok, conflicts


def test_concurrent_appends_on_one_case_lose_and_duplicate_nothing(
    store: CaseStore, backend: Backend, engine: Engine
) -> None:
    store.import_cases([make_case("2024-03-01", case_id="SHARED")])
    writers, attempts = 4, 15
    jobs = [
        (backend.kind, backend.target, backend.agency, "SHARED", attempts, w)
        for w in range(writers)
    ]
    with multiprocessing.get_context("spawn").Pool(writers) as pool:
        results = pool.starmap(_hammer, jobs)
    appended = sum(ok for ok, _ in results)
    assert appended + sum(c for _, c in results) == writers * attempts
    assert appended > 0
    events = store.get("SHARED").events
    assert len(events) == appended  # none lost, none duplicated
    assert backend.seqs("SHARED") == list(range(1, appended + 1))
    assert sorted(e.note for e in events) == sorted({e.note for e in events})
    _consistent(store, engine)
    assert store.verify() == []


def test_projection_matches_a_replay_and_queries_agree(store: CaseStore, engine: Engine) -> None:
    store.import_cases(load_cases(AGENCY_CASES))
    store.import_cases([make_case("2024-09-10", case_id="Z-OPEN")])
    store.append("Z-OPEN", Event("request_correction", D("2024-09-13")), expected_seq=0)
    _consistent(store, engine)
    rows = list(store.iter_query())
    assert len(rows) == store.count_query() == store.count()
    keys = [(r.next_due is None, r.next_due or "", r.case_id) for r in rows]
    assert keys == sorted(keys)  # by next due date, then id
    as_of, due_by = D("2024-10-01"), D("2024-10-08")
    counts = store.due_counts(as_of, due_by)
    assert counts.overdue == store.count_query(overdue_as_of=as_of)
    assert counts.lapsed == store.count_query(lapsed_as_of=as_of)
    assert counts.waiting == store.count_query(window_open_on=as_of)
    assert counts.due_soon == sum(
        1
        for r in rows
        if r.next_due is not None and as_of.isoformat() <= r.next_due <= due_by.isoformat()
    )
    page = list(store.iter_query(limit=3, offset=2))
    assert page == rows[2:5]
    # the value rows the CLI's machine-readable lists write are the same rows
    values = [projection_values(r) for r in rows]
    raw = list(store.iter_query_rows())
    assert [projection_values(projection_from_row(r)) for r in raw] == values
    assert [tuple(r) for r in store.iter_query_rows(limit=3, offset=2)] == raw[2:5]
    assert [r.case_id for r in store.iter_query(state="awaiting_correction")] == [
        r.case_id for r in rows if r.state == "awaiting_correction"
    ]


def test_verify_is_clean_and_finds_a_tampered_row(store: CaseStore, backend: Backend) -> None:
    store.import_cases(load_cases(AGENCY_CASES))
    assert store.verify() == []
    victim = next(c for c in store.iter_cases() if c.events)
    changed = backend.tamper(
        "UPDATE events SET note = 'edited' WHERE case_id = ? AND seq = 1",
        "UPDATE events SET note = 'edited' WHERE case_id = %s AND seq = 1",
        victim.id,
    )
    assert changed == 1
    expected = [
        f"case {victim.id}: seq 1: the event row does not match its hash "
        "(type, on_date, data, note, by or recorded_at edited outside disclosure)"
    ]
    assert store.verify() == expected
    # the same finding when forked workers replay the cases, chunk by chunk
    seen: list[int] = []
    assert store.verify(workers=2, progress=seen.append) == expected
    assert sum(seen) == store.count()


def test_verify_finds_a_tampered_projection(store: CaseStore, backend: Backend) -> None:
    store.import_cases([make_case("2024-09-10", case_id="P")])
    backend.tamper(
        "UPDATE projection SET state = 'concluded' WHERE case_id = ?",
        "UPDATE projection SET state = 'concluded' WHERE case_id = %s",
        "P",
    )
    (problem,) = store.verify()
    assert problem.startswith("case P: projection differs: state 'concluded' != 'received'")


@pytest.mark.parametrize("year", [2019, 2023, 2024])
def test_period_summaries_equal_a_full_scan(store: CaseStore, engine: Engine, year: int) -> None:
    store.import_cases(load_cases(AGENCY_CASES))
    extra = [
        make_case("2023-11-20", case_id="X-OPEN-ACROSS"),
        make_case(
            "2023-12-01",
            ("decide", "2023-12-20", {"outcome": "withheld.state_secret"}),
            ("review_filed", "2024-01-10"),
            case_id="X-REVIEW",
        ),
        make_case(
            "2024-12-30", ("decide", "2025-01-06", {"outcome": "disclosed"}), case_id="X-LATE"
        ),
    ]
    store.import_cases(extra)
    tpl = engine.template(year=year)
    kinds = report_event_types(tpl)
    pending = [(g.filed, g.decided) for g in tpl.table4.groups]
    found = store.period_summaries(
        kinds, dt.date(year, 1, 1), dt.date(year, 12, 31), pending=pending
    )
    total = found.total
    period = build_report(found, year, tpl, engine.machine())
    everything = build_report(list(store.iter_cases()), year, tpl, engine.machine())
    assert period.table3 == everything.table3 and period.table4 == everything.table4
    assert period.fees == everything.fees and period.sources == everything.sources
    assert total <= store.count()
    if year == 2019:
        assert total == 0
    else:
        assert total > 0


def test_grouped_period_reads_count_every_case_on_the_bounds_alike(
    store: CaseStore, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every pair of receipt and decision days on or next to the year's bounds, with and
    without a review: the period read (groups of cases that count alike, plus the
    cases with events one by one) reports what every case folded reports."""
    monkeypatch.setattr("disclosure.store.period.GROUP_FROM", 0)  # SQLite: group a small year
    days = ["2023-12-30", "2023-12-31", "2024-01-01", "2024-01-02", "2024-12-30", "2024-12-31",
            "2025-01-01"]  # fmt: skip
    cases = []
    for i, received in enumerate(days[:-1]):
        cases.append(make_case(received, case_id=f"OPEN-{i}", applicant="other_org"))
        for j, decided in enumerate(d for d in days if d >= received):
            outcome = ("disclosed", "partially_disclosed")[j % 2]
            decide = ("decide", decided, {"outcome": outcome})
            cases.append(make_case(received, decide, case_id=f"D-{i}-{j}"))
            review = ("review_filed", decided)
            cases.append(make_case(received, decide, review, case_id=f"R-{i}-{j}"))
    store.import_cases(cases)
    tpl = engine.template(year=2024)
    found = store.period_summaries(
        report_event_types(tpl),
        dt.date(2024, 1, 1),
        dt.date(2024, 12, 31),
        pending=[(g.filed, g.decided) for g in tpl.table4.groups],
    )
    total = found.total
    period = build_report(found, 2024, tpl, engine.machine())
    everything = build_report(list(store.iter_cases()), 2024, tpl, engine.machine())
    assert period.table3 == everything.table3 and period.table4 == everything.table4
    assert period.sources == everything.sources
    counted = store.period_summaries(
        report_event_types(tpl),
        dt.date(2024, 1, 1),
        dt.date(2024, 12, 31),
        pending=[(g.filed, g.decided) for g in tpl.table4.groups],
        ids=False,
    )
    assert counted.total == total
    quick = build_report(counted, 2024, tpl, engine.machine(), trace=False)
    assert quick.table3 == everything.table3 and quick.table4 == everything.table4
    # read: what can count (received by its end, not closed before it) and the
    # reviews still pending at its end; not what was received after it
    assert total == sum(
        1
        for c in cases
        if c.received <= dt.date(2024, 12, 31)
        and (not c.events or c.events[0].on.year >= 2024 or c.events[-1].type == "review_filed")
    )


def test_open_store_picks_the_adapter_from_the_target(tmp_path: Path, engine: Engine) -> None:
    from disclosure.store.open import is_server_url

    assert is_server_url("postgresql://u@h/db") and is_server_url("postgres://h/db")
    assert is_server_url("host=/tmp/pg dbname=d")
    assert not is_server_url("disclosure.db") and not is_server_url(tmp_path / "postgresql:")
    with pytest.raises(StoreError, match="no case store here"):
        open_store(tmp_path / "missing.db", engine)
    with pytest.raises(StoreError, match="--agency needs a postgresql:// store"):
        open_store(tmp_path / "s.db", engine, create=True, agency="A")


def test_new_settings_refold_every_stored_case_or_are_refused(
    store: CaseStore, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parameter that moves deadlines rewrites the stored projections at once (so
    lists, `due` and verify agree with `case show`); settings a stored case cannot
    fold with are refused and change nothing."""
    from disclosure.settings import Settings

    store.import_cases(
        [make_case("2024-04-01", case_id="OPEN"), make_case("2024-04-08", case_id="LATER")]
    )
    due_before = store.projection("OPEN").next_due  # type: ignore[attr-defined]
    counting = Settings(parameters={"cn-ogi-2019": {"count_trigger_day": True}})
    store.store_settings(counting)  # type: ignore[attr-defined]
    due_after = store.projection("OPEN").next_due  # type: ignore[attr-defined]
    assert due_after is not None and due_before is not None and due_after < due_before
    assert store.verify() == []  # type: ignore[attr-defined]
    _consistent(store, store.engine)  # type: ignore[attr-defined]

    real_fold = Engine.fold

    def refusing_later(self: Engine, case: Any, as_of: Any = None) -> Any:
        if case.id == "LATER":
            raise DisclosureError("a rule these settings break")
        return real_fold(self, case, as_of)

    monkeypatch.setattr(Engine, "fold", refusing_later)
    with pytest.raises(StoreError, match="case LATER no longer folds with these settings"):
        store.store_settings(Settings())  # type: ignore[attr-defined]
    monkeypatch.undo()
    assert store.stored_settings() == counting  # type: ignore[attr-defined]
    assert store.projection("OPEN").next_due == due_after  # type: ignore[attr-defined]
    assert store.engine.parameters["cn-ogi-2019"]["count_trigger_day"] is True  # type: ignore[attr-defined]


def test_refold_rewrites_the_rows_a_changed_engine_folds_differently(
    backend: Backend, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings given outside the store (disclosure.toml, calendar files, plugins) change
    folds without a write: refold finds the rows that differ and rewrites only those."""
    with backend.open(engine) as first:  # type: ignore[attr-defined]
        first.import_cases(
            [
                make_case("2024-04-01", case_id="OPEN"),
                make_case("2024-04-08", case_id="LATER"),
                make_case("2024-04-01", ("decide", "2024-04-03", {"outcome": "disclosed"})),
            ]
        )
        before = {c.id: first.projection(c.id) for c in first.iter_cases()}  # type: ignore[attr-defined]
        assert first.refold() == Refold(3, (), ())
    counting = engine.configured(Settings(parameters={"cn-ogi-2019": {"count_trigger_day": True}}))
    with backend.open(counting) as store:  # type: ignore[attr-defined]
        assert store.verify()  # the open cases' rows were folded with the other engine
        progress: list[int] = []
        planned = store.refold(dry_run=True, progress=progress.append)
        assert planned == Refold(3, ("LATER", "OPEN"), ())
        assert sum(progress) == 3
        assert {c: store.projection(c) for c in before} == before  # nothing written
        assert store.refold() == planned
        assert store.verify() == []
        _consistent(store, counting)
        assert store.projection("OPEN").next_due < before["OPEN"].next_due  # type: ignore[operator]
        assert store.refold() == Refold(3, (), ())

        real_fold = Engine.fold

        def refusing_later(self: Engine, case: Any, as_of: Any = None) -> Any:
            if case.id == "LATER":
                raise DisclosureError("a rule\nthis engine breaks")
            return real_fold(self, case, as_of)

    with backend.open(engine) as store:  # type: ignore[attr-defined]
        monkeypatch.setattr(Engine, "fold", refusing_later)
        result = store.refold()
        monkeypatch.undo()
        assert result == Refold(
            3, ("OPEN",), (("LATER", "no longer folds: a rule this engine breaks"),)
        )
        assert store.projection("OPEN") == before["OPEN"]  # type: ignore[attr-defined]
        assert store.projection("LATER") != before["LATER"]  # left as it was


def test_an_append_folds_with_the_settings_stored_since_its_store_was_opened(
    backend: Backend, engine: Engine
) -> None:
    """A clerk's store opened before an administrator stored new settings: its next
    append is folded and projected with the new ones (found in its own transaction)."""
    with backend.open(engine) as admin:  # type: ignore[attr-defined]
        admin.import_cases([make_case("2024-04-01", case_id="OPEN")])
    clerk = backend.open(engine)
    try:
        with backend.open(engine) as admin:  # type: ignore[attr-defined]
            admin.store_settings(  # type: ignore[attr-defined]
                Settings(parameters={"cn-ogi-2019": {"count_trigger_day": True}})
            )
            after_settings = admin.projection("OPEN")  # type: ignore[attr-defined]
        state = clerk.append("OPEN", Event("extend", D("2024-04-10")), expected_seq=0)
        assert clerk.engine.parameters["cn-ogi-2019"]["count_trigger_day"] is True  # type: ignore[attr-defined]
        assert clerk.projection("OPEN") == project(state, clerk.engine)  # type: ignore[attr-defined]
        with backend.open(engine) as fresh:  # type: ignore[attr-defined]
            assert fresh.verify() == []  # type: ignore[attr-defined]
            _consistent(fresh, fresh.engine)  # type: ignore[attr-defined]
        assert after_settings.next_due is not None
    finally:
        clerk.close()  # type: ignore[attr-defined]


COUNTING = Settings(parameters={"cn-ogi-2019": {"count_trigger_day": True}})


def test_settings_that_drop_a_value_fold_as_a_store_opened_afresh_would(
    backend: Backend, engine: Engine
) -> None:
    """New settings apply to the engine the store was opened with, not on top of the
    settings before them: a parameter they leave out is gone, here as in a new store."""
    with backend.open(engine) as store:  # type: ignore[attr-defined]
        store.import_cases([make_case("2024-04-01", case_id="OPEN")])
        plain = store.projection("OPEN")  # type: ignore[attr-defined]
        store.store_settings(COUNTING)  # type: ignore[attr-defined]
        assert store.projection("OPEN") != plain  # type: ignore[attr-defined]
        store.store_settings(Settings())  # type: ignore[attr-defined]
        assert store.engine.parameters == {}  # type: ignore[attr-defined]
        assert store.projection("OPEN") == plain  # type: ignore[attr-defined]
        store.import_cases([make_case("2024-04-01", case_id="NEW")])
    with backend.open(engine) as fresh:  # type: ignore[attr-defined]
        assert fresh.verify() == []  # type: ignore[attr-defined]


def test_a_store_opened_before_new_settings_writes_with_them(
    backend: Backend, engine: Engine
) -> None:
    """A long-lived store (a web server's) opens cases and refolds with the settings
    stored since it was opened, not with those it was opened with."""
    with backend.open(engine) as admin:  # type: ignore[attr-defined]
        admin.import_cases([make_case("2024-04-01", case_id="A")])
    clerk = backend.open(engine)
    try:
        with backend.open(engine) as admin:  # type: ignore[attr-defined]
            admin.store_settings(COUNTING)  # type: ignore[attr-defined]
        clerk.open_case(make_case("2024-04-01", case_id="B"))
        clerk.import_stream(iter([make_case("2024-04-01", case_id="C")]), workers=1)
        with backend.open(engine) as fresh:  # type: ignore[attr-defined]
            assert fresh.verify() == []  # type: ignore[attr-defined]
        with backend.open(engine) as admin:  # type: ignore[attr-defined]
            admin.store_settings(Settings())  # type: ignore[attr-defined]
        # the clerk's engine still counts the trigger day; its refold follows the store
        assert clerk.refold() == Refold(3, (), ())  # type: ignore[attr-defined]
        with backend.open(engine) as fresh:  # type: ignore[attr-defined]
            assert fresh.refold(dry_run=True) == Refold(3, (), ())  # type: ignore[attr-defined]
            assert fresh.verify() == []  # type: ignore[attr-defined]
    finally:
        clerk.close()  # type: ignore[attr-defined]


def test_an_append_folded_before_another_thread_followed_new_settings_folds_again(
    backend: Backend, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transaction compares the engine this append folded with, not what the store
    last saw: another thread of a shared store may have followed new settings meanwhile."""
    with backend.open(engine) as store:  # type: ignore[attr-defined]
        store.import_cases([make_case("2024-04-01", case_id="A")])
        real_append = Engine.append
        calls: list[int] = []

        def settings_change_meanwhile(self: Engine, case: Any, event: Any, **kw: Any) -> Any:
            calls.append(1)
            if len(calls) == 1:
                with backend.open(engine) as admin:  # type: ignore[attr-defined]
                    admin.store_settings(COUNTING)  # type: ignore[attr-defined]
                if backend.kind == "sqlite":  # another thread reads them first
                    store._follow_settings(store.db)  # type: ignore[attr-defined]
                else:
                    store._follow_settings()  # type: ignore[attr-defined]
            return real_append(self, case, event, **kw)

        monkeypatch.setattr(Engine, "append", settings_change_meanwhile)
        state = store.append("A", Event("extend", D("2024-04-10")), expected_seq=0)
        monkeypatch.undo()
        assert len(calls) == 2  # folded again in the transaction
        assert store.projection("A") == project(state, store.engine)  # type: ignore[attr-defined]
    with backend.open(engine) as fresh:  # type: ignore[attr-defined]
        assert fresh.verify() == []  # type: ignore[attr-defined]


def test_a_batch_folded_before_new_settings_were_stored_is_folded_again_when_written(
    backend: Backend, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """open_case and import_cases fold before their transaction; settings stored in
    between are read in it, and the batch is folded again with them."""
    import disclosure.store.postgres as pg_module
    import disclosure.store.sqlite as sqlite_module

    module: Any = sqlite_module if backend.kind == "sqlite" else pg_module
    real = module.fold_batch
    stored: list[int] = []

    def settings_stored_right_after(*args: Any, **kwargs: Any) -> Any:
        folded = real(*args, **kwargs)
        if not stored:
            stored.append(1)
            with backend.open(engine) as admin:  # type: ignore[attr-defined]
                admin.store_settings(COUNTING)  # type: ignore[attr-defined]
        return folded

    with backend.open(engine) as clerk:  # type: ignore[attr-defined]
        monkeypatch.setattr(module, "fold_batch", settings_stored_right_after)
        state = clerk.open_case(make_case("2024-04-01", case_id="B"))
        monkeypatch.undo()
        assert stored and clerk.projection("B") == project(state, clerk.engine)  # type: ignore[attr-defined]
        assert clerk.engine.parameters["cn-ogi-2019"]["count_trigger_day"] is True  # type: ignore[attr-defined]
    with backend.open(engine) as fresh:  # type: ignore[attr-defined]
        assert fresh.verify() == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("workers", [1, 2])
def test_an_import_ends_with_the_settings_stored_while_it_ran_with_or_without_workers(
    backend: Backend, engine: Engine, workers: int
) -> None:
    """Batches folded (here or by workers) before new settings were stored are folded
    again with them when written: the import ends as one with the new settings would."""

    def cases() -> Iterator[Any]:
        for i in range(6):
            if i == 3:
                with backend.open(engine) as admin:  # type: ignore[attr-defined]
                    admin.store_settings(COUNTING)  # type: ignore[attr-defined]
            yield make_case("2024-04-01", case_id=f"C{i}")

    with backend.open(engine) as store:  # type: ignore[attr-defined]
        assert store.import_stream(cases(), batch_size=1, workers=workers) == 6  # type: ignore[attr-defined]
    with backend.open(engine) as fresh:  # type: ignore[attr-defined]
        assert fresh.verify() == []  # type: ignore[attr-defined]
        assert fresh.refold(dry_run=True) == Refold(6, (), ())  # type: ignore[attr-defined]


def test_assigning_a_stores_engine_folds_with_it_and_the_stored_settings(
    backend: Backend, engine: Engine
) -> None:
    with backend.open(engine) as store:  # type: ignore[attr-defined]
        store.import_cases([make_case("2024-04-01", case_id="A")])
        store.engine = engine.configured(COUNTING)  # type: ignore[attr-defined]
        assert store.refold() == Refold(1, ("A",), ())  # type: ignore[attr-defined]
        state = store.open_case(make_case("2024-04-01", case_id="B"))
        assert store.projection("B") == project(state, engine.configured(COUNTING))  # type: ignore[attr-defined]
        assert store.refold() == Refold(2, (), ())  # type: ignore[attr-defined]
        store.store_settings(Settings(name="x"))  # type: ignore[attr-defined]
        # stored settings apply to the engine assigned last, as to a freshly opened store's
        assert store.engine.parameters["cn-ogi-2019"]["count_trigger_day"] is True  # type: ignore[attr-defined]


def test_a_batch_folded_again_for_new_settings_is_the_batch_given(
    backend: Backend, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Folded again from the cases given, an id given twice with replace still means the
    last one, and the states returned are those written."""
    import disclosure.store.postgres as pg_module
    import disclosure.store.sqlite as sqlite_module

    module: Any = sqlite_module if backend.kind == "sqlite" else pg_module
    real = module.fold_batch
    folds: list[int] = []

    def settings_stored_after_the_first(*args: Any, **kwargs: Any) -> Any:
        folded = real(*args, **kwargs)
        folds.append(1)
        if len(folds) == 1:
            with backend.open(engine) as admin:  # type: ignore[attr-defined]
                admin.store_settings(COUNTING)  # type: ignore[attr-defined]
        return folded

    first = make_case("2024-04-01", case_id="A")
    last = make_case("2024-04-02", ("extend", "2024-04-10"), case_id="A")
    with backend.open(engine) as clerk:  # type: ignore[attr-defined]
        monkeypatch.setattr(module, "fold_batch", settings_stored_after_the_first)
        states = clerk.import_cases(
            [first, last, make_case("2024-04-01", case_id="B")], replace=True
        )
        monkeypatch.undo()
        assert len(folds) == 2
        assert [s.case.id for s in states] == ["A", "B"]
        assert clerk.get("A").received == D("2024-04-02")
        for s in states:
            assert clerk.projection(s.case.id) == project(s, clerk.engine)  # type: ignore[attr-defined]
    with backend.open(engine) as fresh:  # type: ignore[attr-defined]
        assert fresh.verify() == []  # type: ignore[attr-defined]
