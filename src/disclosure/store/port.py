"""What a case store offers, whatever database holds it.

The SQLite adapter (:mod:`.sqlite`) is the one implementation today; a
server adapter implements the same protocol, and reuses the rows and hashes
of :mod:`.chain` and the projection of :mod:`.projection` so that its chains
verify the same way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import attrs

from disclosure.errors import ConflictError, DisclosureError, StoreError
from disclosure.lifecycle.case import Case, Event
from disclosure.lifecycle.state import CaseState
from disclosure.store.ahead import Batch, RowsWriter, can_fork, prepared_ahead, read_batches
from disclosure.store.chain import case_from_rows
from disclosure.store.projection import (
    DueCounts,
    Projection,
    project,
    projection_row_values,
    projection_values,
)

if TYPE_CHECKING:
    from typing_extensions import Self

    from disclosure.engine import Engine
    from disclosure.lifecycle.case import CaseRecord
    from disclosure.reports.build import CaseGroup, CaseSummary
    from disclosure.settings import Settings

#: Told how many more cases are done (a progress bar's ``advance``).
Progress = Callable[[int], None]


@attrs.frozen
class PeriodCases:
    """The cases a report for a period reads, streamed, and how many there are.

    A store may give cases that count alike as one group (``total`` counts
    each of its cases).
    """

    total: int
    cases: Iterator[CaseSummary | CaseGroup]

    def __iter__(self) -> Iterator[CaseSummary | CaseGroup]:
        return self.cases


class CaseStore(Protocol):
    """The store's contract: append with an expected sequence, import in batches, query."""

    #: The rulesets, calendars and plugins cases are folded with.
    engine: Engine

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def close(self) -> None: ...

    def stored_settings(self) -> Settings | None:
        """The agency's settings the store holds (None when it holds none)."""
        ...

    def store_settings(self, settings: Settings) -> None:
        """Keep the agency's settings with its cases; later folds use them."""
        ...

    def open_case(self, case: Case) -> CaseState:
        """A new case (its events too, if any): its id must be new."""
        ...

    def import_cases(self, cases: Iterable[Case], *, replace: bool = False) -> list[CaseState]:
        """One batch in one transaction: every case lands, or none does."""
        ...

    def import_stream(
        self,
        cases: Iterable[Case],
        *,
        batch_size: int = ...,
        replace: bool = ...,
        progress: Progress | None = ...,
        earlier: int = ...,
        workers: int | None = ...,
    ) -> int:
        """Any number of cases, batch by batch, in flat memory (prepared on ``workers``)."""
        ...

    def append(self, case_id: str, event: Event, expected_seq: int | None = None) -> CaseState:
        """One event, refused with ``ConflictError`` if the log is not ``expected_seq`` long."""
        ...

    def get(self, case_id: str) -> Case: ...

    def iter_cases(
        self,
        batch: int = ...,
        *,
        period: tuple[dt.date, dt.date] | None = ...,
        final_states: Collection[str] = ...,
    ) -> Iterator[Case]:
        """Every case in id order; with ``period``, those that can count in it."""
        ...

    def count(self) -> int: ...

    def iter_query(
        self, *, limit: int | None = None, offset: int = 0, **filters: Any
    ) -> Iterator[Projection]: ...

    def iter_query_rows(
        self, *, limit: int | None = None, offset: int = 0, **filters: Any
    ) -> Iterator[tuple[Any, ...]]:
        """:meth:`iter_query`'s rows as value tuples in :class:`Projection` field order."""
        ...

    def count_query(self, **filters: Any) -> int: ...

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
        """One page of cases matching every given filter, by next due date then id."""
        ...

    def projection(self, case_id: str) -> Projection: ...

    def open_by_party(self) -> dict[str, int]:
        """Open cases by whom they wait on."""
        ...

    def due_counts(self, as_of: dt.date, due_by: dt.date) -> DueCounts: ...

    def period_summaries(
        self,
        event_types: Iterable[str],
        start: dt.date,
        end: dt.date,
        *,
        pending: Sequence[tuple[str, str]] = (),
        ids: bool = True,
    ) -> PeriodCases: ...

    def verify(
        self, *, workers: int | None = None, progress: Progress | None = None
    ) -> list[str]: ...

    def refold(self, *, dry_run: bool = False, progress: Progress | None = None) -> Refold:
        """Fold every case again with the store's engine; rewrite the rows that differ."""
        ...


#: The attribute on an ``import_cases`` error that names each case it refused.
_REFUSED = "refused_cases"

_E = TypeVar("_E", bound=DisclosureError)


