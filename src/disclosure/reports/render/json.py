"""The report as one JSON document (for scripts, and for next year's RC-7 check)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from disclosure.reports.model import Report


def report_to_dict(report: Report) -> dict[str, Any]:
    t3, t4 = report.table3, report.table4
    return {
        "year": report.year,
        "format": report.template.id,
        "agency": report.agency,
        "table2": {row: dict(cells) for row, cells in report.table2.items()},
        "table3": {"columns": list(t3.columns), "rows": {k: list(v) for k, v in t3.rows.items()}},
        "table4": {g: dict(zip(t4.columns, v, strict=True)) for g, v in t4.rows.items()},
        "fees": {
            "amount": _num(report.fees.amount),
            "applications": report.fees.applications,
            "by_method": dict(report.fees.by_method),
        },
        "narrative": dict(report.narrative),
        "checks": [c.to_dict() for c in report.checks],
    }


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=2) + "\n"
