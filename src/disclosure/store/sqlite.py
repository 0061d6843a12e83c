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
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

SCHEMA_VERSION = 2

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
}


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
    ) -> None:
        self.path = Path(path)
        self.engine = engine or Engine()
        if not create and not self.path.exists():
            raise StoreError(
                f"{self.path}: no case store here (create one with "
                f"'disclosure init --db {self.path}')"
            )
        try:
            self.db = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()
            del mode
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open the case store: {exc}") from None

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
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
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
                db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(target),)
                )

    @property
    def schema_version(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0])

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands, or none of it."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot write: {exc}") from None
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self.db.execute("ROLLBACK")
            raise StoreError(f"{self.path}: cannot commit: {exc}") from None

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
                    self._insert_case(db, case)
                    for seq, event in enumerate(case.events, 1):
                        self._insert_event(db, case.id, seq, event)
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
        try:
            with self._write() as db:
                case = self._load(db, case_id)
                if expected_seq is not None and expected_seq != len(case.events):
                    raise ConflictError(
                        f"case {case_id}: expected {expected_seq} events but the store has "
                        f"{len(case.events)}; someone else changed it — reload and retry"
                    )
                # raises EventRejected and changes nothing; plugins are told after the commit
                state = self.engine.append(case, event, notify=False)
                seq = len(state.case.events)
                self._insert_event(db, case_id, seq, state.case.events[-1])
                db.execute("UPDATE cases SET seq = ? WHERE id = ?", (seq, case_id))
                self._write_projection(db, project(state, self.engine))
        except sqlite3.IntegrityError:
            raise ConflictError(
                f"case {case_id}: another writer appended event "
                f"{len(case.events) + 1} first; reload and retry"
            ) from None
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: append failed, nothing was written: {exc}") from None
        self.engine.notify(state)
        return state

    def _insert_case(self, db: sqlite3.Connection, case: Case) -> None:
        db.execute(
            "INSERT INTO cases (id, ruleset, calendar, applicant, channel, received, subject, "
            "applicant_name, id_number, contact, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
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
                len(case.events),
            ),
        )

    def _insert_event(self, db: sqlite3.Connection, case_id: str, seq: int, event: Event) -> None:
        db.execute(
            "INSERT INTO events (case_id, seq, type, on_date, data, note, by, recorded_at) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (
                case_id,
                seq,
                event.type,
                event.on.isoformat(),
                json.dumps(
                    dict(event.data), default=_json_default, ensure_ascii=False, sort_keys=True
                ),
                event.note,
                event.by,
                dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            ),
        )

    def _write_projection(self, db: sqlite3.Connection, p: Projection) -> None:
        db.execute(
            "INSERT OR REPLACE INTO projection VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            attrs.astuple(p),
        )

    # -- reading ----------------------------------------------------------------------
    def _load(self, db: sqlite3.Connection, case_id: str) -> Case:
        row = db.execute(
            "SELECT id, ruleset, calendar, applicant, channel, received, subject, "
            "applicant_name, id_number, contact FROM cases WHERE id = ?",
            (case_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(self._unknown(case_id))
        events = db.execute(
            "SELECT type, on_date, data, note, by FROM events WHERE case_id = ? ORDER BY seq",
            (case_id,),
        ).fetchall()
        return self._case(row, events)

    def _case(self, row: Sequence[Any], events: Iterable[Sequence[Any]]) -> Case:
        cid, ruleset, calendar, applicant, channel, received, subject, name, idn, contact = row
        evs = tuple(
            Event(etype, dt.date.fromisoformat(on), json.loads(data), note, by)
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

    def get(self, case_id: str) -> Case:
        return self._load(self.db, case_id)

    def iter_cases(self, batch: int = 2000) -> Iterator[Case]:
        """Every case with its events, in id order, streamed."""
        last = ""
        while True:
            rows = self.db.execute(
                "SELECT id, ruleset, calendar, applicant, channel, received, subject, "
                "applicant_name, id_number, contact FROM cases WHERE id > ? ORDER BY id LIMIT ?",
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
        return int(self.db.execute("SELECT count(*) FROM cases").fetchone()[0])

    def projection(self, case_id: str) -> Projection:
        row = self.db.execute("SELECT * FROM projection WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise NotFoundError(self._unknown(case_id))
        return _projection(row)

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

    def open_by_party(self) -> dict[str, int]:
        """Open cases by who must act next."""
        rows = self.db.execute(
            "SELECT waiting_on, count(*) FROM projection WHERE closed = 0 GROUP BY waiting_on"
        )
        return {party: int(n) for party, n in rows}

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
        """Replay every case; list each difference from the projection or the log."""
        problems: list[str] = []
        seen = 0
        for case in self.iter_cases():
            seen += 1
            try:
                state = self.engine.fold(case)
            except DisclosureError as exc:
                problems.append(f"case {case.id}: its log no longer folds: {exc}")
                continue
            expected = project(state, self.engine)
            try:
                stored = self.projection(case.id)
            except NotFoundError:
                problems.append(f"case {case.id}: no projection row")
                continue
            if stored != expected:
                diff = [
                    f"{f.name} {getattr(stored, f.name)!r} != {getattr(expected, f.name)!r}"
                    for f in attrs.fields(Projection)
                    if getattr(stored, f.name) != getattr(expected, f.name)
                ]
                problems.append(f"case {case.id}: projection differs: {'; '.join(diff)}")
            seq = self.db.execute("SELECT seq FROM cases WHERE id = ?", (case.id,)).fetchone()[0]
            if seq != len(case.events):
                problems.append(f"case {case.id}: seq {seq} but {len(case.events)} events")
        extra = self.db.execute("SELECT count(*) FROM projection").fetchone()[0]
        if extra != seen:
            problems.append(f"{extra} projection rows for {seen} cases")
        check = self.db.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            problems.append(f"SQLite integrity check: {check}")
        fk = self.db.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"{len(fk)} rows break foreign keys")
        return problems


def _projection(row: Sequence[Any]) -> Projection:
    values = list(row)
    values[4] = bool(values[4])
    values[13] = bool(values[13])
    return Projection(*values)
