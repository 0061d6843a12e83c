"""The annual-report job: resolve the template, read the inputs, build, render.

Shared by the CLI and embedders so that "make the report for a year" means
the same thing everywhere. It sits above :mod:`disclosure.reports` because it
ties the engine (rulesets, calendars, plugins) and the store to a year.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from disclosure.documents import arguments
from disclosure.documents.source import ReadError, read_limited
from disclosure.engine import Engine
from disclosure.errors import DisclosureError, NotFoundError
from disclosure.lifecycle.case import Case, load_cases
from disclosure.reports.build import CaseGroup, build_report
from disclosure.reports.inputs import AgencyData, load_agency_data, read_narrative
from disclosure.reports.model import Report
from disclosure.reports.statistics.model import StatisticsReport

if TYPE_CHECKING:
    from disclosure.reports.build import CaseSummary
    from disclosure.reports.template import ReportTemplate
    from disclosure.store.port import CaseStore

#: Given how many cases a report reads, a context manager yielding ``advance(n)``.
ProgressFactory = Callable[[int], AbstractContextManager[Callable[[int], None]]]


def _ignore(n: int) -> None:
    del n


class AnnualReportJob:
    """Build and render annual reports with one engine's rulesets and renderers.

    ``store_agency`` is the agency whose cases a PostgreSQL store gives
    (a SQLite store holds one agency and needs none).
    """

    def __init__(self, engine: Engine | None = None, *, store_agency: str | None = None) -> None:
        self.engine = engine or Engine()
        self.store_agency = store_agency

    def open_store(self, db: str) -> CaseStore:
        """The existing store ``db`` names (a SQLite path or a PostgreSQL URL)."""
        from disclosure.store.open import open_store

        return open_store(db, self.engine, agency=self.store_agency)

    def cases(self, case_files: Iterable[str] = (), db: str | None = None) -> Iterable[Case]:
        if db is not None:
            return self._stored_cases(db)
        out: list[Case] = []
        for f in case_files:
            out.extend(load_cases(f))
        return out

    def _stored_cases(
        self,
        db: str,
        period: tuple[dt.date, dt.date] | None = None,
        final_states: Collection[str] = (),
    ) -> Iterator[Case]:
        with self.open_store(db) as store:
            yield from store.iter_cases(period=period, final_states=final_states)

    def build(
        self,
        year: int,
        *,
        case_files: Iterable[str] = (),
        db: str | None = None,
        template: str | None = None,
        agency_data: str | None = None,
        narrative: str | None = None,
        previous: str | None = None,
        progress: ProgressFactory | None = None,
        trace: bool = True,
    ) -> Report:
        """The annual report for ``year`` from case files or the store ``db``.

        From a store, only the cases the year needs are read, through its
        indexes, and streamed into the builder. ``progress``, given how many
        cases that is, returns a context manager yielding an ``advance(n)``.
        ``trace`` records the case ids behind each cell (``Report.sources``,
        :func:`~disclosure.drill_down`); without it a busy year's cases are
        counted in the store instead of listed, which is faster.
        """
        year = arguments.year(year)
        case_files = arguments.paths(case_files, "case_files")
        machine = self.engine.machine()
        tpl = self.engine.template(template, year=year)
        if not tpl.covers(year):
            raise DisclosureError(
                f"template {tpl.id} is for the years "
                f"{tpl.template.first_year}-{tpl.template.last_year or ''}, "
                f"not {year} (use --template to override)"
            )
        agency = load_agency_data(agency_data, tpl) if agency_data else None
        texts = read_narrative(narrative, tpl) if narrative else None
        last = _read_previous(previous) if previous else None
        if db is not None:  # the store validated every event when it was appended
            return self._build_from_store(
                db, year, tpl, agency, texts, narrative or "", last, progress, trace
            )
        source = list(self.cases(case_files))
        for case in source:  # full validation: a report is only as good as its logs
            self.engine.fold(case)
        return build_report(
            source,
            year,
            tpl,
            machine,
            agency=agency,
            narrative=texts,
            narrative_source=narrative or "",
            previous=last,
            trace=trace,
        )

    def _build_from_store(
        self,
        db: str,
        year: int,
        tpl: ReportTemplate,
        agency: AgencyData | None,
        texts: Mapping[str, tuple[str, int]] | None,
        narrative: str,
        last: dict[str, Any] | None,
        progress: ProgressFactory | None,
        trace: bool,
    ) -> Report:
        """Stream the cases the year needs from the store into the builder (never a list)."""
        from disclosure.reports.build import report_event_types

        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        pending = [(g.filed, g.decided) for g in tpl.table4.groups]
        with self.open_store(db) as store:
            found = store.period_summaries(
                report_event_types(tpl), start, end, pending=pending, ids=trace
            )
            with progress(found.total) if progress else nullcontext(_ignore) as advance:

                def counted() -> Iterator[CaseSummary | CaseGroup]:
                    done = 0
                    for item in found:
                        yield item
                        done += item.size if isinstance(item, CaseGroup) else 1
                        if done >= 1000:
                            advance(done)
                            done = 0
                    advance(done)

                return build_report(
                    counted(),
                    year,
                    tpl,
                    self.engine.machine(),
                    agency=agency,
                    narrative=texts,
                    narrative_source=narrative,
                    previous=last,
                    trace=trace,
                )

    def build_statistics(
        self,
        year: int,
        *,
        case_files: Iterable[str] = (),
        db: str | None = None,
        template: str | None = None,
        ruleset: str | None = None,
        agency: str = "",
        previous: str | None = None,
    ) -> StatisticsReport:
        """A statistics report (such as the DOJ Annual FOIA Report) for reporting year ``year``.

        The template is ``template`` or the one installed for ``ruleset`` (by
        default the engine's) that covers the year; it names its own ruleset.
        Every case is folded, so a bad log is refused with its error.
        ``previous`` is last year's report as JSON, for the cross-year checks.
        """
        from disclosure.reports.statistics import (
            build_statistics,
            load_statistics_template,
            statistics_template_for,
        )

        year = arguments.year(year)
        case_files = arguments.paths(case_files, "case_files")
        wanted = ruleset or self.engine.default_ruleset
        extra = self.engine.template_dirs  # plugins' templates, found by name too
        name = template or statistics_template_for(wanted, year, extra)
        if name is None:
            raise NotFoundError(
                f"no statistics report template for ruleset '{wanted}' covers {year}"
            )
        probe = load_statistics_template(name, extra=extra)
        machine = self.engine.machine(probe.template.ruleset)
        tpl = load_statistics_template(name, machine.ruleset, extra)
        if not tpl.covers(year):
            meta = tpl.template
            raise DisclosureError(
                f"template {tpl.id} is for the years {meta.first_year or ''}-"
                f"{meta.last_year or ''}, not {year}"
            )
        last = _read_previous(previous) if previous else None
        cases: Iterable[Case]
        if db is not None:  # only the cases that can count in the year are read and folded
            rs = machine.ruleset
            final = {f"{rs.id}/{name}" for name, state in rs.states.items() if state.final}
            cases = self._stored_cases(db, tpl.period(year), final)
        else:
            cases = self.cases(case_files)
        report = build_statistics(cases, year, tpl, machine, agency=agency)
        if last is None:
            return report
        from disclosure.reports.statistics.build import tables_from_dict, with_previous_tables

        try:
            return with_previous_tables(report, int(last["year"]), tables_from_dict(last))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise DisclosureError(
                f"{previous}: not a statistics report JSON document (no year or tables)"
            ) from None

    def render(self, report: Report | StatisticsReport, fmt: str) -> str | bytes:
        from disclosure.reports.render import render

        table = {name: spec.render for name, spec in self.engine.renderers().items()}
        return render(report, fmt, table)


def _read_previous(path: str) -> dict[str, Any]:
    try:
        data = json.loads(read_limited(path).decode("utf-8"))
    except ReadError as exc:
        if exc.reason == "file not found":
            raise NotFoundError(f"{path}: file not found") from None
        raise DisclosureError(f"{path}: {exc.reason}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DisclosureError(f"{path}: not a report JSON document ({exc})") from None
    if not isinstance(data, dict):
        raise DisclosureError(f"{path}: not a report JSON document")
    return data
