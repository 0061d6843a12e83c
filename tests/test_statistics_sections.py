"""The DOJ report's backlog, oldest-pending, expedited and appeal-time sections, and the
cross-year check, on small case sets counted by hand on the us-federal calendar.

FY2025 ends on Tuesday 2025-09-30; Labor Day (2025-09-01) and Washington's
Birthday (2025-02-17) are the holidays these scenarios cross.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

from conftest import EXAMPLES, D
from disclosure import Case, Engine, Event
from disclosure.errors import DisclosureError
from disclosure.plugins import Plugins
from disclosure.reports.model import Grid
from disclosure.reports.render import render
from disclosure.reports.statistics import (
    StatisticsReport,
    build_statistics,
    check_documents,
    check_previous_year,
    load_statistics_template,
)

US = EXAMPLES / "us-agency-2025"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(plugins=Plugins.builtin_only(), default_ruleset="us-foia")


def foia(case_id: str, received: str, *events: tuple[Any, ...], component: str = "OIP") -> Case:
    evs = tuple(Event(e[0], D(e[1]), dict(e[2]) if len(e) > 2 else {}) for e in events)
    return Case(
        case_id,
        "other",
        "email",
        D(received),
        evs,
        ruleset="us-foia",
        fields={"component": component},
    )


def build(engine: Engine, cases: list[Case], year: int = 2025, **kw: Any) -> StatisticsReport:
    machine = engine.machine("us-foia")
    tpl = load_statistics_template("us-doj-annual", machine.ruleset)
    return build_statistics(cases, year, tpl, machine, **kw)


def cells(report: StatisticsReport, table: str, row: str = "agency_overall") -> dict[str, Any]:
    grid = report.tables[table]
    return dict(zip(grid.columns, grid.rows[row], strict=True))


PARTIAL = {"disposition": "partial_grant", "exemptions": ["b5"]}

# Received Fri 2025-08-01: day 20 is Fri 2025-08-29, so on 30 September it is overdue.
LATE = foia("A", "2025-08-01")
# Received 2025-09-15: due in October, not yet late.
RECENT = foia("B", "2025-09-15")
# Tolled on 2025-08-05 and never answered: the clock is stopped, so not backlogged.
TOLLED = foia("C", "2025-08-01", ("seek_clarification", "2025-08-05"))
# Extended by ten working days: due 2025-09-15 (Labor Day skipped), still overdue.
EXTENDED = foia(
    "D", "2025-08-01", ("notify_unusual", "2025-08-20", {"working_days": 10}), component="FBI"
)
# An appeal filed 2025-08-01 is due 2025-08-29; one filed 2025-09-22 is not late yet.
LATE_APPEAL = foia(
    "E", "2025-06-02", ("respond", "2025-06-20", PARTIAL), ("appeal_filed", "2025-08-01")
)
RECENT_APPEAL = foia(
    "F", "2025-06-02", ("respond", "2025-06-20", PARTIAL), ("appeal_filed", "2025-09-22")
)
PENDING = [LATE, RECENT, TOLLED, EXTENDED, LATE_APPEAL, RECENT_APPEAL]


def test_the_backlog_is_what_is_pending_past_its_time_limit_at_the_years_end(
    engine: Engine,
) -> None:
    report = build(engine, PENDING)
    assert cells(report, "XII.A") == {"backlogged_requests": 2, "backlogged_appeals": 1}
    assert cells(report, "XII.A", "FBI") == {"backlogged_requests": 1, "backlogged_appeals": 0}
    assert cells(report, "V.A")["pending_end"] == 4
    assert report.sources[("XII.A", "agency_overall", "backlogged_requests")] == ("A", "D")
    # a year earlier nothing of this had been received
    assert cells(build(engine, PENDING, 2024), "XII.A")["backlogged_requests"] == 0


def test_an_agreed_time_frame_or_a_late_toll_does_not_take_a_request_out_of_the_backlog(
    engine: Engine,
) -> None:
    """OIP: "A request is backlogged if it is pending past the FOIA's standard 20- or
    30-day response timeframes" (Guidance on Backlog Reduction Plans)."""
    agreed = foia("G", "2025-06-02", ("agree_timeframe", "2025-06-20", {"due": "2025-12-31"}))
    # 160-odd working days pending when the fee letter went out on 15 September
    tolled_late = foia("H", "2025-01-06", ("seek_fee_clarification", "2025-09-15"))
    # received Mon 2025-08-25: Aug 26-29, Sep 2-5, 8-12, 15-19, 22-26, 29-30 = 25 days
    plain_25 = foia("I", "2025-08-25")
    extended_25 = foia("J", "2025-08-25", ("notify_unusual", "2025-09-10", {"working_days": 10}))
    report = build(engine, [agreed, tolled_late, plain_25, extended_25])
    assert report.sources[("XII.A", "agency_overall", "backlogged_requests")] == ("G", "H", "I")
    assert cells(report, "XII.A")["backlogged_requests"] == 3
    days = {
        c.id: engine.fold(c, D("2025-09-30")).deadlines["response"].elapsed
        for c in (plain_25, extended_25)
    }
    assert days == {"I": 25, "J": 25}


