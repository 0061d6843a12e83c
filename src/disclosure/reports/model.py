"""The records of an annual report: its tables, fee summary and check results.

Owns what a built report is made of (:class:`Report`, :class:`Grid`,
:class:`FeeSummary`) and what a reconciliation check says about a table
(:class:`CheckResult`, :class:`CheckFailure`). Plain data: building,
checking and rendering live in their own modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from disclosure.reports.template import ReportTemplate

Number = int | float


@attrs.frozen
class Grid:
    """A table of numbers: named rows, named columns."""

    columns: tuple[str, ...]
    rows: Mapping[str, tuple[Number, ...]]
    #: Each column's index (its first, as ``columns.index`` finds it), made once:
    #: the equations look cells up hundreds of times per table.
    _index: Mapping[str, int] = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(
            lambda self: {c: i for i, c in reversed(list(enumerate(self.columns)))},
            takes_self=True,
        ),
    )

    def value(self, row: str, column: str) -> Number:
        """One cell: ``KeyError`` for a row the grid lacks, ``ValueError`` for a column."""
        cells = self.rows[row]
        return cells[self._column(column)]

    def in_column(self, rows: Sequence[str], column: str) -> list[Number]:
        """:meth:`value` of each of ``rows`` in one column (and its errors)."""
        if not rows:
            return []
        index = self._column(column) if rows[0] in self.rows else -1
        return [self.rows[r][index] for r in rows]

    def in_row(self, row: str, columns: Sequence[str]) -> list[Number]:
        """:meth:`value` of one row in each of ``columns`` (and its errors)."""
        if not columns:
            return []
        cells = self.rows[row]
        return [cells[self._column(c)] for c in columns]

    def _column(self, column: str) -> int:
        index = self._index.get(column)
        if index is None:  # what ``columns.index`` raises
            raise ValueError(f"{column!r} is not a column")
        return index


@attrs.frozen
class CheckFailure:
    """Where one equation failed: a column (or row) and the two sums."""

    axis: str  # "column" or "row"
    name: str
    left: Number
    right: Number


@attrs.frozen
class CheckResult:
    """One reconciliation rule applied to a report."""

    id: str
    severity: str
    passed: bool
    description: str
    failures: tuple[str, ...] = ()
    skipped: str = ""
    details: tuple[CheckFailure, ...] = attrs.field(default=(), eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "passed": self.passed,
            "description": self.description,
            "failures": list(self.failures),
            "skipped": self.skipped or None,
        }


@attrs.frozen
class FeeSummary:
    amount: Decimal = Decimal(0)
    applications: int = 0
    by_method: Mapping[str, int] = attrs.field(factory=dict)


@attrs.frozen
class Report:
    year: int
    template: ReportTemplate = attrs.field(eq=False, repr=False)
    agency: str
    table2: Mapping[str, Mapping[str, Number]]
    table3: Grid
    table4: Grid
    fees: FeeSummary
    narrative: Mapping[str, str]
    checks: tuple[CheckResult, ...]
    values: Mapping[str, Number | str] = attrs.field(factory=dict)
    sources: Mapping[tuple[str, str, str], tuple[str, ...]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    #: whether ``sources`` was recorded (a report built with ``trace=False`` has none)
    traced: bool = attrs.field(default=True, eq=False, repr=False)

    @property
    def format(self) -> str:
        return self.template.id

    @property
    def blocking_failures(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.severity == "error" and not c.passed)
