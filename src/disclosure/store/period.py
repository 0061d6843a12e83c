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
    from disclosure.reports.build import CaseGroup, CaseSummary


#: The projection's indexes a period is found through: by receipt day, and by closing
#: day (followed by the columns a busy year is grouped by, :func:`alike`).
BY_RECEIPT = "projection_received_closed"
BY_CLOSING = "projection_closed_alike"


def _shorter(db: sqlite3.Connection, *ranges: tuple[str, str, tuple[str, ...]]) -> str:
    """Of two index ranges (index, condition, arguments), the index with the shorter one.

    The cases a condition wants may sit at the far end of both indexes; count
    both ranges in growing steps until one ends, and the second no further
    than the first (before the first year of a store, nothing is counted at
    all).
    """
    (first, *_), (second, *_) = ranges
    cap = 1024
    while True:
        counts: list[int] = []
        for index, condition, args in ranges:
            limit = min(counts[0], cap) if counts else cap
            sql = (
                f"SELECT count(*) FROM (SELECT 1 FROM projection INDEXED BY {index} "
                f"WHERE {condition} LIMIT ?)"
            )
            counts.append(db.execute(sql, (*args, limit)).fetchone()[0])
        if min(counts) < cap:
            return first if counts[0] <= counts[1] else second
        cap *= 8


def with_events(db: sqlite3.Connection, table: str, event_types: Iterable[str]) -> None:
    """Fill the temporary table ``table`` with the ids of the cases that have such events.

    A report reads those one by one (their events count in tables 四 and
    六); every other case it may count as one of a :func:`alike` group.
    """
    db.execute(f"CREATE TEMP TABLE {table} (id TEXT PRIMARY KEY) WITHOUT ROWID")
    db.execute(
        f"INSERT OR IGNORE INTO {table} SELECT case_id FROM events INDEXED BY events_type_on "
        "WHERE type IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(event_types))),),
    )


def select_period(
    db: sqlite3.Connection,
    table: str,
    start: dt.date,
    end: dt.date,
    event_types: Iterable[str],
    pending: Sequence[tuple[str, str]] = (),
    *,
    within: str | None = None,
) -> int:
    """Fill the temporary table ``table`` with the ids the period needs; return how many.

    ``pending`` pairs a filing event with the event that decides it: a case
    with more filings than decisions by the period's end has something pending
    at its end, whatever the other dates. ``within`` names a table of ids
    (:func:`with_events`) the cases are taken from, through their projection
    rows, instead of the projection's date indexes.
    """
    s, e = start.isoformat(), end.isoformat()
    db.execute(f"CREATE TEMP TABLE {table} (id TEXT PRIMARY KEY) WITHOUT ROWID")
    add = f"INSERT OR IGNORE INTO {table} "
    if within is not None:
        # a case that can count: received by the end, and not closed before the start
        db.execute(
            add + f"SELECT p.case_id FROM {within} AS w CROSS JOIN projection AS p "
            f"ON p.case_id = w.id WHERE {CAN_COUNT.format(r='p.received', m='?', n='?')}",
            (e, s, s),
        )
    else:
        _add_by_dates(db, add, s, e)
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
        # (events after the end count in neither sum: the index range stops there)
        db.execute(
            add + "SELECT case_id FROM events INDEXED BY events_type_on "
            "WHERE type IN (SELECT value FROM json_each(?)) AND on_date <= ? "
            f"GROUP BY case_id HAVING {open_at_end}",
            (both, e, *(v for f, d in pending for v in (f, e, d, e))),
        )
    return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _add_by_dates(db: sqlite3.Connection, add: str, s: str, e: str) -> None:
    """Add the cases received in the period or open at its start, through the date indexes."""
    # received in the period
    db.execute(add + "SELECT case_id FROM projection WHERE received BETWEEN ? AND ?", (s, e))
    # open at its start: still open, or closed in or after it
    before = (BY_RECEIPT, "received < ?", (s,))
    index = _shorter(db, before, (BY_CLOSING, "closed_on IS NULL", ()))
    db.execute(
        add + f"SELECT case_id FROM projection INDEXED BY {index} "
        "WHERE closed_on IS NULL AND received < ?",
        (s,),
    )
    db.execute(
        add + f"SELECT case_id FROM projection INDEXED BY {BY_CLOSING} "
        "WHERE closed_on BETWEEN ? AND ? AND received < ?",
        (s, e, s),
    )
    index = _shorter(db, before, (BY_CLOSING, "closed_on > ?", (e,)))
    db.execute(
        add + f"SELECT case_id FROM projection INDEXED BY {index} "
        "WHERE received < ? AND closed_on > ?",
        (s, e),
    )