def refusing(exc: _E, refused: Mapping[int, DisclosureError]) -> _E:
    """``exc``, naming the cases of the batch that cannot land (by place in the batch).

    The error an adapter's ``import_cases`` raises keeps its type and message
    for its callers; the cases it names let :func:`import_in_batches` skip
    just those and import the rest of the batch in one more try.
    """
    setattr(exc, _REFUSED, dict(refused))
    return exc


def refused_cases(exc: BaseException) -> dict[int, DisclosureError]:
    """The cases ``exc`` names as refused (see :func:`refusing`), by place in the batch."""
    found = getattr(exc, _REFUSED, None)
    return dict(found) if isinstance(found, dict) else {}


@attrs.frozen
class FoldedBatch:
    """A batch checked before it is written: the cases by id, their states, their places."""

    cases: dict[str, Case]
    states: list[CaseState]
    #: Each id's place in the batch as given (of an id given twice, the one kept).
    places: dict[str, int]

    def refuse_existing(self, found: Iterable[str], store: str) -> StoreError:
        """The error for ids already in ``store``: each such case named, in batch order."""
        ids = sorted(set(found), key=self.places.__getitem__)
        first = self.cases[ids[0]].where
        return refusing(
            StoreError(
                f"case {ids[0]} already exists in {store}"
                + (f" ({first})" if first else "")
                + "; nothing of this batch was written (--replace replaces it)"
            ),
            {
                self.places[i]: StoreError(
                    f"case {i} already exists in {store} (--replace replaces it)"
                )
                for i in ids
            },
        )


def refuse_future(case_id: str, what: str, day: dt.date, where: str = "") -> None:
    """Refuse a receipt or event dated after tomorrow: a store records what has
    happened, and such a day is most often a mistyped year (tomorrow is allowed:
    it is today somewhere). Opening, importing and appending all check this."""
    today = dt.date.today()
    if day > today + dt.timedelta(days=1):
        raise StoreError(
            (f"{where}: " if where else "")
            + f"case {case_id}: {what} on {day} is in the future (today is {today}); "
            "record events when they happen — is the year mistyped?"
        )


def _refuse_future_case(case: Case) -> None:
    """:func:`refuse_future` for a case's receipt and each of its events."""
    refuse_future(case.id, "receipt", case.received)
    for event in case.events:
        refuse_future(case.id, f"event '{event.type}'", event.on, event.where)


@attrs.frozen
class Refold:
    """What ``refold`` found: cases folded, ids whose projection changed, cases that failed.

    A projection is written when a case changes, with the engine of that
    moment; a later change of what folds mean (the settings file, a calendar
    file, a plugin, a new ``holidays`` release, an upgrade) leaves the rows as
    they were until ``refold`` rewrites them.
    """

    cases: int
    changed: tuple[str, ...]
    #: (case id, why) of each case that no longer folds or can no longer be read; its
    #: row is left as it was.
    failed: tuple[tuple[str, str], ...]


def settings_kept_changing(where: str) -> ConflictError:
    """The error of a batch folded again and again while new settings kept being stored."""
    return ConflictError(
        f"{where}: the agency's settings kept changing while this batch was folded; "
        "nothing of it was written — run it again"
    )


#: Engines a check of several agencies keeps, one for each way of folding.
AGENCY_ENGINES = 32


class RefoldTally:
    """What an adapter's ``refold`` has done so far, batch by batch; its :class:`Refold`."""

    def __init__(self, progress: Progress | None) -> None:
        self.changed: list[str] = []
        self.failed: list[tuple[str, str]] = []
        self.done = 0
        self._progress = progress

    def add(
        self,
        cases: Sequence[Case],
        rewritten: Iterable[Projection],
        unreadable: Sequence[tuple[str, str]],
        failed: Iterable[tuple[str, str]],
    ) -> None:
        """One batch: its readable ``cases``, the rows that differed, the cases left as
        they were (cannot be read, no longer fold)."""
        self.changed += (p.case_id for p in rewritten)
        self.failed += sorted([*unreadable, *failed], key=lambda f: str(f[0]))
        self.done += len(cases)
        if self._progress is not None:
            self._progress(len(cases) + len(unreadable))

    def result(self) -> Refold:
        return Refold(self.done, tuple(self.changed), tuple(self.failed))


