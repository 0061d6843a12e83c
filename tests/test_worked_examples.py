"""Every date printed in the domain reference's worked examples (§9)."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES, D, make_case
from disclosure import load_cases

AS_OF = D("2024-01-01")


def due(machine, case, clock="reply"):  # type: ignore[no-untyped-def]
    return machine.fold(case, AS_OF).deadlines[clock].due


def test_example_1_in_person_across_national_day(machine) -> None:
    case = make_case("2024-09-10")
    state = machine.fold(case, AS_OF)
    assert state.deadlines["correction_notice"].due == D("2024-09-20")
    assert state.deadlines["reply"].due == D("2024-10-14")
    extended = make_case("2024-09-10", ("extend", "2024-10-10", {"working_days": 20}))
    assert due(machine, extended) == D("2024-11-11")


def test_example_2_full_chain(machine) -> None:
    steps = [
        ("request_correction", "2024-09-13", {"correction_period": 10}),
        ("correction_received", "2024-09-23"),
        ("consult_third_party", "2024-09-27", {"delivered": "2024-09-30"}),
    ]
    state = machine.fold(make_case("2024-09-10", *steps[:1]), AS_OF)
    assert state.deadlines["correction"].due == D("2024-09-29")  # a make-up Sunday
    assert due(machine, make_case("2024-09-10", *steps[:2])) == D("2024-10-24")
    state = machine.fold(make_case("2024-09-10", *steps), AS_OF)
    assert state.deadlines["third_party"].due == D("2024-10-25")
    assert state.deadlines["reply"].status == "paused"
    assert state.deadlines["reply"].remaining == 16
    steps.append(("third_party_replied", "2024-10-21"))
    assert due(machine, make_case("2024-09-10", *steps)) == D("2024-11-12")
    steps.append(("extend", "2024-11-08", {"working_days": 20}))
    assert due(machine, make_case("2024-09-10", *steps)) == D("2024-12-10")
    steps.append(("decide", "2024-12-06", {"outcome": "partially_disclosed"}))
    final = machine.fold(make_case("2024-09-10", *steps), AS_OF)
    assert final.outcome == "partially_disclosed"
    assert final.deadlines["reply"].status == "met"
    assert final.findings == ()


def test_example_3_online_across_spring_festival_2025(machine) -> None:
    assert machine.fold(make_case("2025-01-24"), AS_OF).deadlines["correction_notice"].due == D(
        "2025-02-10"
    )
    steps = [("request_correction", "2025-02-05"), ("correction_received", "2025-02-14")]
    assert due(machine, make_case("2025-01-24", *steps)) == D("2025-03-14")
    steps.append(("extend", "2025-03-10"))
    assert due(machine, make_case("2025-01-24", *steps)) == D("2025-04-14")
    lapsed = make_case(
        "2025-01-24", ("request_correction", "2025-02-05"), ("correction_lapsed", "2025-02-20")
    )
    state = machine.fold(lapsed, AS_OF)
    assert state.outcome == "other.correction_lapsed"


def test_example_4_registered_mail_across_labour_day_2024(machine) -> None:
    state = machine.fold(make_case("2024-04-26", channel="post_signed"), AS_OF)
    assert state.deadlines["correction_notice"].due == D("2024-05-09")
    assert state.deadlines["reply"].due == D("2024-05-27")


def test_example_5_ordinary_letter_national_day_2025(machine) -> None:
    state = machine.fold(make_case("2025-09-30", channel="post_unsigned"), AS_OF)
    assert state.deadlines["correction_notice"].due == D("2025-10-16")
    assert state.deadlines["reply"].due == D("2025-11-04")
    assert due(machine, make_case("2025-09-30", ("extend", "2025-10-20"))) == D("2025-12-02")


def test_example_6_third_party_silent(machine) -> None:
    assert due(machine, make_case("2025-03-03")) == D("2025-03-31")
    sent = ("consult_third_party", "2025-03-10", {"delivered": "2025-03-12"})
    state = machine.fold(make_case("2025-03-03", sent), AS_OF)
    assert state.deadlines["third_party"].due == D("2025-04-02")
    assert state.deadlines["reply"].remaining == 15
    lapsed = make_case("2025-03-03", sent, ("third_party_lapsed", "2025-04-03"))
    assert due(machine, lapsed) == D("2025-04-24")
    answered = make_case("2025-03-03", sent, ("third_party_replied", "2025-03-28"))
    assert due(machine, answered) == D("2025-04-21")
    extended = make_case(
        "2025-03-03", sent, ("third_party_replied", "2025-03-28"), ("extend", "2025-04-15")
    )
    assert due(machine, extended) == D("2025-05-21")


def test_example_7_co_producer_silent_spring_festival_2026(machine) -> None:
    assert due(machine, make_case("2026-02-10")) == D("2026-03-16")
    sent = ("consult_agency", "2026-02-12", {"delivered": "2026-02-12"})
    state = machine.fold(make_case("2026-02-10", sent), AS_OF)
    assert state.deadlines["other_agency"].due == D("2026-03-11")
    assert state.deadlines["reply"].remaining == 18
    assert due(machine, make_case("2026-02-10", sent, ("agency_lapsed", "2026-03-12"))) == D(
        "2026-04-07"
    )


def test_example_8_fees(machine) -> None:
    assert due(machine, make_case("2025-03-20")) == D("2025-04-18")
    notice = ("issue_fee_notice", "2025-03-27", {"amount": 200, "method": "per_item"})
    state = machine.fold(make_case("2025-03-20", notice), AS_OF)
    assert state.deadlines["fee_payment"].due == D("2025-04-25")
    assert state.deadlines["reply"].remaining == 15
    unpaid = machine.fold(make_case("2025-03-20", notice, ("fee_lapsed", "2025-04-28")), AS_OF)
    assert unpaid.outcome == "other.fee_lapsed"
    paid = make_case("2025-03-20", notice, ("fee_paid", "2025-04-10", {"amount": 200}))
    assert due(machine, paid) == D("2025-04-30")


@pytest.mark.parametrize(
    ("received", "calendar", "expected"),
    [
        ("2024-04-08", None, "2024-05-08"),
        ("2024-04-08", "cn-guangxi", "2024-05-10"),
        ("2025-03-24", None, "2025-04-22"),
        ("2025-03-24", "cn-guangxi", "2025-04-24"),
        ("2025-05-26", None, "2025-06-24"),
        ("2025-05-26", "cn-xinjiang", "2025-06-27"),
    ],
)
def test_example_9_regional_holidays(machine, received, calendar, expected) -> None:
    assert due(machine, make_case(received, calendar=calendar)) == D(expected)


def test_example_10_year_end_carry_over(machine) -> None:
    assert due(machine, make_case("2024-12-16", applicant="legal_service_org")) == D("2025-01-14")
    extended = make_case("2024-12-16", ("extend", "2025-01-10"))
    assert due(machine, extended) == D("2025-02-17")
    decided = make_case("2024-12-16", ("decide", "2025-01-10", {"outcome": "disclosed"}))
    state = machine.fold(decided, AS_OF)
    assert (state.outcome, state.closed_on) == ("disclosed", D("2025-01-10"))


def test_example_files_replay(engine) -> None:
    """The shipped example files give the same dates as the tests above."""
    cases = {c.id: c for c in load_cases(EXAMPLES / "cases" / "worked-examples.yaml")}
    expect = {
        "EX-01": "2024-11-11",
        "EX-02": "2024-12-10",
        "EX-03": "2025-03-14",
        "EX-04": "2024-05-27",
        "EX-05": "2025-11-04",
        "EX-06": "2025-04-24",
        "EX-07": "2026-04-07",
        "EX-08": "2025-04-30",
        "EX-10": "2025-01-14",
    }
    for cid, date in expect.items():
        assert engine.fold(cases[cid], AS_OF).deadlines["reply"].due == D(date), cid
    regional = load_cases(EXAMPLES / "cases" / "example-9-regional.yaml")
    dues = {c.id: engine.fold(c, AS_OF).deadlines["reply"].due for c in regional}
    assert dues == {
        "EX-09-GX-2024": D("2024-05-10"),
        "EX-09-GX-2025": D("2025-04-24"),
        "EX-09-XJ-2025": D("2025-06-27"),
        "EX-09-NATIONAL-2024": D("2024-05-08"),
    }
