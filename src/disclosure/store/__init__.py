"""Store: each case's append-only event log and its query projection.

Owns persistence: appending with an expected sequence number, importing,
exporting, listing and verifying cases. :mod:`.port` is the contract,
:mod:`.sqlite` the embedded default; the rows and hash chain (:mod:`.chain`),
the schema (:mod:`.schema`) and the projection (:mod:`.projection`) are
shared by any adapter.

May import: the core, :mod:`disclosure.engine` and :mod:`disclosure.reports`.
Never the CLI.
"""

from __future__ import annotations

from disclosure.errors import ConflictError, StoreError
from disclosure.store.port import CaseStore, PeriodCases
from disclosure.store.projection import DueCounts, Projection, project
from disclosure.store.sqlite import Store

__all__ = [
    "CaseStore",
    "ConflictError",
    "DueCounts",
    "PeriodCases",
    "Projection",
    "Store",
    "StoreError",
    "project",
]
