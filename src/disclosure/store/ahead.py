"""An import's batches read in order and prepared ahead on worker processes.

Folding, hashing and projecting a case costs several times what reading and
writing it costs, and cases are independent, so while this process writes
one batch, forked workers prepare the next ones (:class:`ImportRows`). The
order of everything the caller sees is kept: batches come back in the order
they were read, and what the reader reported about a batch (its unreadable
records) comes with it, so an import ends the same way whichever process
did the work. A batch a worker could not prepare comes back without rows;
the caller then imports it as it would without workers, which finds and
reports its problems. At most a few batches are in flight: memory stays
flat.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import multiprocessing
import os
import signal
from collections.abc import Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

import attrs

from disclosure.errors import DisclosureError

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult, Pool

    from disclosure.lifecycle.case import Case


@attrs.frozen
class ImportRows:
    """A batch ready to write: folded, hash-chained and projected, read from no store."""

    ids: list[str]
    cases: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    projections: list[tuple[Any, ...]]
    #: The text of the agency settings the batch was folded with (None: none). A
    #: writer whose store holds other settings by then refuses the rows (they are
    #: folded again), so a batch never lands with settings it was not folded with.
    settings: str | None = None


@runtime_checkable
class RowsWriter(Protocol):
    """An adapter whose batches can be prepared away from its connection."""

    def prepare_rows(self, cases: list[Case], *, replace: bool) -> ImportRows:
        """The batch's rows, or a ``DisclosureError`` when any case cannot land."""
        ...

    def write_rows(self, rows: ImportRows, *, replace: bool) -> bool:
        """Write them in one transaction; False (nothing written) if an id exists or the
        store holds other settings than ``rows.settings`` (the batch is then folded again
        by ``import_cases``)."""
        ...


#: What the reader reports of a record it could not read (the import's ``BadCase``).
Bad = TypeVar("Bad")


@runtime_checkable
class Rereadable(Protocol):
    """A batch's records that a worker read, to be read again here if the batch needs it."""

    def cases(self) -> list[Case]:
        """The cases of the records, read here."""
        ...


@attrs.define
class Batch(Generic[Bad]):
    """One batch as read, with what the reader reported while reading it."""

    cases: list[Case]
    #: Records the reader could not read, in the order met (the caller skips them first).
    skipped: list[Bad] = attrs.field(factory=list)
    #: What the reader raised instead of finishing the batch (its cases are then lost).
    error: Exception | None = None
    #: The batch prepared by a worker (None: import it here).
    rows: ImportRows | None = None
    #: Cases a worker read (``cases`` stays empty until :meth:`read`), and their records.
    count: int | None = None
    again: Rereadable | None = None

    @property
    def size(self) -> int:
        """How many cases the batch holds, whoever read them."""
        return len(self.cases) if self.count is None else self.count

    def read(self) -> list[Case]:
        """The batch's cases, read here if a worker read them (to import them case by case)."""
        if self.again is not None:
            self.cases, self.again, self.count = self.again.cases(), None, None
        return self.cases


def read_batches(
    cases: Iterable[Case], size: int, skipped: list[Bad] | None = None
) -> Generator[Batch[Bad], None, None]:
    """``cases`` in batches of ``size``; the last one is empty, or carries the reader's error.

    ``skipped`` is the list the reader appends its bad records to; each batch
    takes those met while it was read.
    """
    items = iter(cases)
    while True:
        try:
            cases_read = list(itertools.islice(items, size))
        except Exception as exc:
            yield Batch([], taken(skipped), exc)
            return
        yield Batch(cases_read, taken(skipped))
        if not cases_read:
            return


def taken(skipped: list[Bad] | None) -> list[Bad]:
    """What the reader put in ``skipped`` so far, taken out of it."""
    if not skipped:
        return []
    out = list(skipped)
    skipped.clear()
    return out


def cores() -> int:
    """The cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else (os.cpu_count() or 1)


def can_fork() -> bool:
    """Workers are forked (they inherit the store's engine and plugins as they are)."""
    return "fork" in multiprocessing.get_all_start_methods()


@contextlib.contextmanager
def forked_pool(workers: int) -> Iterator[Pool]:
    """A pool of ``workers`` forked processes, whose workers end by themselves.

    ``Pool.__exit__`` terminates the workers, and a worker killed while it
    sends a result holds the result queue's lock for ever: the pool's own
    threads then wait on it and ``terminate`` never returns (seen on an
    import stopped by ``--max-errors``, and on a clean one). So the pool is
    closed and joined instead, also when the caller stops early (an error,
    a generator dropped): the tasks already handed to the pool are finished
    first (an import hands it at most two batches a worker; ``store verify``
    every chunk, but it stops early only on a bug). The workers ignore
    Ctrl-C (:func:`_ignore_interrupts`), so an import stopped by it still
    finishes its few handed-out batches and ends; an interrupt raised inside
    the block (``store verify`` waiting on its chunks) terminates the pool.
    """
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupts)
    try:
        yield pool
    except (Exception, GeneratorExit):
        pool.close()
        pool.join()
        raise
    except BaseException:
        pool.terminate()
        raise
    pool.close()
    pool.join()


def _ignore_interrupts() -> None:
    """In a worker: Ctrl-C is for the main process, which ends the pool.

    The terminal sends SIGINT to the whole process group; a worker killed by it
    leaves its task unfinished, and a pool whose tasks never finish cannot be
    joined (an import stopped by Ctrl-C hung there).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


#: The writer the forked workers prepare with (set before the fork; they inherit it).
_WRITER: RowsWriter | None = None


@contextlib.contextmanager
def writer_for_workers(writer: RowsWriter) -> Iterator[None]:
    """Let the workers forked in this block prepare batches with ``writer``."""
    global _WRITER
    _WRITER = writer
    try:
        yield
    finally:
        _WRITER = None


def forked_writer() -> RowsWriter:
    """In a worker (or here, inside :func:`writer_for_workers`): the writer to prepare with."""
    assert _WRITER is not None, "import workers are forked inside writer_for_workers"
    return _WRITER


def prepared_ahead(
    batches: Iterator[Batch[Bad]], writer: RowsWriter, *, replace: bool, workers: int
) -> Generator[Batch[Bad], None, None]:
    """``batches`` in order, each prepared by one of ``workers`` forked processes.

    The first batch is passed on at once, unprepared: an import of one batch
    starts no process. ``2 * workers`` batches are read ahead at most.
    """
    first = next(batches, None)
    if first is None:
        return
    yield first
    if not first.cases or first.error is not None:
        return
    with writer_for_workers(writer), forked_pool(workers) as pool:
        pending: collections.deque[tuple[Batch[Bad], AsyncResult[ImportRows | None] | None]]
        pending = collections.deque()
        for batch in batches:
            ready = batch.cases and batch.error is None
            job = pool.apply_async(_prepare, (batch.cases, replace)) if ready else None
            pending.append((batch, job))
            while len(pending) > 2 * workers:
                yield _done(*pending.popleft())
        while pending:
            yield _done(*pending.popleft())


def _done(batch: Batch[Bad], job: AsyncResult[ImportRows | None] | None) -> Batch[Bad]:
    if job is not None:
        batch.rows = job.get()
    return batch


def _prepare(cases: list[Case], replace: bool) -> ImportRows | None:
    """In a worker: the batch's rows, or None when any case cannot land (found again here)."""
    try:
        return forked_writer().prepare_rows(cases, replace=replace)
    except DisclosureError:
        return None
