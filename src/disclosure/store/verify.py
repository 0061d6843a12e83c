"""Checking a SQLite store: the file, each case's chain and sequence, a replay of each log.

Cases are independent, so they are checked in chunks of ids; on a large store
the chunks run on every core, each worker process reading the file through
its own read-only connection. Problems come back in id order either way.
Nothing here raises on a damaged store: what cannot be read is a problem.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from disclosure.engine import Engine
from disclosure.errors import DisclosureError
from disclosure.store.ahead import can_fork, cores, forked_pool
from disclosure.store.chain import case_from_parsed, case_hash, event_hash
from disclosure.store.projection import (
    Projection,
    project,
    projection_row_values,
    projection_values,
)
from disclosure.store.schema import CASE_COLUMNS, CASE_WIDTH, EVENT_COLUMNS

#: Cases per chunk (one task of a worker, one progress step).
CHUNK = 2000
#: Below this many cases one process is faster than starting workers.
PARALLEL_FROM = 20_000

#: What a failed read or a row that no longer parses raises.
READ_ERRORS = (sqlite3.Error, DisclosureError, ValueError, TypeError, KeyError)

Progress = Callable[[int], None]


def one_line(exc: object) -> str:
    return " ".join(str(exc).split())


def ranges(seqs: Sequence[int]) -> str:
    """``1-3, 5`` for [1, 2, 3, 5]; duplicates show as repeated numbers."""
    if not seqs:
        return "none"
    parts: list[str] = []
    start = prev = seqs[0]
    for s in [*seqs[1:], None]:
        if s is not None and s == prev + 1:
            prev = s
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if s is not None:
            start = prev = s
    return ", ".join(parts)


def check_file(db: sqlite3.Connection, path: Path, problems: list[str]) -> tuple[bool, bool]:
    """That the file is a database and holds the tables; (cases can be checked, projection exists).

    SQLite's own checks of the whole file (:data:`FILE_CHECKS`) run here only
    when the cases cannot be checked; otherwise they run beside the case
    chunks, on the same workers (:func:`check_cases`).
    """
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        problems.append(f"{path}: not a readable SQLite database: {one_line(exc)}")
        return False, False
    missing = [t for t in ("meta", "cases", "events", "projection") if t not in tables]
    if missing:
        problems.append(f"missing table(s): {', '.join(missing)}")
        if "cases" in missing or "events" in missing:
            for name in FILE_CHECKS:
                problems.extend(check_whole_file(db, name))
            return False, False
    return True, "projection" not in missing


#: Bytes of the file the integrity check may read memory-mapped: the whole of a
#: store of about 1.3M cases; of a larger one, this much (the rest is read as before).
INTEGRITY_MMAP_BYTES = 1 << 30


def check_integrity(db: sqlite3.Connection) -> list[str]:
    """SQLite's integrity check: pages, b-trees, and every index against its table.

    The check looks up every index entry in its table, millions of page reads
    on a large store; read through a memory map they cost no system call each
    (1M cases: 6.8 s instead of 9.6 s, half of it in the kernel). The map is
    the connection's only while the check runs. The mapped pages are the
    file's own pages in the system's cache, shared and dropped under memory
    pressure, but they count in the process's resident size (up to this cap).
    """
    before = db.execute("PRAGMA mmap_size").fetchone()
    db.execute(f"PRAGMA mmap_size = {INTEGRITY_MMAP_BYTES}")
    try:
        checks = [r[0] for r in db.execute("PRAGMA integrity_check(20)")]
    finally:
        if before is not None:
            db.execute(f"PRAGMA mmap_size = {int(before[0])}")
    return [] if checks == ["ok"] else [f"SQLite integrity check: {one_line(c)}" for c in checks]


#: SQLite's checks of the whole file, by name. On a large store they take as
#: long as a third of the replay (the integrity check reads every index), so
#: they are tasks like the case chunks, handed out first.
FILE_CHECKS: dict[str, Callable[[sqlite3.Connection], list[str]]] = {
    "integrity": check_integrity,
}


#: A chunk of the id space: after the first id (exclusive; None: from the start) up to
#: the last (inclusive; None: to the end). The chunks of a store tile the whole space.
Bounds = tuple[str | None, str | None]


#: A task of a store check: one of :data:`FILE_CHECKS`, or a chunk's :data:`Bounds`.
_Task = str | Bounds


def check_whole_file(db: sqlite3.Connection, name: str) -> list[str]:
    """One of :data:`FILE_CHECKS`; a check that cannot run is itself a problem."""
    try:
        return FILE_CHECKS[name](db)
    except sqlite3.DatabaseError as exc:
        return [f"SQLite {name} check failed: {one_line(exc)}"]


def chunks(db: sqlite3.Connection, size: int = CHUNK) -> Iterator[Bounds]:
    """The bounds of each run of ``size`` cases, in id order, tiling every id.

    The first chunk is open below and the last open above, and each starts
    where the one before ended: an event or projection row whose case row is
    gone falls in exactly one chunk, which reports it (what SQLite's
    foreign-key check would find, without a lookup per row).
    """
    after: str | None = None
    full: str | None = None  # the last id of a full chunk, handed out once another id follows
    for n, (cid,) in enumerate(db.execute("SELECT id FROM cases ORDER BY id"), 1):
        if full is not None:
            yield after, full
            after, full = full, None
        if n % size == 0:
            full = cid
    yield after, None


def _within(column: str, bounds: Bounds) -> tuple[str, tuple[str, ...]]:
    """SQL for ``column`` lying in ``bounds``, and its parameters."""
    after, last = bounds
    terms, args = [], []
    if after is not None:
        terms.append(f"{column} > ?")
        args.append(after)
    if last is not None:
        terms.append(f"{column} <= ?")
        args.append(last)
    return " AND ".join(terms) or "1", tuple(args)


def _orphans(
    cases: Iterable[str], event_counts: dict[str, int], projected: Iterable[str]
) -> list[str]:
    """Events and projection rows whose case row is gone, in id order."""
    known = set(cases)
    found: dict[str, list[str]] = {}
    for cid, n in event_counts.items():
        if cid not in known:
            found.setdefault(cid, []).append(f"{n} event row(s)")
    for cid in projected:
        if cid not in known:
            found.setdefault(cid, []).append("a projection row")
    return [
        f"case {cid}: {' and '.join(rows)} but no case row (the case was deleted "
        "outside disclosure)"
        for cid, rows in sorted(found.items(), key=lambda item: str(item[0]))
    ]


def check_chunk(
    db: sqlite3.Connection, bounds: Bounds, engine: Engine, with_projection: bool
) -> tuple[int, list[str]]:
    """Check every case, event and projection row with an id in ``bounds``: (cases, problems)."""
    # the chunk's rows, events and projection in one snapshot: an event a clerk
    # appends between the reads is not a broken chain
    began = not db.in_transaction
    try:
        if began:
            db.execute("BEGIN")
        where, args = _within("id", bounds)
        rows = db.execute(
            f"SELECT {CASE_COLUMNS}, seq, genesis, head FROM cases WHERE {where} ORDER BY id",
            args,
        ).fetchall()
        events: dict[str, list[Any]] = {r[0]: [] for r in rows}
        where, args = _within("case_id", bounds)
        for ev in db.execute(
            f"SELECT {EVENT_COLUMNS}, hash FROM events WHERE {where} ORDER BY case_id, seq", args
        ):
            events.setdefault(ev[0], []).append(ev)
        stored = (
            {r[0]: r for r in db.execute(f"SELECT * FROM projection WHERE {where}", args)}
            if with_projection
            else {}
        )
    except READ_ERRORS:
        _end_read(db, began)
        return _case_by_case(db, bounds, engine, with_projection)
    _end_read(db, began)
    problems: list[str] = []
    for row in rows:
        cid = row[0]
        try:
            check_case(row, events[cid], stored.get(cid), engine, with_projection, problems)
        except READ_ERRORS as exc:
            problems.append(f"case {cid}: cannot be read: {one_line(exc)}")
    # a count cannot tell: a case without its projection row would hide an orphan's
    counts = {cid: len(evs) for cid, evs in events.items()}
    problems += _orphans((row[0] for row in rows), counts, stored)
    return len(rows), problems


def _end_read(db: sqlite3.Connection, began: bool) -> None:
    if began and db.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            db.execute("COMMIT")


def _case_by_case(
    db: sqlite3.Connection, bounds: Bounds, engine: Engine, with_projection: bool
) -> tuple[int, list[str]]:
    """The slow way, for a chunk whose bulk read failed: each case read alone.

    In one read transaction, as the bulk read: a case opened meanwhile is
    neither checked nor taken for rows whose case is gone.
    """
    began = not db.in_transaction
    if began:
        db.execute("BEGIN")
    try:
        return _each_case(db, bounds, engine, with_projection)
    finally:
        _end_read(db, began)


def _each_case(
    db: sqlite3.Connection, bounds: Bounds, engine: Engine, with_projection: bool
) -> tuple[int, list[str]]:
    where, args = _within("id", bounds)
    ids = [r[0] for r in db.execute(f"SELECT id FROM cases WHERE {where}", args)]
    problems: list[str] = []
    for cid in ids:
        try:
            row = db.execute(
                f"SELECT {CASE_COLUMNS}, seq, genesis, head FROM cases WHERE id = ?", (cid,)
            ).fetchone()
            full = db.execute(
                f"SELECT {EVENT_COLUMNS}, hash FROM events WHERE case_id = ? ORDER BY seq", (cid,)
            ).fetchall()
            found = (
                db.execute("SELECT * FROM projection WHERE case_id = ?", (cid,)).fetchone()
                if with_projection
                else None
            )
            check_case(row, full, found, engine, with_projection, problems)
        except READ_ERRORS as exc:
            problems.append(f"case {cid}: cannot be read: {one_line(exc)}")
    where, args = _within("case_id", bounds)
    try:
        counts = db.execute(
            f"SELECT case_id, count(*) FROM events WHERE {where} GROUP BY case_id", args
        ).fetchall()
        projected = (
            [r[0] for r in db.execute(f"SELECT case_id FROM projection WHERE {where}", args)]
            if with_projection
            else []
        )
        problems += _orphans(ids, dict(counts), projected)
    except READ_ERRORS as exc:
        problems.append(f"rows without a case cannot be looked for: {one_line(exc)}")
    return len(ids), problems


def check_case(
    row: Sequence[Any],
    full: Sequence[Sequence[Any]],
    found: Sequence[Any] | None,
    engine: Engine,
    with_projection: bool,
    problems: list[str],
) -> None:
    """One case: its row and events against their hashes, sequence, parse, replay."""
    cid = row[0]
    width = CASE_WIDTH
    if case_hash(row[:width]) != row[width + 1]:
        problems.append(
            f"case {cid}: the case row (header or personal data) does not match its "
            "hash: edited outside disclosure"
        )
    link = row[width + 1]
    for ev in full:
        if event_hash(link, ev[:8]) != ev[8]:
            problems.append(
                f"case {cid}: seq {ev[1]}: the event row does not match its hash "
                "(type, on_date, data, note, by or recorded_at edited outside disclosure)"
            )
        link = ev[8]
    if link != row[width + 2]:
        problems.append(
            f"case {cid}: the chain ends at a different hash than the case records "
            "(events removed or the chain rewritten)"
        )
    rows = [ev[1:7] for ev in full]
    seqs = [r[0] for r in rows]
    if seqs != list(range(1, len(seqs) + 1)):
        problems.append(
            f"case {cid}: event sequence numbers are {ranges(seqs)}, not 1-{len(seqs)}"
            " (an event is missing, duplicated or renumbered)"
        )
    if row[width] != len(rows):
        problems.append(
            f"case {cid}: the case header says {row[width]} events, the log has {len(rows)}"
        )
    bad = False
    parsed: list[tuple[Any, ...]] = []  # each event as read here, for the replay
    for seq, etype, on, data, note, by in rows:
        day = value = None
        try:
            day = dt.date.fromisoformat(on)
        except (TypeError, ValueError):
            problems.append(f"case {cid}: seq {seq}: on_date {on!r} is not a date")
            bad = True
        try:
            value = json.loads(data)
            if not isinstance(value, dict):
                raise ValueError("not an object")
        except (TypeError, ValueError) as exc:
            problems.append(f"case {cid}: seq {seq}: data is not valid JSON ({one_line(exc)})")
            bad = True
        parsed.append((etype, day, value, note, by))
    try:
        dt.date.fromisoformat(row[5])
    except (TypeError, ValueError):
        problems.append(f"case {cid}: received {row[5]!r} is not a date")
        bad = True
    fields: Any = {}
    try:
        if row[10]:
            fields = json.loads(row[10])
            if not isinstance(fields, dict):
                raise ValueError("not an object")
    except (TypeError, ValueError) as exc:
        problems.append(f"case {cid}: fields are not valid JSON ({one_line(exc)})")
        bad = True
    if bad:
        return
    case = case_from_parsed(row[:width], fields, parsed, engine)
    try:
        state = engine.fold(case)
    except DisclosureError as exc:
        problems.append(f"case {cid}: its log no longer folds: {one_line(exc)}")
        return
    if not with_projection:
        return
    if found is None:
        problems.append(f"case {cid}: no projection row")
        return
    values, expected = projection_row_values(found), project(state, engine)
    if values != projection_values(expected):
        stored = Projection(*values)
        diff = [
            f"{f.name} {getattr(stored, f.name)!r} != {getattr(expected, f.name)!r}"
            for f in attrs.fields(Projection)
            if getattr(stored, f.name) != getattr(expected, f.name)
        ]
        problems.append(f"case {cid}: projection differs: {'; '.join(diff)}")


def check_cases(
    db: sqlite3.Connection,
    uri: str,
    engine: Engine,
    with_projection: bool,
    *,
    workers: int | None = None,
    chunk: int = CHUNK,
    progress: Progress | None = None,
) -> list[str]:
    """Every case, in chunks; on ``workers`` processes (default: every core) when large.

    Workers open ``uri`` (a read-only SQLite URI of the same file).
    """
    count = int(db.execute("SELECT count(*) FROM cases").fetchone()[0])
    parts = -(-count // chunk)
    n = workers if workers is not None else (cores() if count >= PARALLEL_FROM else 1)
    if n <= 1 or parts < 2:
        tasks: list[_Task] = [*FILE_CHECKS, *chunks(db, chunk)]
        return _checked(tasks, lambda t: check_task(db, t, engine, with_projection), 1, progress)
    # the workers start on the file checks while the chunks' bounds are still being read
    lazy = itertools.chain(FILE_CHECKS, _chunks_apart(uri, chunk))
    return _checked(
        lazy, _Worker(uri, engine, with_projection), min(n, len(FILE_CHECKS) + parts), progress
    )


def _chunks_apart(uri: str, size: int) -> Iterator[Bounds]:
    """:func:`chunks` through a connection of its own.

    The pool reads its tasks in a thread of its own, and a connection is
    used only by the thread that opened it.
    """
    db = sqlite3.connect(uri, uri=True, timeout=10.0)
    try:
        yield from chunks(db, size)
    finally:
        db.close()


def check_task(
    db: sqlite3.Connection, task: _Task, engine: Engine, with_projection: bool
) -> tuple[int, list[str]]:
    """Run one task: (cases checked, problems)."""
    if isinstance(task, str):
        return 0, check_whole_file(db, task)
    return check_chunk(db, task, engine, with_projection)


#: What each chunk is checked with: told the chunk, gives (cases done, problems).
_Check = Callable[[Any], tuple[int, list[str]]]
#: The check the forked workers run (set before the fork; they inherit it).
_TASK: _Check | None = None


def _checked(
    items: Iterable[Any], check: _Check, workers: int, progress: Progress | None
) -> list[str]:
    """``check`` each chunk, here or on ``workers`` forked processes, in order."""
    global _TASK
    problems: list[str] = []
    forked = workers > 1 and can_fork()
    _TASK = check if forked else None
    try:
        with forked_pool(workers) if forked else _no_pool() as pool:
            results: Iterable[tuple[int, list[str]]]
            results = pool.imap(_run_task, items) if pool is not None else map(check, items)
            for done, found in results:
                problems.extend(found)
                if progress is not None:
                    progress(done)
    finally:
        _TASK = None
    return problems


def _run_task(item: Any) -> tuple[int, list[str]]:
    assert _TASK is not None, "verify workers are forked from _checked"
    return _TASK(item)


@contextlib.contextmanager
def _no_pool() -> Iterator[None]:
    yield None


@attrs.define
class _Worker:
    """A SQLite store check in a forked worker: the file, the engine, its own connection."""

    uri: str
    engine: Engine
    with_projection: bool
    db: sqlite3.Connection | None = None

    def __call__(self, task: _Task) -> tuple[int, list[str]]:
        if self.db is None:  # opened in the worker, on its first task
            self.db = sqlite3.connect(self.uri, uri=True, timeout=10.0)
        return check_task(self.db, task, self.engine, self.with_projection)


#: One case as a server adapter read it: its row, its event rows, its projection row.
LoadedCase = tuple[Sequence[Any], Sequence[Sequence[Any]], Sequence[Any] | None]


#: A batch of cases of one agency: the agency, the text of its stored settings, the cases.
AgencyBatch = tuple[str, str | None, Sequence[LoadedCase]]


def check_loaded(
    batches: Iterable[AgencyBatch],
    engine_for: Callable[[str, str | None], Engine],
    *,
    workers: int = 1,
    progress: Progress | None = None,
    read_errors: tuple[type[BaseException], ...] = READ_ERRORS,
    name_agency: bool = False,
) -> list[str]:
    """Check cases an adapter has read, batch by batch; the folds on ``workers`` processes.

    For a server store the reading is the database's and the replay is ours:
    this process reads the next batch while forked workers fold the last
    ones (:func:`check_case` in each, the same check as on SQLite). Each batch
    is one agency's and is replayed with ``engine_for`` (agency, its settings'
    text), so a login that sees several agencies checks each with its own
    settings; ``name_agency`` puts the agency before each of its problems.
    """

    def check(batch: AgencyBatch) -> tuple[int, list[str]]:
        agency, text, cases = batch
        label = f"agency {agency}: " if name_agency else ""
        try:
            engine = engine_for(agency, text)
        except DisclosureError as exc:
            return len(cases), [
                f"{label}its stored settings cannot be read ({one_line(exc)}); its "
                f"{len(cases)} case(s) here were not replayed"
            ]
        done, problems = _check_batch(cases, engine, read_errors)
        return done, [label + p for p in problems]

    return _checked(batches, check, workers, progress)


def _check_batch(
    batch: Sequence[LoadedCase], engine: Engine, read_errors: tuple[type[BaseException], ...]
) -> tuple[int, list[str]]:
    problems: list[str] = []
    for row, events, stored in batch:
        try:
            check_case(row, events, stored, engine, True, problems)
        except read_errors as exc:
            problems.append(f"case {row[0]}: cannot be read: {one_line(exc)}")
    return len(batch), problems
