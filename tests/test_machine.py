"""The national lifecycle: every path, every outcome, every kind of rejection."""

from __future__ import annotations

import pytest

from conftest import D, make_case
from disclosure import Case, DisclosureError, Event, EventRejected, Machine

AS_OF = D("2030-01-01")


def fold(machine: Machine, *events, received="2024-03-01", **kw):  # type: ignore[no-untyped-def]
    return machine.fold(make_case(received, *events, **kw), AS_OF)


def test_new_case_is_received_and_waits_on_agency(machine) -> None:
    state = fold(machine)
    assert (state.state, state.waiting_on, state.outcome, state.closed_on) == (
        "received",
        "agency",
        None,
        None,
    )
    assert "decide" in state.next_events and "request_correction" in state.next_events
    assert set(state.deadlines) == {"reply", "correction_notice"}


@pytest.mark.parametrize(
    ("events", "state", "waiting_on"),
    [
        ([("request_correction", "2024-03-04")], "awaiting_correction", "applicant"),
        (
            [("request_correction", "2024-03-04"), ("correction_received", "2024-03-06")],
            "under_review",
            "agency",
        ),
        ([("consult_third_party", "2024-03-04")], "consulting_third_party", "third_party"),
        ([("consult_agency", "2024-03-04")], "consulting_agency", "other_agency"),
        ([("request_reasons", "2024-03-04")], "awaiting_reasons", "applicant"),
        (
            [("request_reasons", "2024-03-04"), ("reasons_received", "2024-03-05")],
            "under_review",
            "agency",
        ),
        (
            [("issue_fee_notice", "2024-03-04", {"amount": 100, "method": "per_item"})],
            "awaiting_fee",
            "applicant",
        ),
        ([("set_reply_date", "2024-03-04", {"due": "2024-06-30"})], "under_review", "agency"),
        ([("extend", "2024-03-20")], "received", "agency"),
    ],
)
def test_open_paths(machine, events, state, waiting_on) -> None:
    result = fold(machine, *events)
    assert (result.state, result.waiting_on, result.closed) == (state, waiting_on, False)


@pytest.mark.parametrize(
    ("events", "outcome"),
    [
        (
            [("reply_on_the_spot", "2024-03-01", {"outcome": "disclosed.already_public"})],
            "disclosed.already_public",
        ),
        (
            [("request_correction", "2024-03-04"), ("correction_lapsed", "2024-03-30")],
            "other.correction_lapsed",
        ),
        (
            [
                ("issue_fee_notice", "2024-03-04", {"amount": 100, "method": "per_volume"}),
                ("fee_lapsed", "2024-04-10"),
            ],
            "other.fee_lapsed",
        ),
        ([("consult_third_party", "2024-03-04"), ("withdraw", "2024-03-05")], "other.withdrawn"),
        (
            [
                ("request_reasons", "2024-03-04"),
                ("decide", "2024-03-08", {"outcome": "not_processed.excessive"}),
            ],
            "not_processed.excessive",
        ),
    ],
)
def test_closing_paths(machine, events, outcome) -> None:
    state = fold(machine, *events)
    assert state.closed and state.state == "concluded"
    assert state.outcome == outcome
    assert state.closed_on == D(events[-1][1])
    assert all(d.status in ("met", "missed", "stopped") for d in state.deadlines.values())


DECIDABLE = [
    "disclosed",
    "disclosed.already_public",
    "partially_disclosed",
    "withheld.state_secret",
    "withheld.prohibited_by_law",
    "withheld.security_stability",
    "withheld.third_party_rights",
    "withheld.internal_affairs",
    "withheld.process_information",
    "withheld.enforcement_file",
    "withheld.administrative_query",
    "unavailable.not_held",
    "unavailable.not_responsible",
    "unavailable.needs_creation",
    "unavailable.unclear_after_correction",
    "not_processed.petition_complaint",
    "not_processed.repeat",
    "not_processed.publication",
    "not_processed.excessive",
    "not_processed.confirmation",
    "other.other",
]


