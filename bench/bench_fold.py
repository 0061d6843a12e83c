"""Fold throughput of a typical 6-event lifecycle, against pytransitions.

Run by hand:  python bench/bench_fold.py
Requires the ``bench`` extra (``pip install '.[bench]'``).

Both sides drive the same lifecycle (correction, third-party consultation,
extension, decision) through the same states. pytransitions only moves
between states; disclosure also validates each event's data and runs every
clock (working-day arithmetic included) — the comparison is conservative.
"""

from __future__ import annotations

import datetime as dt
import time

from disclosure import Case, Event, Machine, Ruleset, load_ruleset

LIFECYCLE = [
    ("request_correction", dt.date(2024, 9, 13), {"correction_period": 10}),
    ("correction_received", dt.date(2024, 9, 23), {}),
    ("consult_third_party", dt.date(2024, 9, 27), {"delivered": dt.date(2024, 9, 30)}),
    ("third_party_replied", dt.date(2024, 10, 21), {}),
    ("extend", dt.date(2024, 11, 8), {"working_days": 20}),
    ("decide", dt.date(2024, 12, 6), {"outcome": "partially_disclosed"}),
]


def lifecycles(n: int) -> list[Case]:
    """``n`` cases that each go through LIFECYCLE."""
    events = tuple(Event(t, on, d) for t, on, d in LIFECYCLE)
    return [
        Case(f"B-{i}", "natural_person", "in_person", dt.date(2024, 9, 10), events)
        for i in range(n)
    ]


def bench_disclosure(n: int) -> float:
    machine = Machine(load_ruleset("cn-ogi-2019"))
    cases = lifecycles(n)
    as_of = dt.date(2025, 1, 1)
    start = time.perf_counter()
    for case in cases:
        machine.fold(case, as_of)
    return time.perf_counter() - start


def bench_state_walk(n: int) -> float:
    """The same work as pytransitions: move the state by each event (``Machine.conclusion``)."""
    machine = Machine(load_ruleset("cn-ogi-2019"))
    cases = lifecycles(n)
    start = time.perf_counter()
    for case in cases:
        machine.conclusion(case)
    return time.perf_counter() - start


def transitions_of(rs: Ruleset) -> list[dict[str, object]]:
    """The ruleset's events as pytransitions transitions (the same lifecycle)."""
    return [
        {"trigger": name, "source": list(ev.from_), "dest": ev.to or "="}
        for name, ev in rs.events.items()
    ]


def bench_transitions(n: int) -> float:
    from transitions import Machine as TMachine

    rs = load_ruleset("cn-ogi-2019")
    transitions = transitions_of(rs)

    class Model:
        pass

    model = Model()
    machine = TMachine(
        model=model,
        states=list(rs.states),
        transitions=transitions,
        initial=rs.initial_state,
        auto_transitions=False,
    )
    start = time.perf_counter()
    for _ in range(n):
        machine.set_state(rs.initial_state, model)
        for name, _on, _data in LIFECYCLE:
            model.trigger(name)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def bench_transitions_per_case(n: int) -> float:
    """pytransitions as usually embedded: one Machine per case object."""
    from transitions import Machine as TMachine

    rs = load_ruleset("cn-ogi-2019")
    transitions = transitions_of(rs)
    states = list(rs.states)

    class Model:
        pass

    start = time.perf_counter()
    for _ in range(n):
        model = Model()
        TMachine(
            model=model,
            states=states,
            transitions=transitions,
            initial=rs.initial_state,
            auto_transitions=False,
        )
        for name, _on, _data in LIFECYCLE:
            model.trigger(name)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def run(n: int = 20_000) -> dict[str, float]:
    """Events per second for each side, best of three runs."""
    events = n * len(LIFECYCLE)
    bench_disclosure(500)  # warm up
    bench_transitions(500)
    walk = min(bench_state_walk(n) for _ in range(3))
    ours = min(bench_disclosure(n) for _ in range(3))
    theirs = min(bench_transitions(n) for _ in range(3))
    per_case = bench_transitions_per_case(n // 10) * 10
    return {
        "events": events,
        "disclosure_events_per_s": events / ours,
        "state_walk_events_per_s": events / walk,
        "ratio_state_walk": theirs / walk,
        "transitions_events_per_s": events / theirs,
        "transitions_machine_per_case_events_per_s": events / per_case,
        "ratio": theirs / ours,
        "ratio_machine_per_case": per_case / ours,
    }


def main() -> None:
    r = run()
    print(f"events: {r['events']:,}")
    print(
        f"state walk (the same work as pytransitions)    : "
        f"{r['state_walk_events_per_s']:12,.0f} events/s  ratio {r['ratio_state_walk']:.1f}x"
    )
    print(
        f"disclosure fold (validation, clocks, explanations): "
        f"{r['disclosure_events_per_s']:12,.0f} events/s"
    )
    print(
        f"transitions, one machine reused (states only)    : "
        f"{r['transitions_events_per_s']:12,.0f} events/s  ratio {r['ratio']:.1f}x"
    )
    print(
        f"transitions, one machine per case (states only)  : "
        f"{r['transitions_machine_per_case_events_per_s']:12,.0f} events/s  "
        f"ratio {r['ratio_machine_per_case']:.1f}x"
    )


if __name__ == "__main__":
    main()
