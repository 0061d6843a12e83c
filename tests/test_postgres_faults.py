"""The PostgreSQL store under faults: killed writers, 8 concurrent writers, a server restart.

The faults of ``tests/test_faults.py`` on a real server: an event or a batch a
writer reported as written is there, once; nothing half-written is; the store
verifies clean. The restart and crash tests run on a throwaway cluster of
their own (``scripts/pg-test-server``), so the shared test server is never
stopped under other tests. Skipped unless ``DISCLOSURE_TEST_POSTGRES`` is set.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import itertools
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conftest import ROOT, D, make_case, pg_database
from disclosure import Case, Engine, Event
from disclosure.plugins import Plugins
from disclosure.store import ConflictError, StoreError

psycopg = pytest.importorskip("psycopg")

from disclosure.store.postgres import PostgresStore  # noqa: E402

AGENCY = "agency-1"
ENV = {**os.environ, "DISCLOSURE_LOAD_PLUGINS": ""}

APPENDER = """
import sys, datetime as dt
from disclosure import Event, Engine
from disclosure.errors import ConflictError
from disclosure.plugins import Plugins
from disclosure.store.postgres import PostgresStore
url, agency, tag = sys.argv[1:]
store = PostgresStore(url, Engine(plugins=Plugins.builtin_only()), agency=agency)
cases = [f"K-{i}" for i in range(5)]
i = 0
while True:
    cid = cases[i % 5]
    seq = len(store.get(cid).events)
    note = f"{tag}-{i}"
    i += 1
    try:
        store.append(cid, Event("set_reply_date", dt.date(2024, 3, 2), {"due": "2024-12-31"},
                                note=note), expected_seq=seq)
    except ConflictError:
        continue
    print(f"{cid} {seq + 1} {note}", flush=True)   # printed only after the commit
"""

IMPORTER = """
import sys, datetime as dt, itertools
from disclosure import Case, Event, Engine
from disclosure.plugins import Plugins
from disclosure.store.postgres import PostgresStore
url, agency, tag, size = sys.argv[1:]
store = PostgresStore(url, Engine(plugins=Plugins.builtin_only()), agency=agency)
for k in itertools.count():
    store.import_cases([
        Case(f"{tag}-{k:04}-{j:04}", "natural_person", "online", dt.date(2024, 3, 1),
             (Event("extend", dt.date(2024, 3, 20), note=f"{k}/{j}"),) if j % 2 else ())
        for j in range(int(size))
    ])
    print(k, flush=True)   # printed only after the commit
"""


def builtin_engine() -> Engine:
    return Engine(plugins=Plugins.builtin_only())


@pytest.fixture
def pg_store_url(pg_fresh: tuple[str, str]) -> str:
    """A fresh database on the shared test server with one agency, ``agency-1``."""
    url, prefix = pg_fresh
    with PostgresStore(url, builtin_engine()) as owner:
        owner.add_agency(AGENCY, f"{prefix}_a1")
    return url


def _agency_store(url: str) -> PostgresStore:
    return PostgresStore(url, builtin_engine(), agency=AGENCY)


def _event_rows(url: str) -> dict[str, list[tuple[int, str]]]:
    """(seq, note) of every event of every case, read past the store's code as the owner."""
    with psycopg.connect(url) as con:
        rows = con.execute(
            "SELECT case_id, seq, note FROM events WHERE agency = %s ORDER BY case_id, seq",
            (AGENCY,),
        ).fetchall()
    found: dict[str, list[tuple[int, str]]] = {}
    for cid, seq, note in rows:
        found.setdefault(cid, []).append((seq, note))
    return found


def _case_ids(url: str) -> list[str]:
    with psycopg.connect(url) as con:
        return [
            r[0]
            for r in con.execute("SELECT id FROM cases WHERE agency = %s ORDER BY id", (AGENCY,))
        ]