@pytest.mark.parametrize("outcome", DECIDABLE)
def test_every_decidable_outcome(machine, outcome) -> None:
    state = fold(machine, ("decide", "2024-03-05", {"outcome": outcome}))
    group = outcome.split(".")[0]
    assert (state.outcome, state.outcome_group) == (outcome, group)


def test_every_outcome_code_is_covered_by_some_test(machine) -> None:
    covered = set(DECIDABLE) | {"other.correction_lapsed", "other.fee_lapsed", "other.withdrawn"}
    assert covered == set(machine.ruleset.outcomes)


@pytest.mark.parametrize(
    "outcome", ["other.correction_lapsed", "other.fee_lapsed", "other.withdrawn"]
)
def test_decide_cannot_give_outcomes_of_other_events(machine, outcome) -> None:
    with pytest.raises(EventRejected, match="cannot be given by 'decide'"):
        fold(machine, ("decide", "2024-03-05", {"outcome": outcome}))


def test_review_and_litigation_after_conclusion(machine) -> None:
    base = [("decide", "2024-03-05", {"outcome": "withheld.state_secret"})]
    state = fold(machine, *base, ("review_filed", "2024-04-01"))
    assert (state.state, state.waiting_on, state.closed) == (
        "under_administrative_review",
        "review_body",
        True,
    )
    assert state.outcome == "withheld.state_secret"  # a review does not change the outcome
    state = fold(
        machine,
        *base,
        ("review_filed", "2024-04-01"),
        ("review_decided", "2024-05-20", {"result": "upheld"}),
        ("lawsuit_filed", "2024-06-01", {"after_review": True}),
        ("lawsuit_decided", "2024-09-01", {"result": "corrected"}),
    )
    assert (state.state, state.final, state.next_events) == ("litigation_concluded", True, ())
    direct = fold(machine, *base, ("lawsuit_filed", "2024-04-01"))
    assert direct.state == "in_litigation"
    assert direct.timeline[-1].data == {"after_review": False}


def test_rejects_unknown_event_with_suggestion(machine) -> None:
    with pytest.raises(EventRejected, match=r"unknown event type 'decid' \(did you mean 'decide'"):
        fold(machine, ("decid", "2024-03-05"))


def test_rejects_event_not_allowed_in_state_and_lists_allowed(machine) -> None:
    with pytest.raises(EventRejected) as info:
        fold(
            machine,
            ("request_correction", "2024-03-04"),
            ("decide", "2024-03-05", {"outcome": "disclosed"}),
        )
    err = info.value
    assert err.state == "awaiting_correction" and err.event_type == "decide"
    assert set(err.allowed) == {"correction_received", "correction_lapsed", "withdraw"}
    assert "case T-1: event 'decide' is not allowed in state 'awaiting_correction'" in str(err)


