"""Copy every case of one store into another, losslessly (SQLite and PostgreSQL, either way).

Why rows and not :class:`~disclosure.lifecycle.case.Case` objects: an event's
hash (:mod:`.chain`) covers ``recorded_at``, when the event was recorded,
which a ``Case`` does not carry. ``iter_cases`` into ``import_stream`` would
stamp every event with the time of the copy and give every chain new hashes,
so the copy could no longer be compared with its source, and an old backup
would no longer match either. The copy therefore moves the stored rows as
they are — case rows with their ``genesis`` and ``head``, event rows with
``recorded_at`` and ``hash``, projection rows — a page of cases at a time
(flat memory), each page in one transaction of the target.

Each case is checked as it is read, exactly as ``store verify`` checks it
(:func:`.verify.check_case`: hashes, sequence numbers, a replay against its
projection): a damaged source stops the copy rather than spread the damage.
The target checks the ids of each page against what it holds (the policies
of a PostgreSQL target check every row too).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from disclosure.errors import DisclosureError, StoreError
from disclosure.settings import Settings
from disclosure.store import verify as checks
from disclosure.store.port import CaseStore
from disclosure.store.projection import Projection
from disclosure.store.schema import CASE_COLUMNS, EVENT_COLUMNS

if TYPE_CHECKING:
    from disclosure.store.postgres import PostgresStore
    from disclosure.store.sqlite import Store

__all__ = ["StoredCase", "copy_store"]

#: Told how many more cases were copied (a progress bar's ``advance``).
Progress = Callable[[int], None]

#: The columns of a case row the copy moves: the hashed ones, then seq, genesis, head.
_CASE_ROW = f"{CASE_COLUMNS}, seq, genesis, head"
#: The columns of an event row: the hashed ones, then the hash.
_EVENT_ROW = f"{EVENT_COLUMNS}, hash"
#: The projection's columns, in the order of :class:`Projection` (and of the tables).
_PROJECTION_ROW = ", ".join(f.name for f in attrs.fields(Projection))
#: Where the projection's 0/1 flags are (stored as integers on both adapters).
_FLAGS = (4, 13)

#: The PostgreSQL type of each column (for ``unnest`` of one array per column).
_PG_CASE_TYPES = ["text"] * 11 + ["integer", "text", "text"]
_PG_EVENT_TYPES = ["text", "integer", *["text"] * 7]
_PG_PROJECTION_TYPES = ["text"] * 4 + ["integer"] + ["text"] * 8 + ["integer", "integer"]


@attrs.frozen
class StoredCase:
    """One case as stored: its row, its event rows and its projection row, unchanged."""

    #: ``CASE_COLUMNS``, then ``seq``, ``genesis``, ``head``.
    row: tuple[Any, ...]
    #: ``EVENT_COLUMNS`` and ``hash`` of each event, in sequence order.
    events: list[tuple[Any, ...]]
    #: The projection's columns, or None when the case has no projection row.
    projection: tuple[Any, ...] | None

    @property
    def id(self) -> str:
        return str(self.row[0])


class _Rows(Protocol):
    """What the copy needs from an adapter: its rows read by pages, and written by pages."""

    name: str

    def pages(self, size: int) -> Iterator[list[StoredCase]]: ...

    def existing(self, ids: list[str]) -> list[str]: ...

    def write(self, page: Sequence[StoredCase], *, clear: bool) -> None: ...

    def same_as(self, other: _Rows) -> bool: ...


def copy_store(
    source: CaseStore,
    target: CaseStore,
    *,
    progress: Progress | None = None,
    batch_size: int = 2000,
    replace: bool = False,
    verify: bool = True,
) -> int:
    """Copy every case of ``source`` into ``target``; return how many cases were copied.

    Lossless: the rows land as they are stored (personal data, ``recorded_at``,
    the hash chain, the projection), so the target's chains and projections
    are the source's, and the agency's stored settings go along (the target
    folds with them). ``batch_size`` cases are read, checked and written at a
    time, each batch in one transaction of the target; ``progress`` is told
    the size of each batch that landed.

    A target that already holds cases is refused unless ``replace``: then its
    cases are deleted in the first batch's transaction, so that it ends up
    holding exactly the source's. A PostgreSQL target must be open for one
    agency; a PostgreSQL source must be open for one agency or see only one.
    With ``verify`` both stores are verified afterwards (``CaseStore.verify``)
    and a problem on either is an error.

    Every failure is a :class:`StoreError` naming both stores; when batches
    landed before it, it says how many cases they hold (they stay, and a new
    copy needs ``replace``).
    """
    src, dst = _rows(source), _rows(target)
    where = f"cannot copy {src.name} to {dst.name}"
    if batch_size < 1:
        raise StoreError(f"{where}: the batch size must be at least 1, not {batch_size}")
    if src.same_as(dst):
        raise StoreError(f"{where}: the source and the target are the same store")
    try:
        held = target.count()
    except DisclosureError as exc:
        raise StoreError(f"{where}: {exc}") from None
    if held and not replace:
        raise StoreError(
            f"{where}: the target already holds {held} case(s); copy into an empty store, "
            "or replace its cases (--replace)"
        )
    done = 0
    failures: tuple[type[Exception], ...] = (DisclosureError, *_driver_errors())
    try:
        settings = _settings(source)
        if settings is not None:
            target.store_settings(settings)
        clear = replace and held > 0
        for page in src.pages(batch_size):
            _check(page, source, src.name)
            if not clear:
                found = dst.existing([c.id for c in page])
                if found:
                    raise StoreError(f"case {found[0]} already exists in {dst.name}")
            dst.write(page, clear=clear)
            clear = False
            done += len(page)
            if progress is not None:
                progress(len(page))
        if clear:  # an empty source replaces the target's cases with none
            dst.write([], clear=True)
        if settings is None and target.stored_settings() is not None:
            # the copied rows were folded with none: so is the copy, its old cases gone
            target.store_settings(Settings())
    except failures as exc:
        stay = (
            f"; {done} case(s) from earlier batches were copied and stay in {dst.name}"
            if done
            else "; no case was copied"
        )
        raise StoreError(f"{where}: {checks.one_line(exc)}{stay}") from None
    if verify:
        for end, store in (("source", source), ("target", target)):
            problems = store.verify()
            if problems:
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                raise StoreError(
                    f"copied {done} case(s) from {src.name} to {dst.name}, but the {end} does "
                    f"not verify: {problems[0]}{more}; run 'disclosure store verify' on it"
                )
    return done


def _driver_errors() -> tuple[type[Exception], ...]:
    """What the database drivers raise, for an adapter call that lets one through."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the installation
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


