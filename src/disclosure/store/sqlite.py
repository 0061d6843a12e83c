"""The embedded case store: an append-only event log in one SQLite file.

Cases and their events are the truth; a projection table (state, outcome,
next due date, who must act, ...) is kept in the same transaction as every
append so that dashboards never fold a million cases. Appends carry the
expected sequence number: a concurrent writer gets a :class:`ConflictError`
and nothing is lost or duplicated. ``verify`` replays every case and compares
it with the projection.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import inspect
import json
import math
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from disclosure.engine import Engine
from disclosure.errors import (
    ConflictError,
    DisclosureError,
    NotFoundError,
    StoreError,
    did_you_mean,
)
from disclosure.lifecycle.case import Case, Event
from disclosure.lifecycle.clocks import RUNNING
from disclosure.lifecycle.state import CaseState

if TYPE_CHECKING:
    from disclosure.reports.build import CaseSummary

SCHEMA_VERSION = 4

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        ruleset TEXT,
        calendar TEXT,
        applicant TEXT NOT NULL,
        channel TEXT NOT NULL,
        received TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        applicant_name TEXT NOT NULL DEFAULT '',
        id_number TEXT NOT NULL DEFAULT '',
        contact TEXT NOT NULL DEFAULT '',
        seq INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE TABLE events (
        case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        on_date TEXT NOT NULL,
        data TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        by TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (case_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE projection (
        case_id TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
        ruleset TEXT NOT NULL,
        state TEXT NOT NULL,
        waiting_on TEXT NOT NULL,
        closed INTEGER NOT NULL,
        outcome TEXT,
        closed_on TEXT,
        applicant TEXT NOT NULL,
        received TEXT NOT NULL,
        next_due TEXT,
        next_due_clock TEXT,
        next_lapse TEXT,
        next_lapse_event TEXT,
        provisional INTEGER NOT NULL DEFAULT 0,
        findings INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX projection_state ON projection(state);
    CREATE INDEX projection_waiting ON projection(waiting_on, closed);
    CREATE INDEX projection_due ON projection(next_due) WHERE next_due IS NOT NULL;
    CREATE INDEX projection_lapse ON projection(next_lapse) WHERE next_lapse IS NOT NULL;
    CREATE INDEX projection_received ON projection(received);
    CREATE INDEX projection_closed_on ON projection(closed_on);
    """,
    # 2: dashboards read due and lapse lists in order without sorting, and count
    # open cases by party from an index.
    2: """
    DROP INDEX projection_due;
    DROP INDEX projection_lapse;
    DROP INDEX projection_waiting;
    CREATE INDEX projection_due ON projection(next_due, case_id) WHERE next_due IS NOT NULL;
    CREATE INDEX projection_lapse ON projection(next_lapse, case_id)
        WHERE next_lapse IS NOT NULL;
    CREATE INDEX projection_open ON projection(closed, waiting_on);
    """,
    # 3: the tamper-evident log. ``genesis`` hashes the case row, each event's
    # ``hash`` chains the previous hash with every column of the event, and
    # ``head`` is the last hash (so a removed last event is noticed too). The
    # chains of existing cases are computed once, in the migration.
    3: """
    ALTER TABLE cases ADD COLUMN genesis TEXT NOT NULL DEFAULT '';
    ALTER TABLE cases ADD COLUMN head TEXT NOT NULL DEFAULT '';
    ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
    """,
    # 4: fields a ruleset declares for its cases (the FOIA ``component``), as
    # JSON; '' for none, which keeps the hashes of existing rows valid.
    4: """
    ALTER TABLE cases ADD COLUMN fields TEXT NOT NULL DEFAULT '';
    """,
}

_CASE_COLUMNS = (
    "id, ruleset, calendar, applicant, channel, received, subject, applicant_name, "
    "id_number, contact, fields"
)
#: How many columns ``_CASE_COLUMNS`` names (the hashed part of a case row).
_CASE_WIDTH = 11
_EVENT_COLUMNS = "case_id, seq, type, on_date, data, note, by, recorded_at"


_R = TypeVar("_R")


