"""Figures quoted in a report's text, compared with its own tables.

Published reports often say one thing in the text and another in the
tables (the seed report: "1 application received" over a table of zeros).
The report template's ``recognize.text_checks`` say how each figure is
worded and which cells it speaks about; this module only applies them, per
sentence (lines that a PDF or a narrow page wrapped are joined first). Only
figures written in Arabic digits are compared.

Real texts hold figures that look like a claim and are not, and these must
not become errors:

- a sentence that quotes the same kind of figure several times with
  different values is a breakdown by category, not a total;
- a figure that counts the carried-over applications too (one side of a
  column equation of the table: 新收 + 上年结转) agrees with the table;
- a "there were none" claim that goes on with a word of one of the table's
  result columns ("no review was *corrected*") is about that result, not
  about the cases.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache

from disclosure.reports.checker.findings import CheckFinding
from disclosure.reports.checker.patterns import holds, required
from disclosure.reports.model import Grid
from disclosure.reports.template import TextCheck

Equation = tuple[Sequence[str], Sequence[str]]
#: Per text check: the check, its figure's expression and the strings its matches
#: hold, its "none" expression and those strings, and the row it speaks of.
_Plan = tuple[
    TextCheck,
    "re.Pattern[str] | None",
    tuple[str, ...],
    "re.Pattern[str] | None",
    tuple[str, ...],
    "str | None",
]
_END = re.compile(r"[。；;!！?？]")
_DIGIT = re.compile(r"\d")


def _sum(grid: Grid | None, rows: Sequence[str]) -> float | None:
    """The sum of the rows' totals, or None when the table lacks one of them."""
    if grid is None or "total" not in grid.columns or any(r not in grid.rows for r in rows):
        return None
    return sum(grid.value(r, "total") for r in rows)


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class Lines:
    """The source line of each character of a sentence (``lines[i]``), kept as
    the line of each piece the sentence was joined from."""

    __slots__ = ("lines", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.lines: list[int] = []

    def __getitem__(self, index: int) -> int:
        return self.lines[bisect.bisect_right(self.starts, index) - 1]


def sentences(text: str) -> Iterator[tuple[str, Lines]]:
    """Sentences without spaces, each with the source line of every character.

    A line that does not end a sentence runs on into the next one (PDF and
    narrow web pages wrap mid-sentence); table rows and blank lines do not.
    """
    chars: list[str] = []
    where = Lines()
    size = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = "".join(raw.split())
        # (a table row: "|" first after any spaces, which ``\s`` and split() agree on)
        if not line or line.isdigit() or line[0] == "|":
            if chars:
                yield "".join(chars), where
                chars, where, size = [], Lines(), 0
            continue
        pos = 0
        for m in _END.finditer(line):
            chars.append(line[pos : m.end()])
            where.starts.append(size)
            where.lines.append(n)
            yield "".join(chars), where
            chars, where, size = [], Lines(), 0
            pos = m.end()
        if pos < len(line):
            chars.append(line[pos:])
            where.starts.append(size)
            where.lines.append(n)
            size += len(line) - pos
    if chars:
        yield "".join(chars), where


def text_findings(
    text: str,
    grids: Mapping[str, Grid],
    checks: Sequence[TextCheck],
    equations: Mapping[str, Sequence[Equation]] | None = None,
    column_words: Mapping[str, Sequence[str]] | None = None,
) -> list[CheckFinding]:
    """Compare figures in the text with the tables they describe.

    ``equations`` (per table, the column equations of the template) give the
    other acceptable readings of a figure; ``column_words`` (per table, the
    labels of its result columns) tell a claim about a result from one about
    the cases.
    """
    out: list[CheckFinding] = []
    accepted: dict[str, tuple[float, set[float]]] = {}
    for check in checks:
        grid = grids.get(check.table)
        table = _sum(grid, check.rows)
        if check.breakdown or table is None:
            continue
        ok = {table}
        if check.also and (also := _sum(grid, check.also)) is not None:
            ok.add(also)
        for left, right in (equations or {}).get(check.table, ()):
            for side in (left, right):
                if set(check.rows) <= set(side) and (s := _sum(grid, side)) is not None:
                    ok.add(s)
        accepted[check.id] = (table, ok)
    # per check, in the checks' order, what each sentence is matched with (compiled once)
    # (and the strings each expression's matches hold: a sentence without them has none)
    plan: list[_Plan] = []
    for c in checks:
        if c.breakdown:
            plan.append((c, None, required(c.breakdown), None, (), None))
        elif c.id in accepted:
            pattern = _compiled(c.pattern) if c.pattern else None
            none = _compiled(c.none) if c.none and accepted[c.id][0] else None
            plan.append(
                (
                    c,
                    pattern,
                    required(c.pattern) if c.pattern else (),
                    none,
                    required(c.none) if none is not None else (),
                    c.rows[0] if len(c.rows) == 1 else None,
                )
            )
    if not plan:  # no table was read and no figure checks itself: nothing to compare
        return out
    # figures need digits: a sentence without any can only make a "none" claim
    no_digits = [p for p in plan if p[3] is not None]
    for sentence, where in sentences(text):
        has_digit = _DIGIT.search(sentence) is not None
        for check, pattern, needs, none, none_needs, row in plan if has_digit else no_digits:
            if check.breakdown:
                if holds(sentence, needs):
                    out.extend(_breakdown(check, sentence, where))
                continue
            table, ok = accepted[check.id]
            found = (
                list(pattern.finditer(sentence))
                if pattern is not None and has_digit and holds(sentence, needs)
                else []
            )
            # several different figures are a breakdown, not a total
            if found and len({int(m.group(1)) for m in found}) == 1:
                m = found[0]
                value = int(m.group(1))
                if value not in ok:
                    out.append(
                        CheckFinding(
                            "error",
                            check.id,
                            f"the text says {value} {check.what}, the table says {int(table)}: "
                            f"«{_quote(sentence, m.start(), m.end())}»",
                            check.table,
                            row,
                            "total",
                            where[m.start(1)],
                            (float(value), table),
                        )
                    )
            elif not found and none is not None:
                claim = none.search(sentence) if holds(sentence, none_needs) else None
                if claim and not _about_a_result(sentence, claim.end(), column_words, check.table):
                    out.append(
                        CheckFinding(
                            "error",
                            check.id,
                            f"the text says there were no {check.what}, the table says "
                            f"{int(table)}: «{_quote(sentence, claim.start(), claim.end())}»",
                            check.table,
                            row,
                            "total",
                            where[claim.start()],
                            (0.0, table),
                        )
                    )
    return out


def _quote(sentence: str, start: int, end: int) -> str:
    """The place in the sentence, with a little context."""
    a, b = max(0, start - 12), min(len(sentence), end + 6)
    return ("…" if a else "") + sentence[a:b] + ("…" if b < len(sentence) else "")


def _about_a_result(
    sentence: str, end: int, column_words: Mapping[str, Sequence[str]] | None, table: str
) -> bool:
    """Whether a "none" claim goes straight on with a word of a result column."""
    after = set(sentence[end : end + 3])
    return any(after & set(word) for word in (column_words or {}).get(table, ()))


def _breakdown(check: TextCheck, sentence: str, where: Lines) -> list[CheckFinding]:
    m = _compiled(check.breakdown).search(sentence)
    if not m:
        return []
    total = int(m.group(1))
    parts = [int(x) for x in _compiled(check.part).findall(m.group(2))]
    if not parts or sum(parts) == total:
        return []
    return [
        CheckFinding(
            "error",
            check.id,
            f"the text says {total} {check.what} but its breakdown adds up to "
            f"{' + '.join(map(str, parts))} = {sum(parts)}",
            None,
            None,
            None,
            where[m.start()],
            (float(total), float(sum(parts))),
        )
    ]
