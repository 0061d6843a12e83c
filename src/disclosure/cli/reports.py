"""``disclosure report``: build the annual report from cases and render it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from disclosure.cli._engine import agency_settings, calendar_files_option, ruleset_option
from disclosure.cli._out import echo, print_json
from disclosure.cli.completion import complete_formats

if TYPE_CHECKING:
    from disclosure.reports.audit import Check, Outcome
    from disclosure.reports.checker import CheckedReport
    from disclosure.reports.model import Report
    from disclosure.reports.statistics.model import StatisticsReport
    from disclosure.settings import Settings


@click.group("report")
def report_group() -> None:
    """Annual reports: build them from cases, check published ones."""


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
    default="disclosure.db",
    show_default=True,
    envvar="DISCLOSURE_DB",
    metavar="PATH|URL",
    help="Case store (SQLite file or postgresql:// URL) to read the cases from when no "
    "--cases is given (also $DISCLOSURE_DB).",
)
@click.option(
    "--format",
    "fmt",
    default="text",
    shell_complete=complete_formats,
    show_default=True,
    help="Output format, built in or added by a plugin; a name that does not exist "
    "lists those that do.",
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
    help="Last year's report as JSON, for the cross-year checks (RC-7; DOJ-6 and DOJ-7).",
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
@calendar_files_option
@ruleset_option
@click.option(
    "--agency",
    default="",
    envvar="DISCLOSURE_AGENCY",
    help="On a PostgreSQL store, the agency whose cases to report (also $DISCLOSURE_AGENCY). "
    "For case files or a SQLite store, typed here, the agency name on a statistics report; "
    "otherwise that name is agency.name in the settings (the national report prints the "
    "name from --agency-data).",
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
    ruleset: str | None,
    agency: str,
) -> None:
    """Build the annual report for --year from the cases and print or write it.

    The template is --template, or the one for the year of the ruleset's
    regime (--ruleset): the national annual report, or a statistics report
    such as the US DOJ Annual FOIA Report (--year is then the fiscal year).
    Exits 1 when a blocking reconciliation check fails.

    \b
    Examples:
      disclosure report annual --year 2024
      disclosure report annual --year 2024 --cases cases.yaml --format html -o report.html
      disclosure report annual --year 2024 --explain new natural_person
      disclosure report annual --year 2025 --ruleset us-foia --cases foia.yaml --format json
    """
    from disclosure.annual import AnnualReportJob
    from disclosure.cli._engine import make_engine
    from disclosure.errors import DisclosureError
    from disclosure.store.open import is_server_url

    engine = make_engine(ruleset)
    # --agency scopes a PostgreSQL store; a SQLite file is one agency's, so there it
    # only names the agency on a statistics report (the national report refuses it below)
    on_server = db is not None and not case_files and is_server_url(db)
    stored = _stored_settings(db, agency if on_server else "") if db and not case_files else None
    if stored is not None:  # the agency's own settings, kept with its cases, come first
        import attrs

        engine = engine.configured(stored if ruleset is None else attrs.evolve(stored, ruleset=""))
    if explain is None:  # a misspelled format fails before the report is built
        from disclosure.reports.render import check_format

        check_format(fmt, engine.renderers())
    statistics = _wants_statistics(template, engine.default_ruleset, year, engine.template_dirs)
    # typed on the command line for a SQLite store, --agency is refused (it cannot scope
    # one); from $DISCLOSURE_AGENCY, which is for a server, it is left aside
    typed = click.get_current_context().get_parameter_source("agency")
    from_env = typed is click.core.ParameterSource.ENVIRONMENT
    scope = agency if on_server or not (statistics or from_env) else ""
    job = AnnualReportJob(engine, store_agency=scope or None)
    report: Report | StatisticsReport
    if statistics:
        given = [
            name
            for name, value in (
                ("--agency-data", agency_data),
                ("--narrative", narrative),
                ("--explain", explain),
            )
            if value
        ]
        if given:
            raise click.UsageError(
                f"{', '.join(given)}: only for the national annual report, not a statistics report"
            )
        report = job.build_statistics(
            year,
            case_files=case_files,
            db=db if not case_files else None,
            template=template,
            agency=_printed_name(agency, on_server, stored),
            previous=previous,
        )
    else:
        report = job.build(
            year,
            case_files=case_files,
            db=db if not case_files else None,
            template=template,
            agency_data=agency_data,
            narrative=narrative,
            previous=previous,
            trace=explain is not None,  # no renderer prints the ids behind a cell
        )
    if explain is not None:
        from disclosure.reports.model import Report

        assert isinstance(report, Report)
        from disclosure.reports.drilldown import drill_down

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
        echo(content, nl=False)
    failed = [c for c in report.checks if not c.passed]
    if failed:
        for c in failed:
            word = "error" if c.severity == "error" else "warning"
            echo(f"{word}: check {c.id} failed: {c.description}", err=True)
            for line in c.failures:
                echo(f"  {line}", err=True)
    if report.blocking_failures:
        raise SystemExit(1)


def _wants_statistics(
    template: str | None, ruleset: str, year: int, extra: tuple[Path, ...]
) -> bool:
    """A statistics template named, or none named and the agency's regime reports with one
    (its ruleset: --ruleset, else the store's settings, else the settings file's); ``extra``:
    the template folders plugins add."""
    from disclosure.reports.statistics import is_statistics_template, statistics_template_for

    if template is not None:
        return is_statistics_template(template, extra)
    return statistics_template_for(ruleset, year, extra) is not None


def _printed_name(agency: str, on_server: bool, stored: Settings | None) -> str:
    """The agency name a statistics report is headed with.

    ``--agency`` names the report only when typed on the command line for case
    files or a SQLite store. On a server it is the tenant key, and
    ``$DISCLOSURE_AGENCY`` is exported for that (deployment.md), so neither
    may stand in for the name kept in the settings.
    """
    from click.core import ParameterSource

    typed = click.get_current_context().get_parameter_source("agency")
    if agency and typed is ParameterSource.COMMANDLINE and not on_server:
        return agency
    return (stored.name if stored is not None else "") or agency_settings().name


def _stored_settings(db: str, agency: str) -> Settings | None:
    """The settings kept with the agency's cases (``init --ruleset``, ``settings set``)."""
    from disclosure.cli._db import busy_timeout
    from disclosure.store.open import open_store

    with open_store(db, agency=agency or None, timeout=busy_timeout()) as store:
        return store.stored_settings()


