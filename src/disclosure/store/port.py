"""What a case store offers, whatever database holds it.

The SQLite adapter (:mod:`.sqlite`) is the one implementation today; a
server adapter implements the same protocol, and reuses the rows and hashes
of :mod:`.chain` and the projection of :mod:`.projection` so that its chains
verify the same way.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from disclosure.errors import DisclosureError, StoreError
from disclosure.lifecycle.case import Case, Event
from disclosure.lifecycle.state import CaseState
from disclosure.store.projection import DueCounts, Projection

if TYPE_CHECKING:
    from disclosure.reports.build import CaseSummary

#: Told how many more cases are done (a progress bar's ``advance``).
Progress = Callable[[int], None]


@attrs.frozen
class PeriodCases:
    """The cases a report for a period reads, streamed, and how many there are."""

    total: int
    cases: Iterator[CaseSummary]

    def __iter__(self) -> Iterator[CaseSummary]:
        return self.cases


class CaseStore(Protocol):
    """The store's contract: append with an expected sequence, import in batches, query."""

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
    ) -> int:
        """Any number of cases, batch by batch, in flat memory."""
        ...

    def append(self, case_id: str, event: Event, expected_seq: int | None = None) -> CaseState:
        """One event, refused with ``ConflictError`` if the log is not ``expected_seq`` long."""
        ...

    def get(self, case_id: str) -> Case: ...

    def iter_cases(self, batch: int = ...) -> Iterator[Case]: ...

    def count(self) -> int: ...

    def iter_query(
        self, *, limit: int | None = None, offset: int = 0, **filters: Any
    ) -> Iterator[Projection]: ...

    def count_query(self, **filters: Any) -> int: ...

    def due_counts(self, as_of: dt.date, due_by: dt.date) -> DueCounts: ...

    def period_summaries(
        self,
        event_types: Iterable[str],
        start: dt.date,
        end: dt.date,
        *,
        pending: Sequence[tuple[str, str]] = (),
    ) -> PeriodCases: ...

    def verify(
        self, *, workers: int | None = None, progress: Progress | None = None
    ) -> list[str]: ...


def import_in_batches(
    import_cases: Callable[..., list[CaseState]],
    cases: Iterable[Case],
    *,
    batch_size: int,
    replace: bool,
    progress: Progress | None,
    earlier: int,
) -> int:
    """Every adapter's ``import_stream``: ``import_cases`` a batch at a time, in flat memory.

    Each batch lands whole or not at all; when one fails (or ``cases`` raises
    while it is read), the earlier ones stay and the error says how many there
    are, counting ``earlier`` cases the caller imported before.
    """
    done = 0
    items = iter(cases)
    while True:
        try:
            batch = list(itertools.islice(items, batch_size))
            if not batch:
                return done
            import_cases(batch, replace=replace)
        except DisclosureError as exc:
            if not done + earlier:
                raise
            raise StoreError(
                f"{exc} ({done + earlier} case(s) from earlier batches were imported and "
                f"stay; this batch started at case {done + 1})"
            ) from None
        done += len(batch)
        if progress is not None:
            progress(len(batch))
