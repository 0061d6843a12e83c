"""The SQLite case store: appends, conflicts, projection, round trips, crashes."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, D, make_case
from disclosure import Event, EventRejected, load_cases
from disclosure.store import ConflictError, DueCounts, Store, StoreError
from disclosure.store.port import refused_cases


@pytest.fixture
def store(tmp_path: Path, engine):  # type: ignore[no-untyped-def]
    with Store(tmp_path / "s.db", engine) as s:
        yield s


def test_open_append_and_projection(store) -> None:
    store.open_case(make_case("2024-09-10", case_id="A"))
    p = store.projection("A")
    assert (p.state, p.waiting_on, p.next_due, p.next_due_clock) == (
        "received",
        "agency",
        "2024-10-14",
        "reply",
    )
    store.append("A", Event("request_correction", D("2024-09-13")), expected_seq=0)
    p = store.projection("A")
    assert (p.state, p.waiting_on, p.next_due, p.next_lapse, p.next_lapse_event) == (
        "awaiting_correction",
        "applicant",
        None,
        "2024-09-29",
        "correction_lapsed",
    )
    case = store.get("A")
    assert case.events[0].data == {"correction_period": 10}
    assert store.verify() == []


def test_rejected_event_changes_nothing(store) -> None:
    store.open_case(make_case("2024-09-10", case_id="A"))
    before = (store.get("A"), store.projection("A"))
    with pytest.raises(EventRejected, match="not allowed in state 'received'"):
        store.append("A", Event("correction_received", D("2024-09-12")))
    assert (store.get("A"), store.projection("A")) == before


def test_conflicting_append_is_refused(store) -> None:
    store.open_case(make_case("2024-09-10", case_id="A"))
    store.append("A", Event("extend", D("2024-09-11")), expected_seq=0)
    with pytest.raises(ConflictError, match="expected 0 events but the store has 1"):
        store.append(
            "A", Event("decide", D("2024-09-12"), {"outcome": "disclosed"}), expected_seq=0
        )
    assert len(store.get("A").events) == 1


def test_duplicate_case_id_is_refused_and_batch_is_atomic(store) -> None:
    store.open_case(make_case("2024-09-10", case_id="A"))
    with pytest.raises(StoreError, match="case A already exists"):
        store.import_cases(
            [make_case("2024-09-10", case_id="B"), make_case("2024-09-10", case_id="A")]
        )
    assert store.count() == 1  # B did not land either


def test_unknown_case_suggests(store) -> None:
    from disclosure import NotFoundError

    store.open_case(make_case("2024-09-10", case_id="2024-0042"))
    with pytest.raises(NotFoundError, match="did you mean '2024-0042'"):
        store.get("2024-0024")


def test_import_export_round_trip_is_exact(store, tmp_path) -> None:
    cases = [store.engine.normalize(c) for c in load_cases(EXAMPLES / "agency-2024" / "cases.yaml")]
    store.import_cases(cases)
    exported = list(store.iter_cases())
    assert sorted(exported, key=lambda c: c.id) == sorted(cases, key=lambda c: c.id)
    f = tmp_path / "out.jsonl"
    f.write_text(
        "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in exported),
        encoding="utf-8",
    )
    again = [store.engine.normalize(c) for c in load_cases(f)]
    assert sorted(again, key=lambda c: c.id) == sorted(cases, key=lambda c: c.id)
    assert store.verify() == []


def test_verify_finds_a_tampered_projection(store) -> None:
    store.open_case(make_case("2024-09-10", case_id="A"))
    store.db.execute("UPDATE projection SET state = 'concluded' WHERE case_id = 'A'")
    problems = store.verify()
    assert problems and "case A: projection differs: state 'concluded' != 'received'" in problems[0]


def test_due_counts_count_each_dashboard_heading(store) -> None:
    store.import_cases(
        [
            make_case("2024-09-10", case_id="A"),
            make_case("2024-09-20", case_id="B"),
            make_case("2024-10-08", case_id="C"),
            make_case("2024-09-10", ("request_correction", "2024-09-13"), case_id="D"),
            make_case("2024-09-10", ("request_correction", "2024-09-20"), case_id="E"),
            make_case(
                "2024-09-10", ("decide", "2024-09-12", {"outcome": "disclosed"}), case_id="F"
            ),
        ]
    )
    # reply due A 10-14, B 10-23, C 11-04; correction windows end D 09-29, E 10-10; F is closed
    rows = {p.case_id: (p.next_due, p.next_lapse) for p in store.query()}
    assert rows == {
        "A": ("2024-10-14", None),
        "B": ("2024-10-23", None),
        "C": ("2024-11-04", None),
        "D": (None, "2024-09-29"),
        "E": (None, "2024-10-10"),
        "F": (None, None),
    }
    # both ends of the due window count; a window ending on the day is still open
    assert store.due_counts(D("2024-10-10"), D("2024-10-14")) == DueCounts(
        overdue=0, due_soon=1, lapsed=1, waiting=1
    )
    # due on the day is due, not overdue
    assert store.due_counts(D("2024-10-14"), D("2024-10-21")) == DueCounts(
        overdue=0, due_soon=1, lapsed=2, waiting=0
    )
    assert store.due_counts(D("2024-10-15"), D("2024-10-23")) == DueCounts(
        overdue=1, due_soon=1, lapsed=2, waiting=0
    )
    assert store.due_counts(D("2024-09-01"), D("2024-12-31")) == DueCounts(
        overdue=0, due_soon=3, lapsed=0, waiting=2
    )
    assert store.due_counts(D("2024-11-05"), D("2024-11-12")) == DueCounts(
        overdue=3, due_soon=0, lapsed=2, waiting=0
    )
    # the counts agree with the lists the dashboard prints under them
    day = D("2024-10-15")
    counts = store.due_counts(day, D("2024-10-23"))
    assert counts.overdue == len(store.query(overdue_as_of=day))
    assert counts.lapsed == len(store.query(lapsed_as_of=day))
    assert counts.waiting == len(store.query(window_open_on=day))


def test_not_a_store(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database at all, just text" * 10)
    with pytest.raises(StoreError, match="cannot open the case store"):
        Store(bad)
    with pytest.raises(StoreError, match="no case store here"):
        Store.open_existing(tmp_path / "missing.db")


def test_a_missing_file_opened_read_only_is_named_as_missing_like_open_existing(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(StoreError) as expected:
        Store.open_existing(missing)
    for create in (True, False):
        with pytest.raises(StoreError) as raised:
            Store(missing, read_only=True, create=create)
        assert str(raised.value) == str(expected.value)
        assert "no case store here" in str(raised.value) and "disclosure init" in str(raised.value)
    assert not missing.exists()  # nothing created
    # in a folder that does not exist either: no "create the directory" advice
    deeper = tmp_path / "nope" / "x.db"
    with pytest.raises(StoreError, match="no case store here, and no directory"):
        Store(deeper, read_only=True)
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(StoreError, match="an empty file, not a case store"):
        Store(empty, read_only=True)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer disclosure"):
        Store(path)


def _hammer(path: str, worker: int, rounds: int) -> tuple[int, int]:
    """Append extensions/notes to the same case from one process."""
    from disclosure.store import ConflictError, Store

    ok = conflicts = 0
    with Store(path) as s:
        for _ in range(rounds):
            case = s.get("SHARED")
            try:
                # set_reply_date may happen any number of times: a valid append every time
                s.append(
                    "SHARED",
                    Event(
                        "set_reply_date", D("2024-09-12"), {"due": "2024-12-31"}, note=f"w{worker}"
                    ),
                    expected_seq=len(case.events),
                )
                ok += 1
            except ConflictError:
                conflicts += 1
    return ok, conflicts


def test_two_processes_appending_to_the_same_case(tmp_path: Path, engine) -> None:
    path = tmp_path / "s.db"
    with Store(path, engine) as s:
        s.open_case(make_case("2024-09-10", case_id="SHARED"))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.starmap(_hammer, [(str(path), 1, 40), (str(path), 2, 40)])
    appended = sum(ok for ok, _ in results)
    with Store(path, engine) as s:
        events = s.get("SHARED").events
        assert len(events) == appended  # no event lost, none duplicated
        seqs = [r[0] for r in s.db.execute("SELECT seq FROM events ORDER BY seq")]
        assert seqs == list(range(1, appended + 1))
        assert s.verify() == []
    assert appended + sum(c for _, c in results) == 80


IMPORTER = """
import sys
from disclosure import Case
from disclosure.store import Store
import datetime as dt
s = Store(sys.argv[1])
for b in range(1000):
    cases = [Case(f"B{b:04d}-{i:03d}", "natural_person", "online", dt.date(2024, 3, 1))
             for i in range(50)]
    s.import_cases(cases)
    print(b, flush=True)