@report_group.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--previous",
    type=click.Path(),
    default=None,
    help="Last year's report (any readable form, or its JSON) for RC-7.",
)
@click.option(
    "--format-year",
    type=click.IntRange(1990, 2100),
    default=None,
    help="The report's year, when its title does not say.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--summary",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write one row per report to this file: .csv, .json, or .html (a sortable page "
    "with each report's findings and cells).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes checking files in parallel (default: the number of CPUs).",
)
def report_check(
    paths: tuple[str, ...],
    previous: str | None,
    format_year: int | None,
    as_json: bool,
    summary: str | None,
    jobs: int | None,
) -> None:
    """Check published annual reports (text, HTML, .docx, PDF) for what does not add up.

    Directories are searched for report files. Each file is checked in a worker
    process; a file that cannot be read, or makes its worker fail, is listed
    as unreadable and the run goes on. With --summary the terminal shows only
    the totals. Exits 0 when no report has errors, 1 when any has, 2 when a
    file cannot be read.

    \b
    Examples:
      disclosure report check 2024年政府信息公开工作年度报告.docx
      disclosure report check reports/ --summary audit.html --jobs 2
      disclosure report check report.pdf --json
    """
    import json as jsonlib

    from disclosure.documents.source import read_limited
    from disclosure.errors import DisclosureError
    from disclosure.reports import audit
    from disclosure.reports.checker import CheckedReport, check_file

    if summary and Path(summary).suffix.lower() not in audit.SUMMARY_SUFFIXES:
        raise click.BadParameter(
            f"'{summary}': the summary is written as .csv, .json or .html", param_hint="--summary"
        )
    if summary and not Path(summary).absolute().parent.is_dir():  # fail before the long run
        raise click.BadParameter(f"'{summary}': no such folder", param_hint="--summary")
    files = audit.find_reports(paths)
    if summary:  # a summary page written into a checked folder is not a report
        files = [f for f in files if f.resolve() != Path(summary).resolve()]
    if not files:  # a mistyped folder must not pass as a clean audit
        kinds = ", ".join(sorted(audit.REPORT_SUFFIXES))
        echo(f"error: no report files ({kinds}) in {', '.join(paths)}", err=True)
        raise SystemExit(2)
    last: CheckedReport | dict[str, object] | None = None
    if previous:
        prev = Path(previous)
        try:
            last = (
                jsonlib.loads(read_limited(prev).decode("utf-8"))
                if prev.suffix == ".json"
                else check_file(prev)
            )
        except (OSError, ValueError, ImportError) as exc:
            echo(f"error: {previous}: cannot read: {audit.one_line(exc)}", err=True)
            raise SystemExit(2) from None
    outcomes = _check_with_progress(
        files, audit.checker(last, format_year), jobs or audit.default_jobs()
    )
    results = [o for o in outcomes if isinstance(o, CheckedReport)]
    unreadable = {o.source: o.reason for o in outcomes if isinstance(o, audit.Unreadable)}
    if summary:
        if Path(summary).suffix.lower() == ".csv":
            text = audit.summary_csv(outcomes)
        elif Path(summary).suffix.lower() == ".json":
            text = audit.summary_json(outcomes)
        else:
            from disclosure.reports.audit_html import summary_html

            text = summary_html(outcomes)
        try:
            Path(summary).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise DisclosureError(f"cannot write {summary}: {exc.strerror or exc}") from None
    if as_json:
        print_json(
            {
                "reports": [r.to_dict() for r in results],
                "unreadable": [{"source": k, "reason": v} for k, v in unreadable.items()],
            }
        )
    elif summary:
        t = audit.totals(outcomes)
        echo(
            f"{t['reports']} reports checked: {t['clean']} clean, {t['warnings']} with warnings "
            f"only, {t['errors']} with errors, {t['unreadable']} unreadable; summary: {summary}"
        )
    else:
        _show_checks(results, unreadable)
    if unreadable:
        raise SystemExit(2)
    if any(r.errors for r in results):
        raise SystemExit(1)


def _check_with_progress(files: list[Path], check: Check, jobs: int) -> list[Outcome]:
    """Check the files in parallel, with a progress bar when stderr is a terminal."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from disclosure.reports.audit import check_many

    err = Console(stderr=True)
    if len(files) < 2 or not err.is_terminal:  # pipes and logs get no bar
        return check_many(files, jobs=jobs, check=check)
    with Progress(
        TextColumn("checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("check", total=len(files))
        return check_many(files, jobs=jobs, check=check, on_done=lambda _: bar.advance(task))


def _show_checks(results: list[CheckedReport], unreadable: dict[str, str]) -> None:
    from rich.table import Table
    from rich.text import Text

    from disclosure.cli._out import console, esc

    out = console()
    table = Table(title="Annual reports checked", title_justify="left")
    for col in ("file", "agency", "year", "format", "errors", "warnings"):
        table.add_column(col)
    for r in results:
        errors, warnings = len(r.errors), len(r.warnings)
        table.add_row(
            r.source,
            r.agency or "?",
            str(r.year or "?"),
            r.format,
            Text(str(errors), style="bold red") if errors else "0",
            str(warnings),
        )
    for source, reason in unreadable.items():
        table.add_row(source, "", "", "", Text("unreadable", style="bold red"), reason)
    out.print(table)
    for r in results:
        if not r.findings:
            continue
        out.print(f"\n[bold]{esc(r.source)}[/bold]", markup=True)
        for f in r.findings:
            where = "/".join(x for x in (f.table, f.row, f.column) if x)
            line = f" line {f.line}" if f.line else ""
            style = "bold red" if f.severity == "error" else "yellow"
            out.print(
                f"  [{style}]{esc(f.severity)}[/{style}] {esc(f.rule)}{line}"
                f"{' ' + esc(where) if where else ''}: {esc(f.message)}",
                highlight=False,
                markup=True,
            )
