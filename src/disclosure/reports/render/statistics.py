"""A statistics report (the DOJ Annual FOIA Report) in every built-in format.

Typography comes from the template (heading pattern, period line, labels,
the HTML ``lang``), so nothing here belongs to one regime: tables are
printed with their rows (one per case-field value, then the total) down the
side and the template's columns across. A ranking (the oldest pending items)
is printed after the table the template names, each row as two lines: the
day received and the days pending, one column per place.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape

from disclosure.reports.figure import format_figure
from disclosure.reports.model import Grid
from disclosure.reports.render.markdown import inline
from disclosure.reports.statistics.model import Pending, RankedRows, StatisticsReport
from disclosure.reports.statistics.template import Ranking, StatTable

Block = tuple[StatTable, Grid] | tuple[Ranking, RankedRows]


def _tables(report: StatisticsReport) -> list[tuple[StatTable, Grid]]:
    return [(t, report.tables[t.key]) for t in report.template.tables]


def _blocks(report: StatisticsReport) -> list[Block]:
    """Tables in template order, each ranking after the table it names (else at the end)."""
    rankings = [r for r in report.template.rankings if r.key in report.rankings]
    keys = {t.key for t in report.template.tables}
    out: list[Block] = []
    for table, grid in _tables(report):
        out.append((table, grid))
        out.extend((r, report.rankings[r.key]) for r in rankings if r.after == table.key)
    out.extend((r, report.rankings[r.key]) for r in rankings if r.after not in keys)
    return out


def _place_cells(ranking: Ranking, items: tuple[Pending, ...]) -> tuple[list[str], list[str]]:
    """The two lines of one ranking row: days received and days pending, one cell per place."""
    filled = len(items)
    received = [
        items[i].received.isoformat() if i < filled else ranking.empty
        for i in range(len(ranking.places))
    ]
    days = [
        str(items[i].days_pending) if i < filled else ranking.empty
        for i in range(len(ranking.places))
    ]
    return received, days


def _ranking_lines(
    report: StatisticsReport, ranking: Ranking, ranked: RankedRows
) -> list[list[str]]:
    """Header then body lines of a ranking: row label, line label, one cell per place."""
    lines = [["", "", *ranking.places]]
    for row, items in ranked.rows.items():
        received, days = _place_cells(ranking, items)
        lines.append([_row_label(report, row), ranking.received_label, *received])
        lines.append(["", ranking.days_label, *days])
    return lines


def _row_label(report: StatisticsReport, row: str) -> str:
    return report.row_labels.get(row, row)


def _failures(report: StatisticsReport) -> list[str]:
    return [
        f"{c.id} ({c.severity}): {c.description}: {'; '.join(c.failures)}"
        for c in report.checks
        if not c.passed
    ]


def render_statistics_text(report: StatisticsReport) -> str:
    """Plain text: each table with aligned columns, then any failed check."""
    lines = [report.heading(), report.period_line(), ""]
    for table, grid in _blocks(report):
        if isinstance(table, Ranking):
            assert isinstance(grid, RankedRows)
            lines.append(table.title)
            lines.extend(_aligned(_ranking_lines(report, table, grid), 2))
            if table.note:
                lines.append(table.note)
            lines.append("")
            continue
        assert isinstance(grid, Grid)
        lines.append(table.title)
        header = [""] + [c.label for c in table.columns]
        body = [
            [_row_label(report, row), *(format_figure(v) for v in cells)]
            for row, cells in grid.rows.items()
        ]
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
        for r in [header, *body]:
            lines.append(
                "  ".join(
                    cell.ljust(w) if i == 0 else cell.rjust(w)
                    for i, (cell, w) in enumerate(zip(r, widths, strict=True))
                ).rstrip()
            )
        if table.note:
            lines.append(table.note)
        lines.append("")
    lines.extend(_failures(report))
    return "\n".join(lines).rstrip() + "\n"


def _aligned(rows: list[list[str]], left: int) -> list[str]:
    """Rows of cells padded to their columns: the first ``left`` to the left, the rest right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(w) if i < left else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in rows
    ]


def render_statistics_markdown(report: StatisticsReport) -> str:
    lines = [f"# {inline(report.heading())}", "", inline(report.period_line()), ""]
    for table, grid in _blocks(report):
        if isinstance(table, Ranking):
            assert isinstance(grid, RankedRows)
            lines += [f"## {inline(table.title)}", ""]
            head, *body = _ranking_lines(report, table, grid)
            lines.append("| | | " + " | ".join(inline(c) for c in head[2:]) + " |")
            lines.append("|---|---|" + "---:|" * len(table.places))
            # dates and day counts print as they are, like the tables' numbers
            lines.extend(
                "| "
                + " | ".join(inline(c) if i < 2 or c == table.empty else c for i, c in enumerate(r))
                + " |"
                for r in body
            )
            if table.note:
                lines += ["", inline(table.note)]
            lines.append("")
            continue
        assert isinstance(grid, Grid)
        lines += [f"## {inline(table.title)}", ""]
        lines.append("| | " + " | ".join(inline(c.label) for c in table.columns) + " |")
        lines.append("|---|" + "---:|" * len(table.columns))
        for row, cells in grid.rows.items():
            lines.append(
                f"| {inline(_row_label(report, row))} | "
                + " | ".join(format_figure(v) for v in cells)
                + " |"
            )
        if table.note:
            lines += ["", inline(table.note)]
        lines.append("")
    failures = _failures(report)
    if failures:
        lines += ["## Checks that failed", "", *(f"- {inline(f)}" for f in failures), ""]
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 11pt;
       max-width: 280mm; margin: 0 auto; padding: 10mm; color: #111; }