def _check(page: Sequence[StoredCase], source: CaseStore, name: str) -> None:
    """Each case of the page as ``store verify`` checks it; a damaged one stops the copy."""
    for case in page:
        problems: list[str] = []
        try:
            checks.check_case(case.row, case.events, case.projection, source.engine, True, problems)
        except checks.READ_ERRORS as exc:
            problems.append(f"case {case.id}: cannot be read: {checks.one_line(exc)}")
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise StoreError(
                f"the source is damaged: {problems[0]}{more}; nothing of this batch was "
                f"written — run 'disclosure store verify' on {name}"
            )


def _settings(store: CaseStore) -> Settings | None:
    """The agency's settings the source holds (a PostgreSQL owner's: its only agency's)."""
    settings = store.stored_settings()
    rows = _rows(store)
    if settings is None and isinstance(rows, _PostgresRows):
        return rows.settings()
    return settings


def _rows(store: CaseStore) -> _Rows:
    from disclosure.store.sqlite import Store

    if isinstance(store, Store):
        return _SqliteRows(store)
    try:
        from disclosure.store.postgres import PostgresStore
    except ImportError:  # pragma: no cover - without psycopg there is no such store
        pass
    else:
        if isinstance(store, PostgresStore):
            return _PostgresRows(store)
    raise StoreError(
        f"cannot copy a {type(store).__name__}: only SQLite and PostgreSQL stores are copied"
    )


