"""Figures quoted in a report's text, compared with its own tables.

Published reports often say one thing in the text and another in the
tables (the seed report: "1 application received" over a table of zeros).
Each rule finds a figure by its wording and compares it with the cell it
speaks about. Only figures written in Arabic digits are compared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ..report import Grid

if TYPE_CHECKING:
    from . import CheckFinding

#: Words that identify each section heading (the official wording varies by year).
SECTION_KEYWORDS: dict[str, tuple[str, ...]] = {
    "overview": ("总体情况",),
    "proactive": ("主动公开政府信息",),
    "requests": ("收到和处理政府信息公开申请",),
    "reviews": ("行政复议", "行政诉讼"),
    "problems": ("存在的主要问题",),
    "other": ("其他需要报告的事项",),
}

_N = r"(\d+)\s*"


def _total(grid: Grid | None, row: str, column: str = "total") -> float | None:
    if grid is None or row not in grid.rows or column not in grid.columns:
        return None
    return grid.value(row, column)


def _sum(grid: Grid | None, rows: tuple[str, ...]) -> float | None:
    values = [_total(grid, r) for r in rows]
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


# (rule id, what, pattern, value from the tables)
_RULES: list[tuple[str, str, re.Pattern[str], Callable[[Mapping[str, Grid]], float | None]]] = [
    (
        "TXT-1",
        "applications received",
        re.compile(
            r"(?:收到|新收|受理|接收)[^。；;，,\d]{0,10}?(?:政府)?信息公开申请[^。；;\d]{0,4}?"
            + _N
            + "件"
        ),
        lambda g: _total(g.get("table3"), "new"),
    ),
    (
        "TXT-2",
        "applications carried over from last year",
        re.compile(r"上年(?:度)?结转[^。；;\d]{0,12}?" + _N + "件"),
        lambda g: _total(g.get("table3"), "carried_in"),
    ),
    (
        "TXT-3",
        "applications concluded",
        re.compile(r"(?:办结|答复|处理完毕)[^。；;，,\d]{0,8}?" + _N + "件"),
        lambda g: _total(g.get("table3"), "total"),
    ),
    (
        "TXT-4",
        "applications carried into next year",
        re.compile(r"结转(?:至)?下(?:一)?年(?:度)?(?:继续办理)?[^。；;\d]{0,6}?" + _N + "件"),
        lambda g: _total(g.get("table3"), "carried_out"),
    ),
    (
        "TXT-5",
        "administrative reviews",
        re.compile(r"(?:被申请|提起|收到)?行政复议(?:申请)?[^。；;\d]{0,4}?" + _N + "(?:件|起)"),
        lambda g: _total(g.get("table4"), "review"),
    ),
    (
        "TXT-6",
        "lawsuits",
        re.compile(
            r"(?:被提起|提起|被起诉|应诉)?行政诉讼(?:案件)?[^。；;\d]{0,4}?" + _N + "(?:件|起)"
        ),
        lambda g: _sum(g.get("table4"), ("lawsuit_direct", "lawsuit_after_review")),
    ),
]
_NONE_CLAIMS: list[
    tuple[str, str, re.Pattern[str], Callable[[Mapping[str, Grid]], float | None]]
] = [
    (
        "TXT-5",
        "administrative reviews",
        re.compile(r"(?<!尚)(?:未|没有|无)(?:引起|发生|被申请|收到|出现)[^。，,\d]{0,8}?行政复议"),
        lambda g: _total(g.get("table4"), "review"),
    ),
    (
        "TXT-6",
        "lawsuits",
        re.compile(r"(?<!尚)(?:未|没有|无)(?:引起|发生|被提起|收到|出现)[^。，,\d]{0,10}?诉讼"),
        lambda g: _sum(g.get("table4"), ("lawsuit_direct", "lawsuit_after_review")),
    ),
]
_PROACTIVE = re.compile(r"主动公开(?:政府)?信息(?:共)?" + _N + r"条[，,]?其中([^。]*)")
_BREAKDOWN = re.compile(r"(\d+)\s*条")


def text_findings(
    text: str, grids: Mapping[str, Grid], table2: Mapping[str, Mapping[str, float]]
) -> list[CheckFinding]:
    """Compare figures in the text with the tables they describe."""
    from . import CheckFinding

    out: list[CheckFinding] = []
    seen: set[tuple[str, int]] = set()
    for n, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"\s+", "", raw)
        if not line or (line.replace("\t", "").isdigit()):
            continue
        for rule, what, pattern, value in _RULES:
            for m in pattern.finditer(line):
                said = int(m.group(1))
                table = value(grids)
                if table is None or (rule, n) in seen:
                    continue
                seen.add((rule, n))
                # lawsuits are counted with or without those filed after a review
                also = _total(grids.get("table4"), "lawsuit_direct") if rule == "TXT-6" else None
                if said != table and said != also:
                    out.append(
                        CheckFinding(
                            "error",
                            rule,
                            f"the text says {said} {what}, the table says {int(table)}",
                            _table_of(rule),
                            _row_of(rule),
                            "total",
                            n,
                            (float(said), table),
                        )
                    )
        for rule, what, pattern, value in _NONE_CLAIMS:
            if pattern.search(line) and (rule, n) not in seen:
                table = value(grids)
                seen.add((rule, n))
                if table:
                    out.append(
                        CheckFinding(
                            "error",
                            rule,
                            f"the text says there were no {what}, the table says {int(table)}",
                            "table4",
                            None,
                            "total",
                            n,
                            (0.0, table),
                        )
                    )
        proactive = _PROACTIVE.search(line)
        if proactive:
            total = int(proactive.group(1))
            parts = [int(x) for x in _BREAKDOWN.findall(proactive.group(2))]
            if parts and sum(parts) != total:
                out.append(
                    CheckFinding(
                        "error",
                        "TXT-7",
                        f"the text says {total} items were published proactively "
                        f"but its breakdown adds up to "
                        f"{' + '.join(map(str, parts))} = {sum(parts)}",
                        None,
                        None,
                        None,
                        n,
                        (float(total), float(sum(parts))),
                    )
                )
    return out


def _table_of(rule: str) -> str:
    return "table4" if rule in ("TXT-5", "TXT-6") else "table3"


def _row_of(rule: str) -> str:
    return {
        "TXT-1": "new",
        "TXT-2": "carried_in",
        "TXT-3": "total",
        "TXT-4": "carried_out",
        "TXT-5": "review",
        "TXT-6": "lawsuit",
    }[rule]
