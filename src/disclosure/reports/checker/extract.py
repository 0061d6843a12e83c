"""Read the tables of a published report by walking the template's labels.

For each data row of the template, the extractor finds the row's label in
the token stream (tolerating numbering styles, full-width punctuation,
traditional characters and small typos) and reads the numbers after it.
Digits glued together ("713000074" for 71, 3, 0, 0, 0, 0, 74) are split
every way that satisfies the row's own sum, and then the table's equations
choose among the splits; if more than one reading survives, the table is
reported as ambiguous — never guessed.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from disclosure.reports.checker.tokens import Token, normalize
from disclosure.reports.template import ReportTemplate, Row

_NOTE = re.compile(r"[(（][^()（）]*[)）]$")
_PUNCT = re.compile(r"[\s\"“”'‘’:：,，.。、;；()（）\[\]【】]")
MAX_COMBINATIONS = 200_000


def core(label: str, numbering: re.Pattern[str] | None = None) -> str:
    """A label without its numbering (the template's pattern), notes, spaces or punctuation."""
    text = normalize(label)
    if numbering is not None:
        text = numbering.sub("", text)
    text = _NOTE.sub("", text)
    return _PUNCT.sub("", text)


@attrs.frozen
class RowRead:
    """How one row was read: its values, or why not."""

    key: str
    values: tuple[float, ...] | None
    line: int | None
    problem: str = ""
    candidates: tuple[tuple[int, ...], ...] = ()


@attrs.frozen
class TableRead:
    """One table as read from the source."""

    key: str
    rows: dict[str, RowRead]
    columns: tuple[str, ...]
    unreadable: str = ""
    ambiguous: tuple[str, ...] = ()

    def grid_rows(self) -> dict[str, tuple[float, ...]]:
        return {k: r.values for k, r in self.rows.items() if r.values is not None}


class Walker:
    """Find labels and the numbers after them in a token stream."""

    def __init__(self, tokens: Sequence[Token], numbering: re.Pattern[str] | None = None) -> None:
        self.tokens = list(tokens)
        self.numbering = numbering
        self._cores = [core(t.text, numbering) if not t.is_number else "" for t in self.tokens]

    def find(
        self, label: str, start: int = 0, stop: int | None = None, exact: bool = False
    ) -> tuple[int, int] | None:
        """(index after the label, its line), searching from ``start``."""
        want = core(label, self.numbering)
        if not want:
            return None
        end = len(self.tokens) if stop is None else min(stop, len(self.tokens))
        best: tuple[float, int, int] | None = None
        for i in range(start, end):
            if self.tokens[i].is_number or not self._cores[i]:
                continue
            joined = ""
            for j in range(i, min(i + 3, end)):  # labels broken across cells or lines
                if self.tokens[j].is_number:
                    break
                joined += self._cores[j]
                score = self._score(want, joined, exact)
                if score >= 1.0:
                    return j + 1, self.tokens[i].line
                if score and (best is None or score > best[0]):
                    best = (score, j + 1, self.tokens[i].line)
            if best is not None and best[0] >= 0.9 and i > best[1] + 3:
                break
        if best is not None and best[0] >= 0.82:
            return best[1], best[2]
        return None

    @staticmethod
    def _score(want: str, got: str, exact: bool) -> float:
        if got == want:
            return 1.0
        if exact:
            return 0.0
        if len(want) >= 4 and got.endswith(want) and len(got) - len(want) <= 4:
            return 0.99
        if len(want) < 4 or abs(len(got) - len(want)) > max(2, len(want) // 4):
            return 0.0
        shared = len(set(want) & set(got))
        if shared < 0.75 * len(set(want)):
            return 0.0  # cheap rejection before the exact ratio
        return difflib.SequenceMatcher(None, want, got).ratio()

    def numbers_at(self, index: int, limit: int) -> list[Token]:
        out: list[Token] = []
        for tok in self.tokens[index:]:
            if not tok.is_number or len(out) >= limit:
                break
            out.append(tok)
        return out


def split_digits(
    digits: str, parts: int, check: Callable[[list[int]], bool], group: int | None = None
) -> list[tuple[int, ...]]:
    """Every way to cut ``digits`` into ``parts`` numbers that ``check`` accepts.

    Numbers have no leading zeros (except 0 itself). With ``group``, ``check``
    is also applied to each completed group of that many parts, to prune early.
    """
    found: list[tuple[int, ...]] = []

    def walk(pos: int, acc: list[int]) -> None:
        left = parts - len(acc)
        if left == 0:
            if pos == len(digits) and check(acc):
                found.append(tuple(acc))
            return
        remaining = len(digits) - pos
        if remaining < left:
            return
        max_len = remaining - (left - 1)
        for length in range(1, max_len + 1):
            piece = digits[pos : pos + length]
            if length > 1 and piece[0] == "0":
                break
            acc.append(int(piece))
            if group is None or len(acc) % group or check(acc[-group:]):
                walk(pos + length, acc)
            acc.pop()
            if len(found) > 1000:
                return

    walk(0, [])
    return found


def _row_sum_ok(values: list[int]) -> bool:
    return sum(values[:-1]) == values[-1]


def read_grid_row(
    walker: Walker, row: Row, columns: int, start: int, window: int, sum_last: bool
) -> tuple[RowRead, int]:
    """Read one labelled row of ``columns`` numbers (the last is the row total)."""
    hit = walker.find(row.label, start, start + window)
    if hit is None:
        return RowRead(row.key, None, None, f"row '{row.label}' not found"), start
    index, line = hit
    nums = walker.numbers_at(index, columns)
    after = index + len(nums)
    if len(nums) == columns:
        return RowRead(row.key, tuple(t.number for t in nums if t.number is not None), line), after
    if nums and all("." not in t.text for t in nums):
        digits = "".join(t.text for t in nums)
        check = _row_sum_ok if sum_last else (lambda v: True)
        candidates = split_digits(digits, columns, check)
        if len(candidates) == 1:
            return RowRead(row.key, tuple(float(v) for v in candidates[0]), line), after
        if candidates:
            return RowRead(row.key, None, line, "glued", tuple(candidates)), after
        return RowRead(
            row.key,
            None,
            line,
            f"the digits '{digits}' cannot be split into {columns} cells that add up",
        ), after
    return RowRead(
        row.key, None, line, f"expected {columns} numbers after '{row.label}', found {len(nums)}"
    ), after


def resolve_glued(
    rows: dict[str, RowRead], equations: Sequence[tuple[Sequence[str], Sequence[str]]], width: int
) -> tuple[dict[str, RowRead], tuple[str, ...]]:
    """Choose each glued row's split so that the column equations hold.

    Returns the rows (resolved where exactly one combination fits) and the
    keys of rows that stay ambiguous.
    """
    glued = [k for k, r in rows.items() if r.problem == "glued"]
    if not glued:
        return rows, ()
    total = 1
    for k in glued:
        total *= len(rows[k].candidates)
    if total > MAX_COMBINATIONS:
        return rows, tuple(glued)
    fixed = {k: r.values for k, r in rows.items() if r.values is not None}
    fits = []
    for combo in itertools.product(*(rows[k].candidates for k in glued)):
        values = dict(fixed)
        values.update({k: tuple(float(v) for v in c) for k, c in zip(glued, combo, strict=True)})
        if all(_equation_holds(values, left, right, width) for left, right in equations):
            fits.append(combo)
            if len(fits) > 1:
                break
    if len(fits) != 1:
        return rows, tuple(glued)
    out = dict(rows)
    for k, c in zip(glued, fits[0], strict=True):
        out[k] = attrs.evolve(rows[k], values=tuple(float(v) for v in c), problem="", candidates=())
    return out, ()


def _equation_holds(
    values: Mapping[str, tuple[float, ...] | None],
    left: Sequence[str],
    right: Sequence[str],
    width: int,
) -> bool:
    known = {k: values.get(k) for k in (*left, *right)}
    rows = {k: v for k, v in known.items() if v is not None}
    if len(rows) != len(known):
        return True  # cannot judge: a row is missing
    for col in range(width):
        lsum = sum(rows[k][col] for k in left)
        rsum = sum(rows[k][col] for k in right)
        if abs(lsum - rsum) > 1e-9:
            return False
    return True


def read_table3(walker: Walker, template: ReportTemplate, start: int) -> TableRead:
    t3 = template.table3
    width = len(t3.columns)
    rows: dict[str, RowRead] = {}
    pos = start
    for row in t3.data_rows:
        read, after = read_grid_row(walker, row, width, pos, 80, sum_last=True)
        rows[row.key] = read
        if read.line is not None:
            pos = after
    equations = [
        (c.left, c.right)
        for c in template.checks
        if c.table == "table3" and c.per == "column" and c.right
    ]
    rows, ambiguous = resolve_glued(rows, equations, width)
    found = sum(1 for r in rows.values() if r.line is not None)
    unreadable = (
        ""
        if found >= len(rows) // 2
        else (f"only {found} of {len(rows)} rows of table 三 were found")
    )
    return TableRead("table3", rows, tuple(c.key for c in t3.columns), unreadable, ambiguous)


def read_table4(walker: Walker, template: ReportTemplate, start: int) -> TableRead:
    """Table 四: one row of 15 numbers (official layout) or one row per group."""
    t4 = template.table4
    n = len(t4.results)
    width = n * len(t4.groups)
    columns = tuple(c.key for c in t4.results)
    hit = walker.find(t4.groups[0].label, start)
    if hit is None:
        return TableRead(
            "table4", {}, columns, f"the label '{t4.groups[0].label}' of table 四 was not found"
        )
    index = hit[0]
    while (
        index < len(walker.tokens) and not walker.tokens[index].is_number and (index - hit[0] < 60)
    ):
        index += 1
    nums = walker.numbers_at(index, width)
    line = walker.tokens[index].line if index < len(walker.tokens) else hit[1]
    if len(nums) == width:
        values = [t.number for t in nums if t.number is not None]
        return TableRead("table4", _group_rows(t4.groups, values, n, line), columns)
    per_group = _read_per_group(walker, template, hit[0] - 1)
    if per_group is not None:
        return TableRead("table4", per_group, columns)
    problem = f"expected {width} numbers in table 四, found {len(nums)}"
    if nums and all("." not in t.text for t in nums):
        digits = "".join(t.text for t in nums)
        found = split_digits(digits, width, _row_sum_ok, group=n)
        if len(found) == 1:
            return TableRead(
                "table4", _group_rows(t4.groups, [float(v) for v in found[0]], n, line), columns
            )
        if found:
            rows = {
                g.key: RowRead(
                    g.key,
                    None,
                    line,
                    f"the digits '{digits}' can be read in {len(found)} ways",
                    tuple(found[:3]),
                )
                for g in t4.groups
            }
            return TableRead("table4", rows, columns, ambiguous=tuple(rows))
        problem = f"the digits '{digits}' cannot be split into {width} cells that add up"
    return TableRead("table4", {}, columns, problem)


def _group_rows(
    groups: Sequence[Any], values: Sequence[float], n: int, line: int
) -> dict[str, RowRead]:
    return {
        g.key: RowRead(g.key, tuple(values[i * n : (i + 1) * n]), line)
        for i, g in enumerate(groups)
    }


def _read_per_group(
    walker: Walker, template: ReportTemplate, start: int
) -> dict[str, RowRead] | None:
    t4 = template.table4
    n = len(t4.results)
    rows: dict[str, RowRead] = {}
    pos = start
    for g in t4.groups:
        hit = walker.find(g.label, pos, pos + 40)
        if hit is None:
            return None
        nums = walker.numbers_at(hit[0], n)
        if len(nums) == n:
            values = tuple(t.number for t in nums if t.number is not None)
        elif nums and all("." not in t.text for t in nums):
            found = split_digits("".join(t.text for t in nums), n, _row_sum_ok)
            if len(found) != 1:
                return None
            values = tuple(float(v) for v in found[0])
        else:
            return None
        rows[g.key] = RowRead(g.key, values, hit[1])
        pos = hit[0] + len(nums)
    return rows


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
            index, line = hit
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