def _reading(method: Callable[..., _R]) -> Callable[..., _R]:
    """A read that meets a damaged file says so in one line (``store verify`` explains)."""

    @functools.wraps(method)
    def read(self: Store, *args: Any, **kwargs: Any) -> _R:
        try:
            result = method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None
        if inspect.isgenerator(result):
            return cast(_R, _guarded(self, result))
        return result

    return read


def _guarded(store: Store, items: Iterator[Any]) -> Iterator[Any]:
    try:
        yield from items
    except sqlite3.DatabaseError as exc:
        raise store._damaged(exc) from None


def _digest(kind: str, prev: str, values: Sequence[Any]) -> str:
    text = json.dumps([kind, prev, *values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def case_hash(values: Sequence[Any]) -> str:
    """The chain's genesis: a hash of every column of the case row (personal data too).

    A case without declared fields hashes as it did before the column existed.
    """
    if len(values) == _CASE_WIDTH and values[-1] == "":
        values = values[:-1]
    return _digest("case", "", values)


def event_hash(prev: str, values: Sequence[Any]) -> str:
    """An event's link: the previous hash and every column of the event row."""
    return _digest("event", prev, values)


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


def project(state: CaseState, engine: Engine) -> Projection:
    """The projection row of a folded case (independent of the as-of day)."""
    rs = engine.ruleset(state.ruleset)
    due: tuple[dt.date, str] | None = None
    lapse: tuple[dt.date, str] | None = None
    provisional = False
    for name, d in state.deadlines.items():
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


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")


class Store:
    """A case store in one SQLite file (WAL mode, foreign keys on)."""

    def __init__(
        self,
        path: str | Path,
        engine: Engine | None = None,
        *,
        create: bool = True,
        timeout: float = 10.0,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.engine = engine or Engine()
        if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout >= 0):
            raise StoreError(f"busy timeout must be a number of seconds >= 0, not {timeout!r}")
        exists = self.path.exists()
        if not create and not exists:
            raise StoreError(
                f"{self.path}: no case store here (create one with "
                f"'disclosure init --db {self.path}')"
            )
        # A file on read-only media, or one we may not write, is opened read-only:
        # reading commands work, writing ones say why they cannot.
        self.read_only = read_only or (exists and not _writable(self.path))
        try:
            if self.read_only:
                uri = self.path.resolve().as_uri() + "?mode=ro"
                wal = Path(str(self.path) + "-wal")
                if not os.access(self.path.resolve().parent, os.W_OK) and not wal.exists():
                    uri += "&immutable=1"  # nobody can write it; no -shm can be created
                self.db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
            else:
                self.db = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the case store: {exc}") from None
        try:
            self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._check_is_store(exists and not create)
            self.db.execute("PRAGMA foreign_keys = ON")
            if self.read_only:
                version = self._version()
                if version != SCHEMA_VERSION:
                    raise StoreError(
                        f"{self.path}: schema {version} needs upgrading to {SCHEMA_VERSION}, "
                        "which needs write access; open it once where it can be written"
                        if version < SCHEMA_VERSION
                        else f"{self.path}: written by a newer disclosure (schema {version}, "
                        f"this one knows {SCHEMA_VERSION}); upgrade disclosure"
                    )
            else:
                self.db.execute("PRAGMA journal_mode = WAL").fetchone()
                self.db.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
        except (sqlite3.DatabaseError, ValueError) as exc:
            self.db.close()
            raise StoreError(f"{self.path}: cannot open the case store: {exc}") from None
        except BaseException:
            self.db.close()
            raise

    def _check_is_store(self, must_exist: bool) -> None:
        """Refuse a SQLite file that belongs to something else (never add tables to it)."""
        tables = {
            r[0]
            for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        if not tables:
            if must_exist:
                raise StoreError(
                    f"{self.path}: an empty file, not a case store (create one with "
                    f"'disclosure init --db {self.path}')"
                )
            return
        has_version = (
            "meta" in tables
            and self.db.execute("SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone()
        )
        if not has_version:
            shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise StoreError(
                f"{self.path}: not a disclosure case store (it has tables {shown}); "
                "refusing to touch it — pass the right --db, or create a store with "
                "'disclosure init'"
            )

    def _version(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            return 0
        try:
            return int(row[0])
        except (TypeError, ValueError):
            raise StoreError(
                f"{self.path}: the schema version recorded in the meta table is "
                f"{row[0]!r}, not a number; the store is damaged"
            ) from None

    @classmethod
    def open_existing(cls, path: str | Path, engine: Engine | None = None) -> Store:
        return cls(path, engine, create=False)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------
    def _migrate(self) -> None:
        db = self.db
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        version = self._version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer disclosure (schema {version}, "
                f"this one knows {SCHEMA_VERSION}); upgrade disclosure"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._write():
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
                        db.execute(statement)
                if target == 3:
                    self._rechain(db)
                db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(target),)
                )

    def _rechain(self, db: sqlite3.Connection) -> None:
        """Compute every case's hash chain from its rows as they are now (migration)."""
        # the columns as of schema 3 (``fields`` comes in 4; an empty one hashes as absent)
        columns = _CASE_COLUMNS.removesuffix(", fields")
        for row in db.execute(f"SELECT {columns} FROM cases").fetchall():
            head = case_hash(row)
            db.execute("UPDATE cases SET genesis = ? WHERE id = ?", (head, row[0]))
            for ev in db.execute(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE case_id = ? ORDER BY seq", (row[0],)
            ).fetchall():
                head = event_hash(head, ev)
                db.execute(
                    "UPDATE events SET hash = ? WHERE case_id = ? AND seq = ?", (head, ev[0], ev[1])
                )
            db.execute("UPDATE cases SET head = ? WHERE id = ?", (head, row[0]))

    @property
    def schema_version(self) -> int:
        return self._version()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands, or none of it."""
        if self.read_only:
            raise StoreError(
                f"{self.path}: the store is open read-only (the file or its disk cannot be "
                "written); nothing was written"
            )
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot write: {exc}") from None
        try:
            yield self.db
        except BaseException:
            self._rollback()
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(f"{self.path}: cannot commit, nothing was written: {exc}") from None

    def _rollback(self) -> None:
        """Roll back if a transaction is still open (SQLite ends some itself, e.g. on a full
        disk); a failing rollback must not hide the error that caused it."""
        if self.db.in_transaction:
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

    # -- writing --------------------------------------------------------------------
    def open_case(self, case: Case) -> CaseState:
        """Add a new case (its events too, if any); the id must be new."""
        return self.import_cases([case])[0]

    def import_cases(self, cases: Sequence[Case], *, replace: bool = False) -> list[CaseState]:
        """Add cases in one transaction: every case lands, or none does.

        Each case is folded first, so a bad log is refused with its error.
        """
        cases = [self.engine.normalize(c) for c in cases]
        states = [self.engine.fold(c) for c in cases]
        try:
            with self._write() as db:
                for case, state in zip(cases, states, strict=True):
                    if replace:
                        db.execute("DELETE FROM cases WHERE id = ?", (case.id,))
                    elif db.execute("SELECT 1 FROM cases WHERE id = ?", (case.id,)).fetchone():
                        raise StoreError(f"case {case.id} already exists in {self.path}")
                    head = self._insert_case(db, case)
                    for seq, event in enumerate(case.events, 1):
                        head = self._insert_event(db, case.id, seq, event, head)
                    db.execute("UPDATE cases SET head = ? WHERE id = ?", (head, case.id))
                    self._write_projection(db, project(state, self.engine))
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: import failed, nothing was written: {exc}") from None
        return states

    def append(self, case_id: str, event: Event, expected_seq: int | None = None) -> CaseState:
        """Append one event after checking it against the case's log; return the new state.

        The case is folded once: the state that accepts the event is the one
        projected, returned and passed to plugins (its ``case`` is the new log).

        ``expected_seq`` is the number of events the caller saw; if another
        writer got there first, :class:`ConflictError` is raised and nothing
        changes. Without it, the current log is used (last writer checks).
        """
        tomorrow = dt.date.today() + dt.timedelta(days=1)  # a day of slack for time zones
        if event.on > tomorrow:
            raise StoreError(
                f"case {case_id}: event '{event.type}' on {event.on} is in the "
                f"future (today is {dt.date.today()}); record events when they "
                "happen — is the year mistyped?"
            )
        # Read and fold outside the write lock: a slow deadline-policy plugin must
        # not block other writers. The short transaction below only checks that
        # nobody appended in between and inserts.
        try:
            self.db.execute("BEGIN")  # one consistent snapshot for the case and its log
            try:
                case = self._load(self.db, case_id)
                seqs = [
                    r[0]
                    for r in self.db.execute(
                        "SELECT seq FROM events WHERE case_id = ? ORDER BY seq", (case_id,)
                    )
                ]
                row = self.db.execute("SELECT seq FROM cases WHERE id = ?", (case_id,)).fetchone()
            finally:
                self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read case {case_id}: {exc}") from None
        n = len(case.events)
        if seqs != list(range(1, n + 1)) or row is None or row[0] != n:
            raise StoreError(
                f"case {case_id}: the event log is damaged (sequence numbers "
                f"{_ranges(seqs)}, case header says {row[0] if row else '?'}); nothing was "
                f"written — run 'disclosure store verify --db {self.path}'"
            )
        if expected_seq is not None and expected_seq != n:
            raise ConflictError(
                f"case {case_id}: expected {expected_seq} events but the store has "
                f"{n}; someone else changed it — reload and retry"
            )
        # raises EventRejected and changes nothing; plugins are told after the commit.
        # Plugins see the event's data read-only: what is stored is what was folded.
        event = attrs.evolve(event, data=MappingProxyType(dict(event.data)))
        state = self.engine.append(case, event, notify=False)
        seq = len(state.case.events)
        try:
            with self._write() as db:
                now = db.execute("SELECT seq, head FROM cases WHERE id = ?", (case_id,)).fetchone()
                if now is None or now[0] != n:
                    raise ConflictError(
                        f"case {case_id}: another writer appended event {n + 1} first; "
                        "reload and retry"
                    )
                head = self._insert_event(db, case_id, seq, state.case.events[-1], now[1])
                db.execute("UPDATE cases SET seq = ?, head = ? WHERE id = ?", (seq, head, case_id))
                self._write_projection(db, project(state, self.engine))
        except sqlite3.IntegrityError:
            raise StoreError(
                f"case {case_id}: event {seq} already exists although the case header "
                f"says {n} events: the event log is damaged; nothing was written — run "
                f"'disclosure store verify --db {self.path}'"
            ) from None
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: append failed, nothing was written: {exc}") from None
        self.engine.notify(state)
        return state

    def _insert_case(self, db: sqlite3.Connection, case: Case) -> str:
        """Insert the case row; return its genesis hash."""
        values = (
            case.id,
            case.ruleset,
            case.calendar,
            case.applicant,
            case.channel,
            case.received.isoformat(),
            case.subject,
            case.applicant_name,
            case.id_number,
            case.contact,
            json.dumps(dict(case.fields), ensure_ascii=False, sort_keys=True)
            if case.fields
            else "",
        )
        genesis = case_hash(values)
        db.execute(
            f"INSERT INTO cases ({_CASE_COLUMNS}, seq, genesis, head) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (*values, len(case.events), genesis, genesis),
        )
        return genesis

    def _insert_event(
        self, db: sqlite3.Connection, case_id: str, seq: int, event: Event, prev: str
    ) -> str:
        """Insert one event chained to ``prev``; return its hash."""
        values = (
            case_id,
            seq,
            event.type,
            event.on.isoformat(),
            json.dumps(dict(event.data), default=_json_default, ensure_ascii=False, sort_keys=True),
            event.note,
            event.by,
            dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        )
        digest = event_hash(prev, values)
        db.execute(
            f"INSERT INTO events ({_EVENT_COLUMNS}, hash) VALUES (?,?,?,?,?,?,?,?,?)",
            (*values, digest),
        )
        return digest

    def _write_projection(self, db: sqlite3.Connection, p: Projection) -> None:
        db.execute(
            "INSERT OR REPLACE INTO projection VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            attrs.astuple(p),
        )

    # -- reading ----------------------------------------------------------------------
    def _load(self, db: sqlite3.Connection, case_id: str) -> Case:
        row = db.execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            raise NotFoundError(self._unknown(case_id))
        events = db.execute(
            "SELECT type, on_date, data, note, by FROM events WHERE case_id = ? ORDER BY seq",
            (case_id,),
        ).fetchall()
        return self._case(row, events)

    def _case(self, row: Sequence[Any], events: Iterable[Sequence[Any]]) -> Case:
        cid, ruleset, calendar, applicant, channel, received, subject, name, idn, contact = row[:10]
        fields = json.loads(row[10]) if row[10] else {}
        evs = tuple(
            Event(etype, dt.date.fromisoformat(on), MappingProxyType(json.loads(data)), note, by)
            for etype, on, data, note, by in events
        )
        case = Case(
            cid,
            applicant,
            channel,
            dt.date.fromisoformat(received),
            evs,
            ruleset=ruleset,
            calendar=calendar,
            subject=subject,
            applicant_name=name,
            id_number=idn,
            contact=contact,
            fields=fields,
        )
        return self.engine.normalize(case)

    def _unknown(self, case_id: str) -> str:
        like = [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM cases WHERE id LIKE ? LIMIT 50", (case_id[:4] + "%",)
            )
        ]
        hint = did_you_mean(case_id, like) if like else ""
        return f"no case '{case_id}' in {self.path}" + (f" ({hint})" if hint else "")

    def _damaged(self, exc: sqlite3.DatabaseError) -> StoreError:
        return StoreError(
            f"{self.path}: cannot read the store: {_one_line(exc)}; "
            "run 'disclosure store verify' to see what is damaged"
        )

    @_reading
    def get(self, case_id: str) -> Case:
        return self._load(self.db, case_id)

    @_reading
    def iter_cases(self, batch: int = 2000) -> Iterator[Case]:
        """Every case with its events, in id order, streamed."""
        last = ""
        while True:
            rows = self.db.execute(
                f"SELECT {_CASE_COLUMNS} FROM cases WHERE id > ? ORDER BY id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            ids = [r[0] for r in rows]
            marks = ",".join("?" * len(ids))
            by_case: dict[str, list[Any]] = {i: [] for i in ids}
            for ev in self.db.execute(
                f"SELECT case_id, type, on_date, data, note, by FROM events WHERE case_id IN "
                f"({marks}) ORDER BY case_id, seq",
                ids,
            ):
                by_case[ev[0]].append(ev[1:])
            for r in rows:
                yield self._case(r, by_case[r[0]])
            last = ids[-1]

    @_reading
    def summaries(self, event_types: Iterable[str]) -> Iterator[CaseSummary]:
        """Every case as a report needs it: projection columns plus the given events.

        Streams in id order without folding, so a report over a million cases
        reads two sorted scans instead of a million logs.
        """
        from disclosure.reports.build import CaseSummary

        kinds = sorted(set(event_types))
        marks = ",".join("?" * len(kinds))
        events = (
            self.db.execute(
                f"SELECT case_id, type, on_date, data FROM events WHERE type IN ({marks}) "
                "ORDER BY case_id, seq",
                kinds,
            )
            if kinds
            else iter(())
        )
        pending = next(events, None)
        for cid, applicant, received, outcome, closed_on in self.db.execute(
            "SELECT case_id, applicant, received, outcome, closed_on FROM projection "
            "ORDER BY case_id"
        ):
            evs: list[Event] = []
            while pending is not None and pending[0] <= cid:
                if pending[0] == cid:
                    evs.append(
                        Event(pending[1], dt.date.fromisoformat(pending[2]), json.loads(pending[3]))
                    )
                pending = next(events, None)
            yield CaseSummary(
                cid,
                applicant,
                dt.date.fromisoformat(received),
                outcome,
                dt.date.fromisoformat(closed_on) if closed_on else None,
                tuple(evs),
            )

    def count(self) -> int:
        try:
            return int(self.db.execute("SELECT count(*) FROM cases").fetchone()[0])
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot count the cases: {_one_line(exc)}") from None

    @_reading
    def projection(self, case_id: str) -> Projection:
        row = self.db.execute("SELECT * FROM projection WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise NotFoundError(self._unknown(case_id))
        return _projection(row)

    @_reading
    def query(
        self,
        *,
        state: str | None = None,
        waiting_on: str | None = None,
        overdue_as_of: dt.date | None = None,
        due_by: dt.date | None = None,
        received_in: int | None = None,
        lapsed_as_of: dt.date | None = None,
        window_open_on: dt.date | None = None,
        open_only: bool = False,
        limit: int | None = None,
    ) -> list[Projection]:
        """Cases matching every given filter, by next due date then id."""
        where, args = [], []
        if state is not None:
            where.append("state = ?")
            args.append(state)
        if waiting_on is not None:
            where.append("waiting_on = ? AND closed = 0")
            args.append(waiting_on)
        if overdue_as_of is not None:
            where.append("next_due < ?")
            args.append(overdue_as_of.isoformat())
        if due_by is not None:
            where.append("next_due <= ?")
            args.append(due_by.isoformat())
        if lapsed_as_of is not None:
            where.append("next_lapse < ?")
            args.append(lapsed_as_of.isoformat())
        if window_open_on is not None:
            where.append("next_lapse >= ?")
            args.append(window_open_on.isoformat())
        if received_in is not None:
            where.append("received BETWEEN ? AND ?")
            args += [f"{received_in}-01-01", f"{received_in}-12-31"]
        if open_only:
            where.append("closed = 0")
        sql = "SELECT * FROM projection"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if lapsed_as_of is not None or window_open_on is not None:
            sql += " ORDER BY next_lapse, case_id"  # index order: no sorting
        elif overdue_as_of is not None or due_by is not None:
            sql += " ORDER BY next_due, case_id"
        else:
            sql += " ORDER BY next_due IS NULL, next_due, case_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_projection(r) for r in self.db.execute(sql, args)]

    @_reading
    def open_by_party(self) -> dict[str, int]:
        """Open cases by who must act next."""
        rows = self.db.execute(
            "SELECT waiting_on, count(*) FROM projection WHERE closed = 0 GROUP BY waiting_on"
        )
        return {party: int(n) for party, n in rows}

    @_reading
    def due_counts(self, as_of: dt.date, due_by: dt.date) -> DueCounts:
        """Count the cases overdue, due by ``due_by``, lapsed and waiting, as of a day.

        The same conditions as ``query(overdue_as_of=as_of)``,
        ``query(due_by=due_by)`` from ``as_of`` on, ``query(lapsed_as_of=as_of)``
        and ``query(window_open_on=as_of)``; each is one count over an index.
        """
        day, until = as_of.isoformat(), due_by.isoformat()

        def count(where: str, *args: str) -> int:
            sql = f"SELECT count(*) FROM projection WHERE {where}"
            return int(self.db.execute(sql, args).fetchone()[0])

        return DueCounts(
            overdue=count("next_due < ?", day),
            due_soon=count("next_due >= ? AND next_due <= ?", day, until),
            lapsed=count("next_lapse < ?", day),
            waiting=count("next_lapse >= ?", day),
        )

    def verify(self) -> list[str]:
        """Check the file, every case's log and its projection; one line per problem.

        Never raises on a damaged store: an unreadable file, a missing table or
        a row that no longer parses is reported as a problem.
        """
        problems: list[str] = []
        try:
            self._verify(problems)
        except (sqlite3.Error, DisclosureError, ValueError, TypeError, KeyError) as exc:
            problems.append(f"the store cannot be read any further: {_one_line(exc)}")
        return problems

    def _verify(self, problems: list[str]) -> None:
        try:
            checks = [r[0] for r in self.db.execute("PRAGMA integrity_check(20)")]
        except sqlite3.DatabaseError as exc:
            problems.append(f"{self.path}: not a readable SQLite database: {_one_line(exc)}")
            return
        if checks != ["ok"]:
            problems.extend(f"SQLite integrity check: {_one_line(c)}" for c in checks)
        tables = {
            r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        missing = [t for t in ("meta", "cases", "events", "projection") if t not in tables]
        if missing:
            problems.append(f"missing table(s): {', '.join(missing)}")
            if "cases" in missing or "events" in missing:
                return
        try:
            fk = self.db.execute("PRAGMA foreign_key_check").fetchall()
        except sqlite3.DatabaseError as exc:
            fk = []
            problems.append(f"foreign-key check failed: {_one_line(exc)}")
        for table, rowid, parent, _ in fk[:20]:
            problems.append(f"a row of {table} ({rowid}) points to a missing {parent} row")
        ids = [r[0] for r in self.db.execute("SELECT id FROM cases ORDER BY id")]
        for cid in ids:
            try:
                self._verify_case(cid, "projection" not in missing, problems)
            except (sqlite3.Error, DisclosureError, ValueError, TypeError, KeyError) as exc:
                problems.append(f"case {cid}: cannot be read: {_one_line(exc)}")
        if "projection" not in missing:
            extra = self.db.execute(
                "SELECT count(*) FROM projection WHERE case_id NOT IN (SELECT id FROM cases)"
            ).fetchone()[0]
            if extra:
                problems.append(f"{extra} projection row(s) without a case")

    def _verify_case(self, cid: str, with_projection: bool, problems: list[str]) -> None:
        row = self.db.execute(
            f"SELECT {_CASE_COLUMNS}, seq, genesis, head FROM cases WHERE id = ?", (cid,)
        ).fetchone()
        full = self.db.execute(
            f"SELECT {_EVENT_COLUMNS}, hash FROM events WHERE case_id = ? ORDER BY seq", (cid,)
        ).fetchall()
        width = _CASE_WIDTH
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
                f"case {cid}: event sequence numbers are {_ranges(seqs)}, not 1-{len(seqs)}"
                " (an event is missing, duplicated or renumbered)"
            )
        if row[width] != len(rows):
            problems.append(
                f"case {cid}: the case header says {row[width]} events, the log has {len(rows)}"
            )
        bad = False
        for seq, etype, on, data, _note, _by in rows:
            try:
                dt.date.fromisoformat(on)
            except (TypeError, ValueError):
                problems.append(f"case {cid}: seq {seq}: on_date {on!r} is not a date")
                bad = True
            try:
                if not isinstance(json.loads(data), dict):
                    raise ValueError("not an object")
            except (TypeError, ValueError) as exc:
                problems.append(f"case {cid}: seq {seq}: data is not valid JSON ({_one_line(exc)})")
                bad = True
            del etype
        try:
            dt.date.fromisoformat(row[5])
        except (TypeError, ValueError):
            problems.append(f"case {cid}: received {row[5]!r} is not a date")
            bad = True
        try:
            if row[10] and not isinstance(json.loads(row[10]), dict):
                raise ValueError("not an object")
        except (TypeError, ValueError) as exc:
            problems.append(f"case {cid}: fields are not valid JSON ({_one_line(exc)})")
            bad = True
        if bad:
            return
        case = self._case(row[:width], [r[1:] for r in rows])
        try:
            state = self.engine.fold(case)
        except DisclosureError as exc:
            problems.append(f"case {cid}: its log no longer folds: {_one_line(exc)}")
            return
        if not with_projection:
            return
        found = self.db.execute("SELECT * FROM projection WHERE case_id = ?", (cid,)).fetchone()
        if found is None:
            problems.append(f"case {cid}: no projection row")
            return
        stored, expected = _projection(found), project(state, self.engine)
        if stored != expected:
            diff = [
                f"{f.name} {getattr(stored, f.name)!r} != {getattr(expected, f.name)!r}"
                for f in attrs.fields(Projection)
                if getattr(stored, f.name) != getattr(expected, f.name)
            ]
            problems.append(f"case {cid}: projection differs: {'; '.join(diff)}")


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())


def _writable(path: Path) -> bool:
    """Can this process write the store file and create its -wal and -shm files?"""
    return os.access(path, os.W_OK) and os.access(path.resolve().parent, os.W_OK)


def _ranges(seqs: Sequence[int]) -> str:
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


def _projection(row: Sequence[Any]) -> Projection:
    values = list(row)
    values[4] = bool(values[4])
    values[13] = bool(values[13])
    return Projection(*values)
