"""Reads that must see one moment of a SQLite store while clerks write to it.

A clerk's event landing between the statements of one report or one verify
chunk must neither count a case twice nor look like tampering. The clerk
writes here from inside the reading connection's trace callback, exactly
between two of its statements, through a connection of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import make_case
from disclosure import Engine, Event
from disclosure.plugins import Plugins
from disclosure.reports.build import build_report, report_event_types
from disclosure.store import Store, period

CASES = 60


@pytest.fixture
def engine() -> Engine:
    return Engine(plugins=Plugins.builtin_only())


@pytest.fixture
def db(tmp_path: Path, engine: Engine) -> Path:
    path = tmp_path / "s.db"
    with Store(path, engine) as s:
        s.import_cases(
            make_case(
                "2024-03-01",
                ("decide", "2024-03-05", {"outcome": "disclosed"}),
                case_id=f"C-{i:03d}",
            )
            for i in range(CASES)
        )
    return path


def _clerk_between(store: Store, marker: str, db: Path, engine: Engine) -> Callable[[str], None]:
    """A trace callback: when a statement holding ``marker`` starts, a clerk files a
    review on every case (once)."""
    done = False

    def trace(sql: str) -> None:
        nonlocal done
        if done or marker not in sql:
            return
        done = True
        with Store(db, engine) as clerk:
            for i in range(CASES):
                clerk.append(f"C-{i:03d}", Event("review_filed", dt.date(2024, 12, 31), {}))

    store.db.set_trace_callback(trace)
    return trace


def test_a_report_counts_each_case_once_while_a_clerk_files_reviews(
    db: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(period, "GROUP_FROM", 10)  # a busy year: groups and single cases
    tpl = engine.template(year=2024)
    kinds = report_event_types(tpl)
    with Store(db, engine) as s:
        _clerk_between(s, "INSERT OR IGNORE INTO temp.period_", db, engine)
        found = s.period_summaries(kinds, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
        report = build_report(found, 2024, tpl, engine.machine())
        s.db.set_trace_callback(None)
    assert report.table3.rows["new"][-1] == CASES


def test_verify_reads_a_chunk_in_one_snapshot_while_a_clerk_appends(
    db: Path, engine: Engine
) -> None:
    with Store(db, engine) as s:
        _clerk_between(s, "FROM events WHERE case_id BETWEEN", db, engine)
        problems = s.verify(workers=1)
        s.db.set_trace_callback(None)
        assert problems == []
        assert s.verify(workers=1) == []  # and the clerk's reviews verify afterwards