def _stored(
    rows: Sequence[Sequence[Any]],
    events: Iterator[Sequence[Any]],
    projections: Iterator[Sequence[Any]],
) -> list[StoredCase]:
    """The page's cases from its rows (events of ids outside the page are left out)."""
    by_case: dict[str, list[tuple[Any, ...]]] = {r[0]: [] for r in rows}
    for ev in events:
        if ev[0] in by_case:
            by_case[ev[0]].append(tuple(ev))
    found = {p[0]: tuple(p) for p in projections}
    return [StoredCase(tuple(r), by_case[r[0]], found.get(r[0])) for r in rows]


def _flags_as_int(projection: tuple[Any, ...]) -> tuple[Any, ...]:
    values = list(projection)
    for i in _FLAGS:
        values[i] = int(values[i])
    return tuple(values)


class _SqliteRows:
    """The rows of a SQLite store, read and written through its connection."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.name = str(store.path)

    def same_as(self, other: _Rows) -> bool:
        if not isinstance(other, _SqliteRows):
            return False
        try:
            return self.store.path.resolve().samefile(other.store.path.resolve())
        except OSError:
            return False

    def pages(self, size: int) -> Iterator[list[StoredCase]]:
        """Pages of ``size`` cases in id order, each read in one transaction (one snapshot)."""
        db = self.store.db
        last = ""
        while True:
            try:
                db.execute("BEGIN")
                try:
                    rows = db.execute(
                        f"SELECT {_CASE_ROW} FROM cases WHERE id > ? ORDER BY id LIMIT ?",
                        (last, size),
                    ).fetchall()
                    if not rows:
                        return
                    bounds = (rows[0][0], rows[-1][0])
                    page = _stored(
                        rows,
                        db.execute(
                            f"SELECT {_EVENT_ROW} FROM events WHERE case_id BETWEEN ? AND ? "
                            "ORDER BY case_id, seq",
                            bounds,
                        ),
                        db.execute(
                            f"SELECT {_PROJECTION_ROW} FROM projection "
                            "WHERE case_id BETWEEN ? AND ?",
                            bounds,
                        ),
                    )
                finally:
                    if db.in_transaction:
                        db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"{self.name}: cannot read: {checks.one_line(exc)}") from None
            yield page
            last = page[-1].id

    def existing(self, ids: list[str]) -> list[str]:
        found = self.store.db.execute(
            "SELECT id FROM cases WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (json.dumps(ids, ensure_ascii=False),),
        ).fetchall()
        return [r[0] for r in found]

    def write(self, page: Sequence[StoredCase], *, clear: bool) -> None:
        """The page's rows in one transaction (``clear``: after deleting every case)."""
        if self.store.read_only:
            raise StoreError(f"{self.name}: the store is open read-only; nothing was written")
        db = self.store.db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                if clear:
                    for table in ("events", "projection", "cases"):
                        db.execute(f"DELETE FROM {table}")
                db.executemany(
                    f"INSERT INTO cases ({_CASE_ROW}) VALUES ({', '.join('?' * 14)})",
                    [c.row for c in page],
                )
                db.executemany(
                    f"INSERT INTO events ({_EVENT_ROW}) VALUES ({', '.join('?' * 9)})",
                    [ev for c in page for ev in c.events],
                )
                db.executemany(
                    f"INSERT INTO projection ({_PROJECTION_ROW}) VALUES ({', '.join('?' * 15)})",
                    [_flags_as_int(c.projection) for c in page if c.projection is not None],
                )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.name}: cannot write, nothing of this batch was written: "
                f"{checks.one_line(exc)}"
            ) from None


