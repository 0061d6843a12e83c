"""Typed records that plugins return from hooks.

The two records the core itself consumes (deadline policies and calendar
adjustments) are defined beside the code that reads them and re-exported here,
so that plugin authors find every record in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from disclosure.calendars.registry import CalendarAdjustment
from disclosure.lifecycle.policy import DeadlinePolicy

if TYPE_CHECKING:
    from disclosure.reports.model import Report


def _paths(items: Sequence[str | Path]) -> tuple[Path, ...]:
    return tuple(Path(p) for p in items)


@attrs.frozen
class Resources:
    """Ruleset, report-template and calendar files (or directories of them).

    A plugin offers these; it does not choose for the agency. Which calendar
    an agency counts on is its setting (``calendar`` in ``disclosure.toml``,
    ``Engine(default_calendar=...)``).
    """

    rulesets: tuple[Path, ...] = attrs.field(default=(), converter=_paths)
    templates: tuple[Path, ...] = attrs.field(default=(), converter=_paths)
    calendars: tuple[Path, ...] = attrs.field(default=(), converter=_paths)


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
    #: Names in other languages, by language tag.
    labels: Mapping[str, str] = attrs.field(factory=dict)
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


__all__ = [
    "CalendarAdjustment",
    "DeadlinePolicy",
    "OutcomeCode",
    "RendererSpec",
    "Resources",
]
