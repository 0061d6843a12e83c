"""The validating walk (fold's fast path) agrees with the full fold on every log."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import attrs
import pytest
from disclosure.lifecycle.walk import _compile_check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, EXAMPLES, GUANGXI, D, event_data, make_case
from disclosure import CalendarRegistry, Case, DisclosureError, Event, Machine, load_ruleset
from disclosure.plugins import DeadlinePolicy
from disclosure.rules.model import FieldSpec

AS_OF = D("2027-03-01")
SAFE = D("2030-01-01")
TYPICAL = (
    ("request_correction", "2024-09-13", {"correction_period": 10}),
    ("correction_received", "2024-09-23"),
    ("consult_third_party", "2024-09-27", {"delivered": D("2024-09-30")}),
    ("third_party_replied", "2024-10-21"),
    ("extend", "2024-11-08", {"working_days": 20}),
    ("decide", "2024-12-06", {"outcome": "partially_disclosed"}),
)


TOY = DATA / "rulesets" / "toy-foi.yaml"


@pytest.fixture(scope="module", params=["cn-ogi-2019", "toy-foi"])
def machines(request: pytest.FixtureRequest, tmp_path_factory: Any) -> tuple[Machine, Machine]:
    """The national ruleset, and the toy regime with its one data-given limit bounded."""
    if request.param == "toy-foi":
        path = tmp_path_factory.mktemp("toy") / "toy-foi.yaml"
        text = TOY.read_text(encoding="utf-8")
        bounded = text.replace(
            "default_from: clarification_days}", "default_from: clarification_days, max: 60}"
        )
        assert bounded != text
        path.write_text(bounded, encoding="utf-8")
        rs = load_ruleset(str(path))
    else:
        rs = load_ruleset(request.param)
    registry = CalendarRegistry.default(
        [EXAMPLES / "calendars", GUANGXI, DATA / "calendars-weekdays.yaml"]
    )
    fast = Machine(rs, calendars=registry)
    assert fast._walk is not None and fast._walk.root is not None
    return fast, Machine(rs, calendars=registry, walk=False)


@pytest.fixture(scope="module")
def national(calendars: CalendarRegistry) -> tuple[Machine, Machine]:
    rs = load_ruleset("cn-ogi-2019")
    return Machine(rs, calendars=calendars), Machine(rs, calendars=calendars, walk=False)


def outcome_of(machine: Machine, case: Case) -> Any:
    """The folded state as plain data, or the rejection as (type, message)."""
    try:
        state = machine.fold(case, AS_OF)
    except DisclosureError as exc:
        return type(exc).__name__, str(exc)
    try:
        return state.to_dict(), state.timeline
    except DisclosureError as exc:  # reading must never fail where folding succeeded
        return "on read", type(exc).__name__, str(exc)


def mangle(draw: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Data the walk must decline or judge exactly: wrong types, nulls, unknown keys."""
    choice = draw(st.integers(0, 9))
    out = dict(data)
    if choice == 0 and out:
        out[draw(st.sampled_from(sorted(out)))] = None
    elif choice == 1:
        out[draw(st.sampled_from(["note", "bogus", "on"]))] = "x"
    elif choice == 2 and out:
        key = draw(st.sampled_from(sorted(out)))
        value = out[key]
        out[key] = value.isoformat() if isinstance(value, dt.date) else True
    elif choice == 3 and out:
        key = draw(st.sampled_from(sorted(out)))
        out[key] = 3.0 if isinstance(out[key], int) else 7
    return out


@st.composite
def logs(draw: Any, machine: Machine) -> Case:
    """Random logs: mostly plausible, some broken, some near the calendar's ends."""
    rs = machine.ruleset
    edge = draw(st.integers(0, 9)) == 0  # one case in ten near a calendar's ends
    received = draw(
        st.one_of(st.dates(D("2040-06-01"), D("2040-12-31")), st.just(D("2000-01-01")))
        if edge
        else st.dates(D("2019-01-01"), D("2026-12-31"))
    )
    types = sorted(rs.events)
    events = []
    on = received
    for _ in range(draw(st.integers(0, 9))):
        on = on + dt.timedelta(days=draw(st.integers(-1, 30)))
        if events and not draw(st.integers(0, 3)):
            etype = events[-1].type  # repeats exercise the once-only rules
        elif draw(st.integers(0, 3)):
            allowed = machine.allowed[machine_state(machine, received, events)]
            etype = draw(st.sampled_from(allowed or types))
        else:
            etype = draw(st.sampled_from(types))
        data = event_data(draw, rs, etype, on)
        if not draw(st.integers(0, 11)):
            data = mangle(draw, data)
        events.append(Event(etype, on, data))
    return Case(
        "W-1",
        draw(st.sampled_from([*sorted(rs.applicant_kinds)] * 3 + ["martian"])),
        draw(st.sampled_from(sorted(rs.channels))),
        received,
        tuple(events),
        calendar=draw(st.sampled_from([None] * 4 + ["cn", "cn-guangxi", "weekdays", "nowhere"])),
    )


