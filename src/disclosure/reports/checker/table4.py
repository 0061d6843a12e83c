"""Read table 四: groups of results, each with its own total.

Reports print it as one row of all the groups' cells under a two-level
header (the official layout), as one row per group, or as small tables per
group under headings. A glued run of every cell is cut so that each group's
total is the sum of its results; several cuts that all fit are reported as
ambiguous with the candidates.
"""

from __future__ import annotations

from collections.abc import Sequence

from disclosure.reports.checker.labels import Walker, label_core
from disclosure.reports.checker.reads import RowRead, TableRead
from disclosure.reports.checker.split import Budget, split_groups
from disclosure.reports.checker.table3 import interpret
from disclosure.reports.checker.tokens import Token
from disclosure.reports.template import ReportTemplate


def read_groups(
    walker: Walker, template: ReportTemplate, start: int, stop: int, budget: Budget
) -> TableRead:
    """Table 四 between token ``start`` and ``stop``."""
    t4 = template.table4
    n = len(t4.results)
    width = n * len(t4.groups)
    columns = tuple(c.key for c in t4.results)
    sum_last = t4.results[-1].sum if hasattr(t4.results[-1], "sum") else True
    stop = min(stop, len(walker.tokens))
    hits = _group_hits(walker, template, start, stop)
    if hits is None:
        return TableRead(
            "table4", {}, columns, f"the label '{t4.groups[0].label}' of table 四 was not found"
        )
    per_group = _per_group(walker, template, hits, stop, budget, bool(sum_last))
    if per_group is not None:
        return per_group
    first = hits[0]
    nums = _data_run(walker, first, stop, width)
    if not nums:  # the table is printed without a single figure
        rows = {g.key: RowRead(g.key, (0.0,) * n, walker.tokens[first].line) for g in t4.groups}
        return TableRead("table4", rows, columns, blank=True)
    while len(nums) > width and nums[-1].blank:
        nums.pop()
    line = nums[0].line
    excerpt = "".join(t.text for t in nums)[:60]
    if len(nums) == width:
        values = [t.number for t in nums if t.number is not None]
        return TableRead("table4", _rows(template, values, line, excerpt), columns)
    problem = f"expected {width} numbers in table 四, found {len(nums)}"
    if nums and not any(t.blank or "." in t.text for t in nums):
        digits = "".join(t.text for t in nums)
        found = split_groups(digits, len(t4.groups), n, budget)
        if len(found.readings) == 1 and found.complete:
            values = [float(v) for v in found.readings[0]]
            return TableRead("table4", _rows(template, values, line, excerpt), columns)
        if found.readings:
            more = "" if found.complete else " or more"
            rows = {
                g.key: RowRead(
                    g.key,
                    None,
                    line,
                    f"the digits '{digits}' can be cut in {len(found.readings)}{more} ways",
                    tuple(r[i * n : (i + 1) * n] for r in found.readings[:4]),
                    excerpt,
                )
                for i, g in enumerate(t4.groups)
            }
            return TableRead("table4", rows, columns, ambiguous=tuple(rows))
        problem = (
            f"the digits '{digits}' are too long to cut into {width} cells"
            if not found.complete
            else f"the digits '{digits}' cannot be cut into {width} cells whose group totals add up"
        )
    return TableRead("table4", {}, columns, problem)


def _data_run(walker: Walker, start: int, stop: int, width: int) -> list[Token]:
    """The first run of numbers with a figure in it; runs of empty cells only are
    the merged cells of a header, unless the table has nothing else."""
    runs: list[list[Token]] = []
    i = start
    while i < stop:
        if walker.tokens[i].is_number:
            run = walker.numbers_at(i)
            if any(not t.blank for t in run):
                return run
            runs.append(run)
            i += len(run)
        else:
            i += 1
    return next((r for r in runs if len(r) >= width), [])


def _rows(
    template: ReportTemplate, values: Sequence[float], line: int, excerpt: str
) -> dict[str, RowRead]:
    n = len(template.table4.results)
    return {
        g.key: RowRead(g.key, tuple(values[i * n : (i + 1) * n]), line, excerpt=excerpt)
        for i, g in enumerate(template.table4.groups)
    }


def _group_hits(
    walker: Walker, template: ReportTemplate, start: int, stop: int
) -> list[int] | None:
    """The token of each group's label (the last mention of the first group
    before the second: the section heading names it too)."""
    wants = [label_core(g.label) for g in template.table4.groups]
    found: list[int] = []
    pos = start
    for k, want in enumerate(wants):
        i = next((i for i in range(pos, stop) if want in walker._flat[i]), None)
        if i is None:
            return None if k == 0 else found
        found.append(i)
        pos = i + 1
    if len(found) > 1:
        found[0] = max(i for i in range(found[0], found[1]) if wants[0] in walker._flat[i])
    return found


def _per_group(
    walker: Walker,
    template: ReportTemplate,
    hits: list[int],
    stop: int,
    budget: Budget,
    sum_last: bool,
) -> TableRead | None:
    """One row (or small table) per group: the numbers between one group's
    label and the next."""
    t4 = template.table4
    n = len(t4.results)
    if len(hits) != len(t4.groups):
        return None
    rows: dict[str, RowRead] = {}
    for k, g in enumerate(t4.groups):
        end = hits[k + 1] if k + 1 < len(hits) else stop
        nums: list[Token] = []
        for i in range(hits[k] + 1, end):
            tok = walker.tokens[i]
            if tok.is_number:
                nums.append(tok)
            elif nums:
                break
        if not nums:
            return None
        values, problem, readings = interpret(nums, n, sum_last, budget)
        if values is None and not readings:
            return None
        rows[g.key] = RowRead(g.key, values, nums[0].line, problem, readings)
    ambiguous = tuple(k for k, r in rows.items() if r.values is None)
    return TableRead("table4", rows, tuple(c.key for c in t4.results), ambiguous=ambiguous)
