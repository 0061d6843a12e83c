"""The embedded case store: an append-only event log in one SQLite file.

Cases and their events are the truth; a projection table (state, outcome,
next due date, who must act, ...) is kept in the same transaction as every
write so that dashboards never fold a million cases. Appends carry the
expected sequence number: a concurrent writer gets a :class:`ConflictError`
and nothing is lost or duplicated. Imports write whole batches with one
statement per table. ``verify`` replays every case and compares it with the
projection (:mod:`.verify`); reports read the cases a period needs
(:mod:`.period`). Rows and hashes are built in :mod:`.chain`, independent of
SQLite.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import itertools
import json
import math
import os
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

import disclosure.store.ahead as ahead
import disclosure.store.period as period
import disclosure.store.verify as verify
from disclosure.engine import Engine
from disclosure.errors import (
    ConflictError,
    NotFoundError,
    StoreError,
    did_you_mean,
)
from disclosure.lifecycle.case import Case, Event
from disclosure.lifecycle.state import CaseState
from disclosure.settings import Settings, parse_settings
from disclosure.store.ahead import ImportRows
from disclosure.store.chain import (
    case_from_rows,
    case_hash,
    chained_rows,
    event_hash,
    event_values,
    now_text,
)
from disclosure.store.port import (
    FoldedBatch,
    PeriodCases,
    Progress,
    Refold,
    RefoldTally,
    SettingsFollower,
    fold_batch,
    import_in_batches,
    readable_cases,
    refold_batch,
    refolded,
    refuse_future,
    settings_kept_changing,
)
from disclosure.store.projection import (
    DueCounts,
    Projection,
    active_clause,
    project,
    projection_from_row,
    projection_values,
    query_clauses,
)
from disclosure.store.schema import (
    CASE_COLUMNS,
    EVENT_COLUMNS,
    MIGRATIONS,
    SCHEMA_VERSION,
)

if TYPE_CHECKING:
    from disclosure.reports.build import CaseGroup, CaseSummary

__all__ = ["DueCounts", "Projection", "Store", "case_hash", "event_hash", "project"]

_R = TypeVar("_R")
_T = TypeVar("_T")


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


#: SQLite's page cache, in KiB, of a connection that imports batches (the default is 2 MiB):
#: 100k cases into a store of 1M take 0.93× the time; the peak grows by about 33 MB.
IMPORT_CACHE_KIB = 32 * 1024

#: WAL pages after which an import's commit checkpoints (SQLite's default is 1,000).
#: Into a large store each batch dirties thousands of pages scattered over the date
#: indexes; checkpointing every few batches instead of after each writes a page that
#: several batches touch to the file once.
IMPORT_CHECKPOINT_PAGES = 10_000
#: On a large store the WAL may grow to this share of the file's pages before a
#: checkpoint (100k cases among the days of 1M: 0.9x the time with a quarter).
IMPORT_CHECKPOINT_SHARE = 4

#: Times a batch is folded again because new settings were stored meanwhile.
SETTINGS_RETRIES = 5

#: Cases that ``refold`` reads, folds and writes in one transaction.
REFOLD_BATCH = 2000

#: A projection row written whole, over the case's old one.
_PROJECTION_UPSERT = "INSERT OR REPLACE INTO projection VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"

#: Filters whose own index gives the list's order (a scan would need a sort).
_ORDERED_BY_INDEX = ("overdue_as_of", "due_by", "lapsed_as_of", "window_open_on")


def _guarded(store: Store, items: Iterator[Any]) -> Iterator[Any]:
    try:
        yield from items
    except sqlite3.DatabaseError as exc:
        raise store._damaged(exc) from None


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
        self._settings = SettingsFollower(
            engine or Engine(), lambda text: parse_settings(text, f"{self.path} (stored settings)")
        )
        self._temp = 0  # numbers the temporary tables of period queries
        if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout >= 0):
            raise StoreError(f"busy timeout must be a number of seconds >= 0, not {timeout!r}")
        # a read-only store is never created: a missing file is reported as missing,
        # not left to SQLite's "unable to open database file"
        create = create and not read_only
        problem = _place_problem(self.path, create)
        if problem:
            raise StoreError(problem)
        exists = self.path.exists()
        if not create and not exists:
            raise StoreError(
                f"{self.path}: no case store here (create one with "
                f"'disclosure init --db {self.path}')"
            )
        # A file on read-only media, or one we may not write, is opened read-only:
        # reading commands work, writing ones say why they cannot.
        self.read_only = read_only or (exists and not _writable(self.path))
        self._why_read_only = (
            "it was opened with read_only=True"
            if read_only
            else "the file or its disk cannot be written"
        )
        # One connection per thread (SQLite's own rule): a Store can be shared by the
        # threads of a web server; each opens its connection on first use.
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._timeout = timeout
        if self.read_only:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            wal = Path(str(self.path) + "-wal")
            if not os.access(self.path.resolve().parent, os.W_OK) and not wal.exists():
                uri += "&immutable=1"  # nobody can write it; no -shm can be created
            self._target, self._uri = uri, True
            self._reader_uri = uri
        else:
            self._target, self._uri = str(self.path), False
            self._reader_uri = self.path.resolve().as_uri() + "?mode=ro"
        try:
            self._local.db = self._connect()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the case store: {exc}") from None
        try:
            self._check_is_store(exists and not create)
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
            self._follow_settings(self.db)  # the agency's own choices travel with its cases
        except (sqlite3.DatabaseError, ValueError) as exc:
            self.close()
            raise StoreError(f"{self.path}: cannot open the case store: {exc}") from None
        except BaseException:
            self.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        """A new connection to the store with its settings (busy timeout, foreign keys)."""
        # each connection is used by the thread that opened it; close() may end them all
        con = sqlite3.connect(
            self._target,
            uri=self._uri,
            timeout=self._timeout,
            isolation_level=None,
            check_same_thread=False,
        )
        con.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
        con.execute("PRAGMA foreign_keys = ON")
        with self._connections_lock:
            self._connections.append(con)
        return con

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection, opened on its first use."""
        con: sqlite3.Connection | None = getattr(self._local, "db", None)
        if con is None:
            try:
                con = self._local.db = self._connect()
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: cannot open the case store: {exc}") from None
        return con

    def _check_is_store(self, must_exist: bool) -> None:
        """Refuse a SQLite file that belongs to something else (never add tables to it)."""
        tables, is_store = _tables_held(self.db)
        if not tables:
            if must_exist:
                raise StoreError(
                    f"{self.path}: an empty file, not a case store (create one with "
                    f"'disclosure init --db {self.path}')"
                )
            return
        if not is_store:
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
        """Close every thread's connection (call it once, when all threads are done)."""
        with self._connections_lock:
            for con in self._connections:
                con.close()
            self._connections.clear()
        self._local = threading.local()

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
                for statement in MIGRATIONS[target].split(";"):
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
        columns = CASE_COLUMNS.removesuffix(", fields")
        for row in db.execute(f"SELECT {columns} FROM cases").fetchall():
            head = case_hash(row)
            db.execute("UPDATE cases SET genesis = ? WHERE id = ?", (head, row[0]))
            for ev in db.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE case_id = ? ORDER BY seq", (row[0],)
            ).fetchall():
                head = event_hash(head, ev)
                db.execute(
                    "UPDATE events SET hash = ? WHERE case_id = ? AND seq = ?", (head, ev[0], ev[1])
                )
            db.execute("UPDATE cases SET head = ? WHERE id = ?", (head, row[0]))

    @property
    def schema_version(self) -> int:
        return self._version()

    # -- the agency's settings ------------------------------------------------------
    def stored_settings(self) -> Settings | None:
        """The agency settings this store holds (None when it holds none)."""
        text = self._settings_row(self.db)
        return None if text is None else parse_settings(text, f"{self.path} (stored settings)")

    @staticmethod
    def _settings_row(db: sqlite3.Connection) -> str | None:
        row = db.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
        return None if row is None else str(row[0])

    @property
    def engine(self) -> Engine:
        """The rulesets, calendars and plugins cases are folded with: the engine the store
        was opened with (or last given), with the agency settings the store holds."""
        return self._settings.engine

    @engine.setter
    def engine(self, engine: Engine) -> None:
        self._settings.rebase(engine)

    def _follow_settings(self, db: sqlite3.Connection) -> Engine:
        """The engine for the settings the store holds now, made this store's engine.

        Another process may have stored new settings since this store was
        opened (``settings set``): each write folds with what its own
        transaction reads.
        """
        return self._settings.follow(self._settings_row(db))

    def store_settings(self, settings: Settings) -> None:
        """Keep ``settings`` with the cases and fold with them from now on (unchecked:
        :func:`disclosure.engine.check_settings` first).

        Every stored case is folded again with them and its projection row
        rewritten, in the same transaction (a calendar or a period changes
        deadlines); a case that no longer folds refuses the settings
        (:func:`~disclosure.store.port.refolded`), and nothing changes. An
        append another process folded before them sees them in its own write
        transaction and folds again (:meth:`_follow_settings`). They apply to
        the engine the store was opened with, as when it is opened again.
        """
        text = settings.to_toml()
        engine = self._settings.engine_for(text)  # the base engine with them, as a new store's
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('settings', ?)", (text,))
            for states in refolded(self._every_case(engine), engine):
                rows = [projection_values(project(st, engine)) for st in states]
                db.executemany(_PROJECTION_UPSERT, rows)
        self._settings.follow(text)  # only once they are the store's

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands, or none of it."""
        if self.read_only:
            raise StoreError(
                f"{self.path}: the store is open read-only ({self._why_read_only}); "
                "nothing was written"
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

    def import_cases(self, cases: Iterable[Case], *, replace: bool = False) -> list[CaseState]:
        """Add cases in one transaction: every case lands, or none does.

        Each case is folded once, before the write lock is taken, so a bad log
        is refused with its error and position and nothing is written. The
        rows go in with one statement per table, and which ids exist already
        is one query. With ``replace`` an existing case (its events and
        projection) is replaced; of an id given twice the last one counts.
        The error names every case of the batch that cannot land
        (:func:`~disclosure.store.port.refusing`), so that an import can skip
        them.
        """
        batch = list(cases)
        for _ in range(SETTINGS_RETRIES):
            self._follow_settings(self.db)  # settings stored since the store was opened
            folded, rows = self._prepared(batch, replace)
            if self._write_rows(rows, replace, folded):
                return folded.states
        raise settings_kept_changing(str(self.path))

    def prepare_rows(self, cases: list[Case], *, replace: bool) -> ImportRows:
        """A batch's rows, as :meth:`import_cases` writes them; reads nothing of the store.

        For an import's worker processes (:mod:`.ahead`): raises the error
        :meth:`import_cases` would raise for a case that cannot land.
        """
        return self._prepared(cases, replace)[1]

    def write_rows(self, rows: ImportRows, *, replace: bool) -> bool:
        """Write a prepared batch in one transaction; False, with nothing written, if
        (without ``replace``) an id exists, or the store holds other settings than the
        batch was folded with: :meth:`import_cases` then says which, or folds it again."""
        return self._write_rows(rows, replace, None)

    def _prepared(self, cases: Iterable[Case], replace: bool) -> tuple[FoldedBatch, ImportRows]:
        """A batch folded with the store's engine, and the settings' text it stands for."""
        text, engine = self._settings.current
        folded = fold_batch(engine, cases, replace=replace)
        recorded = now_text()
        case_rows: list[tuple[Any, ...]] = []
        event_rows: list[tuple[Any, ...]] = []
        for case in folded.cases.values():
            row, events = chained_rows(case, recorded)
            case_rows.append(row)
            event_rows.extend(events)
        projections = [projection_values(project(st, engine)) for st in folded.states]
        return folded, ImportRows(list(folded.cases), case_rows, event_rows, projections, text)

    def _write_rows(self, rows: ImportRows, replace: bool, folded: FoldedBatch | None) -> bool:
        """Write ``rows`` (of ``folded``, when this process folded them) in one transaction.

        False, with nothing written, when the store holds other settings than the
        batch was folded with (the caller folds it again), or (without ``folded``)
        when an id exists; with ``folded``, existing ids are refused by name.
        """
        # a batch's rows land at scattered places of the projection's indexes: a larger page
        # cache for the connection that imports keeps their upper pages at hand
        self.db.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        ids = json.dumps(rows.ids, ensure_ascii=False)
        try:
            with self._import_settings(replace), self._write() as db:
                if self._settings_row(db) != rows.settings:  # stored since it was folded
                    return False
                if replace:
                    db.execute(
                        "DELETE FROM cases WHERE id IN (SELECT value FROM json_each(?))", (ids,)
                    )
                else:
                    found = db.execute(
                        "SELECT id FROM cases WHERE id IN (SELECT value FROM json_each(?))",
                        (ids,),
                    ).fetchall()
                    if found:
                        if folded is None:
                            return False
                        raise folded.refuse_existing((r[0] for r in found), str(self.path))
                db.executemany(
                    f"INSERT INTO cases ({CASE_COLUMNS}, seq, genesis, head) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    rows.cases,
                )
                db.executemany(
                    f"INSERT INTO events ({EVENT_COLUMNS}, hash) VALUES (?,?,?,?,?,?,?,?,?)",
                    rows.events,
                )
                db.executemany(_PROJECTION_UPSERT, rows.projections)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: import failed, nothing was written: {exc}") from None
        return True

    @contextmanager
    def _import_settings(self, replace: bool) -> Iterator[None]:
        """SQLite settings for one batch's transaction, put back as they were after it.

        Without ``replace``, foreign keys are not checked: the batch writes each
        case's row before its events and projection, in the same transaction,
        after making sure no id exists, so the checks (a lookup per row, a tenth
        of the batch's writing) would find nothing; ``replace`` needs them, as
        its delete cascades. Checkpoints wait for :data:`IMPORT_CHECKPOINT_PAGES`, or on a
        large store for a quarter of its pages (the WAL file grows to that). SQLite's
        temporary files (the inserts' statement journals: into a large store,
        tens of thousands of page writes a batch) are kept in memory
        (``temp_store``), but only when the connection holds no temporary
        table, because changing that setting drops them (a report reading a
        period keeps its ids in one), and no read of it is under way (SQLite
        refuses the change then).
        """
        checkpoint = int(self.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        temp_store = int(self.db.execute("PRAGMA temp_store").fetchone()[0])
        foreign_keys = int(self.db.execute("PRAGMA foreign_keys").fetchone()[0])
        pages = int(self.db.execute("PRAGMA page_count").fetchone()[0])
        every = max(IMPORT_CHECKPOINT_PAGES, pages // IMPORT_CHECKPOINT_SHARE)
        self.db.execute(f"PRAGMA wal_autocheckpoint = {every}")
        if not replace:
            self.db.execute("PRAGMA foreign_keys = OFF")
        in_memory = not self.db.execute("SELECT 1 FROM temp.sqlite_master LIMIT 1").fetchone()
        if in_memory:
            try:
                self.db.execute("PRAGMA temp_store = MEMORY")
            except sqlite3.OperationalError:  # a read of this connection is under way
                in_memory = False
        try:
            yield
        finally:
            with suppress(sqlite3.Error):
                self.db.execute(f"PRAGMA foreign_keys = {foreign_keys}")
                self.db.execute(f"PRAGMA wal_autocheckpoint = {checkpoint}")
                if in_memory:
                    self.db.execute(f"PRAGMA temp_store = {temp_store}")

    def import_stream(
        self,
        cases: Iterable[Case],
        *,
        batch_size: int = 2000,
        replace: bool = False,
        progress: Callable[[int], None] | None = None,
        earlier: int = 0,
        workers: int | None = None,
    ) -> int:
        """Import any number of cases, ``batch_size`` to a transaction; return how many.

        Memory stays flat in the number of cases. Each batch lands whole or not
        at all; when one fails (or ``cases`` raises while it is read), the
        earlier ones stay and the error says how many there are, counting
        ``earlier`` cases the caller imported before. ``progress`` is told the
        size of each batch that landed. ``workers`` processes (default: one
        per core; 1: none) fold and hash the batches after the first while
        this one reads and writes.
        """
        self._follow_settings(self.db)  # here and in the workers forked below
        return import_in_batches(
            self.import_cases,
            cases,
            batch_size=batch_size,
            replace=replace,
            progress=progress,
            earlier=earlier,
            writer=self,
            workers=ahead.cores() if workers is None else workers,
        )

    def append(self, case_id: str, event: Event, expected_seq: int | None = None) -> CaseState:
        """Append one event after checking it against the case's log; return the new state.

        The case is folded once: the state that accepts the event is the one
        projected, returned and passed to plugins (its ``case`` is the new log).

        ``expected_seq`` is the number of events the caller saw; if another
        writer got there first, :class:`ConflictError` is raised and nothing
        changes. Without it, the current log is used (last writer checks).
        """
        refuse_future(case_id, f"event '{event.type}'", event.on)
        # Read and fold outside the write lock: a slow deadline-policy plugin must
        # not block other writers. The short transaction below only checks that
        # nobody appended in between and inserts.
        try:
            self.db.execute("BEGIN")  # one consistent snapshot for the case and its log
            try:
                engine = self._follow_settings(self.db)  # settings stored since it was opened
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
                f"{verify.ranges(seqs)}, case header says {row[0] if row else '?'}); nothing was "
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
        state = engine.append(case, event, notify=False)
        seq = len(state.case.events)
        try:
            with self._write() as db:
                now = db.execute("SELECT seq, head FROM cases WHERE id = ?", (case_id,)).fetchone()
                if now is None or now[0] != n:
                    raise ConflictError(
                        f"case {case_id}: another writer appended event {n + 1} first; "
                        "reload and retry"
                    )
                settled = self._follow_settings(db)
                if settled is not engine:  # new settings were stored meanwhile
                    engine, state = settled, settled.append(case, event, notify=False)
                values = event_values(case_id, seq, state.case.events[-1], now_text())
                head = event_hash(now[1], values)
                db.execute(
                    f"INSERT INTO events ({EVENT_COLUMNS}, hash) VALUES (?,?,?,?,?,?,?,?,?)",
                    (*values, head),
                )
                db.execute("UPDATE cases SET seq = ?, head = ? WHERE id = ?", (seq, head, case_id))
                db.execute(_PROJECTION_UPSERT, projection_values(project(state, engine)))
        except sqlite3.IntegrityError:
            raise StoreError(
                f"case {case_id}: event {seq} already exists although the case header "
                f"says {n} events: the event log is damaged; nothing was written — run "
                f"'disclosure store verify --db {self.path}'"
            ) from None
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: append failed, nothing was written: {exc}") from None
        engine.notify(state)
        return state

    # -- reading ----------------------------------------------------------------------
    def _load(self, db: sqlite3.Connection, case_id: str) -> Case:
        row = db.execute(f"SELECT {CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            raise NotFoundError(self._unknown(case_id))
        events = db.execute(
            "SELECT type, on_date, data, note, by FROM events WHERE case_id = ? ORDER BY seq",
            (case_id,),
        ).fetchall()
        return self._case(row, events)

    def _case(self, row: Sequence[Any], events: Iterable[Sequence[Any]]) -> Case:
        return case_from_rows(row, events, self.engine)

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
            f"{self.path}: cannot read the store: {verify.one_line(exc)}; "
            "run 'disclosure store verify' to see what is damaged"
        )

    @_reading
    def get(self, case_id: str) -> Case:
        return self._load(self.db, case_id)

    @_reading
    def iter_cases(
        self,
        batch: int = 2000,
        *,
        period: tuple[dt.date, dt.date] | None = None,
        final_states: Collection[str] = (),
    ) -> Iterator[Case]:
        """Every case with its events, in id order, streamed; with ``period``, only
        those that can count in it (:func:`~disclosure.store.projection.active_clause`)."""
        where, args = "", list[Any]()
        if period is not None:
            clause, args = active_clause("?", "{x}.case_id = cases.id", *period, final_states)
            where = f" AND {clause}"
        yield from self._every_case(self.engine, batch, where, args)

    def _every_case(
        self, engine: Engine, batch: int = 2000, where: str = "", args: Sequence[Any] = ()
    ) -> Iterator[Case]:
        """:meth:`iter_cases`, each case made (normalized) by ``engine``."""
        last: str | None = ""
        while True:
            cases, last = self._cases_after(last or "", batch, where, args, engine=engine)
            if last is None:
                return
            yield from cases

    def _cases_after(
        self,
        last: str,
        batch: int,
        where: str = "",
        args: Sequence[Any] = (),
        *,
        engine: Engine | None = None,
        unreadable: list[tuple[str, str]] | None = None,
    ) -> tuple[list[Case], str | None]:
        """The next ``batch`` cases after id ``last`` (``where``: more conditions), with
        events, made by ``engine`` (default the store's); and the last id read, None
        for none (the next page starts after it, as the database orders ids).

        With ``unreadable``, a case whose rows no longer parse is added to it
        (id, why) and left out, instead of stopping the read.
        """
        engine = engine or self.engine
        rows = self.db.execute(
            f"SELECT {CASE_COLUMNS} FROM cases WHERE id > ?{where} ORDER BY id LIMIT ?",
            (last, *args, batch),
        ).fetchall()
        if not rows:
            return [], None
        ids = [r[0] for r in rows]
        marks = ",".join("?" * len(ids))
        by_case: dict[str, list[Any]] = {i: [] for i in ids}
        for ev in self.db.execute(
            f"SELECT case_id, type, on_date, data, note, by FROM events WHERE case_id IN "
            f"({marks}) ORDER BY case_id, seq",
            ids,
        ):
            by_case[ev[0]].append(ev[1:])
        if unreadable is None:
            return [case_from_rows(r, by_case[r[0]], engine) for r in rows], ids[-1]
        return readable_cases(rows, by_case, engine, unreadable), ids[-1]

    @_reading
    def refold(self, *, dry_run: bool = False, progress: Progress | None = None) -> Refold:
        """Fold every case again with this store's engine; rewrite the projection rows that
        differ (see :class:`~disclosure.store.port.Refold`).

        Each batch of cases is read, folded and written in one write
        transaction, so an event a clerk appends meanwhile waits for it and
        is never overwritten by an older fold. ``dry_run`` writes nothing.
        A case that no longer folds is listed and its row left as it was.
        """
        tally, last = RefoldTally(progress), ""
        while True:
            with self._write() if not dry_run else self._snapshot() as db:
                engine = self._follow_settings(db)  # as stored now, if changed meanwhile
                unreadable: list[tuple[str, str]] = []
                cases, end = self._cases_after(
                    last, REFOLD_BATCH, engine=engine, unreadable=unreadable
                )
                if end is None:
                    break
                ids = json.dumps([c.id for c in cases], ensure_ascii=False)
                stored = {
                    r[0]: r
                    for r in db.execute(
                        "SELECT * FROM projection WHERE case_id IN "
                        "(SELECT value FROM json_each(?))",
                        (ids,),
                    )
                }
                rows, bad = refold_batch(cases, stored, engine)
                if rows and not dry_run:
                    db.executemany(_PROJECTION_UPSERT, [projection_values(p) for p in rows])
            tally.add(cases, rows, unreadable, bad)
            last = end
        return tally.result()

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction (a consistent snapshot), ended after the block."""
        began = not self.db.in_transaction
        if began:
            self.db.execute("BEGIN")
        try:
            yield self.db
        finally:
            if began and self.db.in_transaction:
                with suppress(sqlite3.Error):
                    self.db.execute("COMMIT")

    @_reading
    def summaries(self, event_types: Iterable[str]) -> Iterator[CaseSummary]:
        """Every case as a report needs it: projection columns plus the given events.

        Streams in id order without folding, so a report over a million cases
        reads two sorted scans instead of a million logs.
        """
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
        rows = self.db.execute(
            "SELECT case_id, applicant, received, outcome, closed_on FROM projection "
            "ORDER BY case_id"
        )
        yield from period.merge_summaries(rows, events)

    def count(self) -> int:
        try:
            return int(self.db.execute("SELECT count(*) FROM cases").fetchone()[0])
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: cannot count the cases: {verify.one_line(exc)}"
            ) from None

    @_reading
    def projection(self, case_id: str) -> Projection:
        row = self.db.execute("SELECT * FROM projection WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise NotFoundError(self._unknown(case_id))
        return projection_from_row(row)

    def _filters(self, **filters: Any) -> tuple[str, list[Any], str]:
        """(WHERE clause, its arguments, ORDER BY clause) of a projection query.

        A year of receipt that holds much of the store is read in one pass
        over the table, sorted, instead of a seek per row through its index
        (the order needs a sort either way).
        """
        if filters.get("received_in") is not None and not any(
            filters.get(f) is not None for f in _ORDERED_BY_INDEX
        ):
            where, args, _ = query_clauses("?", received_in=filters["received_in"])
            share = self.db.execute(f"SELECT count(*) FROM projection{where}", args).fetchone()
            if share[0] > period.SCAN_SHARE * period.stored(self.db):
                return query_clauses("?", **filters, scan=True)
        return query_clauses("?", **filters)

    @_reading
    def iter_query(
        self, *, limit: int | None = None, offset: int = 0, **filters: Any
    ) -> Iterator[Projection]:
        """Cases matching every filter (see :meth:`query`), by next due date then id, streamed.

        ``offset`` skips that many rows of the same order (paging).
        """
        return map(projection_from_row, self.iter_query_rows(limit=limit, offset=offset, **filters))

    @_reading
    def iter_query_rows(
        self, *, limit: int | None = None, offset: int = 0, **filters: Any
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of :meth:`iter_query` as they are stored: values in the order of
        :class:`Projection`'s fields, its yes/no fields as 0 and 1 (for writers of many
        rows, which need no object per row)."""
        where, args, order = self._filters(**filters)
        sql = f"SELECT * FROM projection{where}{order} LIMIT ? OFFSET ?"
        yield from self.db.execute(sql, [*args, -1 if limit is None else limit, offset])

    @_reading
    def count_query(self, **filters: Any) -> int:
        """How many cases match the filters of :meth:`query` (an index count where one fits)."""
        where, args, _ = query_clauses("?", **filters)
        return int(self.db.execute(f"SELECT count(*) FROM projection{where}", args).fetchone()[0])

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
        after: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Projection]:
        """Cases matching every given filter, by next due date then id."""
        return list(
            self.iter_query(
                state=state,
                waiting_on=waiting_on,
                overdue_as_of=overdue_as_of,
                due_by=due_by,
                received_in=received_in,
                lapsed_as_of=lapsed_as_of,
                window_open_on=window_open_on,
                open_only=open_only,
                after=after,
                limit=limit,
                offset=offset,
            )
        )

    @_reading
    def period_summaries(
        self,
        event_types: Iterable[str],
        start: dt.date,
        end: dt.date,
        *,
        pending: Sequence[tuple[str, str]] = (),
        ids: bool = True,
    ) -> PeriodCases:
        """The cases a report for ``start``..``end`` needs, streamed.

        The cases with events of ``event_types`` come one by one, in id order,
        those the period needs (:mod:`.period`): received or closed in it, open
        at its start or end, with such events in it, or pending at its end
        (``pending``: pairs of filing and deciding events). In a busy year
        (:data:`.period.GROUP_FROM` cases or more that can count) every other
        case that can count comes first, in a group of cases that count alike
        (:func:`.period.alike`; without ``ids``, counted instead of listed); in
        a quiet year every case comes one by one. ``total`` is how many cases
        in all.
        """
        self._temp += 1
        table, evented = f"temp.period_{self._temp}", f"temp.evented_{self._temp}"
        groups: list[CaseGroup] = []
        # the count, the groups and the single cases' ids in one snapshot: a case a
        # clerk changes meanwhile is counted once (its rows are read as they are then)
        began = not self.db.in_transaction
        if began:
            self.db.execute("BEGIN")
        try:
            if period.can_count(self.db, start, end, upto=period.GROUP_FROM) < period.GROUP_FROM:
                # a quiet year: a few index probes
                single = period.select_period(self.db, table, start, end, event_types, pending)
            else:
                share = period.SCAN_SHARE * period.stored(self.db)
                needed = period.can_count(self.db, start, end, upto=int(share) + 1)
                period.with_events(self.db, evented, event_types)
                scan = needed > share
                groups = period.alike(self.db, start, end, evented, scan=scan, ids=ids)
                single = period.select_period(
                    self.db, table, start, end, event_types, pending, within=evented
                )
        except BaseException:
            self._drop(table, evented)
            raise
        finally:
            if began:
                with suppress(sqlite3.Error):
                    self.db.execute("COMMIT")
        rows = period.summaries_of(self.db, table, event_types)
        total = single + sum(g.size for g in groups)
        stream = itertools.chain(groups, rows)
        return PeriodCases(total, _guarded(self, self._drop_after(stream, table, evented)))

    def _drop_after(self, items: Iterator[_T], *tables: str) -> Iterator[_T]:
        try:
            yield from items
        finally:
            self._drop(*tables)

    def _drop(self, *tables: str) -> None:
        for table in tables:
            with suppress(sqlite3.Error):
                self.db.execute(f"DROP TABLE IF EXISTS {table}")

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

    def verify(
        self, *, workers: int | None = None, progress: Callable[[int], None] | None = None
    ) -> list[str]:
        """Check the file, every case's log and its projection; one line per problem.

        Cases are checked in chunks, on every core when the store is large
        (``workers`` processes; 1 for none). ``progress`` is told how many
        cases each finished chunk held. Never raises on a damaged store: an
        unreadable file, a missing table or a row that no longer parses is
        reported as a problem.
        """
        problems: list[str] = []
        try:
            go_on, with_projection = verify.check_file(self.db, self.path, problems)
            if go_on:
                problems += verify.check_cases(
                    self.db,
                    self._reader_uri,
                    self.engine,
                    with_projection,
                    workers=workers,
                    progress=progress,
                )
        except verify.READ_ERRORS as exc:
            problems.append(f"the store cannot be read any further: {verify.one_line(exc)}")
        return problems


def stored_case_ids(path: str | Path, prefix: str = "", limit: int = 50) -> list[str]:
    """Ids of a store's cases that start with ``prefix``, read without opening a Store.

    For shell completion, which must be quick and must never fail: a missing
    or unreadable file gives no ids.
    """
    if not Path(path).is_file():
        return []
    try:
        con = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            rows = con.execute(
                "SELECT id FROM cases WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
                (prefix, prefix + "\U0010ffff", limit),
            ).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return []
    return [str(r[0]) for r in rows]


def _place_problem(path: Path, create: bool) -> str | None:
    """Why ``path`` cannot hold a store file (a directory, or in a missing one), or None.

    SQLite says only "unable to open database file" for these.
    """
    import shlex

    if path.is_dir():
        return (
            f"{path} is a directory, not a store file; name a file in it, "
            f"e.g. {shlex.quote(str(path / 'cases.db'))}"
        )
    parent = path.parent
    if parent.is_dir():
        return None
    if parent.exists() or parent.is_symlink():
        return f"{path}: {parent} is not a directory; choose another path"
    mkdir = f"mkdir -p {shlex.quote(str(parent))}"
    if create:
        return (
            f"{path}: directory {parent} does not exist; create it ({mkdir}) or choose another path"
        )
    return (
        f"{path}: no case store here, and no directory {parent}; is the path mistyped? "
        f"(for a new store: {mkdir}, then 'disclosure init --db {shlex.quote(str(path))}')"
    )


def _writable(path: Path) -> bool:
    """Can this process write the store file and create its -wal and -shm files?"""
    return os.access(path, os.W_OK) and os.access(path.resolve().parent, os.W_OK)


def why_not_replaceable(path: Path) -> str | None:
    """Why ``init --force`` must not delete ``path``, or None when it may.

    Only a disclosure case store (a SQLite file with the store's ``meta``
    version) or an empty file is replaced: ``--force`` given with a mistyped
    ``--db`` must not delete someone's case file or another program's
    database. Read without opening a Store, so nothing is written.
    """
    if path.is_dir():
        return "is a directory, not a store file"
    if path.is_symlink() and not path.exists():
        return "is a link to a file that does not exist"
    if not path.is_file():
        return "is not a regular file (a device, pipe or socket)"
    if path.stat().st_size == 0:
        return None
    try:
        con = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        try:
            tables, is_store = _tables_held(con)
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"is not a disclosure case store ({exc})"
    if tables and not is_store:
        return "is not a disclosure case store (it has no store version)"
    return None


def _tables_held(con: sqlite3.Connection) -> tuple[set[str], bool]:
    """A SQLite file's own tables, and whether they are a case store's (a ``meta`` version)."""
    tables = {
        r[0]
        for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    is_store = "meta" in tables and bool(
        con.execute("SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone()
    )
    return tables, is_store