class SettingsFollower:
    """A store's engine: the one it was given, with the agency settings it holds.

    A store's agency settings can change under a store opened earlier (a
    clerk's long-lived store, while ``settings set`` runs elsewhere). A write
    reads the settings' text in its transaction and folds with the engine
    for that text; comparing engines (made once per text) tells whether what
    was folded before the transaction still holds. Assigning a store's
    ``engine`` replaces the base, and the stored settings apply to it.
    """

    def __init__(self, base: Engine, parse: Callable[[str], Settings]) -> None:
        self._parse = parse
        self._base = base
        self._made: tuple[str | None, Engine] = (None, base)
        #: The settings' text last read and the engine for it, as one value (threads).
        self.current: tuple[str | None, Engine] = (None, base)

    @property
    def engine(self) -> Engine:
        return self.current[1]

    def engine_for(self, text: str | None) -> Engine:
        """The base engine with the settings ``text`` (None: none), made once per text."""
        if text is None:
            return self._base
        made_for, engine = self._made
        if made_for != text:  # one at a time: settings change seldom
            engine = self._base.configured(self._parse(text))
            self._made = (text, engine)
        return engine

    def any_for(self, parse: Callable[[str, str], Settings]) -> Callable[[str, str | None], Engine]:
        """An engine for the settings of any agency (a login that sees several):
        ``(agency, settings text)`` to its engine, without making it the store's.

        Engines are shared by settings that fold alike (their name does not
        matter) and the last :data:`AGENCY_ENGINES` kept: each compiles its
        rulesets again on first use.
        """
        made: dict[str, Engine] = {}

        def engine_for(agency: str, text: str | None) -> Engine:
            if text is None:
                return self._base
            settings = parse(text, agency)
            key = json.dumps(settings.engine_options(), sort_keys=True, default=str)
            engine = made.pop(key, None)
            if engine is None:
                engine = self._base.configured(settings)
            made[key] = engine  # the most recent last
            while len(made) > AGENCY_ENGINES:
                made.pop(next(iter(made)))
            return engine

        return engine_for

    def follow(self, text: str | None) -> Engine:
        """Make the engine for ``text`` the store's, and return it."""
        engine = self.engine_for(text)
        self.current = (text, engine)
        return engine

    def rebase(self, base: Engine) -> None:
        """A new base engine (``store.engine = ...``), the settings last read applied."""
        self._base, self._made = base, (None, base)
        self.follow(self.current[0])


#: What a stored row that no longer parses raises when it is made a case.
UNREADABLE = (DisclosureError, ValueError, TypeError, KeyError)


def readable_cases(
    rows: Iterable[Sequence[Any]],
    events: Mapping[Any, Sequence[Sequence[Any]]],
    engine: Engine,
    unreadable: list[tuple[str, str]],
) -> list[Case]:
    """The cases stored ``rows`` and their ``events`` (by case id) hold; a case whose
    rows no longer parse (edited outside disclosure) goes to ``unreadable`` (id, why)."""
    out: list[Case] = []
    for row in rows:
        try:
            out.append(case_from_rows(row, events[row[0]], engine))
        except UNREADABLE as exc:
            why = " ".join(str(exc).split())
            cid = row[0] if isinstance(row[0], str) else repr(row[0])  # an id edited to bytes
            unreadable.append((cid, f"cannot be read ({why}); see 'disclosure store verify'"))
    return out


def refold_batch(
    cases: Iterable[Case], stored: Mapping[str, Sequence[Any]], engine: Engine
) -> tuple[list[Projection], list[tuple[str, str]]]:
    """The projections of ``cases`` that differ from ``stored`` (values by case id),
    and the cases that no longer fold (id, why)."""
    changed: list[Projection] = []
    failed: list[tuple[str, str]] = []
    for case in cases:
        try:
            new = project(engine.fold(case), engine)
        except DisclosureError as exc:
            failed.append((case.id, "no longer folds: " + " ".join(str(exc).split())))
            continue
        row = stored.get(case.id)
        if row is None or projection_row_values(row) != projection_values(new):
            changed.append(new)
    return changed, failed


