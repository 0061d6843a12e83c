"""Fold throughput of a typical 6-event lifecycle, against pytransitions.

Run by hand:  python bench/bench_fold.py
Requires the ``bench`` extra (``pip install '.[bench]'``).

Both sides drive the same lifecycle (correction, third-party consultation,
extension, decision) through the same states. pytransitions only moves
between states; ``Machine.fold`` also checks everything that can reject an
event — transition allowed, dates in order and inside the calendar, data
present and typed, the once-only extension — and returns state, outcome,
closing day, next events and who must act. Its clocks run when a deadline is
first read, so the run that reads every deadline is measured too, as is the
fold with the fast path switched off (``walk=False``).
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
    """``n`` cases that each go through LIFECYCLE, each with its own event objects."""
    return [
        Case(
            f"B-{i}",
            "natural_person",
            "in_person",
            dt.date(2024, 9, 10),
            tuple(Event(t, on, dict(d)) for t, on, d in LIFECYCLE),
        )
        for i in range(n)
    ]


def bench_disclosure(n: int, *, walk: bool = True, read_deadlines: bool = False) -> float:
    machine = Machine(load_ruleset("cn-ogi-2019"), walk=walk)
    cases = lifecycles(n)
    as_of = dt.date(2025, 1, 1)
    fold = machine.fold
    # Setup, like building the pytransitions machine: the calendar is built on first use.
    fold(lifecycles(1)[0], as_of)
    start = time.perf_counter()
    if read_deadlines:
        for case in cases:
            for deadline in fold(case, as_of).deadlines.values():
                deadline.due  # noqa: B018 - reading is the point
    else:
        for case in cases:
            fold(case, as_of)
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
    read = min(bench_disclosure(n, read_deadlines=True) for _ in range(3))
    full = min(bench_disclosure(n, walk=False) for _ in range(3))
    theirs = min(bench_transitions(n) for _ in range(3))
    per_case = bench_transitions_per_case(n // 10) * 10
    return {
        "events": events,
        "disclosure_events_per_s": events / ours,
        "fold_read_deadlines_events_per_s": events / read,
        "full_fold_events_per_s": events / full,
        "state_walk_events_per_s": events / walk,
        "ratio_state_walk": theirs / walk,
        "transitions_events_per_s": events / theirs,
        "transitions_machine_per_case_events_per_s": events / per_case,
        "ratio": theirs / ours,
        "ratio_read_deadlines": theirs / read,
        "ratio_full_fold": theirs / full,
        "ratio_machine_per_case": per_case / ours,
    }


def main() -> None:
    r = run()
    ref = r["transitions_events_per_s"]
    print(f"events: {r['events']:,}")
    rows = [
        ("fold (validation and state; clocks on first read)", r["disclosure_events_per_s"]),
        ("fold, then every deadline read", r["fold_read_deadlines_events_per_s"]),
        ("fold with walk=False (clocks run at once)", r["full_fold_events_per_s"]),
        ("state walk only (Machine.conclusion)", r["state_walk_events_per_s"]),
        ("transitions, one machine reused (states only)", ref),
        (
            "transitions, one machine per case (states only)",
            r["transitions_machine_per_case_events_per_s"],
        ),
    ]
    for label, rate in rows:
        print(f"{label:52s}: {rate:12,.0f} events/s  {rate / ref:6.1f}x transitions")


if __name__ == "__main__":
    main()