"""


@pytest.mark.parametrize("delay", [0.4, 0.9])
def test_sigkill_during_bulk_import_leaves_whole_batches(tmp_path: Path, engine, delay) -> None:
    path = tmp_path / "s.db"
    Store(path, engine).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # at least one batch committed
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Store(path, engine) as s:
        assert s.verify() == []
        counts = dict(
            s.db.execute("SELECT substr(id, 1, 5), count(*) FROM cases GROUP BY substr(id, 1, 5)")
        )
        assert counts and all(n == 50 for n in counts.values())  # every batch whole or absent


def test_future_events_are_refused(store) -> None:
    import datetime as dt

    store.open_case(make_case("2024-03-01", case_id="A"))
    future = dt.date.today() + dt.timedelta(days=30)
    with pytest.raises(StoreError, match="is in the future"):
        store.append("A", Event("extend", future))
    assert store.get("A").events == ()


def test_a_receipt_or_event_in_the_future_is_refused_on_open_and_import_as_on_append(
    store,
) -> None:
    import datetime as dt

    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    future_receipt = make_case(later, case_id="F-1")
    future_event = make_case(
        "2024-03-01", ("decide", later, {"outcome": "disclosed"}), case_id="F-2"
    )
    with pytest.raises(StoreError, match=f"case F-1: receipt on {later} is in the future"):
        store.open_case(future_receipt)
    with pytest.raises(StoreError, match=f"case F-2: event 'decide' on {later} is in the future"):
        store.import_cases([future_event])
    ok = make_case("2024-03-01", case_id="OK")
    with pytest.raises(StoreError) as refused:
        store.import_cases([future_receipt, ok, future_event])
    assert sorted(refused_cases(refused.value)) == [0, 2] and store.count() == 0
    store.open_case(make_case(tomorrow, case_id="T"))  # a day of slack for time zones


def test_one_store_is_shared_by_the_threads_of_a_web_server(tmp_path: Path) -> None:
    """Each thread gets its own connection; appends from many threads all land once."""
    import threading

    from disclosure import Engine
    from disclosure.plugins import Plugins

    store = Store(tmp_path / "threads.db", Engine(plugins=Plugins.builtin_only()))
    for i in range(8):
        store.open_case(make_case("2024-03-01", case_id=f"T-{i}"))
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for n in range(5):
                case_id = f"T-{(i + n) % 8}"
                for _ in range(20):
                    seq = len(store.get(case_id).events)
                    try:
                        store.append(
                            case_id,
                            Event("set_reply_date", D("2024-03-02"), {"due": "2024-12-31"}),
                            expected_seq=seq,
                        )
                        break
                    except ConflictError:
                        continue
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(len(store.get(f"T-{i}").events) for i in range(8)) == 40
    assert store.verify() == []
    store.close()
