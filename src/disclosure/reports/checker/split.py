"""Cut a run of glued digits back into table cells, within a fixed budget.

Web pages copied to text run a row's cells together: ``15201032158`` is
152, 0, 1, 0, 3, 2, 158. A row's cells are groups whose last cell is the
sum of the others (a table-三 row is one group of 7, table 四 three groups
of 5), and a number has no leading zero, so only a few cuts fit. The search
fixes a group's first cells and then *derives* its total, so it never
guesses a total; it is bounded by a shared step budget because a long digit
run has astronomically many cuts (60 digits took 148 s before the budget).
"""

from __future__ import annotations

import attrs

#: Steps one report may spend splitting digits (about 0.1-0.2 s of CPU).
REPORT_BUDGET = 200_000
#: More readings than this are not listed one by one.
MAX_READINGS = 24


@attrs.define
class Budget:
    """Search steps left for one report; shared by every split it makes."""

    steps: int = REPORT_BUDGET

    @property
    def spent(self) -> bool:
        return self.steps <= 0


@attrs.frozen
class Split:
    """The readings of one digit run, and whether the search saw them all."""

    readings: tuple[tuple[int, ...], ...]
    complete: bool = True


def split_groups(digits: str, groups: int, width: int, budget: Budget | None = None) -> Split:
    """Every cut of ``digits`` into ``groups`` groups of ``width`` whole numbers
    where each group's last number is the sum of the group's others.

    Stops early, with ``complete=False``, when the budget is spent or more
    than :data:`MAX_READINGS` readings are found.
    """
    budget = budget if budget is not None else Budget()
    found: list[tuple[int, ...]] = []
    acc: list[int] = []
    n = len(digits)
    complete = True

    def walk(pos: int, group: int, in_group: int, partial: int, widest: int) -> bool:
        """False to stop the whole search."""
        nonlocal complete
        budget.steps -= 1
        if budget.steps <= 0 or len(found) > MAX_READINGS:
            complete = False
            return False
        if group == groups:
            if pos == n:
                found.append(tuple(acc))
            return True
        later = (groups - group - 1) * width  # at least one digit per later cell
        if in_group == width - 1:  # the group's total is the sum: derived, not chosen
            total = str(partial)
            if digits.startswith(total, pos) and n - pos - len(total) >= later:
                acc.append(partial)
                ok = walk(pos + len(total), group + 1, 0, 0, 0)
                acc.pop()
                return ok
            return True
        cells_left = width - 1 - in_group  # cells before the total, this one included
        avail = n - pos - later  # digits for this group's remaining cells and its total
        for length in range(1, avail):
            # the other cells need a digit each; the total is as long as its widest cell
            if length + (cells_left - 1) + max(widest, length) > avail:
                break
            piece = digits[pos : pos + length]
            if length > 1 and piece[0] == "0":
                break
            value = int(piece)
            acc.append(value)
            ok = walk(pos + length, group, in_group + 1, partial + value, max(widest, length))
            acc.pop()
            if not ok:
                return False
        return True

    walk(0, 0, 0, 0, 0)
    return Split(tuple(found), complete)


def split_cells(digits: str, parts: int, budget: Budget | None = None) -> Split:
    """Every cut of ``digits`` into ``parts`` whole numbers (no equation to check)."""
    budget = budget if budget is not None else Budget()
    found: list[tuple[int, ...]] = []
    acc: list[int] = []
    complete = True

    def walk(pos: int) -> bool:
        nonlocal complete
        budget.steps -= 1
        if budget.steps <= 0 or len(found) > MAX_READINGS:
            complete = False
            return False
        left = parts - len(acc)
        if left == 0:
            if pos == len(digits):
                found.append(tuple(acc))
            return True
        for length in range(1, len(digits) - pos - (left - 1) + 1):
            piece = digits[pos : pos + length]
            if length > 1 and piece[0] == "0":
                break
            acc.append(int(piece))
            ok = walk(pos + length)
            acc.pop()
            if not ok:
                return False
        return True

    walk(0)
    return Split(tuple(found), complete)