h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.4em 0; font-size: 9.5pt; }
th, td { border: 1px solid #555; padding: 2px 6px; }
th { background: #eee; font-weight: 600; vertical-align: bottom; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; border-top: 2px solid #111; }
tr.total-more td { font-weight: 600; }
td.date { white-space: nowrap; }
p.note { font-size: 9pt; color: #444; margin: 0.2em 0; }
p.failed { color: #a00; }
"""


def render_statistics_html(report: StatisticsReport) -> str:
    """One self-contained page; the template's language tag on ``<html>``."""
    meta = report.template.template
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(meta.lang)}">',
        '<head><meta charset="utf-8">',
        f"<title>{escape(report.heading())}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{escape(report.heading())}</h1>",
        f"<p>{escape(report.period_line())}</p>",
    ]
    for table, grid in _blocks(report):
        if isinstance(table, Ranking):
            assert isinstance(grid, RankedRows)
            parts.append(f"<h2>{escape(table.title)}</h2><table><thead><tr><th></th><th></th>")
            parts.extend(f"<th>{escape(p)}</th>" for p in table.places)
            parts.append("</tr></thead><tbody>")
            for row, items in grid.rows.items():
                received, days = _place_cells(table, items)
                total = ' class="total"' if row == meta.total_row else ""
                parts.append(
                    f'<tr{total}><td rowspan="2">{escape(_row_label(report, row))}</td>'
                    f"<td>{escape(table.received_label)}</td>"
                )
                parts.extend(f'<td class="num date">{escape(c)}</td>' for c in received)
                more = ' class="total-more"' if total else ""
                parts.append(f"</tr><tr{more}><td>{escape(table.days_label)}</td>")
                parts.extend(f'<td class="num">{escape(c)}</td>' for c in days)
                parts.append("</tr>")
            parts.append("</tbody></table>")
            if table.note:
                parts.append(f'<p class="note">{escape(table.note)}</p>')
            continue
        assert isinstance(grid, Grid)
        parts.append(f"<h2>{escape(table.title)}</h2><table><thead><tr><th></th>")
        parts.extend(f"<th>{escape(c.label)}</th>" for c in table.columns)
        parts.append("</tr></thead><tbody>")
        for row, cells in grid.rows.items():
            total = ' class="total"' if row == meta.total_row else ""
            parts.append(f"<tr{total}><td>{escape(_row_label(report, row))}</td>")
            parts.extend(f'<td class="num">{escape(format_figure(v))}</td>' for v in cells)
            parts.append("</tr>")
        parts.append("</tbody></table>")
        if table.note:
            parts.append(f'<p class="note">{escape(table.note)}</p>')
    parts.extend(f'<p class="failed">{escape(f)}</p>' for f in _failures(report))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render_statistics_csv(report: StatisticsReport) -> str:
    """Columns: table, row, row_label, column, column_label, value (one line per cell).

    A ranking's place ``n`` (1 is the oldest) gives two columns,
    ``place_n_received`` and ``place_n_days_pending``, empty when unfilled.
    """
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["table", "row", "row_label", "column", "column_label", "value"])
    for table, grid in _blocks(report):
        if isinstance(table, Ranking):
            assert isinstance(grid, RankedRows)
            for row, items in grid.rows.items():
                for n, place in enumerate(table.places, start=1):
                    item = items[n - 1] if n <= len(items) else None
                    label = _row_label(report, row)
                    out.writerow(
                        [
                            table.key,
                            row,
                            label,
                            f"place_{n}_received",
                            f"{place}: {table.received_label}",
                            item.received.isoformat() if item else "",
                        ]
                    )
                    out.writerow(
                        [
                            table.key,
                            row,
                            label,
                            f"place_{n}_days_pending",
                            f"{place}: {table.days_label}",
                            item.days_pending if item else "",
                        ]
                    )
            continue
        assert isinstance(grid, Grid)
        for row, cells in grid.rows.items():
            for col, value in zip(table.columns, cells, strict=True):
                out.writerow(
                    [
                        table.key,
                        row,
                        _row_label(report, row),
                        col.key,
                        col.label,
                        format_figure(value),
                    ]
                )
    return buf.getvalue()


def render_statistics_json(report: StatisticsReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
