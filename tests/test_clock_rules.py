"""Clock rules a second regime needs: a clock the closing event starts, and a pause allowed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import D
from disclosure import (
    CalendarRegistry,
    Case,
    Event,
    EventRejected,
    Machine,
    load_ruleset,
    read_calendar_file,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def appeal() -> Machine:
    rs = load_ruleset(DATA / "rulesets" / "toy-appeal.yaml")
    return Machine(
        rs, calendars=CalendarRegistry([read_calendar_file(DATA / "calendars-weekdays.yaml")])
    )


def case(*events: Event) -> Case:
    return Case("A-1", "person", "online", D("2024-03-01"), events)


def test_a_clock_started_by_the_closing_event_runs_on(appeal: Machine) -> None:
    state = appeal.fold(
        case(Event("answer", D("2024-03-15"), {"outcome": "denied"})), D("2024-04-01")
    )
    assert state.closed and state.outcome == "denied"
    assert state.deadlines["response"].status == "met"
    window = state.deadlines["appeal_window"]
    assert window.status == "running"
    assert window.due == D("2024-06-13")  # 90 calendar days after the answer
    assert window.remaining == 73
    assert [s.action for s in window.steps] == ["start"]


def test_the_window_closes_when_the_appeal_comes(appeal: Machine) -> None:
    state = appeal.fold(
        case(
            Event("answer", D("2024-03-15"), {"outcome": "denied"}),
            Event("appeal", D("2024-05-02")),
        ),
        D("2024-06-01"),
    )
    assert state.state == "appealed"
    assert state.deadlines["appeal_window"].status == "met"


def test_a_clock_running_before_the_closing_event_still_stops(machine) -> None:
    """The national ruleset: the correction notice window stops when the case is decided."""
    from conftest import make_case

    state = machine.fold(
        make_case("2024-03-01", ("decide", "2024-03-05", {"outcome": "disclosed"})),
        D("2024-03-06"),
    )
    assert state.deadlines["correction_notice"].status == "stopped"


def test_a_pause_allowed_once_is_refused_the_second_time(appeal: Machine) -> None:
    once = case(Event("toll", D("2024-03-05")), Event("information_received", D("2024-03-12")))
    state = appeal.fold(once, D("2024-03-12"))
    assert state.deadlines["response"].status == "running"
    with pytest.raises(EventRejected, match=r"already been paused 1 time \(at most 1\)") as info:
        appeal.apply(once, Event("toll", D("2024-03-13")))
    assert info.value.state == "open"
    assert appeal.fold(once, D("2024-03-12")) == state  # the rejected event changed nothing


def test_max_times_on_a_pause_is_accepted_by_the_linter_and_on_a_start_is_not(
    tmp_path: Path,
) -> None:
    from disclosure import lint_ruleset

    text = (DATA / "rulesets" / "toy-appeal.yaml").read_text(encoding="utf-8")
    assert lint_ruleset(DATA / "rulesets" / "toy-appeal.yaml") == []
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        text.replace("start: {on: [receipt]}", "start: {on: [receipt], max_times: 1}"),
        encoding="utf-8",
    )
    assert any("'max_times' does not apply to 'start'" in p.message for p in lint_ruleset(bad))
