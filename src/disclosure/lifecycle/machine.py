"""The compiled state machine: fold a case's event log into its state.

A :class:`Machine` is built once per ruleset and agency. Each (state, event)
pair the ruleset allows becomes a :class:`Transition` holding everything the
fold needs: the target state, the event's compiled data check
(:class:`~disclosure.rules.fields.EventFields`) and its clock actions as
closures over :class:`~disclosure.lifecycle.clocks.ClockRun` methods. Folding
an event is one dictionary lookup, a few integer comparisons and those calls.

There is one fold. It decides whether each event is allowed, checks its data,
moves the clocks and records findings; asked to explain (``explain=True``) it
also records every clock step and the timeline, which a :class:`CaseState`
asks for only when someone reads them. A case is never mutated:
:meth:`Machine.append` validates by folding and returns the new state, so a
rejected event changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from disclosure.calendars.calendar import WorkingCalendar
from disclosure.calendars.registry import CalendarRegistry
from disclosure.errors import (
    CalendarRangeError,
    ClockRefusal,
    DisclosureError,
    EventRejected,
    NotFoundError,
    did_you_mean,
)
from disclosure.lifecycle.case import Case, Event
from disclosure.lifecycle.clocks import PAUSE_COUNTS_PAUSE_DAY, RUNNING, ClockKind, ClockRun
from disclosure.lifecycle.policy import DeadlinePolicy
from disclosure.lifecycle.state import CaseState, Deadlines, Finding, TimelineEntry
from disclosure.rules.fields import EventFields, FieldProblem, parameter_problem
from disclosure.rules.model import CLOCK_ACTIONS, RECEIPT, EventSpec, Ruleset, Trigger

#: The finding code and wording when a clock action comes after its due date.
_LATE = {
    "extend": ("extended_after_due", "extension granted after the deadline"),
    "replace": ("replaced_after_due", "new date set after the deadline"),
    "complete": ("deadline_missed", "done after the deadline"),
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NO_DATA: Mapping[str, Any] = {}

#: A deadline policy lookup: (case, clock, ruleset) -> (plugin, policy) or None.
PolicyLookup = Callable[[Case, str, Ruleset], "tuple[str, DeadlinePolicy] | None"]

#: One compiled clock action: (fold, event type, day number, data) -> None.
ClockAction = Callable[["Fold", str, int, Mapping[str, Any]], None]


class Fold:
    """Working state of one fold; the clocks are handed to the CaseState at the end."""

    __slots__ = (
        "base",
        "cal",
        "case",
        "clocks",
        "closed_on",
        "counts",
        "explain",
        "findings",
        "kinds",
        "last",
        "outcome",
        "received",
        "size",
        "state",
        "timeline",
    )

    def __init__(
        self,
        state: str,
        cal: WorkingCalendar,
        kinds: Mapping[str, ClockKind],
        case: Case,
        received: int,
        explain: bool,
    ) -> None:
        self.state = state
        self.case = case
        self.cal = cal
        self.base = cal.base
        self.size = cal.size
        self.kinds = kinds
        self.explain = explain
        self.clocks: dict[str, ClockRun] = {}
        self.outcome: str | None = None
        self.closed_on: dt.date | None = None
        #: How often each limited event type has happened (only those with max_times).
        self.counts: dict[str, int] | None = None
        self.findings: list[Finding] | None = None
        self.timeline: list[TimelineEntry] | None = [] if explain else None
        #: Day numbers of receipt and of the last event applied.
        self.received = received
        self.last = received


@attrs.frozen
class Transition:
    """Everything needed to apply one event type in one state, looked up once."""

    event: str
    target: str
    spec: EventSpec
    closes: bool
    outcome_field: str | None
    fields: EventFields
    #: Whether the data must be checked even when the event carries none.
    check_fields: bool
    actions: tuple[ClockAction, ...]
    lapsed_clock: str | None
    on_receipt_day: bool
    #: Clocks this event starts: a closing event's own clocks (an appeal window) run on.
    starts: frozenset[str]
    #: At most this many events of this type per case.
    max_times: int | None = None
    #: Outcome code -> (target state, closes) where the outcome decides the target.
    to_for: Mapping[str, tuple[str, bool]] = attrs.field(factory=dict)


class Machine:
    """A ruleset compiled for folding cases.

    ``calendars`` resolves calendar ids (default: the built-in calendars);
    ``parameters`` overrides the ruleset's tunable parameters for one agency;
    ``policy`` (case, clock, ruleset) -> (source, DeadlinePolicy) may change a
    clock's limit for one case (plugins' deadline policies);
    ``default_calendar`` replaces the ruleset's for cases that name none.
    """

    def __init__(
        self,
        ruleset: Ruleset,
        *,
        calendars: CalendarRegistry | None = None,
        parameters: Mapping[str, Any] | None = None,
        policy: PolicyLookup | None = None,
        default_calendar: str | None = None,
    ) -> None:
        if not isinstance(ruleset, Ruleset):
            raise TypeError(
                f"Machine needs a Ruleset, got {ruleset!r} (by name: Engine().machine(name))"
            )
        self.ruleset = ruleset
        self.policy = policy
        self.default_calendar = default_calendar or ruleset.ruleset.default_calendar
        self.calendars = calendars if calendars is not None else CalendarRegistry.default()
        self.parameters = self._parameters(parameters or {})
        #: How many folds this machine has run (fast and explaining): for tests and profiling.
        self.folds = 0
        self._compile()

    def _compile(self) -> None:
        rs = self.ruleset
        self.initial = rs.initial_state
        self._ruleset_id = rs.id
        self._applicant_kinds = frozenset(rs.applicant_kinds)
        self._channels = frozenset(rs.channels)
        self.lapse_of: dict[str, str] = {
            c.lapse_event: name for name, c in rs.clocks.items() if c.lapse_event
        }
        self.compliance = {name: c.compliance for name, c in rs.clocks.items()}
        self.pause_day_counts = (
            str(self.parameters.get("pause_convention", PAUSE_COUNTS_PAUSE_DAY))
            == PAUSE_COUNTS_PAUSE_DAY
        )
        self.count_trigger_day = bool(self.parameters.get("count_trigger_day", False))
        triggered: dict[str, list[tuple[int, str, str, Trigger]]] = {}
        for cname, clock in rs.clocks.items():
            for order, action in enumerate(CLOCK_ACTIONS):
                trig = clock.trigger(action)
                if trig is not None:
                    for ev_name in trig.on:
                        triggered.setdefault(ev_name, []).append((order, action, cname, trig))
        actions = {
            ev: tuple(
                self._when_outcome(self._clock_action(a, c, t), t)
                for _, a, c, t in sorted(v, key=lambda x: x[0])
            )
            for ev, v in triggered.items()
        }
        self._receipt = actions.get(RECEIPT, ())
        starts = {
            ev: frozenset(c for _, a, c, _ in v if a in ("start", "restart"))
            for ev, v in triggered.items()
        }
        self.fields: dict[str, EventFields] = {
            name: EventFields(name, ev.fields, rs, self.parameters)
            for name, ev in rs.events.items()
        }
        self.case_fields = EventFields("fields", rs.case_fields, rs, self.parameters, "the case")
        #: Each event type's date fields: all that :meth:`normalize` may change.
        self._date_fields: dict[str, frozenset[str]] = {
            name: frozenset(f for f, sp in ev.fields.items() if sp.type == "date")
            for name, ev in rs.events.items()
        }
        self._case_fields_required = any(sp.required for sp in rs.case_fields.values())
        self.transitions: dict[tuple[str, str], Transition] = {}
        allowed: dict[str, list[str]] = {s: [] for s in rs.states}
        for name, ev in rs.events.items():
            outcome_field = next((f for f, sp in ev.fields.items() if sp.type == "outcome"), None)
            for st in ev.from_:
                target = ev.to or st
                opened = not rs.states[st].closed
                self.transitions[(st, name)] = Transition(
                    name,
                    target,
                    ev,
                    rs.states[target].closed and opened,
                    outcome_field,
                    self.fields[name],
                    bool(ev.fields),
                    actions.get(name, ()),
                    self.lapse_of.get(name),
                    ev.on_receipt_day,
                    starts.get(name, frozenset()),
                    ev.max_times,
                    {
                        code: (state, rs.states[state].closed and opened)
                        for key, state in ev.to_for.items()
                        for code in rs.outcomes
                        if rs.outcome_matches(code, (key,))
                    },
                )
                allowed[st].append(name)
        self.allowed: dict[str, tuple[str, ...]] = {s: tuple(v) for s, v in allowed.items()}
        self._kinds: dict[int, tuple[WorkingCalendar, dict[str, ClockKind]]] = {}

    def _clock_kinds(self, cal: WorkingCalendar) -> dict[str, ClockKind]:
        """The ruleset's clocks on one calendar, built once per calendar."""
        known = self._kinds.get(id(cal))
        if known is not None and known[0] is cal:
            return known[1]
        kinds = {
            name: ClockKind(name, spec, cal, self.pause_day_counts, self.count_trigger_day)
            for name, spec in self.ruleset.clocks.items()
        }
        self._kinds[id(cal)] = (cal, kinds)
        return kinds

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the definition only: the compiled tables are rebuilt on load."""
        return (
            _machine,
            (self.ruleset, self.calendars, self.parameters, self.policy, self.default_calendar),
        )

    def _parameters(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        values = self.ruleset.parameter_defaults()
        for key, value in overrides.items():
            spec = self.ruleset.parameters.get(key)
            if spec is None:
                raise NotFoundError(
                    f"ruleset {self.ruleset.id} has no parameter '{key}' "
                    f"({did_you_mean(key, self.ruleset.parameters)})"
                )
            why = parameter_problem(self.ruleset, key, value)
            if why:
                raise DisclosureError(f"ruleset {self.ruleset.id}: parameter '{key}': {why}")
            values[key] = value
        return values

    # -- compiling clock actions --------------------------------------------------------
    def _when_outcome(self, act: ClockAction, trig: Trigger) -> ClockAction:
        """``act``, done only for the outcomes the trigger names (all when it names none)."""
        if not trig.outcomes:
            return act
        rs = self.ruleset
        accepted = frozenset(c for c in rs.outcomes if rs.outcome_matches(c, trig.outcomes))
        given = {
            name: (rs.events[name].outcome_field, rs.events[name].outcome)
            for name in trig.on
            if name in rs.events
        }

        def conditional(fold: Fold, etype: str, on: int, data: Mapping[str, Any]) -> None:
            field, fixed = given.get(etype, (None, None))
            if (data.get(field) if field else fixed) in accepted:
                act(fold, etype, on, data)

        return conditional

    def _clock_action(self, action: str, clock: str, trig: Trigger) -> ClockAction:
        """One clock action of one event, as a closure over the ClockRun method."""
        spec = self.ruleset.clocks[clock]
        late = _LATE.get(action) if spec.compliance else None

        if action in ("start", "restart"):
            restart = action == "restart"
            from_field, limit_field = trig.from_field, trig.limit_field

            def start(fold: Fold, etype: str, on: int, data: Mapping[str, Any]) -> None:
                run = fold.clocks.get(clock)
                if run is None:
                    run = fold.clocks[clock] = ClockRun(fold.kinds[clock], fold.explain)
                begin = on
                if from_field is not None and data.get(from_field) is not None:
                    begin = _day_number(fold.cal, from_field, data[from_field])
                limit = data.get(limit_field) if limit_field is not None else None
                policy = None
                if limit is None and self.policy is not None:
                    policy = self.policy(fold.case, clock, self.ruleset)
                    if policy is not None and policy[1].limit is not None:
                        limit = policy[1].limit
                run.start(begin, etype, limit, restart, policy)

            return start

        if action == "resume":

            def resume(fold: Fold, etype: str, on: int, data: Mapping[str, Any]) -> None:
                run = fold.clocks.get(clock)
                if run is None:
                    return
                lapsed = self.lapse_of.get(etype)
                lapsed_run = fold.clocks.get(lapsed) if lapsed else None
                run.resume(on, etype, lapsed_run.period_end() if lapsed_run else None)

            return resume

        if action == "pause":
            most = trig.max_times

            def pause(fold: Fold, etype: str, on: int, data: Mapping[str, Any]) -> None:
                run = fold.clocks.get(clock)
                if run is not None:
                    run.pause(on, etype, most)

            return pause

        if action == "stop":

            def stop(fold: Fold, etype: str, on: int, data: Mapping[str, Any]) -> None:
                run = fold.clocks.get(clock)
                if run is not None:
                    run.stop(on, etype)

            return stop

        by_field, date_field, max_times = trig.by_field, trig.date_field, trig.max_times

        def timed(fold: Fold, etype: str, on: int, data: Mapping[str, Any]) -> None:
            run = fold.clocks.get(clock)
            if run is None:
                return
            due_before = run.due
            if action == "extend":
                assert by_field is not None
                run.extend(on, etype, int(data[by_field]), max_times)
            elif action == "replace":
                assert date_field is not None
                run.replace(
                    on, etype, _day_number(fold.cal, date_field, data[date_field]), max_times
                )
            else:
                run.complete(on, etype)
            if late is not None and due_before is not None and on > due_before:
                self._late(fold, clock, etype, on, due_before, *late)

        return timed

    def _late(
        self, fold: Fold, clock: str, etype: str, on: int, due: int, code: str, what: str
    ) -> None:
        spec = self.ruleset.clocks[clock]
        day, due_day = fold.cal.date_of(on), fold.cal.date_of(due)
        if fold.findings is None:
            fold.findings = []
        fold.findings.append(
            Finding(
                code,
                "warning",
                f"{spec.en or clock}: '{etype}' on {day} — {what} ({due_day})",
                day,
                clock,
                etype,
            )
        )

    # -- public API ---------------------------------------------------------
    def calendar_for(self, case: Case) -> WorkingCalendar:
        return self.calendars.get(case.calendar or self.default_calendar)

    def fold(self, case: Case, as_of: dt.date | None = None) -> CaseState:
        """Fold the whole log; raise :class:`EventRejected` at the first bad event."""
        when = as_of or dt.date.today()
        fold = self._start(case, False)
        for event in case.events:
            self._apply(fold, event)
        return self._result(fold, case, when)

    def explain(self, case: Case, as_of: dt.date) -> Fold:
        """The same fold, recording every clock step and the timeline (for explanations)."""
        fold = self._start(case, True)
        for event in case.events:
            self._apply(fold, event)
        return fold

    def append(self, case: Case, event: Event, as_of: dt.date | None = None) -> CaseState:
        """The state of ``case`` with ``event`` appended, or raise and change nothing.

        One fold: the returned state's ``case`` is the new case, its event's
        data normalized (dates parsed, defaults filled in).
        """
        fold = self._start(case, False)
        for earlier in case.events:
            self._apply(fold, earlier)
        data = self._apply(fold, event)
        updated = case.with_event(attrs.evolve(event, data=data))
        return self._result(fold, updated, as_of or dt.date.today())

    def apply(self, case: Case, event: Event) -> Case:
        """Return ``case`` with ``event`` appended, or raise and change nothing."""
        return self.append(case, event).case

    def normalize(self, case: Case) -> Case:
        """The case with date fields given as text turned into dates.

        JSON has no dates, so a case read from JSON or from the store spells
        them as text; normalizing makes equal cases compare equal whatever
        file they came from.
        """
        events = []
        changed = False
        for event in case.events:
            dates = self._date_fields.get(event.type)
            data = event.data
            if dates and not dates.isdisjoint(data):  # else nothing to parse
                fixed = {
                    k: (
                        dt.date.fromisoformat(v)
                        if isinstance(v, str) and k in dates and _ISO_DATE.match(v)
                        else v
                    )
                    for k, v in data.items()
                }
                if fixed != data:
                    changed = True
                    event = attrs.evolve(event, data=fixed)
            events.append(event)
        return attrs.evolve(case, events=tuple(events)) if changed else case

    def allowed_events(self, case: Case) -> tuple[str, ...]:
        state = self.fold(case).state
        return self.allowed[state]

    def advance(self, case: Case, today: dt.date) -> list[Event]:
        """Events that time alone has produced by ``today`` (lapsed windows).

        Each lapse is dated the day after its period ends. They are returned,
        not applied: embedders and the CLI decide whether to record them.
        """
        produced: list[Event] = []
        state = self.fold(case, today)
        for _ in range(len(self.ruleset.clocks) + 1):
            found = None
            for cname, deadline in state.deadlines.items():
                lapse = self.ruleset.clocks[cname].lapse_event
                due = deadline.due
                if (
                    lapse
                    and deadline.status == RUNNING
                    and due is not None
                    and due < today
                    and lapse in self.allowed[state.state]
                ):
                    found = (due + dt.timedelta(days=1), lapse)
                    break
            if found is None:
                break
            current = state.case
            last = current.events[-1].on if current.events else current.received
            event = Event(
                found[1], max(found[0], last), note="produced by time (advance)", by="disclosure"
            )
            state = self.append(current, event, today)
            produced.append(state.case.events[-1])
        return produced

    # -- folding --------------------------------------------------------------
    def _reject(
        self,
        case: Case,
        event: Event,
        message: str,
        state: str | None = None,
        allowed: tuple[str, ...] = (),
    ) -> EventRejected:
        return EventRejected(
            message,
            case_id=case.id,
            event_type=event.type,
            state=state,
            allowed=allowed,
            where=event.where or case.where,
        )

    def _start(self, case: Case, explain: bool) -> Fold:
        self.folds += 1
        if (
            (case.ruleset and case.ruleset != self._ruleset_id)
            or case.applicant not in self._applicant_kinds
            or case.channel not in self._channels
        ):
            self._refuse_case(case)
        if case.fields or self._case_fields_required:
            try:
                self.case_fields(case.fields, case.received)
            except FieldProblem as bad_field:
                prefix = f"{case.where}: " if case.where else ""
                raise DisclosureError(f"{prefix}case {case.id}: {bad_field}") from None
        try:
            cal = self.calendar_for(case)
        except NotFoundError as missing:
            prefix = f"{case.where}: " if case.where else ""
            raise DisclosureError(f"{prefix}case {case.id}: {missing}") from None
        received = case.received.toordinal() - cal.base
        if received < 0 or received >= cal.size:
            prefix = f"{case.where}: " if case.where else ""
            raise DisclosureError(
                f"{prefix}case {case.id}: received {case.received} is outside calendar "
                f"'{cal.id}' ({cal.first_year}-{cal.last_year})"
            )
        fold = Fold(self.initial, cal, self._clock_kinds(cal), case, received, explain)
        try:
            for act in self._receipt:
                act(fold, RECEIPT, received, _NO_DATA)
        except CalendarRangeError as off_calendar:
            prefix = f"{case.where}: " if case.where else ""
            raise DisclosureError(f"{prefix}case {case.id}: {off_calendar}") from None
        return fold

    def _refuse_case(self, case: Case) -> None:
        """Say everything wrong with the case's own fields (ruleset, applicant, channel)."""
        rs = self.ruleset
        prefix = f"{case.where}: " if case.where else ""
        if case.ruleset and case.ruleset != rs.id:
            raise DisclosureError(
                f"{prefix}case {case.id}: uses ruleset '{case.ruleset}', not '{rs.id}'"
            )
        problems = []
        if case.applicant not in rs.applicant_kinds:
            problems.append(
                f"unknown applicant kind '{case.applicant}' "
                f"({did_you_mean(case.applicant, rs.applicant_kinds)})"
            )
        if case.channel not in rs.channels:
            problems.append(
                f"unknown channel '{case.channel}' ({did_you_mean(case.channel, rs.channels)})"
            )
        raise DisclosureError(f"{prefix}case {case.id}: " + "; ".join(problems))

    def _apply(self, fold: Fold, event: Event) -> Mapping[str, Any]:
        etype = event.type
        state = fold.state
        step = self.transitions.get((state, etype))
        if step is None:
            raise self._not_allowed(fold, event)
        on = event.on.toordinal() - fold.base
        if on < fold.last or on >= fold.size or step.on_receipt_day:
            self._check_day(fold, event, on, step.on_receipt_day)
        data: Mapping[str, Any] = event.data
        if step.check_fields or data:
            try:
                data = step.fields(data, fold.case.received)
            except FieldProblem as bad_data:
                raise self._reject(
                    fold.case, event, str(bad_data), state, self.allowed[state]
                ) from None
        if step.max_times is not None:
            self._count(fold, event, step.max_times, state)
        if step.lapsed_clock is not None:
            self._check_lapse(fold, event, on, step.lapsed_clock)
        try:
            for act in step.actions:
                act(fold, etype, on, data)
        except ClockRefusal as refusal:
            raise self._reject(fold.case, event, str(refusal), state, self.allowed[state]) from None
        except CalendarRangeError as off_calendar:
            raise self._reject(fold.case, event, str(off_calendar), state) from None
        target, closes = step.target, step.closes
        if step.to_for:
            target, closes = step.to_for.get(
                str(data.get(step.outcome_field or "")), (target, closes)
            )
        if closes:
            fold.outcome = data.get(step.outcome_field) if step.outcome_field else step.spec.outcome
            fold.closed_on = event.on
            starts = step.starts
            for name, run in fold.clocks.items():
                if name not in starts:
                    run.stop(on, etype, "stopped: the application is concluded")
        fold.state = target
        fold.last = on
        if fold.timeline is not None:
            fold.timeline.append(
                TimelineEntry(event.on, etype, state, target, data, event.note, event.by)
            )
        return data

    def _count(self, fold: Fold, event: Event, most: int, state: str) -> None:
        """Refuse the event past its ruleset's ``max_times`` for one case."""
        counts = fold.counts
        if counts is None:
            counts = fold.counts = {}
        done = counts.get(event.type, 0)
        if done >= most:
            raise self._reject(
                fold.case,
                event,
                f"event '{event.type}' may happen at most {most} "
                f"time{'s' if most != 1 else ''} in a case (it already happened {done})",
                state,
                self.allowed[state],
            )
        counts[event.type] = done + 1

    def _not_allowed(self, fold: Fold, event: Event) -> EventRejected:
        if event.type not in self.ruleset.events:
            return self._reject(
                fold.case,
                event,
                f"unknown event type '{event.type}' "
                f"({did_you_mean(event.type, self.ruleset.events)})",
                fold.state,
                self.allowed[fold.state],
            )
        allowed = self.allowed[fold.state]
        return self._reject(
            fold.case,
            event,
            f"event '{event.type}' is not allowed in state '{fold.state}'; allowed: "
            + (", ".join(allowed) if allowed else "none (the case is final)"),
            fold.state,
            allowed,
        )

    def _check_day(self, fold: Fold, event: Event, on: int, on_receipt_day: bool) -> None:
        """The event's day: not before receipt, inside the calendar, in order."""
        case, cal = fold.case, fold.cal
        if on < fold.received:
            problem = (
                f"event '{event.type}' on {event.on} is before the "
                f"application was received ({case.received})"
            )
        elif on >= cal.size:
            problem = (
                f"event '{event.type}' on {event.on} is outside calendar "
                f"'{cal.id}' ({cal.first_year}-{cal.last_year}); is the year mistyped?"
            )
        elif on < fold.last:
            problem = (
                f"event '{event.type}' on {event.on} is before the "
                f"previous event ({cal.date_of(fold.last)}); events must be in date order"
            )
        elif on_receipt_day and on != fold.received:
            problem = (
                f"'{event.type}' must happen on the day of receipt ({case.received}), "
                f"not {event.on}"
            )
        else:
            return
        raise self._reject(case, event, problem, fold.state, self.allowed[fold.state])

    def _check_lapse(self, fold: Fold, event: Event, on: int, clock: str) -> None:
        """A lapse event may come only once its period has ended."""
        run = fold.clocks.get(clock)
        if run is None or run.status != RUNNING or run.due is None or on > run.due:
            return
        due = fold.cal.date_of(run.due)
        raise self._reject(
            fold.case,
            event,
            f"'{event.type}' on {event.on} is too early: the "
            f"{clock} period runs until {due}; it can lapse from "
            f"{due + dt.timedelta(days=1)}",
            fold.state,
            self.allowed[fold.state],
        )

    def _result(self, fold: Fold, case: Case, as_of: dt.date) -> CaseState:
        rs = self.ruleset
        findings = fold.findings
        today = as_of.toordinal() - fold.base
        for name, run in fold.clocks.items():
            if run.status == RUNNING and run.due is not None and today > run.due:
                spec = rs.clocks[name]
                if spec.compliance and not spec.optional:
                    if findings is None:
                        findings = fold.findings = []
                    findings.append(
                        Finding(
                            "overdue",
                            "warning",
                            f"{spec.en or name} passed on {fold.cal.date_of(run.due)} "
                            "and is still running",
                            as_of,
                            name,
                        )
                    )
        return CaseState(
            case,
            self,
            fold.state,
            fold.outcome,
            fold.closed_on,
            fold.cal.id,
            as_of,
            fold.clocks,
            tuple(findings) if findings else (),
        )


def _day_number(cal: WorkingCalendar, field: str | None, day: dt.date) -> int:
    """A date a clock counts from or to, refused when the calendar cannot count it."""
    if not cal.covers(day):
        raise CalendarRangeError(
            f"{field} {day} is outside calendar '{cal.id}' "
            f"({cal.first_year}-{cal.last_year}); is the year mistyped?"
        )
    return day.toordinal() - cal.base


__all__ = ["CaseState", "Deadlines", "Finding", "Fold", "Machine", "TimelineEntry", "Transition"]


def _machine(
    ruleset: Ruleset,
    calendars: CalendarRegistry,
    parameters: Mapping[str, Any],
    policy: PolicyLookup | None,
    default_calendar: str,
) -> Machine:
    """A pickled machine, compiled again."""
    return Machine(
        ruleset,
        calendars=calendars,
        parameters=parameters,
        policy=policy,
        default_calendar=default_calendar,
    )