def machine_state(machine: Machine, received: dt.date, events: list[Event]) -> str:
    """The state the events lead to by transitions alone (invalid steps ignored)."""
    state = machine.initial
    for event in events:
        step = machine.transitions.get((state, event.type))
        if step is not None:
            state = step.target
    return state


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_walk_and_full_fold_agree(machines: tuple[Machine, Machine], data: Any) -> None:
    fast, full = machines
    case = data.draw(logs(fast))
    assert outcome_of(fast, case) == outcome_of(full, case)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_walk_takes_valid_logs_and_agrees(machines: tuple[Machine, Machine], data: Any) -> None:
    """Logs grown one accepted event at a time: the walk must take nearly all of them."""
    fast, full = machines
    rs = full.ruleset
    case = Case(
        "W-2",
        data.draw(st.sampled_from(sorted(rs.applicant_kinds))),
        data.draw(st.sampled_from(sorted(rs.channels))),
        data.draw(st.dates(D("2019-01-01"), D("2026-06-30"))),
    )
    on = case.received
    for _ in range(data.draw(st.integers(0, 8))):
        on = on + dt.timedelta(days=data.draw(st.integers(0, 20)))
        allowed = full.allowed[full.fold(case, AS_OF).state]
        if not allowed:
            break
        etype = data.draw(st.sampled_from(allowed))
        try:
            case = full.apply(case, Event(etype, on, event_data(data.draw, rs, etype, on)))
        except DisclosureError:
            continue
    walked = fast._walk.fold(case, AS_OF) if fast._walk else None
    lapses = any(e.type.endswith("_lapsed") for e in case.events)
    assert walked is not None or lapses  # only lapses need the clocks to be judged
    assert outcome_of(fast, case) == outcome_of(full, case)


