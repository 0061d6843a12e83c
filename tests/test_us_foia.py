"""The US federal FOIA ruleset (rulesets/us-foia.yaml) on the federal calendar.

Every expected date below is counted by hand on the federal calendar
(rulesets/calendars/us-federal.yaml: Saturdays, Sundays and the 5 U.S.C. 6103
legal public holidays on their observed days are not working days).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import D
from disclosure import (
    CalendarRegistry,
    Case,
    Event,
    EventRejected,
    Machine,
    lint_ruleset,
    load_ruleset,
    read_calendar_file,
)

ROOT = Path(__file__).resolve().parent.parent
RULESET = ROOT / "rulesets" / "us-foia.yaml"
CALENDAR = ROOT / "rulesets" / "calendars" / "us-federal.yaml"
OPEN_STATES = ("processing", "awaiting_clarification", "awaiting_fee_clarification")


@pytest.fixture(scope="module")
def foia() -> Machine:
    return Machine(
        load_ruleset(RULESET), calendars=CalendarRegistry([read_calendar_file(CALENDAR)])
    )


def case(*events: tuple[Any, ...], received: str = "2024-06-14") -> Case:
    """A request received (by default) on Friday 2024-06-14, the week before Juneteenth."""
    evs = [Event(e[0], D(e[1]), dict(e[2]) if len(e) > 2 else {}) for e in events]
    return Case("FOIA-1", "other", "online", D(received), tuple(evs))


def test_the_ruleset_and_its_calendar_lint_clean() -> None:
    assert lint_ruleset(RULESET) == []
    rs = load_ruleset(RULESET)
    assert rs.ruleset.default_calendar == "us-federal"
    assert read_calendar_file(CALENDAR).calendar.id == "us-federal"
    # The fee categories of 552(a)(4)(A)(ii) are the applicant kinds.
    assert set(rs.applicant_kinds) == {
        "commercial",
        "educational",
        "noncommercial_scientific",
        "news_media",
        "other",
    }
    assert set(rs.channels) == {"online", "email", "mail", "fax", "in_person"}


def test_the_federal_calendar_knows_legal_public_holidays(foia: Machine) -> None:
    cal = foia.calendars.get("us-federal")
    assert not cal.is_working_day(D("2024-06-19"))  # Juneteenth, a Wednesday
    assert not cal.is_working_day(D("2024-07-04"))  # Independence Day
    assert not cal.is_working_day(D("2023-01-02"))  # New Year's Day 2023 (Sunday) observed
    assert not cal.is_working_day(D("2021-06-18"))  # Juneteenth 2021 (Saturday) observed
    assert not cal.is_working_day(D("2021-12-31"))  # New Year's Day 2022 (Saturday) observed
    # Inauguration Day is a holiday only around Washington, DC (6103(c)): a working day here.
    assert cal.is_working_day(D("2021-01-20"))
    assert cal.published_through == 2026
    assert cal.is_provisional(D("2027-03-01")) and not cal.is_provisional(D("2026-03-02"))


def test_the_response_is_due_twenty_working_days_after_receipt_across_holidays(
    foia: Machine,
) -> None:
    state = foia.fold(case(), D("2024-06-20"))
    response = state.deadlines["response"]
    # Received Fri 2024-06-14; the day of receipt is not counted. June 17, 18 are
    # days 1-2, Wed June 19 (Juneteenth) is skipped, June 20-21 and 24-28 are days
    # 3-9, July 1-3 are 10-12, Thu July 4 is skipped, July 5 is 13, July 8-12 are
    # 14-18, July 15-16 are 19-20. (Without the two holidays it would be July 12.)
    assert response.due == D("2024-07-16")
    assert response.status == "running"
    assert state.state == "processing"


def test_tolling_for_information_stops_and_restarts_the_clock_once(foia: Machine) -> None:
    tolled = case(("seek_clarification", "2024-06-20"))
    paused = foia.fold(tolled, D("2024-06-25"))
    assert paused.state == "awaiting_clarification"
    assert paused.deadlines["response"].status == "paused"
    assert paused.deadlines["response"].due is None

    answered = case(("seek_clarification", "2024-06-20"), ("clarification_received", "2024-06-27"))
    state = foia.fold(answered, D("2024-06-28"))
    # Counted before the toll: June 17, 18, 20 (3 days; the toll day counts under
    # "(pause, resume]"). June 21-27 are not counted. The other 17: June 28 (1),
    # July 1-3 (2-4), July 5 (5), 8-12 (6-10), 15-19 (11-15), 22-23 (16-17).
    assert state.deadlines["response"].status == "running"
    assert state.deadlines["response"].due == D("2024-07-23")
    assert [s.action for s in state.deadlines["response"].steps] == ["start", "pause", "resume"]

    with pytest.raises(
        EventRejected, match="'seek_clarification' may happen at most 1 time in a case"
    ) as info:
        foia.apply(answered, Event("seek_clarification", D("2024-07-01")))
    assert info.value.state == "processing"
    assert foia.fold(answered, D("2024-06-28")) == state  # the rejected event changed nothing


def test_fee_clarification_may_toll_as_often_as_needed(foia: Machine) -> None:
    state = foia.fold(
        case(
            ("seek_fee_clarification", "2024-06-17"),
            ("fee_clarified", "2024-06-18"),
            ("seek_fee_clarification", "2024-06-20"),
            ("fee_clarified", "2024-06-21"),
            ("seek_clarification", "2024-06-24"),
            ("clarification_received", "2024-06-25"),
            ("seek_fee_clarification", "2024-06-26"),
            ("fee_clarified", "2024-06-27"),
        ),
        D("2024-06-28"),
    )
    assert state.state == "processing"
    response = state.deadlines["response"]
    assert [s.action for s in response.steps].count("pause") == 4
    # Counted: June 17 (toll day), 20 (toll day), 24 (toll day), 26 (toll day) = 4;
    # 16 more after June 27: June 28, July 1-3, 5, 8-12, 15-19, 22 -> July 22.
    assert response.due == D("2024-07-22")


def test_the_unusual_circumstances_extension_adds_ten_working_days_once(
    foia: Machine,
) -> None:
    extended = case(("notify_unusual", "2024-07-01", {"circumstance": "voluminous_records"}))
    state = foia.fold(extended, D("2024-07-02"))
    # Due July 16 (above) plus ten working days: July 17-19, 22-26, 29-30.
    assert state.deadlines["response"].due == D("2024-07-30")
    with pytest.raises(EventRejected, match=r"already been extended 1 time \(at most 1\)"):
        foia.apply(
            extended,
            Event("notify_unusual", D("2024-07-08"), {"circumstance": "consultation"}),
        )
    with pytest.raises(EventRejected, match="working_days"):
        foia.apply(
            case(),
            Event(
                "notify_unusual",
                D("2024-07-01"),
                {"circumstance": "consultation", "working_days": 11},
            ),
        )


def test_an_alternative_time_frame_replaces_the_due_date(foia: Machine) -> None:
    state = foia.fold(
        case(("agree_timeframe", "2024-07-10", {"due": "2024-09-30"})), D("2024-07-11")
    )
    assert state.deadlines["response"].due == D("2024-09-30")


def test_days_before_and_after_an_alternative_time_frame_stay_elapsed(foia: Machine) -> None:
    """VII.A counts the days to process a request; agreeing on a new date erases none."""
    plain = case(("respond", "2024-07-31", {"disposition": "full_grant"}))
    agreed = case(
        ("agree_timeframe", "2024-07-10", {"due": "2024-09-30"}),
        ("respond", "2024-07-31", {"disposition": "full_grant"}),
    )
    # working days after June 14: June 17, 18, 20, 21, 24-28, July 1-3, 5, 8-12, 15-19,
    # 22-26, 29-31 (Juneteenth and July 4 are holidays) = 31
    assert foia.fold(plain, D("2024-08-01")).deadlines["response"].elapsed == 31
    assert foia.fold(agreed, D("2024-08-01")).deadlines["response"].elapsed == 31
    pending = case(("agree_timeframe", "2024-07-10", {"due": "2024-09-30"}))
    assert foia.fold(pending, D("2024-07-31")).deadlines["response"].elapsed == 31
    # agreed while tolled: the tolled days stay out, the days after the agreement count
    tolled = case(("seek_clarification", "2024-06-20"))
    before = foia.fold(tolled, D("2024-07-10")).deadlines["response"].elapsed
    assert before is not None and 2 <= before <= 3
    agreed_while_tolled = case(
        ("seek_clarification", "2024-06-20"),
        ("agree_timeframe", "2024-07-10", {"due": "2024-09-30"}),
        ("respond", "2024-07-31", {"disposition": "full_grant"}),
    )
    elapsed = foia.fold(agreed_while_tolled, D("2024-08-01")).deadlines["response"].elapsed
    assert elapsed == before + 15  # July 11, 12, 15-19, 22-26, 29-31


def test_a_full_denial_opens_an_appeal_window_that_outlives_the_case(foia: Machine) -> None:
    denied = case(
        ("respond", "2024-07-10", {"disposition": "full_denial_exemption", "exemptions": ["b5"]})
    )
    state = foia.fold(denied, D("2024-08-01"))
    assert state.closed and state.state == "responded" and state.outcome == "full_denial_exemption"
    assert state.deadlines["response"].status == "met"
    window = state.deadlines["appeal_window"]
    assert window.status == "running"
    # 90 calendar days after July 10: July 31 is day 21, Aug 31 day 52, Sept 30 day 82.
    assert window.due == D("2024-10-08")

    appealed = case(
        ("respond", "2024-07-10", {"disposition": "full_denial_exemption", "exemptions": ["b5"]}),
        ("appeal_filed", "2024-10-01", {"received": "2024-10-28"}),
    )
    state = foia.fold(appealed, D("2024-11-01"))
    assert state.state == "under_appeal"
    assert state.deadlines["appeal_window"].status == "met"
    # 20 working days after the appeal reached the agency (Mon Oct 28): Oct 29-31,
    # Nov 1, 4-8 are days 1-9, Mon Nov 11 (Veterans Day) is skipped, Nov 12-15 are
    # 10-13, 18-22 are 14-18, Nov 25-26 are 19-20.
    assert state.deadlines["appeal_decision"].due == D("2024-11-26")
    decided = foia.append(
        appealed, Event("appeal_decided", D("2024-11-20"), {"result": "affirmed"}), D("2024-11-21")
    )
    assert decided.state == "appeal_decided"
    assert decided.deadlines["appeal_decision"].status == "met"
    assert decided.outcome == "full_denial_exemption"  # the request's disposition is unchanged


def test_an_unused_appeal_window_lapses_and_then_no_appeal_is_possible(foia: Machine) -> None:
    denied = case(("respond", "2024-07-10", {"disposition": "other.no_records"}))
    with pytest.raises(EventRejected, match="too early"):
        foia.apply(denied, Event("appeal_window_lapsed", D("2024-10-08")))
    [lapse] = foia.advance(denied, D("2024-12-01"))
    assert (lapse.type, lapse.on) == ("appeal_window_lapsed", D("2024-10-09"))
    lapsed = foia.append(denied, lapse, D("2024-12-01"))
    assert lapsed.state == "response_final"
    with pytest.raises(EventRejected, match="not allowed"):
        foia.apply(lapsed.case, Event("appeal_filed", D("2024-10-10")))


def test_a_longer_appeal_period_may_be_given_but_not_a_shorter_one(foia: Machine) -> None:
    longer = case(
        (
            "respond",
            "2024-07-10",
            {"disposition": "partial_grant", "exemptions": ["b4"], "appeal_days": 120},
        )
    )
    assert foia.fold(longer, D("2024-07-11")).deadlines["appeal_window"].due == D("2024-11-07")
    with pytest.raises(EventRejected, match="appeal_days"):
        foia.apply(
            case(),
            Event(
                "respond",
                D("2024-07-10"),
                {"disposition": "full_denial_exemption", "exemptions": ["b4"], "appeal_days": 60},
            ),
        )


def test_a_full_grant_opens_no_appeal_window(foia: Machine) -> None:
    state = foia.fold(
        case(("respond", "2024-07-10", {"disposition": "full_grant"})), D("2024-07-11")
    )
    assert state.outcome == "full_grant" and state.state == "concluded"
    assert "appeal_window" not in state.deadlines or (
        state.deadlines["appeal_window"].status == "idle"
    )


def test_expedited_processing_is_decided_within_ten_calendar_days(foia: Machine) -> None:
    asked = case(("request_expedite", "2024-06-14", {"ground": "imminent_threat"}))
    state = foia.fold(asked, D("2024-06-20"))
    # Calendar days: June 15 is day 1, June 24 day 10; Juneteenth and weekends count.
    # (Ten working days would have ended on June 28.)
    assert state.deadlines["expedite_decision"].due == D("2024-06-24")
    late = foia.append(
        asked,
        Event("decide_expedite", D("2024-06-25"), {"granted": True}),
        D("2024-06-26"),
    )
    assert late.deadlines["expedite_decision"].status == "missed"
    # The response clock is not affected by the expedited-processing decision.
    assert late.deadlines["response"].due == D("2024-07-16")


def test_consulting_another_agency_does_not_toll_the_response_period(foia: Machine) -> None:
    state = foia.fold(case(("consult", "2024-06-20", {"agency": "DOS"})), D("2024-06-21"))
    assert state.state == "processing"
    assert state.deadlines["response"].status == "running"
    assert state.deadlines["response"].due == D("2024-07-16")


def _closing_events(rs: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    """For each outcome code, an event (and its data) that closes a case with it."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, ev in rs.events.items():
        if "processing" not in ev.from_:
            continue
        if ev.outcome:
            found.setdefault(ev.outcome, (name, {}))
        for fname, spec in ev.fields.items():
            if spec.type == "outcome":
                for code in rs.outcomes:
                    if rs.outcome_matches(code, spec.allowed):
                        data = {fname: code}
                        if any(
                            rs.outcome_matches(code, f.required_for)
                            for f in ev.fields.values()
                            if f.required_for
                        ):
                            data["exemptions"] = ["b5"]
                        found.setdefault(code, (name, data))
    return found