def refolded(cases: Iterable[Case], engine: Engine, size: int = 2000) -> Iterator[list[CaseState]]:
    """The stored ``cases`` folded again with ``engine`` (new settings), ``size`` at a time.

    A setting changes deadlines (a calendar, a period), so every projection
    row is rewritten from these. A case that no longer folds with them stops
    it: the settings would leave that case unreadable, so they are refused.
    """
    chunk: list[CaseState] = []
    for case in cases:
        try:
            chunk.append(engine.fold(case))
        except DisclosureError as exc:
            raise StoreError(
                f"case {case.id} no longer folds with these settings ({exc}); nothing was changed"
            ) from None
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def fold_batch(engine: Engine, cases: Iterable[Case], *, replace: bool) -> FoldedBatch:
    """Normalize and fold a batch once; every case that cannot land is found in this pass.

    An id given twice is refused (without ``replace``; with it the last one
    counts). The error raised is the one a caller met before (the first
    problem, its type and message), naming every refused case (see
    :func:`refusing`), so a batch with bad cases costs one more try, not one
    per bad case.
    """
    batch: dict[str, Case] = {}
    places: dict[str, int] = {}
    refused: dict[int, DisclosureError] = {}
    first: DisclosureError | None = None
    for i, given in enumerate(cases):
        try:
            _refuse_future_case(given)
            case = engine.normalize(given)
        except DisclosureError as exc:
            refused[i] = exc
            first = first or exc
            continue
        if case.id in batch and not replace:
            where = ", ".join(w for w in (batch[case.id].where, case.where) if w)
            refused[i] = StoreError(
                f"case {case.id} is given twice" + (f" ({where})" if where else "")
            )
            first = first or StoreError(f"{refused[i]}; nothing of this batch was written")
            continue
        batch[case.id] = case
        places[case.id] = i
    states: list[CaseState] = []
    for case_id, case in batch.items():
        try:
            states.append(engine.fold(case))
        except DisclosureError as exc:
            refused[places[case_id]] = exc
            first = first or exc
    if first is not None:
        raise refusing(first, refused)
    return FoldedBatch(batch, states, places)


@attrs.frozen
class BadCase:
    """A case (or a record of a case file) an import skipped, and why."""

    #: ``file:line`` of the case or record (a file alone when all of it is unreadable).
    where: str
    #: The case's id, when it could be read.
    case: str | None
    #: Why, without the position ``where`` (or the event's) already gives.
    error: str
    #: For a rejected event: its type and ``file:line``.
    event: dict[str, str] | None = None

    @classmethod
    def of(cls, case: Case, exc: DisclosureError) -> BadCase:
        """``case``, refused by the store with ``exc``."""
        from disclosure.errors import EventRejected

        event = None
        if isinstance(exc, EventRejected):
            event = {"type": exc.event_type, "where": exc.where}
        error = str(exc)
        at = (event or {}).get("where") or case.where
        if at:  # said once, in its field (the text says it again in __str__)
            error = error.removeprefix(f"{at}: ")
        return cls(case.where, case.id, error, event)

    @classmethod
    def unreadable(cls, record: CaseRecord) -> BadCase:
        """A record of a case file that could not be read; its problems without their
        place (``where`` says it)."""
        text = "; ".join(
            (f"{p.path}: " if p.path else "") + p.message + (f" ({p.hint})" if p.hint else "")
            for p in record.problems
        )
        return cls(record.where, record.case_id, text)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)

    def __str__(self) -> str:
        """The position (the event's, for a rejected event) and the reason, in one line."""
        where = (self.event or {}).get("where") or self.where
        file = where.rstrip("0123456789").removesuffix(":") or where
        named = not where or self.error.startswith(file + ":")
        return self.error if named else f"{where}: {self.error}"


class ImportStopped(StoreError):
    """An import met more bad cases than it may skip; what landed before stays."""

    def __init__(self, bad: BadCase, log: ImportLog) -> None:
        self.bad = bad
        if not log.max_errors:  # nothing of the failing batch was written, as without a log
            why = f"{log.imported} case(s) from earlier batches were imported and stay"
        else:
            why = (
                f"more than {log.max_errors} bad case(s), so the import stopped; "
                f"{log.imported} case(s) were imported and stay"
            )
        super().__init__(f"{bad} ({why})")


@attrs.define
class ImportLog:
    """What an import did: how many cases landed, which bad ones it skipped.

    Up to ``max_errors`` bad cases are skipped; the next one stops the import
    with :class:`ImportStopped` (0: the first one does).
    """

    max_errors: int
    imported: int = 0
    skipped: list[BadCase] = attrs.field(factory=list)
    stopped: BadCase | None = None

    def skip(self, bad: BadCase) -> None:
        """Note ``bad`` as skipped, or stop the import when it is one too many."""
        if len(self.skipped) >= self.max_errors:
            self.stopped = bad
            raise ImportStopped(bad, self)
        self.skipped.append(bad)


