"""The annual report: counted from cases, reconciled by construction, rendered."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, D, make_case
from disclosure import Case, DocumentError, Event, load_cases
from disclosure.annual import AnnualReportJob
from disclosure.reports.build import build_report
from disclosure.reports.drilldown import drill_down
from disclosure.reports.inputs import load_agency_data, read_narrative
from disclosure.reports.render import BUILTIN_RENDERERS, render
from disclosure.reports.template import TemplateError, load_template

EXTENSIONS = {"text": "txt", "markdown": "md", "html": "html", "csv": "csv", "json": "json"}
EXAMPLE_YEARS = [
    ("agency-2024", 2024, "cn-annual-2021"),
    ("agency-2020", 2020, "cn-annual-2019"),
    ("zhangshu-2021", 2021, "cn-annual-2021"),
]


@pytest.fixture(scope="module")
def t2021(machine):  # type: ignore[no-untyped-def]
    return load_template("cn-annual-2021", machine.ruleset)


@pytest.fixture(scope="module")
def t2019(machine):  # type: ignore[no-untyped-def]
    return load_template("cn-annual-2019", machine.ruleset)


def example_report(name: str, year: int):  # type: ignore[no-untyped-def]
    d = EXAMPLES / name
    return AnnualReportJob().build(
        year,
        case_files=[str(d / "cases.yaml")],
        agency_data=str(d / "agency.yaml"),
        narrative=str(d / "narrative.md"),
    )


@pytest.mark.parametrize(("name", "year", "template"), EXAMPLE_YEARS)
@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_golden_files(name, year, template, fmt) -> None:
    """Each renderer's output on the example years equals the committed file.

    Regenerate after an intended change with DISCLOSURE_UPDATE_GOLDEN=1.
    """
    report = example_report(name, year)
    assert report.template.id == template
    out = render(report, fmt)
    golden = EXAMPLES / name / "report" / f"report.{EXTENSIONS[fmt]}"
    if os.environ.get("DISCLOSURE_UPDATE_GOLDEN"):
        golden.write_text(out if isinstance(out, str) else "", encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_every_builtin_renderer_has_a_golden_file() -> None:
    assert set(BUILTIN_RENDERERS) == set(EXTENSIONS)


def test_example_year_is_rich_and_reconciles() -> None:
    report = example_report("agency-2024", 2024)
    assert all(c.passed for c in report.checks)
    cases = load_cases(EXAMPLES / "agency-2024" / "cases.yaml")
    assert len(cases) >= 300
    assert {c.applicant for c in cases} == {
        "natural_person",
        "commercial_enterprise",
        "research_institution",
        "social_welfare_org",
        "legal_service_org",
        "other_org",
    }
    rows = report.table3.rows
    for key in report.template.table3.data_rows:
        if key.outcomes:
            assert rows[key.key][-1] > 0, f"no case in row {key.key}"
    assert rows["carried_in"][-1] > 0 and rows["carried_out"][-1] > 0
    assert report.table4.value("review", "total") > 0
    assert report.table4.value("lawsuit_direct", "total") > 0
    assert report.fees.applications > 0


def test_narrative_figures_come_from_the_tables() -> None:
    report = example_report("agency-2024", 2024)
    text = report.narrative["overview"]
    assert f"全年新收政府信息公开申请{report.table3.value('new', 'total')}件" in text
    zs = example_report("zhangshu-2021", 2021)
    assert "全年收到政府信息公开申请1件" in zs.narrative["overview"]
    assert zs.table3.value("new", "total") == 1
    assert "主动公开政府信息35条" in zs.narrative["overview"]


def test_example_10_carry_over_cells(machine, t2021) -> None:
    case = make_case(
        "2024-12-16",
        ("decide", "2025-01-10", {"outcome": "disclosed"}),
        applicant="legal_service_org",
    )
    col = t2021.table3.columns
    idx = [c.key for c in col].index("legal_service_org")
    r24 = build_report([case], 2024, t2021, machine)
    assert r24.table3.rows["new"][idx] == 1 and r24.table3.rows["carried_out"][idx] == 1
    assert r24.table3.rows["total"][idx] == 0
    r25 = build_report([case], 2025, t2021, machine, previous=r24)
    assert r25.table3.rows["carried_in"][idx] == 1 and r25.table3.rows["disclosed"][idx] == 1
    assert r25.table3.rows["new"][idx] == 0
    assert all(c.passed and not c.skipped for c in r25.checks if c.id == "RC-7")


def test_cross_year_check_finds_a_mismatch(machine, t2021) -> None:
    case = make_case("2024-12-16")
    r24 = build_report([case], 2024, t2021, machine)
    r25 = build_report([], 2025, t2021, machine, previous=r24)
    rc7 = next(c for c in r25.checks if c.id == "RC-7")
    assert not rc7.passed and rc7.severity == "warning"
    assert "column natural_person" in rc7.failures[0]
    assert r25.blocking_failures == ()


def test_2019_format_collapses_other_handling(machine, t2019) -> None:
    cases = [
        make_case(
            "2020-03-02",
            ("request_correction", "2020-03-04"),
            ("correction_lapsed", "2020-03-31"),
            case_id="A",
        ),
        make_case("2020-03-02", ("withdraw", "2020-03-05"), case_id="B"),
    ]
    report = build_report(cases, 2020, t2019, machine)
    assert report.table3.value("other", "total") == 2
    assert "other.correction_lapsed" not in report.table3.rows
    assert len(report.template.table3.data_rows) == 23


def test_drill_down_names_the_cases(machine, t2021) -> None:
    cases = [
        make_case("2024-03-01", ("decide", "2024-03-05", {"outcome": "disclosed"}), case_id="A"),
        make_case("2024-03-01", case_id="B", applicant="other_org"),
    ]
    report = build_report(cases, 2024, t2021, machine)
    assert drill_down(report, "table3", "disclosed", "natural_person") == ("A",)
    assert drill_down(report, "table3", "new", "total") == ("A", "B")
    assert drill_down(report, "table3", "carried_out", "other_org") == ("B",)
    from disclosure import NotFoundError

    with pytest.raises(NotFoundError, match="did you mean 'disclosed'"):
        drill_down(report, "table3", "disclosd", "total")


def test_reviews_and_lawsuits(machine, t2021) -> None:
    base = [("decide", "2024-02-01", {"outcome": "withheld.state_secret"})]
    cases = [
        make_case(
            "2024-01-10",
            *base,
            ("review_filed", "2024-03-01"),
            ("review_decided", "2024-05-01", {"result": "corrected"}),
            ("lawsuit_filed", "2024-05-20", {"after_review": True}),
            case_id="A",
        ),
        make_case(
            "2024-01-10",
            *base,
            ("lawsuit_filed", "2024-03-01"),
            ("lawsuit_decided", "2025-02-01", {"result": "upheld"}),
            case_id="B",
        ),
        make_case("2024-01-10", *base, ("review_filed", "2024-12-20"), case_id="C"),
    ]
    t4 = build_report(cases, 2024, t2021, machine).table4
    assert t4.rows["review"] == (0, 1, 0, 1, 2)
    assert t4.rows["lawsuit_direct"] == (0, 0, 0, 1, 1)
    assert t4.rows["lawsuit_after_review"] == (0, 0, 0, 1, 1)
    t4_25 = build_report(cases, 2025, t2021, machine).table4
    assert t4_25.rows["lawsuit_direct"] == (1, 0, 0, 0, 1)
    assert t4_25.rows["review"] == (0, 0, 0, 1, 1)


def test_fee_paragraph(machine, t2021) -> None:
    notice = ("issue_fee_notice", "2025-03-27", {"amount": 200, "method": "per_item"})
    cases = [
        make_case("2025-03-20", notice, ("fee_paid", "2025-04-10", {"amount": 200}), case_id="A"),
        make_case(
            "2025-03-20",
            ("issue_fee_notice", "2025-03-27", {"amount": 4700, "method": "per_volume"}),
            ("fee_paid", "2025-04-02"),
            case_id="B",
        ),
        make_case("2025-03-20", notice, case_id="C"),
    ]
    report = build_report(cases, 2025, t2021, machine)
    assert report.narrative["other"] == (
        "本年度收取信息处理费4900元，涉及2件政府信息公开申请（按件计收1件，按量计收1件）。"
    )
    assert build_report([], 2025, t2021, machine).narrative["other"] == "本年度未收取信息处理费。"


@st.composite
def populations(draw, machine):  # type: ignore[no-untyped-def]
    rs = machine.ruleset
    outcomes = sorted(
        code
        for code in rs.outcomes
        if rs.outcome_matches(code, rs.events["decide"].fields["outcome"].allowed)
    )
    cases = []
    for i in range(draw(st.integers(0, 40))):
        received = draw(st.dates(D("2019-06-01"), D("2026-06-30")))
        kind = draw(st.sampled_from(sorted(rs.applicant_kinds)))
        events: list[Event] = []
        path = draw(st.sampled_from(["open", "decide", "withdraw", "correction_lapsed"]))
        later = received + dt.timedelta(days=draw(st.integers(0, 500)))
        if path == "decide":
            events = [Event("decide", later, {"outcome": draw(st.sampled_from(outcomes))})]
        elif path == "withdraw":
            events = [Event("withdraw", later)]
        elif path == "correction_lapsed":
            ask = received + dt.timedelta(days=1)
            events = [
                Event("request_correction", ask),
                Event("correction_lapsed", max(later, ask + dt.timedelta(days=40))),
            ]
        cases.append(Case(f"C{i}", kind, "online", received, tuple(events)))
    return cases


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_populations_always_reconcile(machine, t2021, t2019, data) -> None:
    cases = data.draw(populations(machine))
    year = data.draw(st.integers(2019, 2027))
    template = t2019 if year < 2021 else t2021
    report = build_report(cases, year, template, machine)
    assert all(c.passed for c in report.checks), [c for c in report.checks if not c.passed]
    totals = 0
    previous = None
    for y in range(2019, 2028):
        tpl = t2019 if y < 2021 else t2021
        r = build_report(cases, y, tpl, machine, previous=previous)
        assert all(c.passed for c in r.checks), (y, [c for c in r.checks if not c.passed])
        totals += r.table3.value("new", "total")
        previous = r
    assert totals == len(cases)


def test_unmapped_outcome_fails_loading(tmp_path: Path, machine) -> None:
    src = (
        Path(__file__).resolve().parent.parent / "rulesets" / "reports" / "cn-annual-2021.yaml"
    ).read_text(encoding="utf-8")
    f = tmp_path / "t.yaml"
    f.write_text(src.replace("    other.withdrawn: other.other\n", ""), encoding="utf-8")
    with pytest.raises(
        TemplateError,
        match=r"outcome 'other\.withdrawn' of ruleset cn-ogi-2019 has no row in the report",
    ):
        load_template(f, machine.ruleset)
    f.write_text(
        src.replace(
            "    other.withdrawn: other.other\n",
            "    other.withdrawn: other.other\n    disclosed: other.other\n",
        ),
        encoding="utf-8",
    )
    with pytest.raises(TemplateError, match="outcome 'disclosed' is counted in more than one"):
        load_template(f, machine.ruleset)
    f.write_text(
        src.replace("left: [new, carried_in]", "left: [nwe, carried_in]"), encoding="utf-8"
    )
    with pytest.raises(TemplateError, match="'nwe' is not a row of table3 \\(did you mean 'new'"):
        load_template(f, machine.ruleset)


def test_agency_values_printed_into_the_report_are_numbers_or_text(tmp_path: Path, t2021) -> None:
    f = tmp_path / "a.yaml"
    f.write_text(
        "agency: x\nvalues:\n  items: .nan\n  pages: 1_386\n  flag: true\n  list: [1, 2]\n"
        "  fine: -3\n  half: 1.5\n  quoted: '12'\n",
        encoding="utf-8",
    )
    with pytest.raises(DocumentError) as info:
        load_agency_data(f, t2021)
    text = str(info.value)
    assert "a.yaml:3:10: values.items: expected a finite number, got nan" in text
    assert "values.pages: '1_386' looks like a number but is not one in YAML 1.2" in text
    assert "values.flag: expected a number or text, got a boolean" in text
    assert "values.list: expected a number or text, got a list" in text
    assert not any(k in text for k in ("values.fine", "values.half", "values.quoted"))


def test_agency_data_errors(tmp_path: Path, t2021) -> None:
    f = tmp_path / "a.yaml"
    f.write_text(
        "agency: x\ntable2:\n  rulez: {issued: 1}\n  licensing: {decisions: -1}\n"
        "  penalty: {decisons: 3}\n  fees: {amount: abc}\n",
        encoding="utf-8",
    )
    with pytest.raises(DocumentError) as info:
        load_agency_data(f, t2021)
    text = str(info.value)
    assert (
        "a.yaml:3:3: table2.rulez: 'rulez' is not a row" in text and "did you mean 'rules'" in text
    )
    assert "table2.licensing.decisions: cannot be negative" in text
    assert "did you mean 'decisions'" in text
    assert "table2.fees.amount: expected a number" in text


def test_narrative_errors(tmp_path: Path, machine, t2021) -> None:
    f = tmp_path / "n.md"
    f.write_text("## 总体情况\n\n申请{{table3.new.totl}}件。\n", encoding="utf-8")
    with pytest.raises(
        DocumentError,
        match=r"n.md:3: unknown figure 'table3.new.totl' \(did you mean 'table3.new.total'",
    ):
        build_report(
            [], 2024, t2021, machine, narrative=read_narrative(f, t2021), narrative_source=str(f)
        )
    f.write_text("## 总体情况况\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="unknown section heading"):
        read_narrative(f, t2021)


def test_json_schema(machine, t2021) -> None:
    report = build_report([make_case("2024-03-01")], 2024, t2021, machine)
    doc = json.loads(render(report, "json"))
    assert doc["year"] == 2024 and doc["format"] == "cn-annual-2021"
    assert doc["table3"]["columns"] == [
        "natural_person",
        "commercial_enterprise",
        "research_institution",
        "social_welfare_org",
        "legal_service_org",
        "other_org",
        "total",
    ]
    assert doc["table3"]["rows"]["new"] == [1, 0, 0, 0, 0, 0, 1]
    assert set(doc["table4"]) == {"review", "lawsuit_direct", "lawsuit_after_review"}
    assert set(doc["table4"]["review"]) == {"upheld", "corrected", "other", "pending", "total"}
    assert {c["id"] for c in doc["checks"]} == {"RC-1", "RC-2", "RC-3", "TC-1", "RC-7"}


@pytest.mark.skipif(
    not any(Path(p).exists() for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser")),
    reason="headless Chromium is not installed",
)
def test_html_report_opens_in_a_headless_browser(tmp_path: Path) -> None:
    import subprocess

    browser = next(
        p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()
    )
    page = EXAMPLES / "agency-2024" / "report" / "report.html"
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "三、收到和处理政府信息公开申请情况" in proc.stdout
    assert 'rowspan="22"' in proc.stdout  # 三、本年度办理结果 spans its 22 rows


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_the_example_generator_works_for_any_seed_and_every_year_reconciles(seed: int) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_example_year", EXAMPLES / "make_example_year.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cases = module.generate(2024, 400, seed)
    assert len(cases) >= 400
    from disclosure import Engine

    machine = Engine().machine()
    built = build_report(cases, 2024, load_template("cn-annual-2021", machine.ruleset), machine)
    assert [c.id for c in built.checks if c.severity == "error" and not c.passed] == []