def test_every_outcome_of_the_annual_report_is_reachable(foia: Machine) -> None:
    rs = foia.ruleset
    assert set(rs.outcome_groups) == {
        "full_grant",
        "partial_grant",
        "full_denial_exemptions",
        "other_reasons",
    }
    # The nine "reasons other than exemptions" columns of the report.
    others = sorted(c for c, o in rs.outcomes.items() if o.group == "other_reasons")
    assert others == [
        "other.duplicate",
        "other.fee_related",
        "other.improper_request",
        "other.no_records",
        "other.not_agency_record",
        "other.not_reasonably_described",
        "other.other",
        "other.referred",
        "other.withdrawn",
    ]
    events = _closing_events(rs)
    assert set(events) == set(rs.outcomes)
    for code, (etype, data) in events.items():
        state = foia.fold(case((etype, "2024-07-01", data)), D("2024-07-02"))
        assert state.closed and state.outcome == code, code
    assert {o.basis != "" for o in rs.outcomes.values()} == {True}


@pytest.mark.parametrize("state_name", OPEN_STATES)
def test_a_determination_can_be_made_from_every_open_state(foia: Machine, state_name: str) -> None:
    assert "respond" in foia.allowed[state_name]
    assert "withdraw" in foia.allowed[state_name]


def test_a_case_in_2027_is_provisional(foia: Machine) -> None:
    state = foia.fold(case(received="2026-12-15"), D("2026-12-16"))
    response = state.deadlines["response"]
    # Dec 16-18, 21-24 (7), Dec 25 skipped, Dec 28-31 (11), Jan 1 2027 skipped,
    # Jan 4-8 (16), Jan 11-14 (20).
    assert response.due == D("2027-01-14")
    assert response.provisional
    assert dt.date(2027, 1, 14).year > foia.calendars.get("us-federal").published_through