def test_second_correction_round_is_not_allowed(machine) -> None:
    with pytest.raises(EventRejected, match="not allowed in state 'under_review'"):
        fold(
            machine,
            ("request_correction", "2024-03-04"),
            ("correction_received", "2024-03-06"),
            ("request_correction", "2024-03-07"),
        )


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [("decide", "2024-02-28", {"outcome": "disclosed"})],
            "before the application was received",
        ),
        (
            [("consult_agency", "2024-03-05"), ("agency_replied", "2024-03-04")],
            "before the previous event",
        ),
        ([("decide", "2024-03-05")], "needs field 'outcome'"),
        (
            [("decide", "2024-03-05", {"outcome": "disclosd"})],
            "unknown outcome code 'disclosd' (did you mean 'disclosed'?)",
        ),
        (
            [("decide", "2024-03-05", {"outcome": "disclosed", "reason": "x"})],
            "has no field 'reason'",
        ),
        ([("extend", "2024-03-05", {"working_days": 21})], "must be at most 20"),
        ([("extend", "2024-03-05", {"working_days": "20"})], "must be a whole number, got text"),
        (
            [("extend", "2024-03-05"), ("extend", "2024-03-06", {"working_days": 5})],
            "already been extended 1 time",
        ),
        (
            [("issue_fee_notice", "2024-03-05", {"amount": 10, "method": "cash"})],
            "'cash' is not one of per_item, per_volume",
        ),
        ([("set_reply_date", "2024-03-05", {"due": "2024-02-30"})], "not a valid date"),
        (
            [("set_reply_date", "2024-03-05", {"due": "2204-03-30"})],
            "due 2204-03-30 is outside calendar 'cn' (2000-2040); is the year mistyped?",
        ),
        (
            [("consult_third_party", "2024-03-04", {"delivered": "2240-03-05"})],
            "delivered 2240-03-05 is outside calendar 'cn'",
        ),
        (
            [("reply_on_the_spot", "2024-03-02", {"outcome": "disclosed"})],
            "must happen on the day of receipt",
        ),
        (
            [("request_correction", "2024-03-04"), ("correction_lapsed", "2024-03-18")],
            "too early: the correction period runs until 2024-03-18",
        ),
        ([("consult_third_party", "2024-03-04", {"delivered": "2024-02-01"})], "before receipt"),
        ([("lawsuit_filed", "2024-03-04")], "not allowed in state 'received'"),
    ],
)
def test_rejections_name_the_problem(machine, events, message) -> None:
    with pytest.raises(EventRejected) as info:
        fold(machine, *events)
    assert message in str(info.value)
    assert "case T-1" in str(info.value)


def test_apply_returns_new_case_and_leaves_original(machine) -> None:
    case = make_case("2024-03-01")
    updated = machine.apply(case, Event("request_correction", D("2024-03-04")))
    assert case.events == ()
    assert updated.events[-1].data == {"correction_period": 10}  # parameter default filled in
    with pytest.raises(EventRejected):
        machine.apply(updated, Event("decide", D("2024-03-05"), {"outcome": "disclosed"}))
    assert len(updated.events) == 1


def test_unknown_applicant_kind_and_channel(machine) -> None:
    case = Case("X", "citizen", "pigeon", D("2024-03-01"))
    with pytest.raises(DisclosureError) as info:
        machine.fold(case)
    assert "unknown applicant kind 'citizen'" in str(info.value)
    assert "unknown channel 'pigeon'" in str(info.value)


def test_case_for_another_ruleset_is_refused(machine) -> None:
    case = Case("X", "natural_person", "online", D("2024-03-01"), ruleset="uk-foi")
    with pytest.raises(DisclosureError, match="uses ruleset 'uk-foi'"):
        machine.fold(case)


def test_received_outside_calendar_is_refused(machine) -> None:
    with pytest.raises(DisclosureError, match="outside calendar 'cn'"):
        machine.fold(make_case("1999-05-01"))


def test_parameters_override_defaults(machine) -> None:
    agency = Machine(
        machine.ruleset, calendars=machine.calendars, parameters={"correction_period": 5}
    )
    case = make_case("2024-03-01", ("request_correction", "2024-03-04"))
    assert agency.fold(case, AS_OF).deadlines["correction"].due == D("2024-03-11")
    assert machine.fold(case, AS_OF).deadlines["correction"].due == D("2024-03-18")
    with pytest.raises(DisclosureError, match="no parameter 'corection_period'"):
        Machine(machine.ruleset, calendars=machine.calendars, parameters={"corection_period": 5})
    with pytest.raises(DisclosureError, match="must be a whole number"):
        Machine(machine.ruleset, calendars=machine.calendars, parameters={"correction_period": "5"})


