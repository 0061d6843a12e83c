"""A built statistics report: its period, tables and check results (plain data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from disclosure.reports.model import CheckResult, Grid
from disclosure.reports.statistics.template import StatisticsTemplate


@attrs.frozen
class Pending:
    """One place of a ranking: an item still pending at the period's end."""

    received: dt.date
    days_pending: int
    case: str = attrs.field(eq=False, repr=False, default="")

    def to_dict(self) -> dict[str, Any]:
        return {"received": self.received.isoformat(), "days_pending": self.days_pending}


@attrs.frozen
class RankedRows:
    """A ranking's rows: per row value (then the total row), its oldest items, oldest first."""

    rows: Mapping[str, tuple[Pending, ...]]


@attrs.frozen
class StatisticsReport:
    year: int
    template: StatisticsTemplate = attrs.field(eq=False, repr=False)
    agency: str
    start: dt.date
    end: dt.date
    #: Table key -> rows (one per value of the row field, then the total row).
    tables: Mapping[str, Grid]
    #: Row key -> its label (field values are their own labels).
    row_labels: Mapping[str, str]
    checks: tuple[CheckResult, ...]
    #: (table, row, column) -> the case ids counted in that cell.
    sources: Mapping[tuple[str, str, str], tuple[str, ...]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    #: Ranking key -> its rows (the oldest pending items), in template order.
    rankings: Mapping[str, RankedRows] = attrs.field(factory=dict)

    @property
    def format(self) -> str:
        return self.template.id

    @property
    def blocking_failures(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.severity == "error" and not c.passed)

    def heading(self) -> str:
        meta = self.template.template
        return meta.heading.format(
            agency=self.agency, title=meta.title, year=self.year, start=self.start, end=self.end
        ).strip()

    def period_line(self) -> str:
        meta = self.template.template
        return meta.period_text.format(
            agency=self.agency, title=meta.title, year=self.year, start=self.start, end=self.end
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: ``tables.{KEY}.{columns, rows}`` as the issue's readers expect.

        ``rankings.{KEY}.rows.{ROW}`` lists the oldest pending items, oldest
        first, each as ``{received, days_pending}``; ``places`` labels them.
        """
        return {
            "year": self.year,
            "format": self.template.id,
            "agency": self.agency,
            "period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "tables": {
                key: {
                    "columns": list(grid.columns),
                    "rows": {row: list(cells) for row, cells in grid.rows.items()},
                }
                for key, grid in self.tables.items()
            },
            "rankings": {
                ranking.key: {
                    "places": list(ranking.places),
                    "rows": {
                        row: [item.to_dict() for item in items]
                        for row, items in self.rankings[ranking.key].rows.items()
                    },
                }
                for ranking in self.template.rankings
                if ranking.key in self.rankings
            },
            "checks": [c.to_dict() for c in self.checks],
        }