#: SQL: a case can count in the period (received by its end, not closed before its start);
#: ``r`` is the receipt column, ``m`` the placeholder. Arguments: end, start, start. With
#: named placeholders, ``m`` names the end and ``n`` the start.
CAN_COUNT = "{r} <= {m} AND ({r} >= {n} OR closed_on IS NULL OR closed_on >= {n})"

#: Separates the ids of a group in the text ``group_concat`` makes (ids are printable).
ID_SEPARATOR = "\n"

#: A period whose cases that can count are fewer than this reads them one by one:
#: grouping first lists every case with report events in the store.
GROUP_FROM = 5000

#: A period that needs more than this share of the store reads the projection
#: in one scan: through the date index, each row costs a seek of its own.
SCAN_SHARE = 0.25


def stored(db: sqlite3.Connection) -> int:
    """How many cases the store holds, counted over a narrow projection index (the
    ``cases`` table has no index narrower than its rows)."""
    return int(db.execute("SELECT count(*) FROM projection").fetchone()[0])


def can_count(db: sqlite3.Connection, start: dt.date, end: dt.date, upto: int) -> int:
    """How many cases can count in the period, counted no further than ``upto``.

    An index count, no row read; the caller only compares the number with
    its thresholds (:data:`GROUP_FROM`, :data:`SCAN_SHARE`), so a busy year
    stops counting once past them instead of counting every case.
    """
    where = CAN_COUNT.format(r="received", m="?", n="?")
    args = (end.isoformat(), start.isoformat(), start.isoformat(), upto)
    sql = f"SELECT count(*) FROM (SELECT 1 FROM projection WHERE {where} LIMIT ?)"
    return int(db.execute(sql, args).fetchone()[0])


def alike(
    db: sqlite3.Connection,
    start: dt.date,
    end: dt.date,
    without: str,
    *,
    scan: bool,
    ids: bool = True,
) -> list[CaseGroup]:
    """The cases the period can count, except those in ``without``, as report groups.

    A case without report events is counted by its applicant, its outcome and
    its positions in the period (:func:`~disclosure.reports.period.positions`
    of its receipt and closing days), nothing else. SQLite groups the cases by
    closing day, applicant and outcome, which the index :data:`BY_CLOSING`
    holds in that order, so the groups stream out of one pass over it with no
    sort; each is split by receipt before or in the period, and the groups
    with the same positions are merged here. A busy year of a million cases
    becomes some thousands of rows, then a few hundred groups. ``scan``
    reads the whole index; otherwise SQLite may start from the receipt index.
    Without ``ids`` each group is counted, not listed.
    """
    s, e = start.isoformat(), end.isoformat()
    where = CAN_COUNT.format(r="+received" if scan else "received", m=":e", n=":s")
    source = f"projection INDEXED BY {BY_CLOSING}" if scan else "projection"
    rows = db.execute(
        f"SELECT {ALIKE_COLUMNS}, {members_by_receipt(ids, ':s', ':sep')} "
        f"FROM {source} WHERE {where} AND case_id NOT IN {without} "
        "GROUP BY closed_on, applicant, outcome",
        {"s": s, "e": e, "sep": ID_SEPARATOR},
    )
    return merge_alike(rows, start, end)


