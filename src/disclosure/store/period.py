"""Which stored cases a reporting period needs, found through indexes (SQLite).

A report for a period counts what was received in it, open at its start or
end, concluded in it, and the review, lawsuit and fee events of it (or
pending at its end). Every other case contributes nothing, so a report reads
only these: a year with no cases costs a few index probes, not a scan of the
store. The set is a superset where that is cheaper; the report builder
decides what each case counts for.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from disclosure.lifecycle.case import Event

if TYPE_CHECKING:
    from disclosure.reports.build import CaseSummary


def _smaller_range(db: sqlite3.Connection, start: str, end: str) -> str:
    """The index to find cases open across the whole period with: the shorter range.

    Cases received before the period and closed after it sit at the far end
    of both indexes; count both ranges in growing steps until one ends.
    """
    cap = 1024
    while True:
        before = db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM projection INDEXED BY projection_received_closed "
            "WHERE received < ? LIMIT ?)",
            (start, cap),
        ).fetchone()[0]
        after = db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM projection INDEXED BY projection_closed_received "
            "WHERE closed_on > ? LIMIT ?)",
            (end, cap),
        ).fetchone()[0]
        if before < cap or after < cap:
            return "projection_received_closed" if before <= after else "projection_closed_received"
        cap *= 8


def select_period(
    db: sqlite3.Connection,
    table: str,
    start: dt.date,
    end: dt.date,
    event_types: Iterable[str],
    pending: Sequence[tuple[str, str]] = (),
) -> int:
    """Fill the temporary table ``table`` with the ids the period needs; return how many.

    ``pending`` pairs a filing event with the event that decides it: a case
    with more filings than decisions by the period's end has something pending
    at its end, whatever the other dates.
    """
    s, e = start.isoformat(), end.isoformat()
    db.execute(f"CREATE TEMP TABLE {table} (id TEXT PRIMARY KEY) WITHOUT ROWID")
    add = f"INSERT OR IGNORE INTO {table} "
    # received in the period
    db.execute(add + "SELECT case_id FROM projection WHERE received BETWEEN ? AND ?", (s, e))
    # open at its start: still open, or closed in or after it
    db.execute(
        add + "SELECT case_id FROM projection INDEXED BY projection_closed_received "
        "WHERE closed_on IS NULL AND received < ?",
        (s,),
    )
    db.execute(
        add + "SELECT case_id FROM projection INDEXED BY projection_closed_received "
        "WHERE closed_on BETWEEN ? AND ? AND received < ?",
        (s, e, s),
    )
    index = _smaller_range(db, s, e)
    db.execute(
        add + f"SELECT case_id FROM projection INDEXED BY {index} "
        "WHERE received < ? AND closed_on > ?",
        (s, e),
    )
    kinds = json.dumps(sorted(set(event_types)))
    # the report's events in the period
    db.execute(
        add + "SELECT case_id FROM events INDEXED BY events_type_on "
        "WHERE type IN (SELECT value FROM json_each(?)) AND on_date BETWEEN ? AND ?",
        (kinds, s, e),
    )
    if pending:
        # filed by the period's end and not yet decided by then (pending at its end)
        both = json.dumps(sorted({t for pair in pending for t in pair}))
        open_at_end = " OR ".join(
            "sum(type = ? AND on_date <= ?) > sum(type = ? AND on_date <= ?)" for _ in pending
        )
        db.execute(
            add + "SELECT case_id FROM events INDEXED BY events_type_on "
            f"WHERE type IN (SELECT value FROM json_each(?)) GROUP BY case_id HAVING {open_at_end}",
            (both, *(v for f, d in pending for v in (f, e, d, e))),
        )
    return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def summaries_of(
    db: sqlite3.Connection, table: str, event_types: Iterable[str]
) -> Iterator[CaseSummary]:
    """The cases whose ids are in ``table``, in id order, as a report reads them (streamed)."""
    kinds = json.dumps(sorted(set(event_types)))
    events = db.execute(
        "SELECT case_id, type, on_date, data FROM events INDEXED BY events_type_on "
        f"WHERE type IN (SELECT value FROM json_each(?)) AND case_id IN {table} "
        "ORDER BY case_id, seq",
        (kinds,),
    )
    rows = db.execute(
        "SELECT p.case_id, p.applicant, p.received, p.outcome, p.closed_on "
        f"FROM {table} AS w CROSS JOIN projection AS p ON p.case_id = w.id ORDER BY w.id"
    )
    return merge_summaries(rows, events)


def merge_summaries(
    rows: Iterable[Sequence[Any]], events: Iterable[Sequence[Any]]
) -> Iterator[CaseSummary]:
    """Projection rows and event rows, both sorted by case id, merged into summaries.

    ``rows``: (case_id, applicant, received, outcome, closed_on); ``events``:
    (case_id, type, on_date, data JSON). Two sorted scans, no case log folded.
    """
    stream = iter(events)
    pending = next(stream, None)
    for cid, applicant, received, outcome, closed_on in rows:
        evs: list[Event] = []
        while pending is not None and pending[0] <= cid:
            if pending[0] == cid:
                evs.append(
                    Event(pending[1], dt.date.fromisoformat(pending[2]), json.loads(pending[3]))
                )
            pending = next(stream, None)
        yield summary_of(cid, applicant, received, outcome, closed_on, evs)


@cache
def _summary_class() -> type[CaseSummary]:
    """The report's summary class, imported on first use (not with the store, which every
    command imports) and then once, not on each of a million cases."""
    from disclosure.reports.build import CaseSummary

    return CaseSummary


def summary_of(
    cid: str,
    applicant: str,
    received: str,
    outcome: str | None,
    closed_on: str | None,
    events: Iterable[Event],
) -> CaseSummary:
    """A report's view of one case from its stored projection columns (ISO dates)."""
    return _summary_class()(
        cid,
        applicant,
        dt.date.fromisoformat(received),
        outcome,
        dt.date.fromisoformat(closed_on) if closed_on else None,
        tuple(events),
    )
