"""What reading a table gives: each row's cells, or why they could not be read."""

from __future__ import annotations

import attrs


@attrs.frozen
class RowRead:
    """How one row was read: its values, or why not.

    ``readings`` are the candidate cells of a glued digit run that the
    equations could not choose between; ``excerpt`` quotes the source around
    the row, for pages that are one long line.
    """

    key: str
    values: tuple[float, ...] | None
    line: int | None
    problem: str = ""
    readings: tuple[tuple[int, ...], ...] = ()
    excerpt: str = ""
    moved: bool = False  # the cells were printed apart from the label

    @property
    def candidates(self) -> tuple[tuple[int, ...], ...]:
        return self.readings


@attrs.frozen
class TableRead:
    """One table as read from the source."""

    key: str
    rows: dict[str, RowRead]
    columns: tuple[str, ...]
    unreadable: str = ""
    ambiguous: tuple[str, ...] = ()
    blank: bool = False  # the table has no figures at all: every cell read as 0
    stand_ins: dict[str, tuple[str, ...]] = attrs.field(factory=dict)

    def grid_rows(self) -> dict[str, tuple[float, ...]]:
        return {k: r.values for k, r in self.rows.items() if r.values is not None}