def test_the_oldest_pending_requests_are_ranked_by_receipt_with_their_days(
    engine: Engine,
) -> None:
    report = build(engine, PENDING)
    overall = report.rankings["VII.E"].rows["agency_overall"]
    # Same day of receipt: by case id. A ran 41 working days (Aug 4 to Sep 30 less
    # Labor Day); C stopped after two (Aug 4, 5); the extension does not change D's count.
    assert [(p.case, p.received, p.days_pending) for p in overall] == [
        ("A", D("2025-08-01"), 41),
        ("C", D("2025-08-01"), 2),
        ("D", D("2025-08-01"), 41),
        ("B", D("2025-09-15"), 11),
    ]
    assert [p.case for p in report.rankings["VII.E"].rows["FBI"]] == ["D"]
    appeals = report.rankings["VI.C.(5)"].rows["agency_overall"]
    assert [(p.received, p.days_pending) for p in appeals] == [
        (D("2025-08-01"), 41),
        (D("2025-09-22"), 6),
    ]
    doc = json.loads(render(report, "json"))["rankings"]["VII.E"]
    assert doc["places"][0] == "Oldest" and len(doc["places"]) == 10
    assert doc["rows"]["FBI"] == [{"received": "2025-08-01", "days_pending": 41}]


def test_a_ranking_keeps_only_as_many_places_as_it_has(engine: Engine) -> None:
    many = [foia(f"R{i:02d}", f"2025-09-{i + 1:02d}") for i in range(1, 15)]
    report = build(engine, many)
    ranked = report.rankings["VII.E"].rows["agency_overall"]
    assert len(ranked) == 10 and ranked[0].case == "R01" and ranked[-1].case == "R10"


def test_expedited_processing_counts_decisions_made_in_the_year(engine: Engine) -> None:
    cases = [
        # granted after 7 calendar days, within the ten
        foia(
            "G",
            "2025-03-03",
            ("request_expedite", "2025-03-03"),
            ("decide_expedite", "2025-03-10", {"granted": True}),
        ),
        # denied after 17 days
        foia(
            "H",
            "2025-03-03",
            ("request_expedite", "2025-03-03"),
            ("decide_expedite", "2025-03-20", {"granted": False}),
        ),
        # never decided: the response closed the case, which is no adjudication
        foia(
            "I",
            "2025-03-03",
            ("request_expedite", "2025-03-03"),
            ("respond", "2025-03-21", {"disposition": "full_grant"}),
        ),
        # decided in FY2024
        foia(
            "J",
            "2024-09-16",
            ("request_expedite", "2024-09-16"),
            ("decide_expedite", "2024-09-20", {"granted": True}),
        ),
    ]
    assert cells(build(engine, cases), "VIII.A") == {
        "granted": 1,
        "denied": 1,
        "median_days": 12,
        "average_days": 12,
        "within_ten_days": 1,
    }
    assert cells(build(engine, cases, 2024), "VIII.A")["granted"] == 1


