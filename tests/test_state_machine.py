"""Stateful property tests: random lifecycles driven step by step, and store round trips."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from conftest import D, event_data
from disclosure import CalendarRegistry, Case, Engine, Event, EventRejected, Machine, load_ruleset
from disclosure.plugins import Plugins
from disclosure.reports.template import load_template
from disclosure.store import Store

RULESET = load_ruleset("cn-ogi-2019")
MACHINE = Machine(RULESET, calendars=CalendarRegistry.default())
TEMPLATE = load_template("cn-annual-2021", RULESET)
ROWS = TEMPLATE.outcome_rows()
AS_OF = D("2031-01-01")
EVENT_TYPES = sorted(RULESET.events)


class Lifecycle(RuleBasedStateMachine):
    """Apply random events; after every step the case must make sense."""

    @initialize(
        received=st.dates(D("2019-06-01"), D("2026-10-01")),
        kind=st.sampled_from(sorted(RULESET.applicant_kinds)),
    )
    def receive(self, received: dt.date, kind: str) -> None:
        self.case = Case("SM-1", kind, "online", received)
        self.last = received
        self.minimum = MACHINE.calendars.get("cn").add_working_days(received, 20)

    @rule(data=st.data(), etype=st.sampled_from(EVENT_TYPES), gap=st.integers(-2, 30))
    def apply_event(self, data: Any, etype: str, gap: int) -> None:
        on = self.last + dt.timedelta(days=gap)
        event = Event(etype, on, event_data(data.draw, RULESET, etype, on))
        before = MACHINE.fold(self.case, AS_OF)
        try:
            updated = MACHINE.apply(self.case, event)
        except EventRejected:
            assert MACHINE.fold(self.case, AS_OF) == before  # a rejected event changes nothing
            return
        self.case = updated
        self.last = on

    @invariant()
    def fold_is_deterministic(self) -> None:
        assert MACHINE.fold(self.case, AS_OF) == MACHINE.fold(self.case, AS_OF)

    @invariant()
    def closed_cases_have_exactly_one_report_row(self) -> None:
        state = MACHINE.fold(self.case, AS_OF)
        if state.closed:
            assert state.outcome is not None and state.outcome in ROWS
            rows = [r for r in TEMPLATE.table3.data_rows if state.outcome in r.outcomes]
            mapped = state.outcome in TEMPLATE.table3.mapping
            assert len(rows) + int(mapped) == 1
        else:
            assert state.outcome is None

    @invariant()
    def reply_deadline_never_before_the_minimum(self) -> None:
        state = MACHINE.fold(self.case, AS_OF)
        reply = state.deadlines.get("reply")
        replaced = any(e.type == "set_reply_date" for e in self.case.events)
        if reply is not None and reply.due is not None and not replaced:
            assert reply.due >= self.minimum


TestLifecycle = Lifecycle.TestCase
TestLifecycle.settings = settings(
    max_examples=60,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def valid_cases(draw: Any) -> list[Case]:
    out = []
    for i in range(draw(st.integers(1, 6))):
        case = Case(
            f"RT-{i}",
            draw(st.sampled_from(sorted(RULESET.applicant_kinds))),
            draw(st.sampled_from(sorted(RULESET.channels))),
            draw(st.dates(D("2020-01-01"), D("2025-06-01"))),
            subject=draw(st.text(max_size=8)),
            contact=draw(st.text(max_size=6)),
        )
        last = case.received
        for _ in range(draw(st.integers(0, 5))):
            on = last + dt.timedelta(days=draw(st.integers(0, 20)))
            etype = draw(st.sampled_from(EVENT_TYPES))
            try:
                case = MACHINE.apply(
                    case,
                    Event(
                        etype,
                        on,
                        event_data(draw, RULESET, etype, on),
                        note=draw(st.text(max_size=5)),
                    ),
                )
                last = on
            except EventRejected:
                pass
        out.append(case)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def _round_trip(cases: list[Case]) -> None:
    from disclosure import load_cases

    engine = Engine(plugins=Plugins.builtin_only())
    with tempfile.TemporaryDirectory() as tmp:
        first = Store(Path(tmp) / "a.db", engine)
        first.import_cases(cases)
        exported = list(first.iter_cases())
        f = Path(tmp) / "out.yaml"
        from disclosure.lifecycle.case import dump_cases_yaml

        f.write_text(dump_cases_yaml([c.to_dict() for c in exported]), encoding="utf-8")
        second = Store(Path(tmp) / "b.db", engine)
        second.import_cases(load_cases(f))
        again = list(second.iter_cases())
        assert again == exported
        assert sorted(exported, key=lambda c: c.id) == sorted(
            (engine.normalize(c) for c in cases), key=lambda c: c.id
        )
        first.close()
        second.close()


def test_store_round_trip_is_exact() -> None:
    from hypothesis import given

    given(valid_cases())(_round_trip)()
