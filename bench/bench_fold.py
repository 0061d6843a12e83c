"""Fold throughput against pytransitions driving the same lifecycle.

Run by hand:  python bench/bench_fold.py [N]
Requires the ``bench`` extra (``pip install '.[bench]'``).

The headline is the work a user needs: fold each case **and read every
deadline** (due date, status, overdue, days remaining), as a due-list does.
Also measured: the fold with only the reply deadline read, and the fold
alone (state, outcome, findings; no deadline read). pytransitions only moves
between states (the same transitions, one machine reused), so it does less
than any of our rows.

Two workloads: the 6-event lifecycle (correction, third-party consultation,
extension, decision) and a realistic mix of short logs (most cases have one
to three events).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from disclosure import Case, Event, Machine, Ruleset, load_ruleset

D = dt.date
LIFECYCLE = [
    ("request_correction", D(2024, 9, 13), {"correction_period": 10}),
    ("correction_received", D(2024, 9, 23), {}),
    ("consult_third_party", D(2024, 9, 27), {"delivered": D(2024, 9, 30)}),
    ("third_party_replied", D(2024, 10, 21), {}),
    ("extend", D(2024, 11, 8), {"working_days": 20}),
    ("decide", D(2024, 12, 6), {"outcome": "partially_disclosed"}),
]

#: Short logs in the proportions a typical agency sees (weights out of 10).
SHORT_LOGS: list[tuple[int, list[tuple[str, dt.date, dict[str, Any]]]]] = [
    (4, [("decide", D(2024, 9, 30), {"outcome": "disclosed"})]),
    (1, [("decide", D(2024, 10, 8), {"outcome": "unavailable.not_held"})]),
    (
        2,
        [
            ("extend", D(2024, 10, 8), {"working_days": 20}),
            ("decide", D(2024, 10, 25), {"outcome": "partially_disclosed"}),
        ],
    ),
    (
        2,
        [
            ("request_correction", D(2024, 9, 12), {}),
            ("correction_received", D(2024, 9, 20), {}),
            ("decide", D(2024, 10, 15), {"outcome": "disclosed"}),
        ],
    ),
    (1, []),  # received, not yet answered
]

AS_OF = D(2025, 1, 1)
Log = Sequence[tuple[str, dt.date, dict[str, Any]]]


def cases_of(logs: Sequence[Log]) -> list[Case]:
    """One case per log, each with its own event objects (as read from a store)."""
    return [
        Case(
            f"B-{i}",
            "natural_person",
            "in_person",
            D(2024, 9, 10),
            tuple(Event(t, on, dict(d)) for t, on, d in log),
        )
        for i, log in enumerate(logs)
    ]


def lifecycles(n: int) -> list[Case]:
    return cases_of([LIFECYCLE] * n)


def short_logs(n: int) -> list[Log]:
    pattern = [log for weight, log in SHORT_LOGS for _ in range(weight)]
    return [pattern[i % len(pattern)] for i in range(n)]


def _read_every_deadline(machine: Machine, cases: list[Case]) -> None:
    fold = machine.fold
    for case in cases:
        for deadline in fold(case, AS_OF).deadlines.values():
            deadline.due  # noqa: B018 - reading is the point
            deadline.status  # noqa: B018
            deadline.overdue  # noqa: B018
            deadline.remaining  # noqa: B018


def _read_reply(machine: Machine, cases: list[Case]) -> None:
    fold = machine.fold
    for case in cases:
        fold(case, AS_OF).deadlines["reply"].due  # noqa: B018


def _state_only(machine: Machine, cases: list[Case]) -> None:
    fold = machine.fold
    for case in cases:
        fold(case, AS_OF)


def timed(work: Callable[[Machine, list[Case]], None], cases: list[Case]) -> float:
    machine = Machine(load_ruleset("cn-ogi-2019"))
    work(machine, cases[:50])  # calendars and compiled tables are built on first use
    start = time.perf_counter()
    work(machine, cases)
    return time.perf_counter() - start


def transitions_of(rs: Ruleset) -> list[dict[str, object]]:
    """The ruleset's events as pytransitions transitions (the same lifecycle)."""
    return [
        {"trigger": name, "source": list(ev.from_), "dest": ev.to or "="}
        for name, ev in rs.events.items()
    ]


def bench_transitions(logs: Sequence[Log]) -> float:
    from transitions import Machine as TMachine

    rs = load_ruleset("cn-ogi-2019")

    class Model:
        pass

    model = Model()
    machine = TMachine(
        model=model,
        states=list(rs.states),
        transitions=transitions_of(rs),
        initial=rs.initial_state,
        auto_transitions=False,
    )
    names = [[name for name, _on, _data in log] for log in logs]
    start = time.perf_counter()
    for log in names:
        machine.set_state(rs.initial_state, model)
        for name in log:
            model.trigger(name)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def run_workload(logs: Sequence[Log], repeat: int = 7) -> dict[str, float]:
    """Events per second for each row and the ratio to pytransitions.

    The rows and pytransitions are timed in turn, ``repeat`` rounds, and each
    keeps its best round: a shared machine's noise then hits both sides alike.
    """
    cases = cases_of(logs)
    events = sum(len(log) for log in logs)
    bench_transitions(logs[:500])
    work = {
        "every_deadline": _read_every_deadline,
        "reply_deadline": _read_reply,
        "state_only": _state_only,
    }
    best = {name: float("inf") for name in [*work, "transitions"]}
    for _ in range(repeat):
        for name, fn in work.items():
            best[name] = min(best[name], timed(fn, cases))
        best["transitions"] = min(best["transitions"], bench_transitions(logs))
    theirs = best.pop("transitions")
    out: dict[str, float] = {
        "cases": len(cases),
        "events": events,
        "transitions_events_per_s": events / theirs,
    }
    for name, seconds in best.items():
        out[f"{name}_events_per_s"] = events / seconds
        out[f"{name}_us_per_case"] = seconds / len(cases) * 1e6
        out[f"ratio_{name}"] = theirs / seconds
    return out


def run(n: int = 10_000) -> dict[str, dict[str, float]]:
    return {
        "lifecycle": run_workload([LIFECYCLE] * n),
        "short_logs": run_workload(short_logs(n)),
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    for name, r in run(n).items():
        print(f"{name}: {int(r['cases']):,} cases, {int(r['events']):,} events")
        for row, label in (
            ("every_deadline", "fold, every deadline read"),
            ("reply_deadline", "fold, reply deadline read"),
            ("state_only", "fold, no deadline read"),
        ):
            rate = r[f"{row}_events_per_s"]
            print(
                f"  {label:28s} {rate:12,.0f} events/s  {r[f'{row}_us_per_case']:6.1f} us/case"
                f"  {r[f'ratio_{row}']:5.1f}x transitions"
            )
        print(
            f"  {'pytransitions (states only)':28s} {r['transitions_events_per_s']:12,.0f} events/s"
        )


if __name__ == "__main__":
    main()
