"""The projection: what the store keeps about each case for queries.

Derived from a fold and rewritten in the same transaction as every write, so
dashboards and lists never fold; it can always be rebuilt from the log.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Collection, Sequence
from typing import Any

import attrs

from disclosure.engine import Engine
from disclosure.lifecycle.clocks import RUNNING
from disclosure.lifecycle.state import CaseState


@attrs.frozen
class Projection:
    """What the store keeps about each case for queries (derived, rebuildable)."""

    case_id: str
    ruleset: str
    state: str
    waiting_on: str
    closed: bool
    outcome: str | None
    closed_on: str | None
    applicant: str
    received: str
    next_due: str | None
    next_due_clock: str | None
    next_lapse: str | None
    next_lapse_event: str | None
    provisional: bool
    findings: int


@attrs.frozen
class DueCounts:
    """How many cases fall under each heading of the morning dashboard (``due_counts``)."""

    overdue: int  # an agency deadline passed before the day
    due_soon: int  # an agency deadline from the day to ``due_by``, both included
    lapsed: int  # someone else's window ended before the day: a lapse event is due
    waiting: int  # a window for the applicant, a third party or another agency still open


#: A projection's values in column order, as a tuple (``attrs.astuple`` recurses and
#: copies, several times slower on an import's or a list's hot path).
projection_values = operator.attrgetter(*(f.name for f in attrs.fields(Projection)))


def project(state: CaseState, engine: Engine) -> Projection:
    """The projection row of a folded case (independent of the as-of day)."""
    rs = engine.ruleset(state.ruleset)
    due: tuple[dt.date, str] | None = None
    lapse: tuple[dt.date, str] | None = None
    provisional = False
    for name, d in state.running_deadlines():
        spec = rs.clocks[name]
        if d.status != RUNNING or d.due is None:
            continue
        provisional = provisional or d.provisional
        if spec.compliance and not spec.optional and (due is None or d.due < due[0]):
            due = (d.due, name)
        if (
            spec.lapse_event
            and spec.lapse_event in state.next_events
            and (lapse is None or d.due < lapse[0])
        ):
            lapse = (d.due, spec.lapse_event)
    return Projection(
        state.case_id,
        state.ruleset,
        state.state,
        state.waiting_on,
        state.closed,
        state.outcome,
        state.closed_on.isoformat() if state.closed_on else None,
        state.applicant,
        state.received.isoformat(),
        due[0].isoformat() if due else None,
        due[1] if due else None,
        lapse[0].isoformat() if lapse else None,
        lapse[1] if lapse else None,
        provisional,
        sum(1 for f in state.findings if f.code != "overdue"),
    )


def projection_row_values(row: Sequence[Any]) -> tuple[Any, ...]:
    """A ``projection`` table row's values as :data:`projection_values` gives them.

    Compared as they are, they spare ``store verify`` a :class:`Projection` per case.
    """
    values = list(row)
    values[4] = bool(values[4])
    values[13] = bool(values[13])
    return tuple(values)


def projection_from_row(row: Sequence[Any]) -> Projection:
    """A ``projection`` table row as a :class:`Projection`."""
    return Projection(*projection_row_values(row))


def query_clauses(
    mark: str,
    *,
    state: str | None = None,
    waiting_on: str | None = None,
    overdue_as_of: dt.date | str | None = None,
    due_by: dt.date | str | None = None,
    received_in: int | None = None,
    lapsed_as_of: dt.date | str | None = None,
    window_open_on: dt.date | str | None = None,
    open_only: bool = False,
    after: str | None = None,
    scan: bool = False,
) -> tuple[str, list[Any], str]:
    """(WHERE clause, its arguments, ORDER BY clause) of a projection query.

    Shared by the adapters so that a filter means the same on every database;
    ``mark`` is the driver's placeholder (``?`` for sqlite3, ``%s`` for psycopg).
    ``after`` is a case id: only the rows after it in the query's order (keyset
    paging: a page does not shift when cases are added or change before it,
    and reaching it costs an index seek, not a count of the rows skipped).
    ``scan`` keeps the receipt condition off its index (``+received``): for a
    filter that holds much of the store, one pass over the table costs less
    than a seek per row.
    """
    from disclosure.documents import arguments

    overdue_as_of = arguments.optional_day(overdue_as_of, "overdue_as_of")
    due_by = arguments.optional_day(due_by, "due_by")
    lapsed_as_of = arguments.optional_day(lapsed_as_of, "lapsed_as_of")
    window_open_on = arguments.optional_day(window_open_on, "window_open_on")
    if received_in is not None:
        received_in = arguments.year(received_in, "received_in")
    where: list[str] = []
    args: list[Any] = []
    if state is not None:
        where.append(f"state = {mark}")
        args.append(state)
    if waiting_on is not None:
        where.append(f"waiting_on = {mark} AND closed = 0")
        args.append(waiting_on)
    if overdue_as_of is not None:
        where.append(f"next_due < {mark}")
        args.append(overdue_as_of.isoformat())
    if due_by is not None:
        where.append(f"next_due <= {mark}")
        args.append(due_by.isoformat())
    if lapsed_as_of is not None:
        where.append(f"next_lapse < {mark}")
        args.append(lapsed_as_of.isoformat())
    if window_open_on is not None:
        where.append(f"next_lapse >= {mark}")
        args.append(window_open_on.isoformat())
    if received_in is not None:
        where.append(f"{'+' if scan else ''}received BETWEEN {mark} AND {mark}")
        args += [f"{received_in}-01-01", f"{received_in}-12-31"]
    if open_only:
        where.append("closed = 0")
    if lapsed_as_of is not None or window_open_on is not None:
        keys = ["next_lapse", "case_id"]  # index order: no sorting
    elif overdue_as_of is not None or due_by is not None:
        keys = ["next_due", "case_id"]
    else:
        keys = ["next_due IS NULL", "next_due", "case_id"]
    if after is not None:
        # the same order as a row value; no due date compares as '' behind the flag
        row = ", ".join("COALESCE(next_due, '')" if k == "next_due" else k for k in keys)
        where.append(f"({row}) > (SELECT {row} FROM projection WHERE case_id = {mark} LIMIT 1)")
        args.append(after)
    clause = " WHERE " + " AND ".join(where) if where else ""
    return clause, args, " ORDER BY " + ", ".join(keys)


def active_clause(
    mark: str, same_case: str, start: dt.date, end: dt.date, final_states: Collection[str]
) -> tuple[str, list[Any]]:
    """A condition on ``cases`` rows: the case can count in a period from ``start`` to ``end``.

    It was received by the end, and it either is not in a final state (so it
    may be pending) or has an event on or after the start. A case that ended
    for good before the period has nothing in it; every other case is read
    and the report decides what it counts for. ``same_case`` joins an alias
    ``x`` of ``projection`` or ``events`` to the case row (``{x}`` in it);
    ``final_states`` are ``ruleset/state`` names.
    """
    clause = f"received <= {mark}"
    args: list[Any] = [end.isoformat()]
    if not final_states:
        return clause, args
    marks = ", ".join([mark] * len(final_states))
    clause += (
        " AND (NOT EXISTS (SELECT 1 FROM projection p WHERE "
        + same_case.format(x="p")
        + f" AND p.ruleset || '/' || p.state IN ({marks})) OR EXISTS (SELECT 1 FROM events e "
        + "WHERE "
        + same_case.format(x="e")
        + f" AND e.on_date >= {mark}))"
    )
    return clause, [*args, *sorted(final_states), start.isoformat()]