def test_advance_produces_lapse_events_the_day_after(machine) -> None:
    case = make_case("2024-03-01", ("request_correction", "2024-03-04"))
    assert machine.advance(case, D("2024-03-18")) == []
    events = machine.advance(case, D("2024-03-19"))
    assert [(e.type, e.on) for e in events] == [("correction_lapsed", D("2024-03-19"))]
    fee = make_case(
        "2025-03-20", ("issue_fee_notice", "2025-03-27", {"amount": 200, "method": "per_item"})
    )
    assert [(e.type, e.on) for e in machine.advance(fee, D("2025-05-01"))] == [
        ("fee_lapsed", D("2025-04-26"))
    ]


def test_advance_applies_consultation_lapse_as_of_window_end(machine) -> None:
    case = make_case(
        "2025-03-03", ("consult_third_party", "2025-03-10", {"delivered": "2025-03-12"})
    )
    events = machine.advance(case, D("2025-04-10"))
    assert [(e.type, e.on) for e in events] == [("third_party_lapsed", D("2025-04-03"))]
    updated = case
    for e in events:
        updated = machine.apply(updated, e)
    assert machine.fold(updated, AS_OF).deadlines["reply"].due == D("2025-04-24")


def test_findings_for_late_agency_steps(machine) -> None:
    state = fold(machine, ("request_correction", "2024-03-13"), received="2024-03-01")
    assert [f.code for f in state.findings] == ["deadline_missed"]
    assert state.findings[0].clock == "correction_notice"
    late = fold(
        machine, ("extend", "2024-04-01"), ("decide", "2024-05-30", {"outcome": "disclosed"})
    )
    assert [f.code for f in late.findings] == ["extended_after_due", "deadline_missed"]
    assert late.deadlines["reply"].status == "missed"


def test_overdue_as_of(machine) -> None:
    case = make_case("2024-03-01")
    assert machine.fold(case, D("2024-03-29")).overdue is False  # due day itself
    state = machine.fold(case, D("2024-03-30"))
    assert state.overdue is True and state.to_dict()["overdue"] is True
    assert any(f.code == "overdue" for f in state.findings)
    waiting = make_case("2024-03-01", ("request_correction", "2024-03-04"))
    assert machine.fold(waiting, D("2024-06-01")).overdue is False  # applicant's window only


def test_fold_is_deterministic_and_json_ready(machine) -> None:
    case = make_case("2024-09-10", ("consult_third_party", "2024-09-27"))
    a, b = machine.fold(case, AS_OF), machine.fold(case, AS_OF)
    assert a == b and a.to_dict() == b.to_dict()
    doc = a.to_dict()
    for key in (
        "id",
        "ruleset",
        "state",
        "outcome",
        "closed_on",
        "next_events",
        "waiting_on",
        "deadlines",
        "overdue",
        "findings",
    ):
        assert key in doc
    assert doc["deadlines"]["reply"]["status"] == "paused"
    assert doc["deadlines"]["reply"]["due"] is None


def test_field_defaults_are_one_definition_for_fold_and_report(machine) -> None:
    """A default taken from a parameter is the agency's value in the fold and in the report."""
    from disclosure.reports.build import _field_defaults

    agency = Machine(
        machine.ruleset, calendars=machine.calendars, parameters={"correction_period": 15}
    )
    assert agency.fields["request_correction"].defaults["correction_period"] == 15
    assert _field_defaults(agency)[("request_correction", "correction_period")] == 15
    assert _field_defaults(machine)[("request_correction", "correction_period")] == 10
    case = make_case("2024-03-01")
    state = agency.append(case, Event("request_correction", D("2024-03-04")))
    assert state.case.events[-1].data["correction_period"] == 15


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (Event("extend", D("2024-03-04"), {"working_days": "ten"}), "must be a whole number"),
        (Event("extend", D("2024-02-20")), "before the application was received"),
        (Event("extnd", D("2024-03-04")), "unknown event type"),
    ],
)
def test_every_rejection_names_the_state_and_what_is_allowed(machine, event, message) -> None:
    with pytest.raises(EventRejected, match=message) as info:
        machine.apply(make_case("2024-03-01"), event)
    assert info.value.state == "received"
    assert "decide" in info.value.allowed
