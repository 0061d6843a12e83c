"""Statistics templates: tables of counts and times per value of a case field, as data.

The national annual report has a fixed shape (tables 二, 三, 四 and a fee
paragraph). Other regimes report differently: the US DOJ Annual FOIA Report
gives, for each agency component and for the agency overall, tables of
requests pending, received and processed, dispositions, exemptions cited,
appeals and processing times, over a fiscal year. A statistics template
declares such tables: what each column counts, the period, the row
dimension and the reconciliation checks. Nothing regime-specific is in code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs

from disclosure.documents.source import Positions
from disclosure.documents.structure import load_checked, make_converter
from disclosure.errors import Problem, TemplateError, did_you_mean
from disclosure.reports.period import POSITIONS
from disclosure.reports.template import Check, check_checks
from disclosure.rules.model import Ruleset

#: Statistics a column can give over a clock's elapsed days.
STATISTICS = ("median", "average", "lowest", "highest")
#: What the cases themselves are, as a proceeding (received → closed).
REQUESTS = "requests"
#: Which clocks a statistic samples: those of requests (or proceedings)
#: concluded in the period, or every run of the clock completed in the period
#: (a decision inside a case, such as one on expedited processing).
SAMPLED_WHEN = ("concluded", "clock_completed")


@attrs.frozen
class StatisticsMeta:
    id: str
    ruleset: str
    title: str = ""
    instrument: str = ""
    first_year: int | None = None
    last_year: int | None = None
    #: Language tag of the labels (HTML ``lang``).
    lang: str = "en"
    #: Month-day the reporting year starts ("10-01": year Y runs from 1 October
    #: of Y-1 to 30 September of Y; "01-01": the calendar year).
    year_start: str = "01-01"
    #: The report's heading and period line: ``{agency}``, ``{title}``,
    #: ``{year}``, ``{start}``, ``{end}``.
    heading: str = "{agency} {title} {year}"
    period_text: str = "{start} – {end}"
    #: The case field whose values are the rows, and the row that totals them.
    rows_by: str = ""
    total_row: str = "total"
    total_label: str = "Total"
    #: The row for cases without a value in ``rows_by``.
    unassigned_row: str = "unassigned"
    unassigned_label: str = "Unassigned"


@attrs.frozen
class Proceeding:
    """Something with its own received and closed days inside a case (an appeal).

    ``filed`` opens one, ``decided`` closes the latest open one, and
    ``result_field`` of the deciding event says how it ended.
    ``received_field``, a date field of the filing event, gives the day the
    proceeding was received when it is not the day it was filed (an appeal
    mailed in September may reach the appeal authority in October).
    """

    filed: str
    decided: str
    result_field: str = ""
    received_field: str = ""


@attrs.frozen
class Cites:
    """Concluded requests whose closing data list ``value`` in ``field``."""

    field: str
    value: str


@attrs.frozen
class EventMatch:
    """Events of one type dated in the period, optionally only those whose
    ``field`` holds ``value`` (``decide_expedite`` with ``granted: true``)."""

    event: str
    field: str | None = None
    value: Any = None


@attrs.frozen
class Measure:
    """One column: exactly one of ``count``, ``outcomes``, ``cites``, ``results``,
    ``statistic``, ``events``, ``met`` or ``sum`` says what it holds.

    ``of`` counts another kind of item than the table's (a backlog table
    gives requests and appeals side by side); ``past_due`` narrows a count to
    items whose clock was overdue on the period's last day, ``past_limit`` to
    items whose clock had counted more units than its limit by then (paused
    days left out; a due date replaced by another, agreed one, does not
    change the limit); ``when`` says which clock runs a statistic samples.
    """

    key: str
    label: str
    count: str | None = None
    outcomes: tuple[str, ...] = ()
    cites: Cites | None = None
    results: tuple[str, ...] = ()
    statistic: str | None = None
    clock: str | None = None
    sum: bool = False
    events: EventMatch | None = None
    #: Runs of this clock completed in the period by their due day.
    met: str | None = None
    of: str | None = None
    past_due: str | None = None
    past_limit: str | None = None
    when: str = "concluded"

    def case_level(self) -> bool:
        """Whether the column reads the whole case log rather than one request or proceeding."""
        return (
            self.events is not None
            or self.met is not None
            or (self.statistic is not None and self.when == "clock_completed")
        )


@attrs.frozen
class StatTable:
    key: str
    title: str
    columns: tuple[Measure, ...]
    #: ``requests`` (the cases) or the name of a proceeding (``appeals``).
    of: str = REQUESTS
    note: str = ""
    #: Where the table and its definitions come from (not rendered).
    basis: str = ""


@attrs.frozen
class Ranking:
    """The oldest items still pending at the period's end, per row.

    ``places`` labels the places, the oldest first; there are as many places
    as labels (ten for the DOJ report). Each place gives the day the item was
    received and the days it had been pending, as ``clock`` counts them on the
    period's last day.
    """

    key: str
    title: str
    clock: str
    places: tuple[str, ...]
    of: str = REQUESTS
    #: The table it is printed after (at the end when empty).
    after: str = ""
    received_label: str = "Received"
    days_label: str = "Days pending"
    #: What an unfilled place shows.
    empty: str = ""
    note: str = ""
    basis: str = ""


@attrs.frozen
class StatisticsTemplate:
    template: StatisticsMeta
    tables: tuple[StatTable, ...]
    proceedings: Mapping[str, Proceeding] = attrs.field(factory=dict)
    rankings: tuple[Ranking, ...] = ()
    checks: tuple[Check, ...] = ()
    source: str = attrs.field(default="", eq=False)

    @property
    def id(self) -> str:
        return self.template.id

    def covers(self, year: int) -> bool:
        meta = self.template
        return (meta.first_year is None or year >= meta.first_year) and (
            meta.last_year is None or year <= meta.last_year
        )

    def period(self, year: int) -> tuple[dt.date, dt.date]:
        """First and last day of reporting year ``year`` (it ends in ``year``)."""
        month, day = (int(part) for part in self.template.year_start.split("-"))
        if (month, day) == (1, 1):
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        start = dt.date(year - 1, month, day)
        return start, dt.date(year, month, day) - dt.timedelta(days=1)


def statistics_dir() -> Path:
    from disclosure.documents.builtin import builtin_dir

    return builtin_dir() / "statistics"


def builtin_statistics(extra: Iterable[Path] = ()) -> dict[str, Path]:
    """Statistics template name (file stem) to path: built-in ones, then extra files or dirs.

    A plugin's template folder may hold annual-report templates too: of the
    extra files, only those with ``tables`` are statistics templates.
    """
    from disclosure.documents.builtin import documents_by_name

    found = documents_by_name((statistics_dir(), *extra), (".yaml",))
    home = statistics_dir().resolve()
    return {n: p for n, p in found.items() if p.resolve().parent == home or _has_tables(p)}


def _has_tables(path: Path) -> bool:
    """Whether the template file at ``path`` is a statistics template."""
    from disclosure.documents.source import load_file
    from disclosure.errors import DocumentError

    try:
        data = load_file(path, "report template").data
    except DocumentError:
        return False  # the annual loader will say what is wrong with it
    return isinstance(data, dict) and "tables" in data


@lru_cache(maxsize=1)
def _converter() -> Any:
    from cattrs.gen import make_dict_structure_fn, override

    conv = make_converter()
    conv.register_structure_hook(
        StatisticsTemplate,
        make_dict_structure_fn(StatisticsTemplate, conv, source=override(omit=True)),
    )
    return conv


def load_statistics_template(
    name_or_path: str | Path, ruleset: Ruleset | None = None, extra: Iterable[Path] = ()
) -> StatisticsTemplate:
    """Load a statistics template and check it (against ``ruleset`` when given)."""
    from disclosure.documents.builtin import template_path

    path = template_path(name_or_path, lambda: builtin_statistics(extra), "statistics template")
    tpl, _ = load_checked(
        path,
        StatisticsTemplate,
        _converter(),
        "statistics template",
        TemplateError,
        lambda t, pos: check_statistics_template(t, pos, ruleset),
    )
    return attrs.evolve(tpl, source=str(path))


def is_statistics_template(name_or_path: str, extra: Iterable[Path] = ()) -> bool:
    """Whether a template name or file is a statistics template (it has ``tables``)."""
    if name_or_path in builtin_statistics(extra):
        return True
    path = Path(name_or_path)
    return bool(path.suffix) and path.is_file() and _has_tables(path)


def statistics_template_for(ruleset: str, year: int, extra: Iterable[Path] = ()) -> str | None:
    """The statistics template for ``ruleset`` that covers ``year``, if one is installed."""
    for name, path in builtin_statistics(extra).items():
        tpl = load_statistics_template(path)
        if tpl.template.ruleset == ruleset and tpl.covers(year):
            return name
    return None


def check_statistics_template(
    tpl: StatisticsTemplate, pos: Positions, ruleset: Ruleset | None = None
) -> list[Problem]:
    """Each column says one thing it holds; names exist; checks name real columns."""
    problems: list[Problem] = []

    def add(path: tuple[str | int, ...], message: str, hint: str = "") -> None:
        problems.append(pos.problem(path, message, hint))

    start = tpl.template.year_start
    parts = start.split("-")
    try:
        dt.date(2001, int(parts[0]), int(parts[1]))
        if len(parts) != 2:
            raise ValueError
    except (ValueError, IndexError):
        add(("template", "year_start"), f"'{start}' is not a month-day such as 10-01")
    keys = [t.key for t in tpl.tables] + [r.key for r in tpl.rankings]
    kinds = [REQUESTS, *tpl.proceedings]

    def known_kind(path: tuple[str | int, ...], of: str) -> bool:
        if of in kinds:
            return True
        add(path, f"'{of}' is neither '{REQUESTS}' nor a proceeding", did_you_mean(of, kinds))
        return False

    for i, table in enumerate(tpl.tables):
        path: tuple[str | int, ...] = ("tables", i)
        if keys.count(table.key) > 1:
            add((*path, "key"), f"table '{table.key}' is defined more than once")
        known_kind((*path, "of"), table.of)
        columns = [c.key for c in table.columns]
        for j, col in enumerate(table.columns):
            cpath = (*path, "columns", j)
            if columns.count(col.key) > 1:
                add((*cpath, "key"), f"column '{col.key}' is defined more than once")
            given = [
                name
                for name, value in (
                    ("count", col.count),
                    ("outcomes", col.outcomes),
                    ("cites", col.cites),
                    ("results", col.results),
                    ("statistic", col.statistic),
                    ("events", col.events),
                    ("met", col.met),
                    ("sum", col.sum),
                )
                if value
            ]
            if len(given) != 1:
                add(
                    cpath,
                    f"column '{col.key}' must say one thing it holds "
                    f"(count, outcomes, cites, results, statistic, events, met or sum), not "
                    f"{', '.join(given) or 'nothing'}",
                )
            of = col.of if col.of is not None else table.of
            if col.of is not None:
                known_kind((*cpath, "of"), col.of)
                if col.case_level() or col.sum:
                    add((*cpath, "of"), "'of' applies to counts, outcomes, cites and results")
            if col.past_due is not None and col.count != "open_at_end":
                add(
                    (*cpath, "past_due"),
                    "'past_due' narrows 'count: open_at_end' (items overdue at the period's end)",
                )
            if col.past_limit is not None and col.count != "open_at_end":
                add(
                    (*cpath, "past_limit"),
                    "'past_limit' narrows 'count: open_at_end' (items beyond their clock's "
                    "limit at the period's end)",
                )
            if col.past_due is not None and col.past_limit is not None:
                add((*cpath, "past_limit"), "give 'past_due' or 'past_limit', not both")
            if col.when not in SAMPLED_WHEN:
                add(
                    (*cpath, "when"),
                    f"unknown 'when' '{col.when}'",
                    did_you_mean(col.when, SAMPLED_WHEN),
                )
            elif col.when != "concluded" and col.statistic is None:
                add((*cpath, "when"), "'when' says which clock runs a statistic samples")
            if col.count is not None and col.count not in POSITIONS:
                add(
                    (*cpath, "count"),
                    f"unknown count '{col.count}'",
                    did_you_mean(col.count, POSITIONS),
                )
            if col.statistic is not None:
                if col.statistic not in STATISTICS:
                    add(
                        (*cpath, "statistic"),
                        f"unknown statistic '{col.statistic}'",
                        did_you_mean(col.statistic, STATISTICS),
                    )
                if col.clock is None:
                    add(cpath, "a statistic needs the 'clock' whose elapsed days it summarises")
            if (col.outcomes or col.cites or col.case_level()) and of != REQUESTS:
                add(cpath, "outcomes, cites, events and clock runs are of requests")
            if col.results and of == REQUESTS:
                add(cpath, "'results' counts how a proceeding ended; give the table 'of'")
            if ruleset is not None:
                _check_names(col, ruleset, cpath, add)
    for i, ranking in enumerate(tpl.rankings):
        path = ("rankings", i)
        if keys.count(ranking.key) > 1:
            add((*path, "key"), f"table '{ranking.key}' is defined more than once")
        known_kind((*path, "of"), ranking.of)
        if not ranking.places:
            add((*path, "places"), "a ranking needs at least one place")
        if ranking.after and ranking.after not in keys:
            add(
                (*path, "after"),
                f"unknown table '{ranking.after}'",
                did_you_mean(ranking.after, keys),
            )
        if ruleset is not None and ranking.clock not in ruleset.clocks:
            add(
                (*path, "clock"),
                f"unknown clock '{ranking.clock}'",
                did_you_mean(ranking.clock, ruleset.clocks),
            )
    tables: dict[str, tuple[Sequence[str] | None, Sequence[str]]] = {
        t.key: (None, [c.key for c in t.columns]) for t in tpl.tables
    }
    problems.extend(check_checks(tpl.checks, tables, pos))
    if ruleset is not None:
        if tpl.template.rows_by and tpl.template.rows_by not in ruleset.case_fields:
            add(
                ("template", "rows_by"),
                f"'{tpl.template.rows_by}' is not a case field of ruleset {ruleset.id}",
                did_you_mean(tpl.template.rows_by, ruleset.case_fields),
            )
        for name, proc in tpl.proceedings.items():
            for side in ("filed", "decided"):
                event = getattr(proc, side)
                if event not in ruleset.events:
                    add(
                        ("proceedings", name, side),
                        f"unknown event '{event}'",
                        did_you_mean(event, ruleset.events),
                    )
            filed = ruleset.events.get(proc.filed)
            if proc.received_field and filed is not None:
                spec = filed.fields.get(proc.received_field)
                if spec is None or spec.type != "date":
                    add(
                        ("proceedings", name, "received_field"),
                        f"'{proc.received_field}' is not a date field of event '{proc.filed}'",
                        did_you_mean(
                            proc.received_field,
                            [f for f, sp in filed.fields.items() if sp.type == "date"],
                        ),
                    )
    return problems


def _check_names(col: Measure, ruleset: Ruleset, path: tuple[str | int, ...], add: Any) -> None:
    known = [*ruleset.outcomes, *ruleset.outcome_groups]
    for k, code in enumerate(col.outcomes):
        if code not in known:
            add(
                (*path, "outcomes", k),
                f"'{code}' is neither an outcome nor a group",
                did_you_mean(code, known),
            )
    for key in ("clock", "met", "past_due", "past_limit"):
        clock = getattr(col, key)
        if clock is not None and clock not in ruleset.clocks:
            add((*path, key), f"unknown clock '{clock}'", did_you_mean(clock, ruleset.clocks))
    if col.events is not None:
        match = col.events
        event = ruleset.events.get(match.event)
        if event is None:
            add(
                (*path, "events", "event"),
                f"unknown event '{match.event}'",
                did_you_mean(match.event, ruleset.events),
            )
        elif match.field is not None and match.field not in event.fields:
            add(
                (*path, "events", "field"),
                f"event '{match.event}' has no field '{match.field}'",
                did_you_mean(match.field, event.fields),
            )
    if col.cites is not None and not any(
        col.cites.field in ev.fields for ev in ruleset.events.values()
    ):
        add(
            (*path, "cites", "field"),
            f"no event of ruleset {ruleset.id} has a field '{col.cites.field}'",
        )