def test_appeal_response_time_counts_working_days_of_processed_appeals(engine: Engine) -> None:
    decided = foia(
        "K",
        "2025-01-06",
        ("respond", "2025-01-27", PARTIAL),
        ("appeal_filed", "2025-02-03"),
        ("appeal_decided", "2025-02-24", {"result": "affirmed"}),
    )
    # Feb 4-7, 10-14, 18-21 (the 17th is Washington's Birthday), 24: 14 working days.
    report = build(engine, [decided, LATE_APPEAL])
    assert cells(report, "VI.C.(4)") == {"median": 14, "average": 14, "lowest": 14, "highest": 14}


# -- the cross-year check -------------------------------------------------------------


def _example(engine: Engine, year: int, previous: StatisticsReport | None = None) -> Any:
    from disclosure.lifecycle.case import load_cases

    return build(engine, list(load_cases(US / "cases.yaml")), year, previous=previous)


def test_last_years_pending_at_end_is_this_years_pending_at_start(engine: Engine) -> None:
    fy2024 = _example(engine, 2024)
    fy2025 = _example(engine, 2025, previous=fy2024)
    results = {c.id: c for c in fy2025.checks}
    assert results["DOJ-6"].passed and not results["DOJ-6"].skipped
    assert results["DOJ-7"].passed and not results["DOJ-7"].skipped
    assert fy2024.tables["V.A"].value("agency_overall", "pending_end") == 24
    assert all(c.passed for c in fy2025.checks)


def test_a_previous_year_that_does_not_carry_over_fails_per_row(engine: Engine) -> None:
    fy2024 = _example(engine, 2024)
    grid = fy2024.tables["V.A"]
    rows = dict(grid.rows)
    rows["Office of Records"] = (*rows["Office of Records"][:3], 99)
    rows["Closed Bureau"] = (0, 1, 0, 1)  # a component that vanished with a request open
    edited = attrs.evolve(fy2024, tables={**fy2024.tables, "V.A": Grid(grid.columns, rows)})
    checked = check_previous_year(_example(engine, 2025), edited)
    doj6 = next(c for c in checked.checks if c.id == "DOJ-6")
    assert not doj6.passed
    assert any(f.startswith("row Office of Records: pending_start = 11") for f in doj6.failures)
    assert any("row Closed Bureau" in f and "= 1" in f for f in doj6.failures)
    assert checked.blocking_failures


def test_the_previous_report_must_be_of_the_year_before(engine: Engine) -> None:
    with pytest.raises(DisclosureError, match="previous report is for 2025, not 2024"):
        check_previous_year(_example(engine, 2025), _example(engine, 2025))


def test_published_json_reports_can_be_checked_across_years(engine: Engine) -> None:
    tpl = load_statistics_template("us-doj-annual")
    before = json.loads(render(_example(engine, 2024), "json"))
    now = json.loads(render(_example(engine, 2025), "json"))
    assert all(r.passed for r in check_documents(tpl, before, now))
    before["tables"]["VI.A"]["rows"]["agency_overall"][3] += 1
    failed = [r.id for r in check_documents(tpl, before, now) if not r.passed]
    assert failed == ["DOJ-7"]


# -- template mistakes --------------------------------------------------------------


def test_every_format_prints_the_rankings(engine: Engine) -> None:
    report = build(engine, PENDING)
    text = render(report, "text")
    assert isinstance(text, str)
    assert "VII.E. Pending requests: ten oldest pending perfected requests" in text
    assert "Date of receipt" in text and "N/A" in text
    csv_text = render(report, "csv")
    assert isinstance(csv_text, str)
    assert "VII.E,FBI,FBI,place_1_received,Oldest: Date of receipt,2025-08-01" in csv_text
    assert "VII.E,FBI,FBI,place_1_days_pending,Oldest: Number of days pending,41" in csv_text
    assert "VII.E,FBI,FBI,place_2_received,2nd: Date of receipt," in csv_text
    html = render(report, "html")
    assert isinstance(html, str) and '<td rowspan="2">FBI</td>' in html
    markdown = render(report, "markdown")
    assert isinstance(markdown, str) and "| FBI | Date of receipt | 2025-08-01 |" in markdown
    # a ranking follows the table it names
    assert text.index("VI.C.(5).") < text.index("VII.A.") < text.index("VII.E.")
