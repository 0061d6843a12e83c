"""JSON Lines imports whose workers read the lines as well as fold them.

With :mod:`.ahead` alone this process reads and checks every record and
sends the workers cases; reading costs about what writing does, so this
process is the import's bottleneck. Here it hands the workers runs of lines
unread and only joins what they send back and writes it.

The batches written are exactly those of a one-process import, whatever the
runs: ``batch_size`` readable cases each, an unreadable record skipped with
the batch it was met in. That is why a worker sends back one result per
record, in the file's order (a case's rows ready to write, a case that
cannot land, or an unreadable record), and the batches are cut here. A batch
holding a case that cannot land or an id given twice (or, found when it is
written, an id the store holds) is read again here and imported as one
process would, which finds and reports the case.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from disclosure.errors import DisclosureError
from disclosure.lifecycle.case import Case, CaseRecord, line_records
from disclosure.store.ahead import (
    Batch,
    ImportRows,
    RowsWriter,
    forked_pool,
    forked_writer,
    taken,
    writer_for_workers,
)
from disclosure.store.port import BadCase, ImportLog, Progress, write_batches

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult

#: A run handed to a worker holds at most this many bytes of lines (and one
#: line more), so memory stays flat on a file of long lines.
RUN_BYTES = 4 * 1024 * 1024


@attrs.frozen
class Lines:
    """Numbered lines of one JSON Lines file, not read yet (they pickle as bytes)."""

    source: str
    lines: list[tuple[int, bytes]]

    def records(self) -> Iterator[CaseRecord]:
        return line_records(self.source, self.lines)

    def cases(self) -> list[Case]:
        return [r.case for r in self.records() if r.case is not None]


#: What a worker sends back for a readable record: its line number, the case's
#: id, its rows (case row, event rows, projection row), or None for a case that
#: cannot land, and the text of the agency settings it was folded with. An
#: unreadable record comes back as its ``BadCase``.
Readable = tuple[
    int, str, tuple[Any, ...] | None, list[tuple[Any, ...]], tuple[Any, ...] | None, str | None
]


def read_and_prepare(run: Lines, replace: bool) -> list[Readable | BadCase]:
    """In a worker (the first run: here): each record of ``run``, read and prepared alone."""
    writer = forked_writer()
    out: list[Readable | BadCase] = []
    for record in run.records():
        case = record.case
        if case is None:
            out.append(BadCase.unreadable(record))
            continue
        n = int(record.where.rsplit(":", 1)[1])
        try:
            rows = writer.prepare_rows([case], replace=replace)
        except DisclosureError:
            out.append((n, case.id, None, [], None, None))
            continue
        out.append((n, rows.ids[0], rows.cases[0], rows.events, rows.projections[0], rows.settings))
    return out


def lines_prepared_ahead(
    runs: Iterator[Lines],
    writer: RowsWriter,
    *,
    size: int,
    replace: bool,
    workers: int,
    skipped: list[BadCase],
) -> Generator[Batch[BadCase], None, None]:
    """The batches of ``size`` cases a one-process import of ``runs`` would write, prepared.

    ``skipped`` is where the runs' reader puts a file it cannot open. The last
    batch is empty, or carries the error raised while the runs were read (the
    cases of the batch then being cut are lost, as in one process).
    """
    cut = _Cut(size)
    for prepared in _prepared_runs(runs, writer, replace, workers):
        if isinstance(prepared, Exception):
            yield Batch([], [*taken(skipped), *cut.bad], prepared)
            return
        run, results = prepared
        first = run.lines[0][0]
        for item in results:
            if isinstance(item, tuple):
                if cut.add(run, first, item):
                    yield cut.batch(taken(skipped))
            else:
                cut.bad.append(item)
    if cut.ids:
        yield cut.batch(taken(skipped))
    yield Batch([], [*taken(skipped), *cut.bad])


class _Cut:
    """The batch being cut: its cases' rows and lines, and the records skipped meanwhile."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.bad: list[BadCase] = []
        self.source = ""
        self._reset()

    def _reset(self) -> None:
        self.ids: list[str] = []
        self.lines: list[tuple[int, bytes]] = []
        self.cases: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.projections: list[tuple[Any, ...]] = []
        self.settings: list[str | None] = []
        self.whole = True

    def add(self, run: Lines, first: int, item: Readable) -> bool:
        """Add one case; True when the batch is full."""
        n, case_id, case_row, event_rows, projection, settings = item
        self.source = run.source
        self.lines.append(run.lines[n - first])
        self.ids.append(case_id)
        if case_row is None or projection is None:
            self.whole = False
        else:
            self.cases.append(case_row)
            self.events.extend(event_rows)
            self.projections.append(projection)
            self.settings.append(settings)
        return len(self.ids) >= self.size

    def batch(self, read_skips: list[BadCase]) -> Batch[BadCase]:
        # an id given twice in one batch is for the one-process way to judge
        # and cases folded with different settings are folded again there, with the store's
        whole = self.whole and len(set(self.ids)) == len(self.ids) and len(set(self.settings)) < 2
        settings = self.settings[0] if self.settings else None
        rows = (
            ImportRows(self.ids, self.cases, self.events, self.projections, settings)
            if whole
            else None
        )
        batch: Batch[BadCase] = Batch(
            [],
            [*read_skips, *self.bad],
            rows=rows,
            count=len(self.ids),
            again=Lines(self.source, self.lines),
        )
        self.bad = []
        self._reset()
        return batch


