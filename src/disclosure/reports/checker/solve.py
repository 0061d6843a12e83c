"""Choose among the readings of glued rows with the table's equations.

A glued row may be cut in several ways that each add up; the column
equations of the table (RC-1, RC-2: 一 + 二 = （七） + 四, （七） = the sum of the
outcome rows) usually leave one combination. The search assigns rows one at
a time and drops a branch as soon as a side of an equation that is fully
known is exceeded by the non-negative partial sum of the other, so it stays
small; it stops at a step budget and at the second solution, because the
checker only needs to know whether the answer is unique.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from disclosure.reports.checker.split import Budget

Equation = tuple[Sequence[str], Sequence[str]]
Values = tuple[float, ...]


@attrs.frozen
class Solution:
    """The readings that fit: exactly one (``chosen``), or several (ambiguous)."""

    chosen: dict[str, Values] | None
    found: tuple[dict[str, Values], ...] = ()
    complete: bool = True


def solve(
    fixed: Mapping[str, Values],
    options: Mapping[str, Sequence[Values]],
    equations: Sequence[Equation],
    width: int,
    budget: Budget,
) -> Solution:
    """Every assignment of ``options`` (row -> candidate values) that satisfies
    every equation together with the ``fixed`` rows (up to two)."""
    names = sorted(options, key=lambda k: len(options[k]))
    known: dict[str, Values] = dict(fixed)
    found: list[dict[str, Values]] = []
    relevant = [
        (left, right)
        for left, right in equations
        if all(k in known or k in options for k in (*left, *right))
    ]
    complete = True

    def consistent() -> bool:
        for left, right in relevant:
            lk = [known[k] for k in left if k in known]
            rk = [known[k] for k in right if k in known]
            l_done, r_done = len(lk) == len(left), len(rk) == len(right)
            for col in range(width):
                ls = sum(v[col] for v in lk)
                rs = sum(v[col] for v in rk)
                if l_done and r_done and ls != rs:
                    return False
                if (l_done and rs > ls) or (r_done and ls > rs):
                    return False  # every cell is a count: partial sums only grow
        return True

    def walk(i: int) -> bool:
        nonlocal complete
        budget.steps -= 1
        if budget.steps <= 0:
            complete = False
            return False
        if i == len(names):
            found.append({k: known[k] for k in names})
            return len(found) < 3
        for values in options[names[i]]:
            known[names[i]] = values
            if consistent() and not walk(i + 1):
                del known[names[i]]
                return False
            del known[names[i]]
        return True

    walk(0)
    chosen = found[0] if len(found) == 1 and complete else None
    return Solution(chosen, tuple(found), complete)
