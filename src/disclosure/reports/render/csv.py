"""The report's tables as one CSV file, one line per cell."""

from __future__ import annotations

import csv
import io

from disclosure.reports.figure import format_figure
from disclosure.reports.model import Report


def render_csv(report: Report) -> str:
    """Columns: table, row, row_label, column, column_label, value."""
    tpl = report.template
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["table", "row", "row_label", "column", "column_label", "value"])
    for sub in tpl.table2.subtables:
        for row in sub.rows:
            for col in sub.columns:
                out.writerow(
                    [
                        "table2",
                        row.key,
                        f"{sub.title} {row.label}",
                        col.key,
                        col.label,
                        format_figure(report.table2[row.key][col.key]),
                    ]
                )
    t3 = report.table3
    labels = {c.key: c.label for c in tpl.table3.columns}
    for row in tpl.table3.data_rows:
        for key, value in zip(t3.columns, t3.rows[row.key], strict=True):
            out.writerow(["table3", row.key, row.label, key, labels[key], value])
    t4 = report.table4
    results = {c.key: c.label for c in tpl.table4.results}
    for group in tpl.table4.groups:
        label = f"{group.parent}/{group.label}" if group.parent else group.label
        for key, value in zip(t4.columns, t4.rows[group.key], strict=True):
            out.writerow(["table4", group.key, label, key, results[key], value])
    return buf.getvalue()
