"""Read table 三 (or any table of labelled rows with a row-sum column).

The table is read in document order, not template order: reports reorder
and break rows. A label owns the numbers on its own line; numbers on a line
with no label of their own ("floating" rows, as PDF extraction leaves them
when a label wraps or two columns interleave) are given to the labels that
have none, first come first served, which is the order the page shows them
in. A glued digit run is cut with the row equation, and the table's column
equations choose among the cuts; what stays open is reported as ambiguous
with its candidate readings, never guessed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from disclosure.reports.checker.labels import Walker, fold_label
from disclosure.reports.checker.reads import RowRead, TableRead
from disclosure.reports.checker.solve import solve
from disclosure.reports.checker.split import Budget, split_cells, split_groups
from disclosure.reports.checker.tokens import Token
from disclosure.reports.template import ReportTemplate, Row

#: How far past the previous row a row's label is looked for first.
WINDOW = 80


def interpret(
    nums: Sequence[Token], width: int, sum_last: bool, budget: Budget
) -> tuple[tuple[float, ...] | None, str, tuple[tuple[int, ...], ...]]:
    """Cells from a run of number tokens: (values, problem, candidate readings)."""
    cells = list(nums)
    while len(cells) > width and cells[-1].blank:
        cells.pop()  # an empty cell past the table's edge
    if len(cells) == width:
        return tuple(t.number for t in cells if t.number is not None), "", ()
    if not cells or len(cells) > width or any(t.blank or "." in t.text for t in cells):
        return None, f"expected {width} numbers, found {len(cells)}", ()
    digits = "".join(t.text for t in cells)
    found = (
        split_groups(digits, 1, width, budget) if sum_last else split_cells(digits, width, budget)
    )
    if len(found.readings) == 1 and found.complete:
        return tuple(float(v) for v in found.readings[0]), "", ()
    if found.readings:
        more = "" if found.complete else " or more"
        return (
            None,
            f"the digits '{digits}' can be cut in {len(found.readings)}{more} ways",
            found.readings,
        )
    if not found.complete:
        return None, f"the digits '{digits}' are too long to cut into {width} cells", ()
    return None, f"the digits '{digits}' cannot be cut into {width} cells that add up", ()


def _excerpt(walker: Walker, start: int, end: int) -> str:
    parts = [t.text for t in walker.tokens[start:end]]
    return "".join(parts)[:60]


class _Hit:
    __slots__ = ("end", "line", "row", "start")

    def __init__(self, row: Row, start: int, end: int, line: int) -> None:
        self.row, self.start, self.end, self.line = row, start, end, line


def _find_hits(walker: Walker, rows: Sequence[Row], start: int, stop: int) -> list[_Hit]:
    hits: list[_Hit] = []
    taken: set[int] = set()
    pos = start
    for row in rows:
        hit = walker.find(row.label, pos, min(stop, pos + WINDOW), avoid=taken)
        if hit is None:  # out of order: look through the whole table
            hit = walker.find(row.label, start, stop, avoid=taken)
        if hit is None:
            continue
        a, b, line = hit
        taken.update(range(a, b))
        hits.append(_Hit(row, a, b, line))
        pos = b
    return sorted(hits, key=lambda h: h.start)


def _floating_groups(walker: Walker, run: list[int], width: int) -> list[list[int]]:
    """Cut a run of number-token indices with no label into rows of cells.

    Lines with several numbers are rows; single numbers on lines of their own
    (Word's one cell per line) are taken ``width`` at a time; a single long
    digit run is a glued row; anything else (a page number) is left out.
    """
    by_line: dict[int, list[int]] = {}
    for i in run:
        by_line.setdefault(walker.tokens[i].line, []).append(i)
    groups: list[list[int]] = []
    singles: list[int] = []

    def flush() -> None:
        if singles and len(singles) % width == 0:
            groups.extend(singles[k : k + width] for k in range(0, len(singles), width))
        elif len(singles) == 1 and len(walker.tokens[singles[0]].text) >= width:
            groups.append(list(singles))
        singles.clear()

    for idx in by_line.values():
        if len(idx) == 1:
            singles.append(idx[0])
            continue
        flush()
        if not all(walker.tokens[i].blank for i in idx):
            groups.append(idx)
    flush()
    return groups


def _unlabelled(walker: Walker, first: int, labels: set[int], cores: str) -> bool:
    """Whether a run of numbers stands on its own: not after text on its line
    other than a label or a piece of one (``x 0 0 0`` belongs to ``x``).

    ``cores`` are the labels' cores, each on its own line (a token's core holds
    no line break, so it is in that text only if it is in one of them)."""
    if first == 0 or first - 1 in labels:
        return True
    prev = walker.tokens[first - 1]
    if prev.is_number or prev.line != walker.tokens[first].line:
        return True
    piece = walker._cores[first - 1]
    return len(piece) >= 2 and piece in cores


def read_rows(
    walker: Walker,
    template: ReportTemplate,
    start: int,
    stop: int,
    budget: Budget,
) -> TableRead:
    """Table 三 between token ``start`` and ``stop``."""
    t3 = template.table3
    width = len(t3.columns)
    sum_last = any(
        c.table == "table3" and c.per == "row" and list(c.left) == [t3.columns[-1].key]
        for c in template.checks
    )
    hits = _find_hits(walker, t3.rows, start, stop)
    label_tokens = {i for h in hits for i in range(h.start, h.end)}
    owned: dict[str, list[int]] = {}
    pending: list[tuple[int, _Hit]] = []  # labels without numbers on their own line
    used: set[int] = set()
    for h in hits:
        at, line = h.end, h.line
        # the rest of a label that wrapped ("…只计这一情形，不" / "计其他情形） 4 0 …")
        while (
            at < min(stop, len(walker.tokens))
            and at - h.end < 2
            and not walker.tokens[at].is_number
            and at not in label_tokens
            and walker._flat[at].endswith(")")  # the end of the label's note
        ):
            line = walker.tokens[at].line
            at += 1
        run = [at + k for k in range(len(walker.numbers_at(at)))]
        same = [i for i in run if walker.tokens[i].line == line]
        if same and h.row.key not in owned:
            owned[h.row.key] = same
            used.update(same)
        elif h.row.key not in owned and not h.row.heading:
            pending.append((h.start, h))
    # numbers no label owns, as runs of consecutive tokens
    runs: list[list[int]] = []
    for i in range(start, min(stop, len(walker.tokens))):
        if walker.tokens[i].number is None or i in used or i in label_tokens:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    cores = "\n".join(fold_label(r.label) for r in t3.rows)  # notes kept: their pieces wrap too
    runs = [r for r in runs if _unlabelled(walker, r[0], label_tokens, cores)]
    floating = [(g[0], g) for run in runs for g in _floating_groups(walker, run, width)]
    moved: set[str] = set()
    events = sorted(
        [(pos, 0, h) for pos, h in pending] + [(pos, 1, g) for pos, g in floating],
        key=lambda e: (e[0], e[1]),
    )
    labels: deque[_Hit] = deque()
    groups: deque[list[int]] = deque()
    for _, kind, item in events:
        if kind == 0:
            labels.append(item)  # type: ignore[arg-type]
        else:
            groups.append(item)  # type: ignore[arg-type]
        while labels and groups:
            h, g = labels.popleft(), groups.popleft()
            if h.row.key in owned:
                groups.appendleft(g)
                continue
            owned[h.row.key] = g
            if g[0] != h.end:
                moved.add(h.row.key)

    found_rows = {h.row.key: h for h in hits}
    # an empty cell is no figure: a table of empty cells is printed blank
    any_numbers = any(t.number is not None and not t.blank for t in walker.tokens[start:stop])
    rows: dict[str, RowRead] = {}
    for row in t3.rows:
        hit = found_rows.get(row.key)
        if row.key in owned:
            idx = owned[row.key]
            nums = [walker.tokens[i] for i in idx]
            values, problem, readings = interpret(nums, width, sum_last, budget)
            excerpt = (
                _excerpt(walker, hit.start, idx[-1] + 1) if hit and row.key not in moved else ""
            )
            line = hit.line if hit else nums[0].line
            rows[row.key] = RowRead(
                row.key, values, line, problem, readings, excerpt, row.key in moved
            )
        elif not row.heading:
            if hit is None:
                rows[row.key] = RowRead(row.key, None, None, f"row '{row.label}' not found")
            elif not any_numbers:
                rows[row.key] = RowRead(row.key, (0.0,) * width, hit.line)
            else:
                rows[row.key] = RowRead(
                    row.key, None, hit.line, f"no figures were found for row '{row.label}'"
                )
    rows, stand_ins = _stand_ins(t3.rows, rows)
    rows, ambiguous = _choose(rows, template, width, budget)
    found = sum(1 for r in rows.values() if r.line is not None)
    unreadable = (
        ""
        if found >= len(t3.data_rows) // 2
        else f"only {found} of {len(t3.data_rows)} rows of table 三 were found"
    )
    return TableRead(
        "table3",
        rows,
        tuple(c.key for c in t3.columns),
        unreadable,
        ambiguous,
        blank=bool(hits) and not any_numbers,
        stand_ins=stand_ins,
    )


def _stand_ins(
    rows: Sequence[Row], read: dict[str, RowRead]
) -> tuple[dict[str, RowRead], dict[str, tuple[str, ...]]]:
    """Headings printed as one row in place of their sub-rows (which are absent).

    Returns the rows in template order, with such a heading kept and its
    absent sub-rows dropped, and heading -> its sub-rows.
    """
    children: dict[str, list[str]] = {}
    for r in rows:
        if r.parent:
            children.setdefault(r.parent, []).append(r.key)
    stand: dict[str, tuple[str, ...]] = {}
    for key, kids in children.items():
        head = read.get(key)
        if head is None or (head.values is None and not head.readings):
            continue
        if all(read.get(k) is None or read[k].line is None for k in kids):
            stand[key] = tuple(kids)
    dropped = {k for kids in stand.values() for k in kids}
    out = {r.key: read[r.key] for r in rows if r.key in read and r.key not in dropped}
    for r in rows:  # headings that do not stand in for anything are not rows of the table
        if r.heading and r.key in out and r.key not in stand:
            del out[r.key]
    return out, stand


def expand(
    values: dict[str, tuple[float, ...]], stand_ins: dict[str, tuple[str, ...]], width: int
) -> dict[str, tuple[float, ...]]:
    """The grid the equations see: a stand-in heading's figures under its first
    sub-row, zeros under the others (their sum is what the equations use)."""
    out = {k: v for k, v in values.items() if k not in stand_ins}
    for head, kids in stand_ins.items():
        if head in values:
            out[kids[0]] = values[head]
            out.update({k: (0.0,) * width for k in kids[1:]})
    return out


def _choose(
    rows: dict[str, RowRead], template: ReportTemplate, width: int, budget: Budget
) -> tuple[dict[str, RowRead], tuple[str, ...]]:
    """Settle rows with several readings by the table's column equations."""
    open_rows = {k: r for k, r in rows.items() if r.values is None and r.readings}
    if not open_rows:
        return rows, ()
    equations = [
        (c.left, c.right)
        for c in template.checks
        if c.table == "table3" and c.per == "column" and c.right
    ]
    fixed = {k: r.values for k, r in rows.items() if r.values is not None}
    options = {k: [tuple(float(v) for v in c) for c in r.readings] for k, r in open_rows.items()}
    result = solve(fixed, options, equations, width, budget)
    out = dict(rows)
    if result.chosen is not None:
        for k, values in result.chosen.items():
            out[k] = RowRead(k, values, rows[k].line, "", (), rows[k].excerpt, rows[k].moved)
        return out, ()
    if result.complete and not result.found:
        return out, tuple(open_rows)  # no combination fits: each row's own readings stand
    for k in open_rows:
        seen = tuple(dict.fromkeys(tuple(int(v) for v in f[k]) for f in result.found))
        if len(seen) == 1 and result.complete:
            out[k] = RowRead(
                k, tuple(float(v) for v in seen[0]), rows[k].line, "", (), rows[k].excerpt
            )
        elif seen:
            out[k] = RowRead(k, None, rows[k].line, rows[k].problem, seen, rows[k].excerpt)
    return out, tuple(k for k in open_rows if out[k].values is None)