def _wait_for(what: str, check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _blocked_on_events(url: str, table: str = "events") -> Callable[[], bool]:
    """Is a session of this database waiting for a lock while it inserts into ``table``?"""

    def check() -> bool:
        with psycopg.connect(url, autocommit=True) as con:
            row = con.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE %s",
                (f"%INSERT INTO {table}%",),
            ).fetchone()
        return bool(row and row[0])

    return check


# -- SIGKILL ---------------------------------------------------------------------------


def test_sigkilled_appenders_lose_and_duplicate_no_reported_event(pg_store_url: str) -> None:
    url = pg_store_url
    with _agency_store(url) as store:
        store.import_cases([make_case("2024-03-01", case_id=f"K-{i}") for i in range(5)])
    rng = random.Random(18)
    reported: dict[str, tuple[str, int]] = {}  # note -> (case, seq)
    for round_ in range(8):
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", APPENDER, url, AGENCY, f"r{round_}w{w}"],
                stdout=subprocess.PIPE,
                text=True,
                env=ENV,
            )
            for w in range(2)
        ]
        firsts = []
        for proc in procs:
            assert proc.stdout is not None
            firsts.append(proc.stdout.readline())  # running, and committed once
        time.sleep(rng.uniform(0.0, 0.3))
        for proc in procs:
            os.kill(proc.pid, signal.SIGKILL)
        for proc, first in zip(procs, firsts, strict=True):
            rest, _ = proc.communicate()
            for line in (first + rest).splitlines():
                cid, seq, note = line.split()
                reported[note] = (cid, int(seq))
        found = _event_rows(url)
        where = {note: (cid, seq) for cid, evs in found.items() for seq, note in evs}
        notes = [note for evs in found.values() for _, note in evs]
        assert len(notes) == len(set(notes))  # no event written twice
        for note, at in reported.items():
            assert where.get(note) == at, note  # every reported event, where it was reported
        for evs in found.values():
            assert [seq for seq, _ in evs] == list(range(1, len(evs) + 1))
        with _agency_store(url) as store:
            assert store.verify() == []
    assert len(reported) > 16


def _batches(url: str, tag: str) -> dict[int, int]:
    """How many cases of each of a writer's batches are stored."""
    counts: dict[int, int] = {}
    for cid in _case_ids(url):
        if cid.startswith(tag + "-"):
            k = int(cid.split("-")[1])
            counts[k] = counts.get(k, 0) + 1
    return counts


def test_sigkilled_importers_leave_whole_batches_only(pg_store_url: str) -> None:
    url, size = pg_store_url, 150
    rng = random.Random(7)
    for round_ in range(6):
        tag = f"I{round_}"
        proc = subprocess.Popen(
            [sys.executable, "-c", IMPORTER, url, AGENCY, tag, str(size)],
            stdout=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.4))
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate()
        reported = [int(k) for k in (first + rest).split()]
        stored = _batches(url, tag)
        assert set(reported) <= set(stored)  # every reported batch is there
        assert set(stored.values()) == {size}, stored  # and every batch there is whole
        with _agency_store(url) as store:
            assert store.verify() == []


def test_an_importer_killed_inside_its_transaction_leaves_nothing_of_the_batch(
    pg_store_url: str,
) -> None:
    """Deterministically mid-batch: the importer's case rows are in, its events wait on a lock."""
    url, size = pg_store_url, 50
    locker = psycopg.connect(url)
    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, url, AGENCY, "L", str(size)],
        stdout=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "0"
        # the next batch's events cannot go in until the lock is released
        locker.execute("LOCK TABLE events IN EXCLUSIVE MODE")
        _wait_for("the importer to wait on the lock", _blocked_on_events(url))
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate()
    finally:
        locker.rollback()
        locker.close()
        if proc.poll() is None:
            proc.kill()
    reported = [int(k) for k in rest.split()]
    stored = _batches(url, "L")
    assert set(stored.values()) == {size} and set(reported) <= set(stored)
    assert max(stored) == max(reported, default=0)  # the batch in flight is not there
    with _agency_store(url) as store:
        assert store.verify() == []
        assert store.count() == size * len(stored)


# -- 8 writers -------------------------------------------------------------------------