def import_in_batches(
    import_cases: Callable[..., list[CaseState]],
    cases: Iterable[Case],
    *,
    batch_size: int,
    replace: bool,
    progress: Progress | None,
    earlier: int,
    log: ImportLog | None = None,
    read_skips: list[BadCase] | None = None,
    writer: RowsWriter | None = None,
    workers: int = 1,
) -> int:
    """Every adapter's ``import_stream``: ``import_cases`` a batch at a time, in flat memory.

    Each batch lands whole or not at all; when one fails (or ``cases`` raises
    while it is read), the earlier ones stay and the error says how many there
    are, counting ``earlier`` cases the caller imported before.

    With a ``log``, a bad case does not stop the import: it is skipped (see
    :func:`_land`) and the rest of its batch lands, until ``log`` says too
    many were skipped. Only a batch holding a bad case is tried again.
    ``read_skips`` is the list the reader puts its unreadable records in
    (instead of skipping them itself): each is skipped when the batch it was
    met in comes to be written, as if read just then.

    With a ``writer`` and ``workers`` > 1, the batches after the first are
    prepared on that many forked processes while this one writes
    (:mod:`.ahead`); the import ends exactly as it would without them. With a
    ``log``, that needs ``read_skips``.
    """
    if read_skips is not None and log is None:
        raise ValueError("read_skips needs a log to skip them into")
    batches = read_batches(cases, batch_size, read_skips)
    ahead = writer is not None and workers > 1 and can_fork()
    if ahead and (log is None or read_skips is not None):
        assert writer is not None
        batches = prepared_ahead(batches, writer, replace=replace, workers=workers)
    with contextlib.closing(batches):  # a pool of workers ends with the import
        return write_batches(batches, import_cases, replace, progress, earlier, log, writer)


def write_batches(
    batches: Iterator[Batch[BadCase]],
    import_cases: Callable[..., list[CaseState]],
    replace: bool,
    progress: Progress | None,
    earlier: int,
    log: ImportLog | None,
    writer: RowsWriter | None,
) -> int:
    """Write ``batches`` in order (each prepared one as it is, the others with
    ``import_cases``); how many cases landed. The loop of every import."""
    done = 0
    for batch in batches:
        try:
            if log is not None:
                for bad in batch.skipped:
                    log.skip(bad)
            if batch.error is not None:
                raise batch.error
            if not batch.size:
                return done
            if batch.rows is not None and not (
                writer is not None and writer.write_rows(batch.rows, replace=replace)
            ):
                batch.rows = None  # an id exists: the batch goes the way that says which
            if batch.rows is None:
                if log is not None:
                    done += _land(import_cases, batch.read(), replace, progress, log)
                    continue
                import_cases(batch.read(), replace=replace)
            elif log is not None:
                log.imported += batch.size
        except ImportStopped:
            raise
        except DisclosureError as exc:
            if log is not None:
                raise StoreError(f"{exc} ({log.imported} case(s) were imported and stay)") from None
            if not done + earlier:
                raise
            raise StoreError(
                f"{exc} ({done + earlier} case(s) from earlier batches were imported and "
                f"stay; this batch started at case {done + 1})"
            ) from None
        done += batch.size
        if progress is not None:
            progress(batch.size)
    return done


def _land(
    import_cases: Callable[..., list[CaseState]],
    batch: list[Case],
    replace: bool,
    progress: Progress | None,
    log: ImportLog,
) -> int:
    """Import ``batch``, skipping its bad cases into ``log``; how many landed.

    A failed try is narrowed by what its error says: the cases it names
    (:func:`refusing`) are dropped and the rest tried at once; a case named
    only by id (``EventRejected.case_id``) is dropped and the cases before
    and after it are tried apart; any other error about the cases (not a
    ``StoreError``, which is about the store) halves the batch until the case
    it concerns is alone. A ``StoreError`` naming no case stops the import.
    """
    landed = 0
    pending = [batch]
    while pending:
        chunk = pending.pop()
        try:
            import_cases(chunk, replace=replace)
        except DisclosureError as exc:
            refused = {i: e for i, e in refused_cases(exc).items() if 0 <= i < len(chunk)}
            named = getattr(exc, "case_id", None)
            at = [i for i, c in enumerate(chunk) if c.id == named]
            if refused:
                for i, err in sorted(refused.items()):
                    log.skip(BadCase.of(chunk[i], err))
                rest = [c for i, c in enumerate(chunk) if i not in refused]
                pending.extend([rest] if rest else [])
            elif at:
                log.skip(BadCase.of(chunk[at[-1]], exc))
                pending.extend(p for p in (chunk[at[-1] + 1 :], chunk[: at[-1]]) if p)
            elif isinstance(exc, StoreError):
                raise
            elif len(chunk) == 1:
                log.skip(BadCase.of(chunk[0], exc))
            else:
                half = len(chunk) // 2
                pending.extend((chunk[half:], chunk[:half]))
            continue
        landed += len(chunk)
        log.imported += len(chunk)
        if progress is not None:
            progress(len(chunk))
    return landed