def test_a_regional_calendar_plugin_leaves_other_regimes_on_their_own_calendar() -> None:
    """An agency's regional calendar refines the national one; it does not move US cases."""
    from disclosure import Engine
    from disclosure.plugins import Plugins, Resources, hookimpl

    guangxi = (
        Path(__file__).resolve().parent.parent
        / "plugins/disclosure-guangxi/src/disclosure_guangxi/cn-guangxi.yaml"
    )

    class Regional:
        @hookimpl
        def disclosure_resources(self) -> Resources:
            return Resources(calendars=[guangxi])

    engine = Engine(plugins=Plugins([("regional", Regional())]), default_calendar="cn-guangxi")
    assert engine.machine("cn-ogi-2019").default_calendar == "cn-guangxi"
    assert engine.machine("us-foia").default_calendar == "us-federal"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"disposition": "full_denial_exemption"},
            "with outcome 'full_denial_exemption' needs field 'exemptions'",
        ),
        ({"disposition": "partial_grant", "exemptions": []}, "needs field 'exemptions'"),
        (
            {"disposition": "other.no_records", "exemptions": ["b6"]},
            "with outcome 'other.no_records' must not give field 'exemptions'",
        ),
        ({"disposition": "full_denial_exemption", "exemptions": "b5"}, "must be a list, got text"),
        (
            {"disposition": "full_denial_exemption", "exemptions": ["b5", "b5"]},
            "'b5' is listed twice",
        ),
        (
            {"disposition": "full_denial_exemption", "exemptions": ["b10"]},
            "'b10' is not one of b1, b2",
        ),
        ({"disposition": "full_denial_exemption", "exemptions": [5]}, "list items must be text"),
    ],
)
def test_exemptions_are_a_list_the_outcome_governs(
    foia: Machine, data: dict[str, object], message: str
) -> None:
    with pytest.raises(EventRejected, match=re.escape(message)):
        foia.fold(case(("respond", "2024-07-10", data)))


