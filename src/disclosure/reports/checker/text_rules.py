"""Figures quoted in a report's text, compared with its own tables.

Published reports often say one thing in the text and another in the
tables (the seed report: "1 application received" over a table of zeros).
The report template's ``recognize.text_checks`` say how each figure is
worded and which cells it speaks about; this module only applies them. Only
figures written in Arabic digits are compared.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from disclosure.reports.checker.findings import CheckFinding
from disclosure.reports.model import Grid
from disclosure.reports.template import TextCheck


def _sum(grid: Grid | None, rows: Sequence[str]) -> float | None:
    """The sum of the rows' totals, or None when the table lacks one of them."""
    if grid is None or "total" not in grid.columns or any(r not in grid.rows for r in rows):
        return None
    return sum(grid.value(r, "total") for r in rows)


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def text_findings(
    text: str, grids: Mapping[str, Grid], checks: Sequence[TextCheck]
) -> list[CheckFinding]:
    """Compare figures in the text with the tables they describe."""
    out: list[CheckFinding] = []
    seen: set[tuple[str, int]] = set()
    for n, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"\s+", "", raw)
        if not line or line.isdigit():
            continue
        for check in checks:
            if check.breakdown:
                out.extend(_breakdown(check, line, n))
                continue
            table = _sum(grids.get(check.table), check.rows)
            if table is None:
                continue
            also = _sum(grids.get(check.table), check.also) if check.also else None
            row = check.rows[0] if len(check.rows) == 1 else None
            for m in _compiled(check.pattern).finditer(line) if check.pattern else ():
                if (check.id, n) in seen:
                    break
                seen.add((check.id, n))
                said = int(m.group(1))
                if said != table and said != also:
                    out.append(
                        CheckFinding(
                            "error",
                            check.id,
                            f"the text says {said} {check.what}, the table says {int(table)}",
                            check.table,
                            row,
                            "total",
                            n,
                            (float(said), table),
                        )
                    )
            if check.none and (check.id, n) not in seen and _compiled(check.none).search(line):
                seen.add((check.id, n))
                if table:
                    out.append(
                        CheckFinding(
                            "error",
                            check.id,
                            f"the text says there were no {check.what}, the "
                            f"table says {int(table)}",
                            check.table,
                            row,
                            "total",
                            n,
                            (0.0, table),
                        )
                    )
    return out


def _breakdown(check: TextCheck, line: str, n: int) -> list[CheckFinding]:
    m = _compiled(check.breakdown).search(line)
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
            n,
            (float(total), float(sum(parts))),
        )
    ]
