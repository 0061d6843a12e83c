"""``disclosure report``: build the annual report from cases and render it."""

from __future__ import annotations

from pathlib import Path

import click

from ._out import print_json

FORMATS = ("text", "markdown", "html", "csv", "json")


@click.group("report")
def report_group() -> None:
    """Annual reports (政府信息公开工作年度报告)."""


@report_group.command("annual")
@click.option("--year", type=click.IntRange(1990, 2100), required=True, help="Report year.")
@click.option(
    "--cases",
    "case_files",
    multiple=True,
    type=click.Path(),
    help="Case file (YAML, JSON or JSON Lines); repeatable.",
)
@click.option(
    "--db",
    "db",
    type=click.Path(),
    default=None,
    envvar="DISCLOSURE_DB",
    help="Case store (SQLite) to read the cases from.",
)
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    help=f"Output format: {', '.join(FORMATS)} (or one a plugin adds).",
)
@click.option(
    "--template", default=None, help="Report template name or file (default: the one for the year)."
)
@click.option(
    "--agency-data",
    type=click.Path(),
    default=None,
    help="YAML with the agency's name, table 二 figures and other values.",
)
@click.option(
    "--narrative",
    type=click.Path(),
    default=None,
    help="Markdown with sections 一, 五 and 六; {{figure}} placeholders are filled in.",
)
@click.option(
    "--previous",
    type=click.Path(),
    default=None,
    help="Last year's report as JSON, for the cross-year check (RC-7).",
)
@click.option("-o", "--output", type=click.Path(), default=None, help="Write to this file.")
@click.option(
    "--explain",
    nargs=2,
    default=None,
    metavar="ROW COL",
    help="List the cases behind one cell (e.g. --explain new natural_person; "
    "table 四: --explain table4.review upheld).",
)
@click.option(
    "--calendar-file",
    "calendar_files",
    multiple=True,
    type=click.Path(),
    help="Extra calendar file or directory (repeatable).",
)
def report_annual(
    year: int,
    case_files: tuple[str, ...],
    db: str | None,
    fmt: str,
    template: str | None,
    agency_data: str | None,
    narrative: str | None,
    previous: str | None,
    output: str | None,
    explain: tuple[str, str] | None,
    calendar_files: tuple[str, ...],
) -> None:
    """Build the annual report for --year from the cases and print or write it.

    Exits 1 when a blocking reconciliation check fails.
    """
    from ..annual import AnnualReportJob
    from ..errors import DisclosureError

    if not case_files and not db:
        raise click.UsageError("give --cases FILE (repeatable) or --db FILE")
    from ._engine import make_engine

    job = AnnualReportJob(make_engine(calendar_files))
    report = job.build(
        year,
        case_files=case_files,
        db=db if not case_files else None,
        template=template,
        agency_data=agency_data,
        narrative=narrative,
        previous=previous,
    )
    if explain is not None:
        from ..report import drill_down

        row, col = explain
        table = "table3"
        if row.startswith("table4."):
            table, row = "table4", row.removeprefix("table4.")
        ids = drill_down(report, table, row, col)
        print_json(
            {"table": table, "row": row, "column": col, "count": len(ids), "cases": list(ids)}
        )
        return
    content = job.render(report, fmt)
    if output:
        try:
            if isinstance(content, bytes):
                Path(output).write_bytes(content)
            else:
                Path(output).write_text(content, encoding="utf-8")
        except OSError as exc:
            raise DisclosureError(f"cannot write {output}: {exc.strerror}") from None
    elif isinstance(content, bytes):
        raise click.UsageError(f"format '{fmt}' is binary: write it with -o FILE")
    else:
        click.echo(content, nl=False)
    failed = [c for c in report.checks if not c.passed]
    if failed:
        for c in failed:
            word = "error" if c.severity == "error" else "warning"
            click.echo(f"{word}: check {c.id} failed: {c.description}", err=True)
            for line in c.failures:
                click.echo(f"  {line}", err=True)
    if report.blocking_failures:
        raise SystemExit(1)