def test_every_exemption_of_a_partial_grant_is_kept(foia: Machine) -> None:
    state = foia.fold(
        case(
            ("respond", "2024-07-10", {"disposition": "partial_grant", "exemptions": ["b5", "b6"]})
        )
    )
    assert state.outcome == "partial_grant"
    no_records = foia.fold(case(("respond", "2024-07-10", {"disposition": "other.no_records"})))
    assert no_records.outcome == "other.no_records"


def test_a_list_field_is_typed_from_the_command_line() -> None:
    from disclosure.rules.fields import FieldProblem, value_check, value_from_text

    assert value_from_text("list", "b5, b6") == ["b5", "b6"]
    assert value_from_text("list", "") == []
    check = value_check("list", choices=("b5", "b6"), maximum=1)
    assert check(["b5"]) == ("b5",)
    with pytest.raises(FieldProblem, match="at most 1"):
        check(["b5", "b6"])


def test_the_primary_clock_is_the_rulesets_not_a_name_in_code(
    foia: Machine, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from disclosure.cli import cli

    assert foia.ruleset.primary_clock == "response"
    assert load_ruleset("cn-ogi-2019").primary_clock == "reply"
    f = tmp_path / "foia.yaml"
    f.write_text(
        "id: FOIA-9\nruleset: us-foia\napplicant: news_media\nchannel: email\n"
        "received: 2024-07-01\nevents: []\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["case", "explain", str(f), "--as-of", "2024-07-02", "--json"])
    assert result.exit_code == 0, result.output
    assert '"clock": "response"' in result.output
