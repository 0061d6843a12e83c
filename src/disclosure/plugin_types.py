"""Typed records that plugins return from hooks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from .report import Report


def _paths(items: Sequence[str | Path]) -> tuple[Path, ...]:
    return tuple(Path(p) for p in items)


@attrs.frozen
class Resources:
    """Ruleset, report-template and calendar files (or directories of them).

    ``default_calendar`` makes a calendar the default for cases that name
    none (a regional plugin installed by an agency of that region); two
    plugins asking for different defaults is an error.
    """

    rulesets: tuple[Path, ...] = attrs.field(default=(), converter=_paths)
    templates: tuple[Path, ...] = attrs.field(default=(), converter=_paths)
    calendars: tuple[Path, ...] = attrs.field(default=(), converter=_paths)
    default_calendar: str | None = None


@attrs.frozen
class CalendarAdjustment:
    """Days to add to a calendar: days off and extra working days, with names."""

    holidays: Mapping[dt.date, str] = attrs.field(factory=dict)
    working_days: Mapping[dt.date, str] = attrs.field(factory=dict)
    source: str = ""


@attrs.frozen
class DeadlinePolicy:
    """A clock's limit for one case, and when to start warning.

    ``limit``: units instead of the ruleset's (None keeps it); ``warn_at``:
    after this many units the deadline is flagged as approaching.
    """

    limit: int | None = None
    warn_at: int | None = None
    name: str = ""

    def __attrs_post_init__(self) -> None:
        if self.limit is not None and self.limit < 0:
            raise ValueError("a deadline policy's limit cannot be negative")
        if self.warn_at is not None and self.warn_at < 0:
            raise ValueError("a deadline policy's warn_at cannot be negative")


@attrs.frozen
class OutcomeCode:
    """An extra outcome: its group, labels, and the report row it counts in.

    ``report_row`` is used by every template that has such a row;
    ``report_rows`` names rows per template id where they differ.
    """

    code: str
    group: str
    zh: str = ""
    en: str = ""
    basis: str = ""
    report_row: str | None = None
    report_rows: Mapping[str, str] = attrs.field(factory=dict)

    def row_for(self, template_id: str) -> str | None:
        return self.report_rows.get(template_id, self.report_row)


@attrs.frozen
class RendererSpec:
    """A report format."""

    name: str
    render: Callable[[Report], str | bytes]
    suffix: str = ""
    binary: bool = False
    description: str = ""
