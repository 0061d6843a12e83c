"""Statistics reports: the US DOJ Annual FOIA Report built from cases, as data.

The template (rulesets/statistics/us-doj-annual.yaml) declares the tables,
the fiscal year, the component rows and the checks; these tests hold the
example agency's report to its golden files, check that any generated year
reconciles, and walk the worked scenarios cell by cell.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, D
from disclosure import Case, Engine, Event
from disclosure.annual import AnnualReportJob
from disclosure.cli import cli
from disclosure.errors import TemplateError
from disclosure.plugins import Plugins
from disclosure.reports.render import BUILTIN_RENDERERS, render
from disclosure.reports.statistics import (
    StatisticsReport,
    build_statistics,
    load_statistics_template,
)

US = EXAMPLES / "us-agency-2025"
EXTENSIONS = {"text": "txt", "markdown": "md", "html": "html", "csv": "csv", "json": "json"}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(plugins=Plugins.builtin_only(), default_ruleset="us-foia")


def example() -> StatisticsReport:
    return AnnualReportJob(Engine(plugins=Plugins.builtin_only())).build_statistics(
        2025,
        case_files=[str(US / "cases.yaml")],
        ruleset="us-foia",
        agency="Department of Examples",
    )


def foia(case_id: str, received: str, *events: Event, component: str = "OIP") -> Case:
    return Case(
        case_id,
        "news_media",
        "email",
        D(received),
        tuple(events),
        ruleset="us-foia",
        fields={"component": component},
    )


def cells(report: StatisticsReport, table: str, row: str = "agency_overall") -> dict[str, Any]:
    grid = report.tables[table]
    return dict(zip(grid.columns, grid.rows[row], strict=True))


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_golden_files(fmt: str) -> None:
    """Regenerate after an intended change with DISCLOSURE_UPDATE_GOLDEN=1."""
    out = render(example(), fmt)
    golden = US / "report" / f"report.{EXTENSIONS[fmt]}"
    if os.environ.get("DISCLOSURE_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out if isinstance(out, str) else "", encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
    assert set(EXTENSIONS) == set(BUILTIN_RENDERERS)


def test_the_example_year_reconciles_and_has_the_documented_keys() -> None:
    report = example()
    assert [c.id for c in report.checks] == [f"DOJ-{n}" for n in range(1, 8)]
    assert all(c.passed for c in report.checks)
    # the cross-year checks need last year's report
    assert {c.id for c in report.checks if c.skipped} == {"DOJ-6", "DOJ-7"}
    doc = json.loads(render(report, "json"))
    assert doc["period"] == {"start": "2024-10-01", "end": "2025-09-30"}
    tables = doc["tables"]
    assert list(tables) == [
        "V.A",
        "V.B.(1)",
        "V.B.(3)",
        "VI.A",
        "VI.B",
        "VI.C.(4)",
        "VII.A",
        "VIII.A",
        "XII.A",
    ]
    assert list(doc["rankings"]) == ["VI.C.(5)", "VII.E"]
    assert tables["XII.A"]["columns"] == ["backlogged_requests", "backlogged_appeals"]
    assert tables["VIII.A"]["columns"] == [
        "granted",
        "denied",
        "median_days",
        "average_days",
        "within_ten_days",
    ]
    assert tables["V.A"]["columns"] == ["pending_start", "received", "processed", "pending_end"]
    assert tables["V.B.(1)"]["columns"][-1] == "total"
    assert tables["V.B.(3)"]["columns"][6:12] == ["b7a", "b7b", "b7c", "b7d", "b7e", "b7f"]
    assert tables["VI.B"]["columns"] == [
        "affirmed",
        "partially_affirmed",
        "reversed",
        "closed_other",
        "total",
    ]
    assert tables["VII.A"]["columns"] == ["median", "average", "lowest", "highest"]
    rows = tables["V.A"]["rows"]
    assert list(rows) == ["Field Investigations", "Office of Records", "agency_overall"]
    for column in range(4):  # components add up to the agency
        assert rows["agency_overall"][column] == sum(
            rows[c][column] for c in rows if c != "agency_overall"
        )
    assert rows["agency_overall"][0] > 0 and rows["agency_overall"][3] > 0  # carried both ways
    assert sum(tables["VI.A"]["rows"]["agency_overall"]) > 0


def test_a_request_over_the_fiscal_year_boundary(engine: Engine) -> None:
    """Received in FY2024, answered in FY2025: pending at the start, processed in the year."""
    tpl = load_statistics_template("us-doj-annual", engine.ruleset("us-foia"))
    case = foia("A", "2024-09-20", Event("respond", D("2024-10-10"), {"disposition": "full_grant"}))
    report = build_statistics([case], 2025, tpl, engine.machine("us-foia"))
    assert cells(report, "V.A") == {
        "pending_start": 1,
        "received": 0,
        "processed": 1,
        "pending_end": 0,
    }
    # Sept 23-27, Sept 30-Oct 4, Oct 7-10: 14 working days (Columbus Day is Oct 14).
    assert cells(report, "VII.A") == {"median": 14, "average": 14, "lowest": 14, "highest": 14}
    last_year = build_statistics([case], 2024, tpl, engine.machine("us-foia"))
    assert cells(last_year, "V.A")["pending_end"] == 1


def test_tolled_days_are_not_processing_time_and_exemptions_are_counted_once(
    engine: Engine,
) -> None:
    tpl = load_statistics_template("us-doj-annual", engine.ruleset("us-foia"))
    case = foia(
        "T",
        "2025-07-01",
        Event("seek_clarification", D("2025-07-03")),
        Event("clarification_received", D("2025-07-09")),
        Event(
            "respond", D("2025-07-14"), {"disposition": "partial_grant", "exemptions": ["b5", "b6"]}
        ),
    )
    report = build_statistics([case], 2025, tpl, engine.machine("us-foia"))
    # Jul 2, 3 before the tolling; Jul 10, 11, 14 after it (Jul 4 is a holiday).
    assert cells(report, "VII.A")["median"] == 5
    cited = cells(report, "V.B.(3)")
    assert cited["b5"] == cited["b6"] == 1 and sum(cited.values()) == 2
    assert cells(report, "V.B.(1)")["partial_grants"] == 1


def test_appeals_are_counted_by_their_own_dates(engine: Engine) -> None:
    tpl = load_statistics_template("us-doj-annual", engine.ruleset("us-foia"))
    denied = Event(
        "respond", D("2024-08-20"), {"disposition": "full_denial_exemption", "exemptions": ["b7a"]}
    )
    pending = foia("P", "2024-08-01", denied, Event("appeal_filed", D("2024-09-16")))
    decided = foia(
        "D",
        "2024-08-01",
        denied,
        Event("appeal_filed", D("2024-09-16")),
        Event("appeal_decided", D("2024-10-15"), {"result": "partially_affirmed"}),
        component="FBI",
    )
    report = build_statistics([pending, decided], 2025, tpl, engine.machine("us-foia"))
    assert cells(report, "VI.A") == {
        "pending_start": 2,
        "received": 0,
        "processed": 1,
        "pending_end": 1,
    }
    assert cells(report, "VI.B", "FBI") == {
        "affirmed": 0,
        "partially_affirmed": 1,
        "reversed": 0,
        "closed_other": 0,
        "total": 1,
    }
    assert cells(report, "V.A")["processed"] == 0  # the requests were answered in FY2024
    assert all(c.passed for c in report.checks)


def test_an_appeal_is_dated_by_the_day_it_reached_the_appeal_authority(
    engine: Engine, tmp_path: Path
) -> None:
    """Mailed on 26 September, received on 2 October: an appeal of the next fiscal year."""
    from disclosure import Store

    tpl = load_statistics_template("us-doj-annual", engine.ruleset("us-foia"))
    denied = Event(
        "respond", D("2025-08-20"), {"disposition": "full_denial_exemption", "exemptions": ["b5"]}
    )
    mailed = foia(
        "M",
        "2025-08-01",
        denied,
        Event("appeal_filed", D("2025-09-26"), {"received": "2025-10-02"}),
    )
    machine = engine.machine("us-foia")
    fy2025 = build_statistics([mailed], 2025, tpl, machine)
    fy2026 = build_statistics([mailed], 2026, tpl, machine)
    assert cells(fy2025, "VI.A") == {
        "pending_start": 0,
        "received": 0,
        "processed": 0,
        "pending_end": 0,
    }
    assert cells(fy2026, "VI.A") == {
        "pending_start": 0,
        "received": 1,
        "processed": 0,
        "pending_end": 1,
    }
    oldest = fy2026.rankings["VI.C.(5)"].rows["agency_overall"]
    assert [p.received for p in oldest] == [D("2025-10-02")]
    db = tmp_path / "us.db"
    with Store(db, engine) as store:
        store.import_cases([mailed])
    job = AnnualReportJob(engine)
    for year, built in ((2025, fy2025), (2026, fy2026)):
        from_store = job.build_statistics(year, db=str(db), ruleset="us-foia")
        assert from_store.tables == built.tables and from_store.rankings == built.rankings


def test_a_case_without_a_component_is_counted_on_its_own_row(engine: Engine) -> None:
    tpl = load_statistics_template("us-doj-annual", engine.ruleset("us-foia"))
    case = Case("N", "other", "email", D("2025-01-06"), ruleset="us-foia")
    report = build_statistics([case], 2025, tpl, engine.machine("us-foia"))
    assert list(report.tables["V.A"].rows) == ["unassigned", "agency_overall"]
    assert report.row_labels["unassigned"] == "No component recorded"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("us_cases", US / "make_cases.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATE = _generator().generate


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), count=st.integers(1, 60), year=st.sampled_from([2025, 2026]))
def test_any_generated_year_reconciles(seed: int, count: int, year: int) -> None:
    engine = Engine(plugins=Plugins.builtin_only())
    machine = engine.machine("us-foia")
    tpl = load_statistics_template("us-doj-annual", machine.ruleset)
    report = build_statistics(GENERATE(count, seed), year, tpl, machine)
    assert [c.id for c in report.checks if not c.passed] == []
    va = cells(report, "V.A")
    assert va["pending_start"] + va["received"] == va["processed"] + va["pending_end"]


def test_fiscal_and_calendar_years(engine: Engine) -> None:
    tpl = load_statistics_template("us-doj-annual")
    assert tpl.period(2025) == (dt.date(2024, 10, 1), dt.date(2025, 9, 30))
    calendar_year = tpl.__class__(
        tpl.template.__class__(id="x", ruleset="us-foia", year_start="01-01"), ()
    )
    assert calendar_year.period(2024) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("count: received}", "count: received, sum: true}"), "must say one thing it holds"),
        (("count: open_at_end}", "count: open_at_finish}"), "unknown count 'open_at_finish'"),
        (("statistic: median, clock: response}", "statistic: median}"), "needs the 'clock'"),
        (("statistic: lowest,", "statistic: mode,"), "unknown statistic 'mode'"),
        (("right_table: V.A\n", "right_table: V.Z\n"), "unknown table 'V.Z'"),
        (("rows_by: component", "rows_by: bureau"), "'bureau' is not a case field"),
        (("outcomes: [other.duplicate]", "outcomes: [other.dupe]"), "did you mean"),
        (('year_start: "10-01"', 'year_start: "13-01"'), "not a month-day"),
        (("decided: appeal_decided", "decided: decide_appeal"), "unknown event 'decide_appeal'"),
        # the sections added for issue 14's second part
        (
            ("count: open_at_end, past_limit: response}", "count: received, past_due: response}"),
            "'past_due' narrows",
        ),
        (
            ("count: open_at_end, past_limit: response}", "count: received, past_limit: response}"),
            "'past_limit' narrows",
        ),
        (
            ("past_limit: response}", "past_limit: response, past_due: response}"),
            "'past_due' or 'past_limit', not both",
        ),
        (("past_limit: response}", "past_limit: reponse}"), "unknown clock 'reponse'"),
        (
            ("received_field: received}", "received_field: recieved}"),
            "'recieved' is not a date field of event 'appeal_filed'",
        ),
        (
            ("event: decide_expedite, field: granted, value: true", "event: decide_expedited"),
            "unknown event 'decide_expedited'",
        ),
        (("field: granted, value: false", "field: grant, value: false"), "has no field 'grant'"),
        (("after: VII.A", "after: VII.Z"), "unknown table 'VII.Z'"),
        (('clock: response\n    title: "VII.E', 'clock: reply\n    title: "VII.E'), "'reply'"),
        (("when: clock_completed}", "when: sometimes}"), "unknown 'when' 'sometimes'"),
        (("met: expedite_decision}", "met: expedite_decision, of: appeals}"), "'of' applies"),
        (("of: appeals}", "of: appeal}"), "'appeal' is neither"),
    ],
)
def test_template_mistakes_are_named(
    engine: Engine, tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    from disclosure.documents.builtin import builtin_dir

    text = (builtin_dir() / "statistics" / "us-doj-annual.yaml").read_text(encoding="utf-8")
    assert edit[0] in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(TemplateError, match=message):
        load_statistics_template(bad, engine.ruleset("us-foia"))


def test_cli_builds_the_doj_report_and_refuses_national_options(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["--no-plugins", "report", "annual", "--year", "2025", "--ruleset", "us-foia"]
    cases = ["--cases", str(US / "cases.yaml")]
    result = runner.invoke(cli, [*args, *cases, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["format"] == "us-doj-annual"
    named = runner.invoke(
        cli,
        [
            "--no-plugins",
            "report",
            "annual",
            "--year",
            "2025",
            "--template",
            "us-doj-annual",
            *cases,
            "--format",
            "csv",
        ],
    )
    assert named.exit_code == 0 and named.stdout.startswith("table,row,row_label")
    refused = runner.invoke(cli, [*args, *cases, "--narrative", "x.md"])
    assert refused.exit_code == 2 and "only for the national annual report" in refused.output
    national = runner.invoke(
        cli,
        [
            "--no-plugins",
            "report",
            "annual",
            "--year",
            "2024",
            "--format",
            "json",
            "--cases",
            str(EXAMPLES / "agency-2024" / "cases.yaml"),
        ],
    )
    assert json.loads(national.stdout)["format"] == "cn-annual-2021"


def test_the_html_page_names_its_language(engine: Engine) -> None:
    html = render(example(), "html")
    assert isinstance(html, str) and html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<h1>Department of Examples Annual Freedom of Information Act Report" in html


def test_the_report_from_a_store_equals_the_report_from_the_file(tmp_path: Path) -> None:
    db = str(tmp_path / "us.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--db", db]).exit_code == 0
    imported = runner.invoke(
        cli, ["--no-plugins", "case", "import", str(US / "cases.yaml"), "--db", db]
    )
    assert imported.exit_code == 0, imported.output
    args = ["--no-plugins", "report", "annual", "--year", "2025", "--ruleset", "us-foia"]
    from_db = runner.invoke(cli, [*args, "--db", db, "--format", "json"])
    from_file = runner.invoke(cli, [*args, "--cases", str(US / "cases.yaml"), "--format", "json"])
    assert from_db.exit_code == 0, from_db.output
    assert json.loads(from_db.stdout) == json.loads(from_file.stdout)


def test_cli_runs_the_cross_year_checks_against_last_years_json(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--no-plugins", "report", "annual", "--ruleset", "us-foia"]
    cases = ["--cases", str(US / "cases.yaml"), "--format", "json"]
    last = tmp_path / "fy2024.json"
    made = runner.invoke(cli, [*base, "--year", "2024", *cases, "-o", str(last)])
    assert made.exit_code == 0, made.output

    def cross_year(previous: Path) -> tuple[int, dict[str, Any]]:
        result = runner.invoke(cli, [*base, "--year", "2025", *cases, "--previous", str(previous)])
        doc = json.loads(result.stdout)
        return result.exit_code, {
            c["id"]: c for c in doc["checks"] if c["id"] in ("DOJ-6", "DOJ-7")
        }

    code, checks = cross_year(last)
    assert code == 0 and len(checks) == 2
    assert all(c["passed"] and not c.get("skipped") for c in checks.values())
    edited = json.loads(last.read_text("utf-8"))
    row = edited["tables"]["V.A"]["rows"]["agency_overall"]
    row[-1] += 1  # last year's pending at end, changed by hand
    last.write_text(json.dumps(edited), "utf-8")
    code, checks = cross_year(last)
    assert code == 1 and not checks["DOJ-6"]["passed"]
    wrong = runner.invoke(cli, [*base, "--year", "2026", *cases, "--previous", str(last)])
    assert wrong.exit_code != 0 and "not 2025" in wrong.output


def test_a_store_reads_only_the_cases_a_fiscal_year_can_count(tmp_path: Path) -> None:
    """The store hands the builder a subset (cases ended for good before the year are
    left out), and every year's report is still the one built from all the cases."""
    from disclosure import Store
    from disclosure.annual import AnnualReportJob
    from disclosure.lifecycle.case import load_cases
    from disclosure.plugins import Plugins

    engine = Engine(plugins=Plugins.builtin_only())
    cases = load_cases(US / "cases.yaml")
    db = tmp_path / "us.db"
    with Store(db, engine) as store:
        store.import_cases(cases)
        rs = engine.ruleset("us-foia")
        final = {f"us-foia/{n}" for n, s in rs.states.items() if s.final}
        assert final  # the filter has something to leave out
        job = AnnualReportJob(engine)
        read = {}
        for year in (2024, 2025, 2026):
            tpl_period = (dt.date(year - 1, 10, 1), dt.date(year, 9, 30))
            read[year] = sum(1 for _ in store.iter_cases(period=tpl_period, final_states=final))
            from_store = job.build_statistics(year, db=str(db), ruleset="us-foia")
            from_files = job.build_statistics(
                year, case_files=[str(US / "cases.yaml")], ruleset="us-foia"
            )
            assert from_store.tables == from_files.tables, year
            assert from_store.rankings == from_files.rankings, year
    assert read[2026] < len(cases)  # FY2026 needs fewer cases than the store holds
