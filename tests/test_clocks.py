"""Clock behaviour at the edges: pauses, restarts, extensions, provisional years."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import D, make_case

AS_OF = D("2030-01-01")


def reply(machine, *events, received="2024-03-01"):  # type: ignore[no-untyped-def]
    return machine.fold(make_case(received, *events), AS_OF).deadlines["reply"]


def test_pause_and_resume_on_the_same_day_changes_nothing(machine) -> None:
    plain = reply(machine)
    same_day = reply(machine, ("consult_agency", "2024-03-08"), ("agency_replied", "2024-03-08"))
    assert same_day.due == plain.due == D("2024-03-29")


def test_pause_excludes_days_after_pause_through_resume(machine) -> None:
    # paused Friday 03-08 (5 used), resumed Wednesday 03-13: 15 left from 03-13
    d = reply(machine, ("consult_agency", "2024-03-08"), ("agency_replied", "2024-03-13"))
    assert d.due == D("2024-04-03")
    assert [s.action for s in d.steps] == ["start", "pause", "resume"]
    assert "(2024-03-08, 2024-03-13]" in d.steps[-1].detail


def test_other_pause_convention(machine) -> None:
    from disclosure import Machine

    other = Machine(
        machine.ruleset,
        calendars=machine.calendars,
        parameters={"pause_convention": "[pause, resume)"},
    )
    case = make_case(
        "2024-03-01", ("consult_agency", "2024-03-08"), ("agency_replied", "2024-03-13")
    )
    # the pause day is not counted, the resume day is: 4 used, 16 left from 03-12
    assert other.fold(case, AS_OF).deadlines["reply"].due == D("2024-04-03")
    case2 = make_case(
        "2024-03-01", ("consult_agency", "2024-03-08"), ("agency_replied", "2024-03-08")
    )
    assert other.fold(case2, AS_OF).deadlines["reply"].due == D("2024-03-29")


def test_extension_after_a_pause(machine) -> None:
    d = reply(
        machine,
        ("consult_agency", "2024-03-08"),
        ("agency_replied", "2024-03-13"),
        ("extend", "2024-03-20", {"working_days": 10}),
    )
    assert d.due == D("2024-04-18")
    assert d.limit == 30


def test_extension_during_a_pause_keeps_the_pause(machine) -> None:
    d = reply(machine, ("consult_agency", "2024-03-08"), ("extend", "2024-03-11"))
    assert d.status == "paused" and d.due is None and d.remaining == 35


def test_restart_after_correction_discards_used_days(machine) -> None:
    d = reply(machine, ("request_correction", "2024-03-07"), ("correction_received", "2024-03-20"))
    assert d.due == D("2024-04-18")  # 20 working days from 03-20, Qingming 04-04..06 off
    assert d.used == 0 and d.limit == 20
    assert "discarded" in d.steps[-1].detail


def test_restart_discards_an_earlier_extension(machine) -> None:
    d = reply(
        machine,
        ("extend", "2024-03-04"),
        ("request_correction", "2024-03-05"),
        received="2024-03-01",
    )
    assert d.status == "stopped"


def test_replaced_date_governs(machine) -> None:
    d = reply(
        machine,
        ("request_reasons", "2024-03-05"),
        ("set_reply_date", "2024-03-20", {"due": "2024-07-01"}),
        ("consult_agency", "2024-03-25"),
        ("agency_replied", "2024-04-25"),
    )
    assert d.due == D("2024-07-01")


def test_crossing_into_an_unpublished_year_is_provisional(machine) -> None:
    late = machine.fold(make_case("2026-12-10"), AS_OF).deadlines["reply"]
    assert late.due == D("2027-01-08")
    assert late.provisional is True
    assert late.to_dict()["provisional"] is True
    early = machine.fold(make_case("2026-11-02"), AS_OF).deadlines["reply"]
    assert (early.due, early.provisional) == (D("2026-11-30"), False)


def test_explanation_names_skipped_holidays_and_make_up_days(machine) -> None:
    d = machine.fold(make_case("2024-09-10"), AS_OF).deadlines["reply"]
    off, makeup, weekend = d.special_days()
    assert D("2024-10-01") in {i.day for i in off}
    assert {i.day for i in makeup} == {D("2024-09-14"), D("2024-09-29"), D("2024-10-12")}
    assert all(i.source == "holidays.China" for i in off)
    assert weekend > 0


def test_remaining_days_as_of(machine) -> None:
    case = make_case("2024-09-10")
    assert machine.fold(case, D("2024-09-10")).deadlines["reply"].remaining == 20
    assert machine.fold(case, D("2024-10-11")).deadlines["reply"].remaining == 2
    assert machine.fold(case, D("2024-10-16")).deadlines["reply"].remaining == -2


def test_json_gives_working_and_calendar_days_apart(machine) -> None:
    case = make_case("2024-09-10")
    doc = machine.fold(case, D("2024-09-30")).deadlines["reply"].to_dict()
    # due 2024-10-14; Oct 1-7 are the National Day holiday, Sat Oct 12 a make-up
    # working day: Oct 8, 9, 10, 11, 12 and 14 are left
    assert doc["due"] == "2024-10-14"
    assert doc["remaining_days"] == 14 and doc["remaining_working_days"] == 6
    paused = make_case(
        "2024-09-10", ("consult_third_party", "2024-09-12", {"delivered": "2024-09-12"})
    )
    pdoc = machine.fold(paused, D("2024-09-20")).deadlines["reply"].to_dict()
    assert pdoc["status"] == "paused"
    assert pdoc["remaining_days"] is None and pdoc["remaining_working_days"] == 18


@settings(max_examples=150, deadline=None)
@given(
    received=st.dates(D("2019-06-01"), D("2026-06-30")),
    pause_after=st.integers(0, 25),
    pause_len=st.integers(0, 40),
)
def test_adding_a_pause_never_moves_the_deadline_earlier(
    machine, received, pause_after, pause_len
) -> None:
    pause = received + dt.timedelta(days=pause_after)
    resume = pause + dt.timedelta(days=pause_len)
    base = machine.fold(make_case(received.isoformat()), AS_OF).deadlines["reply"].due
    paused = machine.fold(
        make_case(
            received.isoformat(),
            ("consult_agency", pause.isoformat()),
            ("agency_replied", resume.isoformat()),
        ),
        AS_OF,
    )
    assert paused.deadlines["reply"].due >= base
    minimum = machine.calendars.get("cn").add_working_days(received, 20)
    assert paused.deadlines["reply"].due >= minimum
