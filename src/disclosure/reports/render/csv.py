"""The report's tables as one CSV file, one line per cell."""

from __future__ import annotations

import csv
import io

from disclosure.reports.figure import format_figure
from disclosure.reports.model import Report
from disclosure.reports.render.layout import joined, row_path, table3_rows


def render_csv(report: Report) -> str:
    """Columns: table, row, row_label, column, column_label, value.

    A cell's labels stand alone, so merged headers and headings are joined in
    as the Markdown report joins them (the template's ``label_join``).
    """
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
                        joined(report, sub.title, row.label),
                        col.key,
                        col.label,
                        format_figure(report.table2[row.key][col.key]),
                    ]
                )
    t3 = report.table3
    labels = {c.key: joined(report, c.group, c.label) for c in tpl.table3.columns}
    for lr in table3_rows(tpl.table3):
        if lr.row.heading:
            continue
        label = row_path(report, lr)
        for key, value in zip(t3.columns, t3.rows[lr.row.key], strict=True):
            out.writerow(["table3", lr.row.key, label, key, labels[key], value])
    t4 = report.table4
    results = {c.key: c.label for c in tpl.table4.results}
    for group in tpl.table4.groups:
        label = joined(report, group.parent, group.label)
        for key, value in zip(t4.columns, t4.rows[group.key], strict=True):
            out.writerow(["table4", group.key, label, key, results[key], value])
    return buf.getvalue()