#: SQL: the first columns of a row of the grouping by closing day, applicant and outcome.
ALIKE_COLUMNS = "applicant, outcome, closed_on, min(received), max(received)"


def members_by_receipt(
    ids: bool, start: str, sep: str, concat: str = "group_concat", column: str = "case_id"
) -> str:
    """SQL: a group's members received before the period, then those received in it.

    Their ids joined by :data:`ID_SEPARATOR` (``sep``'s placeholder), or how
    many they are. ``start`` is the placeholder of the period's first day;
    ``concat`` the database's function that joins a group's texts.
    """
    before = f"received < {start}"
    if ids:
        return (
            f"{concat}(CASE WHEN {before} THEN {column} END, {sep}), "
            f"{concat}(CASE WHEN {before} THEN NULL ELSE {column} END, {sep})"
        )
    return f"sum(CASE WHEN {before} THEN 1 ELSE 0 END), sum(CASE WHEN {before} THEN 0 ELSE 1 END)"


def merge_alike(rows: Iterable[Sequence[Any]], start: dt.date, end: dt.date) -> list[CaseGroup]:
    """Report groups from rows grouped by closing day, applicant and outcome.

    Each row is :data:`ALIKE_COLUMNS` then :func:`members_by_receipt`. Its two
    parts (received before the period, received in it) are merged with every
    other part that has the same applicant, outcome and positions in the
    period (:func:`~disclosure.reports.period.positions`, the report's own
    rule); each group keeps the days of its first part.
    """
    from disclosure.reports.period import positions

    merged: dict[tuple[Any, ...], tuple[dt.date, dt.date | None, list[str | int]]] = {}
    for applicant, outcome, closed, first, last, before, within in rows:
        closed_on = dt.date.fromisoformat(closed) if closed else None
        for received, part in ((first, before), (last, within)):
            if not part:  # no case received on this side of the start (NULL or 0)
                continue
            day = dt.date.fromisoformat(received)
            key = (applicant, outcome, positions(day, closed_on, start, end))
            merged.setdefault(key, (day, closed_on, []))[2].append(part)
    return [
        group_of(applicant, outcome, day, closed_on, _joined(parts))
        for (applicant, outcome, _), (day, closed_on, parts) in merged.items()
    ]


def _joined(parts: list[str | int]) -> str | int:
    """The members of several parts of a group: their ids joined, or their counts summed."""
    if isinstance(parts[0], str):
        return ID_SEPARATOR.join(str(p) for p in parts)
    return sum(int(p) for p in parts)


def group_of(
    applicant: str,
    outcome: str | None,
    received: dt.date,
    closed_on: dt.date | None,
    members: str | int,
) -> CaseGroup:
    """A report group: its ids joined by :data:`ID_SEPARATOR`, or how many cases it has."""
    ids = tuple(members.split(ID_SEPARATOR)) if isinstance(members, str) else ()
    return _group_class()(
        ids,
        applicant,
        received,
        outcome,
        closed_on,
        size=len(ids) if isinstance(members, str) else int(members),
    )


def summaries_of(
    db: sqlite3.Connection, table: str, event_types: Iterable[str]
) -> Iterator[CaseSummary]:
    """The cases whose ids are in ``table``, in id order, as a report reads them (streamed)."""
    kinds = json.dumps(sorted(set(event_types)))
    # each case's own events, through the key: the period's cases decide the cost,
    # not every report event of the store (an empty year reads none)
    events = db.execute(
        f"SELECT e.case_id, e.type, e.on_date, e.data FROM {table} AS w CROSS JOIN events AS e "
        "ON e.case_id = w.id WHERE e.type IN (SELECT value FROM json_each(?)) "
        "ORDER BY w.id, e.seq",
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


@cache
def _group_class() -> type[CaseGroup]:
    """The report's group class, imported on first use (as :func:`_summary_class`)."""
    from disclosure.reports.build import CaseGroup

    return CaseGroup


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