def _hammer(url: str, case_ids: list[str], attempts: int, worker: int) -> tuple[int, int]:
    os.environ["DISCLOSURE_LOAD_PLUGINS"] = ""
    store = _agency_store(url)
    ok = conflicts = 0
    try:
        for i in range(attempts):
            cid = case_ids[i % len(case_ids)]
            seq = len(store.get(cid).events)
            try:
                store.append(
                    cid,
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
        store.close()
    return ok, conflicts


@pytest.mark.parametrize("shared", [True, False], ids=["one-case", "many-cases"])
def test_eight_concurrent_writers_lose_and_duplicate_nothing(
    pg_store_url: str, shared: bool
) -> None:
    url, writers, attempts = pg_store_url, 8, 15
    ids = [f"C-{i}" for i in range(writers)]
    with _agency_store(url) as store:
        store.import_cases([make_case("2024-03-01", case_id=cid) for cid in ids])
    jobs = [(url, ids[:1] if shared else [ids[w]], attempts, w) for w in range(writers)]
    with multiprocessing.get_context("spawn").Pool(writers) as pool:
        results = pool.starmap(_hammer, jobs)
    appended = sum(ok for ok, _ in results)
    assert appended + sum(c for _, c in results) == writers * attempts
    found = _event_rows(url)
    notes = [note for evs in found.values() for _, note in evs]
    assert len(notes) == appended == len(set(notes))  # none lost, none duplicated
    for evs in found.values():
        assert [seq for seq, _ in evs] == list(range(1, len(evs) + 1))
    if shared:
        assert appended > 0
    else:
        assert appended == writers * attempts  # different cases never conflict
        assert all(len(found[cid]) == attempts for cid in ids)
    with _agency_store(url) as store:
        assert store.verify() == []
        for cid in ids:  # the projection is the replay of each log
            assert store.projection(cid).state == store.engine.fold(store.get(cid)).state


# -- a server restart mid-import -------------------------------------------------------


def _pg_test_server() -> ModuleType:
    """``scripts/pg-test-server`` as a module (its bindir and privilege-dropping runner)."""
    path = str(ROOT / "scripts" / "pg-test-server")
    loader = importlib.machinery.SourceFileLoader("pg_test_server", path)
    spec = importlib.util.spec_from_loader("pg_test_server", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class Cluster:
    """A throwaway cluster of this module's own, which the tests stop and start."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.script = [sys.executable, str(ROOT / "scripts" / "pg-test-server")]

    def start(self) -> str:
        done = subprocess.run(
            [*self.script, "start", str(self.root)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def stop(self) -> None:
        done = subprocess.run(
            [*self.script, "stop", str(self.root)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr

    def crash(self) -> None:
        """Stop the server the way a power cut would (``pg_ctl -m immediate``): no checkpoint,
        every session dropped; the next start recovers from the WAL."""
        server = _pg_test_server()
        data = self.root / "data"
        server.run(
            [str(server.bindir() / "pg_ctl"), "--pgdata", str(data), "-m", "immediate", "stop"],
            "crashing the test server",
        )


@pytest.fixture(scope="module")
def cluster(pg_url: str) -> Iterator[tuple[Cluster, str]]:
    """A server of its own (needs ``DISCLOSURE_TEST_POSTGRES``, as ``pg_url`` does)."""
    root = Path(tempfile.mkdtemp(prefix="disclosure-pg-restart-"))
    own = Cluster(root)
    try:
        url = own.start()
    except AssertionError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"cannot start a server of this test's own: {exc}")
    try:
        yield own, url
    finally:
        own.stop()
        shutil.rmtree(root, ignore_errors=True)


def _importing(
    url: str, size: int, locker: Any, stop_before: int
) -> tuple[threading.Thread, dict[str, Any]]:
    """A thread importing batches of ``size`` cases into ``url``; the lock is taken on
    ``locker`` once ``stop_before`` batches have landed, so that the next stays in flight
    (taken as they land, not as they are read: an import reads batches ahead for its workers)."""
    outcome: dict[str, Any] = {"landed": []}

    def landed(n: int) -> None:
        outcome["landed"].append(n)
        if len(outcome["landed"]) == stop_before:
            locker.execute("LOCK TABLE events IN EXCLUSIVE MODE")

    def cases() -> Iterator[Case]:
        for i in itertools.count():
            yield Case(
                f"R-{i // size:03}-{i % size:04}",
                "natural_person",
                "online",
                D("2024-03-01"),
                (Event("extend", D("2024-03-20"), note=str(i)),) if i % 3 else (),
            )

    def run() -> None:
        try:
            with _agency_store(url) as store:
                store.import_stream(cases(), batch_size=size, progress=landed)
        except BaseException as exc:  # the test looks at exactly what the writer saw
            outcome["error"] = exc

    return threading.Thread(target=run, daemon=True), outcome


@pytest.mark.parametrize("how", ["terminate", "restart", "crash"])
def test_a_server_restart_mid_import_keeps_whole_batches_and_says_so_in_one_line(
    cluster: tuple[Cluster, str], how: str
) -> None:
    own, server_url = cluster
    name = "r_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        # every commit reported is on disk before the call returns, whatever the
        # cluster's own setting (its -c synchronous_commit=off ranks below a database's)
        admin.execute(f"ALTER DATABASE {name} SET synchronous_commit = on")
    url = pg_database(server_url, name)
    with PostgresStore(url, builtin_engine()) as owner:
        owner.add_agency(AGENCY, f"{name}_a1")
    size, completed = 40, 3
    locker = psycopg.connect(url)
    thread, outcome = _importing(url, size, locker, completed)
    thread.start()
    try:
        _wait_for("the importer to wait on the lock", _blocked_on_events(url))
        if how == "terminate":
            with psycopg.connect(server_url, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
        elif how == "restart":
            own.stop()
            own.start()
        else:
            own.crash()
            own.start()
        thread.join(60)
        assert not thread.is_alive()
    finally:
        locker.close()
    error = outcome.get("error")
    assert isinstance(error, StoreError), repr(error)
    message = str(error)
    assert "\n" not in message and "Traceback" not in message
    assert f"{completed * size} case(s) from earlier batches were imported and stay" in message
    assert f"this batch started at case {completed * size + 1}" in message
    assert outcome["landed"] == [size] * completed
    ids = _case_ids(url)
    assert len(ids) == completed * size  # the batch in flight is wholly absent
    assert not [i for i in ids if i.startswith(f"R-{completed:03}-")]
    with _agency_store(url) as store:
        assert store.verify() == []
        assert store.count() == completed * size
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f'DROP ROLE IF EXISTS "{name}_a1"')


def test_an_id_another_writer_stores_meanwhile_is_refused_by_name(pg_store_url: str) -> None:
    """The existence check and the insert are two statements: a case another writer
    commits between them is "already exists", as when the check finds it, not a
    unique-key error that stops the import."""
    from disclosure.store.chain import chained_rows
    from disclosure.store.schema import CASE_COLUMNS

    racing = builtin_engine().normalize(make_case("2024-03-01", case_id="RACE-1"))
    row, _ = chained_rows(racing, "2024-03-01T00:00:00+00:00")
    blocker = psycopg.connect(pg_store_url)  # the other writer, its transaction left open
    marks = ", ".join(["%s"] * (len(row) + 1))
    blocker.execute(
        f"INSERT INTO cases ({CASE_COLUMNS}, seq, genesis, head, agency) VALUES ({marks})",
        (*row, AGENCY),
    )
    outcome: list[BaseException | None] = []

    def importing() -> None:
        try:
            with _agency_store(pg_store_url) as store:
                store.import_cases([racing, make_case("2024-03-01", case_id="CALM-2")])
            outcome.append(None)
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    worker = threading.Thread(target=importing)
    worker.start()
    try:
        _wait_for(
            "the import to wait on the other writer's row",
            _blocked_on_events(pg_store_url, "cases"),
        )
        blocker.commit()
    finally:
        worker.join(60)
        blocker.close()
    assert len(outcome) == 1 and isinstance(outcome[0], StoreError), outcome
    assert "case RACE-1 already exists" in str(outcome[0])
    assert "unique constraint" not in str(outcome[0])
    assert _case_ids(pg_store_url) == ["RACE-1"]  # nothing of the batch was written


def test_a_lost_connection_is_an_error_of_the_run_not_damage_nor_a_traceback(
    pg_store_url: str,
) -> None:
    store = _agency_store(pg_store_url)
    store.import_cases([make_case("2024-03-01", case_id="LOST-1")])
    with psycopg.connect(pg_store_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    for call in (store.verify, store.open_by_party, lambda: store.get("LOST-2")):
        with pytest.raises(StoreError) as raised:
            call()
        assert "Traceback" not in str(raised.value)
    with pytest.raises(StoreError, match="cannot verify the store"):
        store.verify()


@pytest.mark.parametrize("how", ["refold", "store_settings", "refold dry run"])
def test_while_cases_are_folded_again_their_rows_are_locked_against_appends(
    pg_store_url: str, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """An append made between the fold and the projection it writes would be overwritten
    by the older fold: refold and new settings lock the case rows they fold (a dry run
    writes nothing, and locks nothing)."""
    from disclosure.settings import Settings

    with _agency_store(pg_store_url) as store:
        store.import_cases([make_case("2024-04-01", case_id=c) for c in ("A", "B")])
        seen: list[str] = []
        real_fold = Engine.fold

        def probing(self: Engine, case: Any, as_of: Any = None) -> Any:
            with psycopg.connect(pg_store_url, autocommit=True) as other:
                try:
                    other.execute(
                        "SELECT 1 FROM cases WHERE agency = %s AND id = %s FOR UPDATE NOWAIT",
                        (AGENCY, case.id),
                    )
                    seen.append(f"{case.id} free")
                except psycopg.errors.LockNotAvailable:
                    seen.append(f"{case.id} locked")
            return real_fold(self, case, as_of)

        monkeypatch.setattr(Engine, "fold", probing)
        if how == "refold":
            store.refold()
        elif how == "refold dry run":
            store.refold(dry_run=True)
        else:
            store.store_settings(Settings(parameters={"cn-ogi-2019": {"count_trigger_day": True}}))
    state = "free" if how == "refold dry run" else "locked"
    assert seen == [f"A {state}", f"B {state}"]


def test_an_import_that_meets_settings_being_stored_waits_and_folds_with_them(
    pg_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new case has no row for new settings to lock: the agency's settings lock makes
    an import wait for them, and it then folds its batch again with them."""
    from disclosure.settings import Settings

    with _agency_store(pg_store_url) as admin:
        admin.import_cases([make_case("2024-04-01", case_id="OLD")])
    clerk = _agency_store(pg_store_url)  # opened before the settings
    outcome: list[object] = []

    def importing() -> None:
        try:
            outcome.append(clerk.import_cases([make_case("2024-04-01", case_id="NEW")]))
        except Exception as exc:
            outcome.append(exc)

    def waiting_on_the_settings_lock() -> bool:
        with psycopg.connect(pg_store_url, autocommit=True) as con:
            row = con.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE %s",
                ("%pg_advisory_xact_lock_shared%",),
            ).fetchone()
        return bool(row and row[0])

    worker = threading.Thread(target=importing)
    with _agency_store(pg_store_url) as admin:
        real = admin._agency_cases

        def clerk_meanwhile(*args: Any) -> Iterator[Case]:
            worker.start()
            _wait_for("the import to wait for the settings", waiting_on_the_settings_lock)
            yield from real(*args)

        monkeypatch.setattr(admin, "_agency_cases", clerk_meanwhile)
        admin.store_settings(Settings(parameters={"cn-ogi-2019": {"count_trigger_day": True}}))
    worker.join(60)
    clerk.close()
    assert len(outcome) == 1 and not isinstance(outcome[0], Exception), outcome
    with _agency_store(pg_store_url) as fresh:
        assert fresh.verify() == []