class _PostgresRows:
    """The rows of one agency in a PostgreSQL store, read and written through its connection."""

    def __init__(self, store: PostgresStore) -> None:
        self.store = store
        self.name = store.where + (f" (agency {store.agency})" if store.agency else "")

    def same_as(self, other: _Rows) -> bool:
        return (
            isinstance(other, _PostgresRows)
            and other.store.where == self.store.where
            and other.store.agency == self.store.agency
        )

    def _agency(self) -> str | None:
        """The one agency whose cases are read: the store's, or the only one it sees."""
        if self.store.agency is not None:
            return self.store.agency
        found = [
            r[0]
            for r in self.store.db.execute(
                "SELECT a.agency FROM agencies a WHERE EXISTS "
                "(SELECT 1 FROM cases c WHERE c.agency = a.agency) ORDER BY 1 LIMIT 21"
            )
        ]
        if len(found) > 1:
            shown = ", ".join(found[:20]) + (", ..." if len(found) > 20 else "")
            raise StoreError(
                f"{self.name}: holds the cases of several agencies ({shown}); "
                "open it for one agency (--agency)"
            )
        return found[0] if found else None

    def settings(self) -> Settings | None:
        """The stored settings of the only agency an owner's store sees."""
        import psycopg

        from disclosure.settings import parse_settings

        try:
            agency = self._agency()
            if agency is None:
                return None
            row = self.store.db.execute(
                "SELECT document FROM agency_settings WHERE agency = %s", (agency,)
            ).fetchone()
        except psycopg.Error as exc:
            raise StoreError(f"{self.name}: cannot read: {checks.one_line(exc)}") from None
        if row is None:
            return None
        return parse_settings(row[0], f"{self.name} agency '{agency}' (stored settings)")

    def pages(self, size: int) -> Iterator[list[StoredCase]]:
        """Pages of ``size`` cases in id order, each read in one snapshot."""
        import psycopg

        db = self.store.db
        last = ""
        try:
            agency = self._agency()
            if agency is None:
                return
            while True:
                with db.transaction():
                    db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    rows = db.execute(
                        f"SELECT {_CASE_ROW} FROM cases WHERE agency = %s AND id > %s "
                        "ORDER BY id LIMIT %s",
                        (agency, last, size),
                    ).fetchall()
                    if not rows:
                        return
                    ids = [r[0] for r in rows]
                    page = _stored(
                        rows,
                        db.execute(
                            f"SELECT {_EVENT_ROW} FROM events WHERE agency = %s "
                            "AND case_id = ANY(%s) ORDER BY case_id, seq",
                            (agency, ids),
                        ),
                        db.execute(
                            f"SELECT {_PROJECTION_ROW} FROM projection WHERE agency = %s "
                            "AND case_id = ANY(%s)",
                            (agency, ids),
                        ),
                    )
                yield page
                last = page[-1].id
        except psycopg.Error as exc:
            raise StoreError(f"{self.name}: cannot read: {checks.one_line(exc)}") from None

    def _writer(self) -> str:
        if self.store.agency is None:
            raise StoreError(f"{self.name}: writing needs an agency: open the target for one")
        return self.store.agency

    def existing(self, ids: list[str]) -> list[str]:
        import psycopg

        try:
            found = self.store.db.execute(
                "SELECT id FROM cases WHERE agency = %s AND id = ANY(%s) ORDER BY id",
                (self._writer(), ids),
            ).fetchall()
        except psycopg.Error as exc:
            raise StoreError(f"{self.name}: cannot read: {checks.one_line(exc)}") from None
        return [r[0] for r in found]

    def write(self, page: Sequence[StoredCase], *, clear: bool) -> None:
        """The page's rows in one transaction, one ``INSERT … SELECT unnest(…)`` per table.

        One statement per table, whatever the page's size: the policies, keys
        and constraints check the rows as they check any insert.
        """
        import psycopg

        agency = self._writer()
        tables = (
            ("cases", _CASE_ROW, _PG_CASE_TYPES, [c.row for c in page]),
            ("events", _EVENT_ROW, _PG_EVENT_TYPES, [ev for c in page for ev in c.events]),
            (
                "projection",
                _PROJECTION_ROW,
                _PG_PROJECTION_TYPES,
                [_flags_as_int(c.projection) for c in page if c.projection is not None],
            ),
        )
        try:
            with self.store.db.transaction(), self.store.db.cursor() as cur:
                if clear:
                    cur.execute("DELETE FROM cases WHERE agency = %s", (agency,))
                for table, columns, types, rows in tables:
                    if not rows:
                        continue
                    arrays = ", ".join(f"%s::{t}[]" for t in types)
                    cur.execute(
                        f"INSERT INTO {table} ({columns}, agency) "
                        f"SELECT u.*, %s FROM unnest({arrays}) AS u",
                        [agency, *(list(column) for column in zip(*rows, strict=True))],
                    )
        except psycopg.Error as exc:
            raise StoreError(
                f"{self.name}: cannot write, nothing of this batch was written: "
                f"{checks.one_line(exc)}"
            ) from None
