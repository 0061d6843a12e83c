"""What the checker reports: one finding per problem in a published report.

Its own module so that the parts of the checker that produce findings
(:mod:`.text_rules`, the package itself) import it without a cycle.
"""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class CheckFinding:
    """One problem in a published report, with where it is and the numbers."""

    severity: str  # "error" or "warning"
    rule: str
    message: str
    table: str | None = None
    row: str | None = None
    column: str | None = None
    line: int | None = None
    numbers: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "line": self.line,
            "numbers": [plain_number(n) for n in self.numbers],
        }


def plain_number(value: float) -> int | float:
    """A figure as JSON and messages show it: whole numbers without ``.0``."""
    return int(value) if float(value).is_integer() else value
