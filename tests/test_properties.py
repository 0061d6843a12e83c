"""Invariants over random lifecycles of the national ruleset (hypothesis)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import D, event_data
from disclosure import Case, Event, EventRejected, Machine

AS_OF = D("2031-01-01")


@st.composite
def lifecycles(draw: Any, machine: Machine) -> tuple[Case, list[Event]]:
    received = draw(st.dates(D("2019-06-01"), D("2026-10-01")))
    case = Case(
        "P-1",
        draw(st.sampled_from(sorted(machine.ruleset.applicant_kinds))),
        draw(st.sampled_from(sorted(machine.ruleset.channels))),
        received,
    )
    attempts: list[Event] = []
    on = received
    for _ in range(draw(st.integers(0, 10))):
        on = on + dt.timedelta(days=draw(st.integers(0, 25)))
        etype = draw(st.sampled_from(sorted(machine.ruleset.events)))
        attempts.append(Event(etype, on, event_data(draw, machine.ruleset, etype, on)))
    return case, attempts


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_lifecycles_keep_invariants(machine, data) -> None:
    case, attempts = data.draw(lifecycles(machine))
    minimum = machine.calendars.get("cn").add_working_days(case.received, 20)
    for event in attempts:
        before = machine.fold(case, AS_OF)
        try:
            updated = machine.apply(case, event)
        except EventRejected:
            # a rejected event changes nothing: same case, same folded state
            assert machine.fold(case, AS_OF) == before
            continue
        assert len(updated.events) == len(case.events) + 1
        case = updated
        first, second = machine.fold(case, AS_OF), machine.fold(case, AS_OF)
        assert first == second  # folding is deterministic
        if first.closed:
            assert first.outcome in machine.ruleset.outcomes
            assert first.closed_on is not None
        else:
            assert first.outcome is None
        reply = first.deadlines["reply"]
        if (
            reply.status == "running"
            and reply.due is not None
            and not any(e.type == "set_reply_date" for e in case.events)
        ):
            assert reply.due >= minimum  # never earlier than the working-day minimum
        assert set(first.next_events) == set(machine.allowed[first.state])


def accepted(machine: Machine, case: Case, attempts: list[Event]) -> Case:
    """The case with every attempted event the machine accepts, in order."""
    for event in attempts:
        try:
            case = machine.apply(case, event)
        except EventRejected:
            continue
    return case


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_explaining_is_the_same_fold_asked_for_more(machine, data) -> None:
    """The explaining fold reaches the fast fold's deadlines; its steps end where they do."""
    case = accepted(machine, *data.draw(lifecycles(machine)))
    state = machine.fold(case, AS_OF)
    explained = machine.explain(case, AS_OF)
    assert list(explained.clocks) == list(state.deadlines)
    for name, deadline in state.deadlines.items():
        run = explained.clocks[name]
        assert (run.status, run.due, run.limit, run.used) == (
            deadline._run.status,
            deadline._run.due,
            deadline._run.limit,
            deadline._run.used,
        )
        steps = deadline.steps
        assert steps, f"{name}: a started clock explains at least its start"
        assert steps[0].action in ("start", "restart")
        for span_start, span_end in deadline.spans:
            assert span_start < span_end
    assert [t.type for t in state.timeline] == [e.type for e in case.events]
    if state.timeline:
        assert state.timeline[-1].to_state == state.state


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_folded_state_pickles_with_its_explanation(machine, data) -> None:
    import pickle

    case = accepted(machine, *data.draw(lifecycles(machine)))
    state = machine.fold(case, AS_OF)
    copy = pickle.loads(pickle.dumps(state))
    assert copy == state
    assert copy.timeline == state.timeline
    for name, deadline in state.deadlines.items():
        assert copy.deadlines[name].steps == deadline.steps
        assert copy.deadlines[name].spans == deadline.spans
