"""The compiled state machine: fold a case's event log into its state.

A :class:`Machine` is built once per ruleset: transitions become a dict keyed
by (state, event), clock triggers an index from event to clock actions. The
full fold here applies each event with its clock actions and is the one place
that explains rejections; :mod:`disclosure.walk` is the fast path that
settles valid logs without running clocks and defers them to the first read.
A case is never mutated: :meth:`Machine.apply` validates by folding and
returns a new case, so a rejected event changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from disclosure.calendars.calendar import ONE_DAY, WorkingCalendar
from disclosure.calendars.registry import CalendarRegistry
from disclosure.documents.structure import kind_of, parse_date
from disclosure.errors import (
    CalendarRangeError,
    ClockRefusal,
    DisclosureError,
    EventRejected,
    NotFoundError,
    TypeMismatch,
    did_you_mean,
)
from disclosure.lifecycle.case import EVENT_COMMON_KEYS, Case, Event
from disclosure.lifecycle.clocks import RUNNING, ClockRun
from disclosure.lifecycle.compiled import Action, Transition
from disclosure.lifecycle.policy import DeadlinePolicy
from disclosure.lifecycle.state import CaseState, ClockOutcome, Deadlines, Finding, TimelineEntry
from disclosure.lifecycle.walk import Walk
from disclosure.rules.check import value_problem
from disclosure.rules.model import CLOCK_ACTIONS, RECEIPT, FieldSpec, Ruleset

#: The finding code and wording when a clock action comes after its due date.
_LATE = {
    "extend": ("extended_after_due", "extension granted after the deadline"),
    "replace": ("replaced_after_due", "new date set after the deadline"),
    "complete": ("deadline_missed", "done after the deadline"),
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Fold:
    """Working state of one fold; discarded when the fold ends."""

    __slots__ = (
        "cal",
        "case",
        "clocks",
        "closed_on",
        "findings",
        "last_on",
        "outcome",
        "state",
        "timeline",
    )

    def __init__(self, state: str, cal: WorkingCalendar, case: Case) -> None:
        self.state = state
        self.case = case
        self.cal = cal
        self.clocks: dict[str, ClockRun] = {}
        self.outcome: str | None = None
        self.closed_on: dt.date | None = None
        self.findings: list[Finding] = []
        self.timeline: list[tuple[Any, ...]] = []
        self.last_on: dt.date | None = None


class Machine:
    """A ruleset compiled for folding cases.

    ``calendars`` resolves calendar ids (default: the built-in calendars);
    ``parameters`` overrides the ruleset's tunable parameters for one agency;
    ``policy`` (case, clock, ruleset) -> (source, DeadlinePolicy) may change a
    clock's limit for one case (plugins' deadline policies);
    ``default_calendar`` replaces the ruleset's for cases that name none;
    ``walk=False`` makes every fold run the clocks at once (the fast path,
    :mod:`disclosure.walk`, is then never taken; results are the same).
    """

    def __init__(
        self,
        ruleset: Ruleset,
        *,
        calendars: CalendarRegistry | None = None,
        parameters: Mapping[str, Any] | None = None,
        policy: Callable[[Case, str, Ruleset], tuple[str, DeadlinePolicy] | None] | None = None,
        default_calendar: str | None = None,
        walk: bool = True,
    ) -> None:
        self.ruleset = ruleset
        self.policy = policy
        self.default_calendar = default_calendar or ruleset.ruleset.default_calendar
        self.calendars = calendars if calendars is not None else CalendarRegistry.default()
        self.parameters = self._parameters(parameters or {})
        rs = ruleset
        self.initial = rs.initial_state
        self.lapse_of: dict[str, str] = {
            c.lapse_event: name for name, c in rs.clocks.items() if c.lapse_event
        }
        actions: dict[str, list[Action]] = {}
        for cname, clock in rs.clocks.items():
            for order, action in enumerate(CLOCK_ACTIONS):
                trig = clock.trigger(action)
                if trig is None:
                    continue
                for ev_name in trig.on:
                    actions.setdefault(ev_name, []).append(Action(order, action, cname, trig))
        self.actions: dict[str, tuple[Action, ...]] = {
            k: tuple(sorted(v, key=lambda a: a.order)) for k, v in actions.items()
        }
        self.compliance = {name: c.compliance for name, c in rs.clocks.items()}
        self.transitions: dict[tuple[str, str], Transition] = {}
        allowed: dict[str, list[str]] = {s: [] for s in rs.states}
        for name, ev in rs.events.items():
            outcome_field = next((f for f, sp in ev.fields.items() if sp.type == "outcome"), None)
            for st in ev.from_:
                target = ev.to or st
                closes = rs.states[target].closed and not rs.states[st].closed
                self.transitions[(st, name)] = Transition(
                    name,
                    target,
                    ev,
                    closes,
                    outcome_field,
                    self.actions.get(name, ()),
                    self.lapse_of.get(name),
                )
                allowed[st].append(name)
        self.allowed: dict[str, tuple[str, ...]] = {s: tuple(v) for s, v in allowed.items()}
        self.convention = str(self.parameters.get("pause_convention", "(pause, resume]"))
        self.count_trigger_day = bool(self.parameters.get("count_trigger_day", False))
        # A deadline policy may set any limit, so the walk could not bound deadlines.
        self._walk = Walk.usable(self) if walk and policy is None else None

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the walk: its data checks are generated code, rebuilt on load."""
        state = self.__dict__.copy()
        state["_walk"] = self._walk is not None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        walk = state.pop("_walk")
        self.__dict__.update(state)
        self._walk = Walk.usable(self) if walk else None

    def _parameters(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        values = self.ruleset.parameter_defaults()
        for key, value in overrides.items():
            spec = self.ruleset.parameters.get(key)
            if spec is None:
                raise NotFoundError(
                    f"ruleset {self.ruleset.id} has no parameter '{key}' "
                    f"({did_you_mean(key, self.ruleset.parameters)})"
                )
            why = value_problem(spec.type, value, spec.choices)
            if why:
                raise DisclosureError(f"parameter '{key}': {why}")
            values[key] = value
        return values

    # -- public API ---------------------------------------------------------
    def calendar_for(self, case: Case) -> WorkingCalendar:
        return self.calendars.get(case.calendar or self.default_calendar)

    def fold(self, case: Case, as_of: dt.date | None = None) -> CaseState:
        """Fold the whole log; raise :class:`EventRejected` at the first bad event.

        Logs the validating walk accepts come back at once, with their clocks
        run when a deadline or finding is first read; anything else takes the
        full fold, which explains every rejection.
        """
        when = as_of or dt.date.today()
        if self._walk is not None:
            state = self._walk.fold(case, when)
            if state is not None:
                return state
        return self._fold_full(case, when)

    def clock_outcome(self, case: Case, as_of: dt.date) -> ClockOutcome:
        """Deadlines, findings and timeline of a case the walk accepted (runs the clocks)."""
        return self._fold_full(case, as_of)._clock_outcome()

    def _fold_full(self, case: Case, when: dt.date) -> CaseState:
        run = self._start(case)
        for event in case.events:
            self._apply(case, run, event)
        return self._result(case, run, when)

    def apply(self, case: Case, event: Event) -> Case:
        """Return ``case`` with ``event`` appended, or raise and change nothing."""
        run = self._start(case)
        for earlier in case.events:
            self._apply(case, run, earlier)
        normalized = self._apply(case, run, event)
        return case.with_event(attrs.evolve(event, data=normalized))

    def conclusion(self, case: Case) -> tuple[str | None, dt.date | None]:
        """The outcome and closing day only, from state transitions alone.

        The annual report needs no clocks; this walk costs a dictionary lookup
        per event, so reports over millions of cases stay fast. Use ``fold``
        to validate a log completely.
        """
        state = self.initial
        for event in case.events:
            step = self.transitions.get((state, event.type))
            if step is None:
                raise self._reject(
                    case,
                    event,
                    f"event '{event.type}' is not allowed in state '{state}'",
                    state,
                    self.allowed.get(state, ()),
                )
            if step.closes:
                outcome = (
                    event.data.get(step.outcome_field) if step.outcome_field else step.spec.outcome
                )
                if outcome not in self.ruleset.outcomes:
                    raise self._reject(case, event, f"unknown outcome code '{outcome}'")
                return outcome, event.on
            state = step.target
        return None, None

    def normalize(self, case: Case) -> Case:
        """The case with date fields given as text turned into dates.

        JSON has no dates, so a case read from JSON or from the store spells
        them as text; normalizing makes equal cases compare equal whatever
        file they came from.
        """
        events = []
        changed = False
        for event in case.events:
            spec = self.ruleset.events.get(event.type)
            data = event.data
            if spec is not None:
                fixed = {
                    k: (
                        dt.date.fromisoformat(v)
                        if isinstance(v, str)
                        and k in spec.fields
                        and spec.fields[k].type == "date"
                        and _ISO_DATE.match(v)
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
        current = case
        for _ in range(len(self.ruleset.clocks) + 1):
            state = self.fold(current, today)
            found = None
            for cname, deadline in state.deadlines.items():
                lapse = self.ruleset.clocks[cname].lapse_event
                if (
                    lapse
                    and deadline.status == RUNNING
                    and deadline.due is not None
                    and deadline.due < today
                    and lapse in self.allowed[state.state]
                ):
                    found = (deadline.due + ONE_DAY, lapse)
                    break
            if found is None:
                break
            last = current.events[-1].on if current.events else current.received
            event = Event(
                found[1], max(found[0], last), note="produced by time (advance)", by="disclosure"
            )
            current = self.apply(current, event)
            produced.append(current.events[-1])
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

    def _start(self, case: Case) -> _Fold:
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
        if problems:
            raise DisclosureError(f"{prefix}case {case.id}: " + "; ".join(problems))
        try:
            cal = self.calendar_for(case)
        except NotFoundError as exc:
            raise DisclosureError(f"{prefix}case {case.id}: {exc}") from None
        if not cal.covers(case.received):
            raise DisclosureError(
                f"{prefix}case {case.id}: received {case.received} is outside calendar "
                f"'{cal.id}' ({cal.first_year}-{cal.last_year})"
            )
        run = _Fold(self.initial, cal, case)
        try:
            self._clock_actions(run, self.actions.get(RECEIPT, ()), RECEIPT, case.received, {})
        except CalendarRangeError as exc:
            raise DisclosureError(f"{prefix}case {case.id}: {exc}") from None
        return run

    def _apply(self, case: Case, run: _Fold, event: Event) -> dict[str, Any]:
        step = self.transitions.get((run.state, event.type))
        if step is None:
            if event.type not in self.ruleset.events:
                raise self._reject(
                    case,
                    event,
                    f"unknown event type '{event.type}' "
                    f"({did_you_mean(event.type, self.ruleset.events)})",
                )
            allowed = self.allowed[run.state]
            raise self._reject(
                case,
                event,
                f"event '{event.type}' is not allowed in state '{run.state}'; allowed: "
                + (", ".join(allowed) if allowed else "none (the case is final)"),
                run.state,
                allowed,
            )
        on = event.on
        if on < case.received:
            raise self._reject(
                case,
                event,
                f"event '{event.type}' on {on} is before the "
                f"application was received ({case.received})",
            )
        if not run.cal.covers(on):
            raise self._reject(
                case,
                event,
                f"event '{event.type}' on {on} is outside calendar "
                f"'{run.cal.id}' ({run.cal.first_year}-{run.cal.last_year}); "
                "is the year mistyped?",
            )
        if run.last_on is not None and on < run.last_on:
            raise self._reject(
                case,
                event,
                f"event '{event.type}' on {on} is before the "
                f"previous event ({run.last_on}); events must be in date order",
            )
        spec = step.spec
        if spec.on_receipt_day and on != case.received:
            raise self._reject(
                case,
                event,
                f"'{event.type}' must happen on the day of receipt ({case.received}), not {on}",
            )
        data = self._check_data(case, event, spec.fields) if (spec.fields or event.data) else {}
        if step.lapsed_clock is not None:
            clock = run.clocks.get(step.lapsed_clock)
            due = clock.due() if clock is not None else None
            if clock is not None and clock.status == RUNNING and due is not None and on <= due:
                raise self._reject(
                    case,
                    event,
                    f"'{event.type}' on {on} is too early: the "
                    f"{step.lapsed_clock} period runs until {due}; it can lapse from "
                    f"{due + ONE_DAY}",
                    run.state,
                    self.allowed[run.state],
                )
        before = run.state
        # A refusal aborts the whole fold; the caller's case is never touched.
        try:
            findings = self._clock_actions(run, step.actions, event.type, on, data)
        except ClockRefusal as exc:
            raise self._reject(case, event, str(exc), run.state, self.allowed[run.state]) from None
        except CalendarRangeError as exc:
            raise self._reject(case, event, str(exc), run.state) from None
        if findings:
            run.findings.extend(findings)
        if step.closes:
            run.outcome = data.get(step.outcome_field) if step.outcome_field else spec.outcome
            run.closed_on = on
            for clock in run.clocks.values():
                clock.stop(on, event.type, "stopped: the application is concluded")
        run.state = step.target
        run.last_on = on
        run.timeline.append((on, event.type, before, step.target, data, event.note, event.by))
        return data

    def _clock_actions(
        self,
        run: _Fold,
        actions: tuple[Action, ...],
        etype: str,
        on: dt.date,
        data: Mapping[str, Any],
    ) -> list[Finding]:
        findings: list[Finding] = []
        clocks = run.clocks
        for act in actions:
            clock = clocks.get(act.clock)
            action = act.action
            trig = act.trigger
            if clock is None:
                if action != "start" and action != "restart":
                    continue
                clock = ClockRun(
                    act.clock,
                    self.ruleset.clocks[act.clock],
                    run.cal,
                    self.convention,
                    self.count_trigger_day,
                )
                clocks[act.clock] = clock
            due_before = clock._due
            if action == "start" or action == "restart":
                start = data.get(trig.from_field) if trig.from_field else None
                if start is not None:
                    _within(run.cal, trig.from_field, start)
                limit = data.get(trig.limit_field) if trig.limit_field else None
                policy = None
                if limit is None and self.policy is not None:
                    policy = self.policy(run.case, act.clock, self.ruleset)
                    if policy is not None and policy[1].limit is not None:
                        limit = policy[1].limit
                clock.start(start or on, etype, limit, restart=action == "restart", policy=policy)
                continue
            if action == "pause":
                clock.pause(on, etype)
                continue
            if action == "resume":
                lapsed = self.lapse_of.get(etype)
                lapsed_run = clocks.get(lapsed) if lapsed else None
                clock.resume(on, etype, lapsed_run.period_end() if lapsed_run else None)
                continue
            if action == "stop":
                clock.stop(on, etype)
                continue
            if action == "extend":
                assert trig.by_field is not None
                clock.extend(on, etype, int(data[trig.by_field]), trig.max_times)
            elif action == "replace":
                assert trig.date_field is not None
                due = _within(run.cal, trig.date_field, data[trig.date_field])
                clock.replace(on, etype, due, trig.max_times)
            else:  # complete
                clock.complete(on, etype)
            if due_before is not None and on > due_before and self.compliance[act.clock]:
                self._late(findings, act.clock, etype, on, due_before, *_LATE[action])
        return findings

    def _late(
        self,
        findings: list[Finding],
        clock: str,
        etype: str,
        on: dt.date,
        due: dt.date | None,
        code: str,
        what: str,
    ) -> None:
        if due is None or on <= due or not self.compliance[clock]:
            return
        spec = self.ruleset.clocks[clock]
        findings.append(
            Finding(
                code,
                "warning",
                f"{spec.en or clock}: '{etype}' on {on} — {what} ({due})",
                on,
                clock,
                etype,
            )
        )

    def _check_data(
        self, case: Case, event: Event, fields: Mapping[str, FieldSpec]
    ) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key in event.data:
            if key not in fields:
                hint = (
                    f"'{key}' belongs to the event itself, not to its data"
                    if key in EVENT_COMMON_KEYS
                    else did_you_mean(key, fields) or "it takes no data fields"
                )
                raise self._reject(
                    case, event, f"event '{event.type}' has no field '{key}' ({hint})"
                )
        for name, spec in fields.items():
            if name in event.data and event.data[name] is not None:
                data[name] = self._check_value(case, event, name, spec, event.data[name])
            elif spec.required:
                raise self._reject(
                    case,
                    event,
                    f"event '{event.type}' needs field '{name}'"
                    + (f" ({spec.description})" if spec.description else ""),
                )
            elif spec.default_from is not None:
                data[name] = self.parameters.get(spec.default_from)
            elif spec.default is not None:
                data[name] = spec.default
        return data

    def _check_value(self, case: Case, event: Event, name: str, spec: FieldSpec, value: Any) -> Any:
        bad = f"field '{name}' of '{event.type}'"
        t = spec.type
        if t == "date":
            try:
                value = parse_date(value)
            except TypeMismatch as exc:
                raise self._reject(case, event, f"{bad}: {exc}") from None
            if value < case.received:
                raise self._reject(
                    case, event, f"{bad}: {value} is before receipt ({case.received})"
                )
            return value
        if t == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise self._reject(case, event, f"{bad} must be a whole number, got {kind_of(value)}")
        if t == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise self._reject(case, event, f"{bad} must be a number, got {kind_of(value)}")
        if t == "bool" and not isinstance(value, bool):
            raise self._reject(case, event, f"{bad} must be true or false, got {kind_of(value)}")
        if t in ("str", "choice", "outcome") and not isinstance(value, str):
            raise self._reject(case, event, f"{bad} must be text, got {kind_of(value)}")
        if t in ("int", "number"):
            if spec.min is not None and value < spec.min:
                raise self._reject(case, event, f"{bad} must be at least {spec.min:g}, got {value}")
            if spec.max is not None and value > spec.max:
                raise self._reject(case, event, f"{bad} must be at most {spec.max:g}, got {value}")
        if t == "choice" and value not in spec.choices:
            raise self._reject(
                case,
                event,
                f"{bad}: '{value}' is not one of "
                f"{', '.join(spec.choices)} ({did_you_mean(value, spec.choices)})",
            )
        if t == "outcome":
            rs = self.ruleset
            if value not in rs.outcomes:
                raise self._reject(
                    case,
                    event,
                    f"{bad}: unknown outcome code '{value}' ({did_you_mean(value, rs.outcomes)})",
                )
            if not rs.outcome_matches(value, spec.allowed):
                raise self._reject(
                    case,
                    event,
                    f"{bad}: outcome '{value}' cannot be given by "
                    f"'{event.type}' (allowed: {', '.join(spec.allowed)})",
                )
        return value

    def _result(self, case: Case, run: _Fold, as_of: dt.date) -> CaseState:
        rs = self.ruleset
        findings = list(run.findings)
        for name, clock in run.clocks.items():
            due = clock.due()
            spec = rs.clocks[name]
            if (
                spec.compliance
                and not spec.optional
                and clock.status == RUNNING
                and due is not None
                and as_of > due
            ):
                findings.append(
                    Finding(
                        "overdue",
                        "warning",
                        f"{spec.en or name} passed on {due} and is still running",
                        as_of,
                        name,
                    )
                )
        return CaseState(
            case,
            self,
            run.state,
            run.outcome,
            run.closed_on,
            run.cal.id,
            as_of,
            ClockOutcome(
                Deadlines(run.clocks, self.compliance, as_of),
                tuple(findings),
                tuple(run.timeline),
            ),
        )


def _within(cal: WorkingCalendar, field: str | None, day: dt.date) -> dt.date:
    """A date a clock counts from or to, refused when the calendar cannot count it."""
    if not cal.covers(day):
        raise CalendarRangeError(
            f"{field} {day} is outside calendar '{cal.id}' "
            f"({cal.first_year}-{cal.last_year}); is the year mistyped?"
        )
    return day


__all__ = ["CaseState", "Deadlines", "Finding", "Machine", "TimelineEntry"]
