"""Store: each case's append-only event log and its query projection.

Owns persistence: appending with an expected sequence number, importing,
exporting, listing and verifying cases (:mod:`.sqlite`, the embedded default).

May import: the core, :mod:`disclosure.engine` and :mod:`disclosure.reports`.
Never the CLI.
"""

from __future__ import annotations

from disclosure.errors import ConflictError, StoreError
from disclosure.store.sqlite import DueCounts, Projection, Store, project

__all__ = ["ConflictError", "DueCounts", "Projection", "Store", "StoreError", "project"]