def _prepared_runs(
    runs: Iterator[Lines], writer: RowsWriter, replace: bool, workers: int
) -> Iterator[tuple[Lines, list[Readable | BadCase]] | Exception]:
    """Each run with its results, in order; an error reading the runs comes in its place.

    The first run is prepared here: an import of one run starts no process.
    ``2 * workers`` runs are in flight at most.
    """
    with writer_for_workers(writer):
        try:
            first = next(runs, None)
            if first is None:
                return
            yield first, read_and_prepare(first, replace)
            second = next(runs, None)
        except Exception as exc:
            yield exc
            return
        if second is None:
            return
        with forked_pool(workers) as pool:
            pending: collections.deque[tuple[Lines, AsyncResult[list[Readable | BadCase]]]]
            pending = collections.deque()
            failure: Exception | None = None
            for run in _until_failure(itertools.chain([second], runs)):
                if isinstance(run, Exception):
                    failure = run
                    break
                pending.append((run, pool.apply_async(read_and_prepare, (run, replace))))
                while len(pending) > 2 * workers:
                    done, job = pending.popleft()
                    yield done, job.get()
            while pending:
                done, job = pending.popleft()
                yield done, job.get()
            if failure is not None:
                yield failure


def _until_failure(runs: Iterator[Lines]) -> Iterator[Lines | Exception]:
    """``runs``, then what reading them raised, if anything."""
    try:
        yield from runs
    except Exception as exc:
        yield exc


def import_lines_in_batches(
    import_cases: Callable[..., Any],
    runs: Iterator[Lines],
    *,
    batch_size: int,
    replace: bool,
    progress: Progress | None,
    log: ImportLog,
    read_skips: list[BadCase],
    writer: RowsWriter,
    workers: int,
) -> int:
    """:func:`~.port.import_in_batches` for JSON Lines that the workers read as well.

    ``runs`` are the file's lines, unread; the batches, what lands and what is
    skipped are those of ``import_in_batches`` over the same file's cases.
    """
    batches = lines_prepared_ahead(
        runs, writer, size=batch_size, replace=replace, workers=workers, skipped=read_skips
    )
    with contextlib.closing(batches):  # a pool of workers ends with the import
        return write_batches(batches, import_cases, replace, progress, 0, log, writer)
