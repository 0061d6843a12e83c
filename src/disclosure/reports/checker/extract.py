"""Read the tables of a published report by walking the template's labels.

The parts: :mod:`.labels` finds labels, :mod:`.split` cuts glued digits,
:mod:`.solve` settles cuts with the table's equations, :mod:`.table3` and
:mod:`.table4` read those tables; this module reads table 二 and re-exports
what callers use.
"""

from __future__ import annotations

from disclosure.reports.checker.labels import Walker, core
from disclosure.reports.checker.reads import RowRead, TableRead
from disclosure.reports.checker.split import Budget, Split, split_cells, split_groups
from disclosure.reports.checker.table3 import read_rows
from disclosure.reports.checker.table4 import read_groups
from disclosure.reports.template import ReportTemplate

__all__ = [
    "Budget",
    "RowRead",
    "Split",
    "TableRead",
    "Walker",
    "core",
    "read_groups",
    "read_rows",
    "read_table2",
    "split_cells",
    "split_groups",
]


def read_table2(
    walker: Walker, template: ReportTemplate, start: int, stop: int | None
) -> tuple[dict[str, dict[str, float]], list[tuple[str, str, int | None]]]:
    """Table 二 values by row and column, and (row, problem, line) for what was not read."""
    values: dict[str, dict[str, float]] = {}
    problems: list[tuple[str, str, int | None]] = []
    pos = start
    for sub in template.table2.subtables:
        for row in sub.rows:
            hit = walker.find(row.label, pos, stop, exact=True)
            if hit is None:
                problems.append((row.key, f"row '{row.label}' ({sub.title}) not found", None))
                continue
            _, index, line = hit
            nums = walker.numbers_at(index, len(sub.columns))
            if len(nums) != len(sub.columns):
                problems.append(
                    (
                        row.key,
                        f"expected {len(sub.columns)} numbers after "
                        f"'{row.label}', found {len(nums)}",
                        line,
                    )
                )
                continue
            values[row.key] = {
                c.key: t.number
                for c, t in zip(sub.columns, nums, strict=True)
                if t.number is not None
            }
            pos = index + len(nums)
    return values, problems
