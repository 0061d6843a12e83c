"""The annual report: counted from cases, so that it reconciles by construction.

``build_report`` walks the cases once. Each case lands in table 三 by its
receipt and closing dates and its outcome (through the template's rows), in
table 四 by its review and litigation events, and in section 六's fee
paragraph by its fee events. Every cell remembers the case ids behind it
(:mod:`.drilldown`). The template's checks (:mod:`.checks`) run on the
result; built from cases, the blocking ones cannot fail, and the same checks
find errors in published reports.

Owns counting: :class:`CaseSummary` (a case whose conclusion the store
already knows), which events a report reads, and tables 三 and 四 and the
fee summary. The records it returns are in :mod:`.model`; agency data and
the narrative are read by :mod:`.inputs` and filled by :mod:`.narrative`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from disclosure.errors import DisclosureError
from disclosure.lifecycle.case import Case, Event
from disclosure.lifecycle.machine import Machine
from disclosure.reports.checks import run_checks
from disclosure.reports.inputs import AgencyData
from disclosure.reports.model import FeeSummary, Grid, Report
from disclosure.reports.narrative import narrative_sections, report_values
from disclosure.reports.period import positions
from disclosure.reports.template import ReportTemplate


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


@attrs.frozen
class CaseSummary:
    """What a report needs of a case when its conclusion is already known.

    The store keeps outcome and closing day in its projection, so a report
    over a large store reads these instead of folding every log; ``events``
    holds only the events tables 四 and 六 look at (reviews, lawsuits, fees).
    """

    id: str
    applicant: str
    received: dt.date
    outcome: str | None
    closed_on: dt.date | None
    events: tuple[Event, ...] = ()


@attrs.frozen
class CaseGroup:
    """Cases a report counts alike, given as one: a store's answer for a busy year.

    Without review, lawsuit or fee events, a case is counted by its applicant,
    its outcome and where its receipt and closing days lie against the
    period's first and last day (:func:`~.period.positions` compares them with
    nothing else). Cases that share all four are counted once, ``size``
    times; ``received`` and ``closed_on`` are those of any one of them.
    ``ids`` lists the cases, or is empty when the store was asked for counts
    only (a report built without case ids, ``trace=False``): listing a
    million ids costs more than counting them.
    """

    ids: tuple[str, ...]
    applicant: str
    received: dt.date
    outcome: str | None
    closed_on: dt.date | None
    events: tuple[Event, ...] = ()
    size: int = attrs.field(default=attrs.Factory(lambda g: len(g.ids), takes_self=True))


def report_event_types(template: ReportTemplate) -> set[str]:
    """The event types a report reads beyond outcomes (table 四 and fees)."""
    kinds = {t for g in template.table4.groups for t in (g.filed, g.decided)}
    kinds.update(t for t in (template.fees.notice_event, template.fees.paid_event) if t)
    return kinds


def build_report(
    cases: Iterable[Case | CaseSummary | CaseGroup],
    year: int,
    template: ReportTemplate,
    machine: Machine,
    *,
    agency: AgencyData | None = None,
    narrative: Mapping[str, tuple[str, int]] | None = None,
    narrative_source: str = "",
    previous: Report | Mapping[str, Any] | None = None,
    trace: bool = True,
) -> Report:
    """Count ``cases`` into the template's tables for ``year`` and run its checks.

    ``machine`` folds each case to its outcome and closing day (``Machine.fold``).
    ``previous`` is last year's report (or its JSON) for the cross-year check.
    ``trace`` records the case ids behind each cell (``Report.sources``, for
    drill-down); groups then must list their ids.
    """
    start, end = _year_bounds(year)
    t3 = template.table3
    kinds = [c.key for c in t3.columns if not c.sum]
    kind_index = {k: i for i, k in enumerate(kinds)}
    row_of = template.outcome_rows()
    data_rows = [r.key for r in t3.data_rows]
    counts: dict[str, list[int]] = {r: [0] * len(kinds) for r in data_rows}
    count_rows = {r.count: r.key for r in t3.data_rows if r.count}
    sources: dict[tuple[str, str, str], list[str]] = {}
    t4 = template.table4
    t4_counts = {
        g.key: dict.fromkeys((c.key for c in t4.results if not c.sum), 0) for g in t4.groups
    }
    fee_total = Decimal(0)
    fee_cases: dict[str, str] = {}
    defaults = _field_defaults(machine)
    seen: set[str] = set()
    grouped = False

    def hit(row: str | None, col: int, ids: tuple[str, ...], size: int) -> None:
        if row is None:
            return
        counts[row][col] += size
        if trace:
            sources.setdefault(("table3", row, kinds[col]), []).extend(ids)

    for case in cases:
        if isinstance(case, CaseGroup):
            ids, size, grouped = case.ids, case.size, True
            if len(ids) != size and (trace or ids):
                raise DisclosureError(
                    f"a group of {size} case(s) lists {len(ids)} id(s): "
                    + ("a traced report needs every id" if trace else "the group is inconsistent")
                )
        else:
            ids, size = (case.id,), 1
        if ids:  # a group given as a count: its store's key already keeps the ids apart
            _add_new(ids, seen)
        received = case.received
        if received > end:
            continue
        col = kind_index.get(case.applicant)
        if col is None:
            raise DisclosureError(
                f"{_who(ids, size)}: applicant kind '{case.applicant}' has no column "
                f"in {template.id}"
            )
        if isinstance(case, Case):
            folded = machine.fold(case, end)
            outcome, closed_on = folded.outcome, folded.closed_on
        else:
            outcome, closed_on = case.outcome, case.closed_on
            if outcome is not None and outcome not in row_of:
                raise DisclosureError(f"{_who(ids, size)}: unknown outcome code '{outcome}'")
        for position in positions(received, closed_on, start, end):
            hit(count_rows.get(position), col, ids, size)
            if position == "concluded":
                assert outcome is not None
                hit(row_of[outcome], col, ids, size)
        if case.events and not isinstance(case, CaseGroup):
            fee_total += _fees_and_proceedings(
                case,
                template,
                defaults,
                start,
                end,
                t4_counts,
                fee_cases,
                sources if trace else None,
            )
    if grouped and trace:  # a cell's ids in id order, as a stream of single cases gives them
        for ids_of_cell in sources.values():
            ids_of_cell.sort()
    sum_col = next(c.key for c in t3.columns if c.sum)
    columns = tuple(c.key for c in t3.columns)
    sum_index = columns.index(sum_col)
    rows3: dict[str, tuple[int, ...]] = {}
    for key in data_rows:
        by_kind = counts[key]
        full = [*by_kind]
        full.insert(sum_index, sum(by_kind))
        rows3[key] = tuple(full)
        if trace:
            whole_row = [i for k in kinds for i in sources.get(("table3", key, k), [])]
            sources[("table3", key, sum_col)] = whole_row
    table3 = Grid(columns, rows3)
    res_cols = tuple(c.key for c in t4.results)
    rows4: dict[str, tuple[int, ...]] = {}
    for g in t4.groups:
        parts = t4_counts[g.key]
        rows4[g.key] = tuple(sum(parts.values()) if c.sum else parts[c.key] for c in t4.results)
    table4 = Grid(res_cols, rows4)
    by_method: dict[str, int] = {}
    for method in fee_cases.values():
        by_method[method] = by_method.get(method, 0) + 1
    fee = FeeSummary(fee_total, len(fee_cases), by_method)
    agency = agency or AgencyData(
        table2={
            row: {c.key: 0 for c in cols} for row, cols in template.table2.row_columns().items()
        }
    )
    values = report_values(year, agency, table3, table4, fee)
    texts = narrative_sections(template, narrative or {}, values, narrative_source, fee)
    checks = run_checks(
        template, {"table3": table3, "table4": table4}, _previous_grids(previous, template)
    )
    return Report(
        year,
        template,
        agency.agency,
        agency.table2,
        table3,
        table4,
        fee,
        texts,
        tuple(checks),
        values,
        {k: tuple(v) for k, v in sources.items()} if trace else {},
        traced=trace,
    )


def _who(ids: tuple[str, ...], size: int) -> str:
    """Which case an error is about, for its message (a group without ids by its size)."""
    return f"case {ids[0]}" if ids else f"{size} case(s) counted alike"


def _add_new(ids: tuple[str, ...], seen: set[str]) -> None:
    """Add ``ids`` to ``seen``; an id met before is an error (two cases cannot share one)."""
    if len(ids) == 1:
        again = ids[0] if ids[0] in seen else None
    else:
        again = min(seen.intersection(ids), default=None)
        if again is None and len(set(ids)) != len(ids):
            again = next(i for i, n in Counter(ids).items() if n > 1)
    if again is not None:
        raise DisclosureError(f"case id '{again}' appears twice")
    seen.update(ids)


def _field_defaults(machine: Machine) -> dict[tuple[str, str], Any]:
    """(event, field) -> the value the fold fills in when an event leaves the field out.

    Read from the machine's compiled field checks, so ``default_from``
    parameters resolve to this agency's values exactly as in the fold.
    """
    return {
        (event, name): value
        for event, fields in machine.fields.items()
        for name, value in fields.defaults.items()
    }


def _fees_and_proceedings(
    case: Case | CaseSummary,
    template: ReportTemplate,
    defaults: Mapping[tuple[str, str], Any],
    start: dt.date,
    end: dt.date,
    t4_counts: dict[str, dict[str, int]],
    fee_cases: dict[str, str],
    sources: dict[tuple[str, str, str], list[str]] | None,
) -> Decimal:
    fees = template.fees
    groups = template.table4.groups
    total = Decimal(0)
    method = ""
    notice_amount: Any = None
    open_groups: list[tuple[str, str]] = []  # (group key, decided event type)
    for ev in case.events:
        etype = ev.type
        if etype == fees.notice_event:
            method = str(ev.data.get(fees.method_field, ""))
            notice_amount = ev.data.get(fees.amount_field)
        elif etype == fees.paid_event and start <= ev.on <= end:
            amount = ev.data.get(fees.amount_field, notice_amount)
            if amount is not None:
                total += Decimal(str(amount))
            fee_cases[case.id] = method
        for g in groups:
            if etype == g.filed and all(
                ev.data.get(k, defaults.get((etype, k))) == v for k, v in g.when.items()
            ):
                if ev.on <= end:
                    open_groups.append((g.key, g.decided))
                break
            if etype == g.decided:
                if ev.on > end:
                    break  # decided after the year: still pending at 31 December
                for i in range(len(open_groups) - 1, -1, -1):
                    key, decided = open_groups[i]
                    if decided == etype:
                        del open_groups[i]
                        if start <= ev.on <= end:
                            result = str(ev.data.get(g.result_field, "other"))
                            bucket = t4_counts[key]
                            bucket[result if result in bucket else "other"] += 1
                            if sources is not None:
                                sources.setdefault(("table4", key, result), []).append(case.id)
                        break
                break
    for key, _ in open_groups:
        t4_counts[key]["pending"] += 1
        if sources is not None:
            sources.setdefault(("table4", key, "pending"), []).append(case.id)
    return total


def _previous_grids(
    previous: Report | Mapping[str, Any] | None, template: ReportTemplate
) -> dict[str, Grid] | None:
    if previous is None:
        return None
    if isinstance(previous, Report):
        return {"table3": previous.table3, "table4": previous.table4}
    try:
        t3 = previous["table3"]
        return {"table3": Grid(tuple(t3["columns"]), {k: tuple(v) for k, v in t3["rows"].items()})}
    except (KeyError, TypeError) as exc:
        raise DisclosureError(f"previous report: not a report JSON document ({exc})") from None
