"""The Python API's arguments: days as dates or ISO text, years as numbers, one path or
several, and a clear error for anything else (never an AttributeError from a fold)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import EXAMPLES
from disclosure import (
    AnnualReportJob,
    ArgumentError,
    Case,
    DeadlinePolicy,
    DisclosureError,
    Engine,
    Event,
    Machine,
    PluginError,
)
from disclosure.plugins.manager import Plugins
from disclosure.reports.template import template_for_year

CASES = str(EXAMPLES / "agency-2024" / "cases.yaml")
DECIDE = {"type": "decide", "on": "2024-03-10", "outcome": "disclosed"}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(plugins=Plugins.builtin_only())


def plain(**extra: object) -> Case:
    return Case("A-1", "natural_person", "online", "2024-03-01", **extra)  # type: ignore[arg-type]


def test_days_may_be_iso_text_and_anything_else_is_named(engine: Engine) -> None:
    case = plain()
    as_text = engine.fold(case, as_of="2024-04-01")
    assert as_text == engine.fold(case, as_of=dt.date(2024, 4, 1))
    assert engine.advance(case, "2024-05-01") == engine.advance(case, dt.date(2024, 5, 1))
    cal = engine.calendars.get("cn")
    assert cal.add_working_days("2024-09-10", 20) == dt.date(2024, 10, 14)
    assert cal.count_working_days("2024-09-10", "2024-10-14") == 20
    assert cal.day_info("2024-10-01").kind == "holiday"
    for call, name in (
        (lambda: engine.fold(case, as_of="2024-13-01"), "as_of"),
        (lambda: engine.advance(case, 20240501), "today"),
        (lambda: cal.add_working_days("soon", 3), "day"),
    ):
        with pytest.raises(ArgumentError, match=f"^{name}: "):
            call()


def test_events_may_be_mappings_and_a_log_is_always_a_tuple(engine: Engine) -> None:
    case = plain(events=[DECIDE])
    assert isinstance(case.events, tuple) and case.events[0] == Event.from_dict(DECIDE)
    assert engine.apply(plain(), DECIDE).events == case.events
    with pytest.raises(ArgumentError, match="expected an Event"):
        engine.apply(plain(), "decide")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="expected a Case"):
        engine.fold({"id": "A-1"})  # type: ignore[arg-type]
    with pytest.raises(DisclosureError, match=r"events\[0\]: must be an Event or a mapping"):
        plain(events=["decide"])
    with pytest.raises(DisclosureError, match="events: must be a list of events"):
        plain(events="decide")


def test_years_are_numbers_and_one_case_file_is_one_file(engine: Engine) -> None:
    job = AnnualReportJob(engine)
    assert job.build(2024, case_files=CASES).table3 == job.build(2024, case_files=[CASES]).table3
    for call in (
        lambda: job.build("2024", case_files=CASES),  # type: ignore[arg-type]
        lambda: template_for_year("2024"),  # type: ignore[arg-type]
    ):
        with pytest.raises(ArgumentError, match="year must be a whole number"):
            call()


def test_engine_takes_one_folder_or_file_as_well_as_a_list(tmp_path: Path) -> None:
    one = Engine(plugins=Plugins.builtin_only(), calendar_files=str(EXAMPLES / "calendars"))
    assert "cn-xinjiang" in one.calendars.ids()
    with pytest.raises(ArgumentError, match="ruleset_dirs must hold str or Path paths"):
        Engine(plugins=Plugins.builtin_only(), ruleset_dirs=[3])  # type: ignore[list-item]


def test_wrong_kinds_for_a_machine_and_a_policy_are_named() -> None:
    with pytest.raises(TypeError, match="Machine needs a Ruleset"):
        Machine("cn-ogi-2019")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="limit must be a whole number"):
        DeadlinePolicy(limit="5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"warn_at \(12\) is after its limit \(10\)"):
        DeadlinePolicy(limit=10, warn_at=12)
    assert DeadlinePolicy(limit=10, warn_at=10).warn_at == 10
    assert DeadlinePolicy(warn_at=30).limit is None  # the ruleset's limit: checked nowhere here


def test_parameters_must_fit_their_range_and_name_a_ruleset_that_is_there() -> None:
    builtin = Plugins.builtin_only()
    with pytest.raises(DisclosureError, match="correction_period': must be at least 1, got 0"):
        Engine(plugins=builtin, parameters={"cn-ogi-2019": {"correction_period": 0}}).machine()
    with pytest.raises(DisclosureError, match="must be at most 60, got 99"):
        Engine(plugins=builtin, parameters={"cn-ogi-2019": {"correction_period": 99}}).machine()
    with pytest.raises(DisclosureError, match="did you mean 'cn-ogi-2019'"):
        Engine(plugins=builtin, parameters={"cn-ogi2019": {"correction_period": 15}})
    fine = Engine(plugins=builtin, parameters={"cn-ogi-2019": {"correction_period": 15}})
    assert fine.machine().parameters["correction_period"] == 15


def test_a_failing_event_hook_in_memory_says_nothing_was_stored_and_keeps_the_case() -> None:
    from disclosure.plugins import hookimpl

    class Hook:
        @hookimpl
        def disclosure_event_applied(self) -> None:
            raise RuntimeError("boom")

    engine = Engine(plugins=Plugins(extra=[("broken", Hook())]))
    with pytest.raises(PluginError, match="was applied \\(the new case is this error's") as info:
        engine.apply(plain(), DECIDE)
    assert info.value.state.case.events[-1].type == "decide"


def test_paths_counts_and_years_of_the_wrong_kind_are_named(engine: Engine) -> None:
    cal = engine.calendars.get("cn")
    for call, said in (
        (lambda: Engine(calendar_files=b"/x"), "not bytes"),  # type: ignore[arg-type]
        (lambda: Engine(calendar_files=""), "an empty path names no file"),
        (lambda: Engine(calendar_files=["a.yaml", " "]), "an empty path names no file"),
        (lambda: template_for_year(10**20), "a year from 1 to 9999"),
    ):
        with pytest.raises(ArgumentError, match=said):
            call()
    # a day count that is not a whole number: the compiled build refuses it at the call
    # itself (mypyc's "int object expected"), the pure one names it; both are TypeErrors
    for n in (2.0, 1.5):  # (True passes as 1 where mypyc unboxes it: a bool is an int)
        for add in (cal.add_working_days, cal.add_natural_days):
            with pytest.raises(TypeError, match="whole number of days|int object expected"):
                add("2024-03-01", n)  # type: ignore[arg-type]


def test_a_day_in_the_right_form_that_does_not_exist_says_so(engine: Engine) -> None:
    with pytest.raises(ArgumentError, match=r"'2024-02-30' is not a valid date \(no such day\)"):
        engine.fold(plain(), as_of="2024-02-30")


def test_a_utf16_json_lines_file_is_one_bad_record_not_one_per_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from disclosure.cli import cli

    f = tmp_path / "cases.jsonl"
    line = '{"id": "U-%d", "applicant": "natural_person", "channel": "online", "received": "2024-03-01"}'
    f.write_text("\n".join(line % i for i in range(30)) + "\n", encoding="utf-16")
    db = str(tmp_path / "s.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--no-plugins", "init", "--db", db]).exit_code == 0
    for workers in ("1", "2"):
        args = ["--no-plugins", "case", "import", str(f), "--db", db, "--workers", workers]
        result = runner.invoke(cli, [*args, "--batch-size", "4"])
        assert result.exit_code == 1
        assert result.stderr.count("skipped") == 1
        assert "the file is UTF-16, not UTF-8 (save it as UTF-8)" in result.stderr