def test_typical_lifecycle_skips_the_clocks_until_read(
    national: tuple[Machine, Machine], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, full = national
    case = make_case("2024-09-10", *TYPICAL)
    calls: list[str] = []
    real = Machine._fold_full

    def counting(self: Machine, case: Case, when: dt.date) -> Any:
        calls.append(case.id)
        return real(self, case, when)

    monkeypatch.setattr(Machine, "_fold_full", counting)
    state = fast.fold(case, AS_OF)
    assert calls == []  # state, outcome and next events without running a clock
    assert (state.state, state.outcome, state.closed_on) == (
        "concluded",
        "partially_disclosed",
        D("2024-12-06"),
    )
    assert state.deadlines["reply"].status == "met"
    assert calls == ["T-1"]  # the clocks ran once, on first read
    assert state.findings == () and len(state.timeline) == 6
    assert calls == ["T-1"]
    assert state == full.fold(case, AS_OF)


@pytest.mark.parametrize(
    "case",
    [
        # a lapse must be checked against the running clock's due date
        make_case(
            "2024-09-10", ("request_correction", "2024-09-13"), ("correction_lapsed", "2024-10-08")
        ),
        # a deadline could fall off the end of the calendar (2040)
        make_case("2040-12-20", ("request_correction", "2040-12-21")),
        # text dates are parsed by the full fold
        make_case("2024-09-10", ("consult_third_party", "2024-09-12", {"delivered": "2024-09-13"})),
        # a null value is judged by the full fold
        make_case("2024-09-10", ("extend", "2024-09-12", {"working_days": None})),
        # received on the calendar's first day
        make_case("2000-01-01"),
    ],
    ids=["lapse", "calendar-end", "text-date", "null", "first-day"],
)
def test_walk_declines_what_needs_the_full_fold(
    national: tuple[Machine, Machine], case: Case
) -> None:
    fast, full = national
    assert fast._walk is not None and fast._walk.fold(case, AS_OF) is None
    assert outcome_of(fast, case) == outcome_of(full, case)


def test_second_extension_is_refused_either_way(national: tuple[Machine, Machine]) -> None:
    fast, full = national
    case = make_case("2024-09-10", ("extend", "2024-10-08"), ("extend", "2024-10-09"))
    assert fast._walk is not None and fast._walk.fold(case, AS_OF) is None
    kind, message = outcome_of(fast, case)
    assert kind == "EventRejected" and "already been extended 1 time" in message
    assert outcome_of(full, case) == (kind, message)


def test_deadline_past_calendar_end_is_rejected_either_way(
    national: tuple[Machine, Machine],
) -> None:
    fast, full = national
    case = make_case("2040-11-26", ("request_correction", "2040-12-20", {"correction_period": 60}))
    assert fast._walk is not None and fast._walk.fold(case, AS_OF) is None
    kind, message = outcome_of(fast, case)
    assert kind == "EventRejected" and "past the end of calendar 'cn'" in message
    assert outcome_of(full, case) == (kind, message)


def test_machine_with_a_deadline_policy_always_runs_the_clocks(calendars: CalendarRegistry) -> None:
    def policy(case: Case, clock: str, rs: Any) -> tuple[str, DeadlinePolicy] | None:
        return ("test", DeadlinePolicy(limit=5, name="five")) if clock == "reply" else None

    machine = Machine(load_ruleset("cn-ogi-2019"), calendars=calendars, policy=policy)
    assert machine._walk is None
    state = machine.fold(make_case("2024-09-10"), D("2024-09-11"))
    # five working days: 11-13 September, the make-up Saturday 14th, then the 18th
    assert state.deadlines["reply"].due == D("2024-09-18")


@pytest.mark.parametrize("name", ["it's", 'say "hi"', "行\n2", "a\\b"])
def test_generated_data_check_takes_any_field_name(name: str) -> None:
    rs = load_ruleset("cn-ogi-2019")
    check = _compile_check({name: FieldSpec(type="int", required=True, min=1, max=3)}, rs)
    received = D("2024-01-01")
    assert check({name: 2}, received, SAFE)
    assert not check({name: 4}, received, SAFE)
    assert not check({name: True}, received, SAFE)
    assert not check({name: 2, "other": 1}, received, SAFE)
    assert not check({"other": 1}, received, SAFE)


@pytest.mark.parametrize(
    ("spec", "good", "bad"),
    [
        (
            FieldSpec(type="date"),
            D("2024-01-02"),
            [D("2023-12-31"), D("2030-01-02"), "2024-01-02", 3],
        ),
        (FieldSpec(type="number", min=0.5), 2.5, [0.25, "2", False]),
        (FieldSpec(type="bool"), False, [0, "no"]),
        (FieldSpec(type="str"), "x", [1, b"x"]),
        (FieldSpec(type="choice", choices=("per_item", "per_volume")), "per_item", ["other", 1]),
        (FieldSpec(type="outcome", allowed=("withheld",)), "withheld.state_secret", ["disclosed"]),
    ],
)
def test_generated_value_tests(spec: FieldSpec, good: Any, bad: list[Any]) -> None:
    check = _compile_check({"f": spec}, load_ruleset("cn-ogi-2019"))
    received = D("2024-01-01")
    assert check({"f": good}, received, SAFE)
    for value in bad:
        assert not check({"f": value}, received, SAFE), value


def on_calendar(case: Case, calendar: str, received: str | None = None) -> Case:
    return attrs.evolve(
        case, calendar=calendar, received=D(received) if received else case.received
    )


def test_walk_follows_calendars_added_later(tmp_path: Any) -> None:
    from disclosure.calendars.registry import read_calendar_file

    registry = CalendarRegistry.default()
    machine = Machine(load_ruleset("cn-ogi-2019"), calendars=registry)
    case = make_case("2024-09-10", ("decide", "2024-09-13", {"outcome": "disclosed"}))
    local = on_calendar(case, "local")
    with pytest.raises(DisclosureError, match="no calendar 'local'"):
        machine.fold(local, AS_OF)

    def write(first_year: int) -> Any:
        path = tmp_path / f"local-{first_year}.yaml"
        path.write_text(
            f"calendar: {{id: local, extends: cn, first_year: {first_year}}}\n"
            "holidays:\n  - {date: 2024-09-11, name: local day}\n",
            encoding="utf-8",
        )
        return read_calendar_file(path)

    registry.add(write(2020))
    state = machine.fold(local, AS_OF)
    assert machine._walk is not None and machine._walk.fold(local, AS_OF) is not None
    assert state.calendar == "local" and state.outcome == "disclosed"
    # the local holiday moves the reply deadline by a day compared with 'cn'
    assert state.deadlines["reply"].due == D("2024-10-15")
    # replaced by a calendar starting on the day of receipt: the walk sees the change
    registry.add(write(2024), replace=True)
    assert machine._walk.fold(on_calendar(case, "local", "2024-01-01"), AS_OF) is None


def test_machines_and_states_pickle(national: tuple[Machine, Machine]) -> None:
    """Both cross process boundaries (multiprocessing) as they did before the walk."""
    fast, _ = national
    case = make_case("2024-09-10", *TYPICAL)
    state = fast.fold(case, AS_OF)
    copy = pickle.loads(pickle.dumps(state))
    assert copy == state and copy.to_dict() == state.to_dict()
    assert copy.next_events == state.next_events and copy.timeline == state.timeline
    machine = pickle.loads(pickle.dumps(fast))
    assert machine._walk is not None
    assert machine.fold(case, AS_OF) == state
