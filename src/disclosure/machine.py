"""The compiled state machine: fold a case's event log into its state.

A :class:`Machine` is built once per ruleset: transitions become a dict keyed
by (state, event), clock triggers an index from event to clock actions. Folding
an event is then a few lookups and field updates. A case is never mutated:
:meth:`Machine.apply` validates by folding and returns a new case, so a
rejected event changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from .calendar import ONE_DAY, WorkingCalendar
from .calendar_load import CalendarRegistry
from .case import EVENT_COMMON_KEYS, Case, Event
from .clocks import PAUSED, RUNNING, ClockRefusal, ClockRun, Deadline
from .convert import TypeMismatch, kind_of, parse_date
from .errors import CalendarRangeError, DisclosureError, EventRejected, NotFoundError
from .hints import did_you_mean
from .ruleset import CLOCK_ACTIONS, RECEIPT, FieldSpec, Ruleset, Trigger


@attrs.frozen
class Finding:
    """A compliance observation that does not block (e.g. a late decision)."""

    code: str
    severity: str
    message: str
    on: dt.date
    clock: str | None = None
    event: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "on": self.on.isoformat(),
            "clock": self.clock,
            "event": self.event,
        }


@attrs.frozen
class TimelineEntry:
    """One applied event with the state it moved the case from and to."""

    on: dt.date
    type: str
    from_state: str
    to_state: str
    data: Mapping[str, Any]
    note: str = ""
    by: str = ""


@attrs.frozen
class CaseState:
    """Everything derived from a case's log, as of a given day."""

    case_id: str
    ruleset: str
    applicant: str
    channel: str
    received: dt.date
    state: str
    waiting_on: str
    closed: bool
    final: bool
    outcome: str | None
    outcome_group: str | None
    closed_on: dt.date | None
    next_events: tuple[str, ...]
    deadlines: Mapping[str, Deadline]
    findings: tuple[Finding, ...]
    timeline: tuple[TimelineEntry, ...]
    calendar: str
    as_of: dt.date

    @property
    def overdue(self) -> bool:
        return any(d.overdue for d in self.deadlines.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.case_id,
            "ruleset": self.ruleset,
            "applicant": self.applicant,
            "channel": self.channel,
            "received": self.received.isoformat(),
            "state": self.state,
            "waiting_on": self.waiting_on,
            "closed": self.closed,
            "outcome": self.outcome,
            "outcome_group": self.outcome_group,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "next_events": list(self.next_events),
            "deadlines": {name: d.to_dict() for name, d in self.deadlines.items()},
            "overdue": self.overdue,
            "findings": [f.to_dict() for f in self.findings],
            "calendar": self.calendar,
            "as_of": self.as_of.isoformat(),
        }


@attrs.frozen
class _Action:
    order: int
    action: str
    clock: str
    trigger: Trigger


class _Fold:
    """Working state of one fold; discarded when the fold ends."""

    __slots__ = ("clocks", "closed_on", "findings", "last_on", "outcome", "state", "timeline")

    def __init__(self, state: str, clocks: dict[str, ClockRun]) -> None:
        self.state = state
        self.clocks = clocks
        self.outcome: str | None = None
        self.closed_on: dt.date | None = None
        self.findings: list[Finding] = []
        self.timeline: list[TimelineEntry] = []
        self.last_on: dt.date | None = None


class Machine:
    """A ruleset compiled for folding cases.

    ``calendars`` resolves calendar ids (default: the built-in calendars);
    ``parameters`` overrides the ruleset's tunable parameters for one agency.
    """

    def __init__(
        self,
        ruleset: Ruleset,
        *,
        calendars: CalendarRegistry | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self.ruleset = ruleset
        self.calendars = calendars if calendars is not None else CalendarRegistry.default()
        self.parameters = self._parameters(parameters or {})
        rs = ruleset
        self.initial = rs.initial_state
        self.transitions: dict[tuple[str, str], str] = {}
        allowed: dict[str, list[str]] = {s: [] for s in rs.states}
        for name, ev in rs.events.items():
            for st in ev.from_:
                self.transitions[(st, name)] = ev.to or st
                allowed[st].append(name)
        self.allowed: dict[str, tuple[str, ...]] = {s: tuple(v) for s, v in allowed.items()}
        actions: dict[str, list[_Action]] = {}
        self.lapse_of: dict[str, str] = {}
        for cname, clock in rs.clocks.items():
            if clock.lapse_event:
                self.lapse_of[clock.lapse_event] = cname
            for order, action in enumerate(CLOCK_ACTIONS):
                trig = clock.trigger(action)
                if trig is None:
                    continue
                for ev_name in trig.on:
                    actions.setdefault(ev_name, []).append(_Action(order, action, cname, trig))
        self.actions: dict[str, tuple[_Action, ...]] = {
            k: tuple(sorted(v, key=lambda a: a.order)) for k, v in actions.items()
        }
        self.convention = str(self.parameters.get("pause_convention", "(pause, resume]"))
        self.count_trigger_day = bool(self.parameters.get("count_trigger_day", False))

    def _parameters(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        from .ruleset_check import _value_ok

        values = self.ruleset.parameter_defaults()
        for key, value in overrides.items():
            spec = self.ruleset.parameters.get(key)
            if spec is None:
                raise NotFoundError(
                    f"ruleset {self.ruleset.id} has no parameter '{key}' "
                    f"({did_you_mean(key, self.ruleset.parameters)})"
                )
            why = _value_ok(spec.type, value, spec.choices)
            if why:
                raise DisclosureError(f"parameter '{key}': {why}")
            values[key] = value
        return values

    # -- public API ---------------------------------------------------------
    def calendar_for(self, case: Case) -> WorkingCalendar:
        return self.calendars.get(case.calendar or self.ruleset.ruleset.default_calendar)

    def fold(self, case: Case, as_of: dt.date | None = None) -> CaseState:
        """Fold the whole log; raise :class:`EventRejected` at the first bad event."""
        when = as_of or dt.date.today()
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
        if case.ruleset and case.ruleset != rs.id:
            raise DisclosureError(f"case {case.id}: uses ruleset '{case.ruleset}', not '{rs.id}'")
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
            prefix = f"{case.where}: " if case.where else ""
            raise DisclosureError(f"{prefix}case {case.id}: " + "; ".join(problems))
        try:
            cal = self.calendar_for(case)
        except NotFoundError as exc:
            raise DisclosureError(f"case {case.id}: {exc}") from None
        if not cal.covers(case.received):
            raise DisclosureError(
                f"{case.where + ': ' if case.where else ''}case {case.id}: received "
                f"{case.received} is outside calendar '{cal.id}' "
                f"({cal.first_year}-{cal.last_year})"
            )
        clocks = {
            name: ClockRun(name, spec, cal, self.convention, self.count_trigger_day)
            for name, spec in rs.clocks.items()
        }
        run = _Fold(self.initial, clocks)
        receipt = Event(RECEIPT, case.received)
        try:
            self._clock_actions(case, run, receipt, {})
        except CalendarRangeError as exc:
            raise DisclosureError(f"case {case.id}: {exc}") from None
        return run

    def _apply(self, case: Case, run: _Fold, event: Event) -> dict[str, Any]:
        rs = self.ruleset
        spec = rs.events.get(event.type)
        if spec is None:
            raise self._reject(
                case,
                event,
                f"unknown event type '{event.type}' ({did_you_mean(event.type, rs.events)})",
            )
        if event.on < case.received:
            raise self._reject(
                case,
                event,
                f"event '{event.type}' on {event.on} is before the "
                f"application was received ({case.received})",
            )
        if run.last_on is not None and event.on < run.last_on:
            raise self._reject(
                case,
                event,
                f"event '{event.type}' on {event.on} is before the "
                f"previous event ({run.last_on}); events must be in date order",
            )
        target = self.transitions.get((run.state, event.type))
        if target is None:
            allowed = self.allowed[run.state]
            raise self._reject(
                case,
                event,
                f"event '{event.type}' is not allowed in state '{run.state}'; allowed: "
                + (", ".join(allowed) if allowed else "none (the case is final)"),
                run.state,
                allowed,
            )
        if spec.on_receipt_day and event.on != case.received:
            raise self._reject(
                case,
                event,
                f"'{event.type}' must happen on the day of receipt "
                f"({case.received}), not {event.on}",
            )
        data = self._check_data(case, event, spec.fields)
        lapsed_clock = self.lapse_of.get(event.type)
        if lapsed_clock is not None:
            clock = run.clocks[lapsed_clock]
            due = clock.due()
            if clock.status == RUNNING and due is not None and event.on <= due:
                raise self._reject(
                    case,
                    event,
                    f"'{event.type}' on {event.on} is too early: the "
                    f"{lapsed_clock} period runs until {due}; it can lapse from "
                    f"{due + ONE_DAY}",
                    run.state,
                    self.allowed[run.state],
                )
        before = run.state
        # Clock actions can refuse (a second extension): check them on copies first
        # would be costly; instead they refuse before mutating anything of their own,
        # and a refusal aborts the whole fold (the caller's case is untouched).
        try:
            self._clock_actions(case, run, event, data)
        except ClockRefusal as exc:
            raise self._reject(case, event, str(exc), run.state, self.allowed[run.state]) from None
        except CalendarRangeError as exc:
            raise self._reject(case, event, str(exc), run.state) from None
        state_spec = rs.states[target]
        if state_spec.closed and not rs.states[before].closed:
            outcome = spec.outcome
            for fname, fspec in spec.fields.items():
                if fspec.type == "outcome":
                    outcome = data.get(fname)
            run.outcome = outcome
            run.closed_on = event.on
            for clock in run.clocks.values():
                clock.stop(event.on, event.type, "stopped: the application is concluded")
        run.state = target
        run.last_on = event.on
        run.timeline.append(
            TimelineEntry(event.on, event.type, before, target, data, event.note, event.by)
        )
        return data

    def _clock_actions(self, case: Case, run: _Fold, event: Event, data: Mapping[str, Any]) -> None:
        for act in self.actions.get(event.type, ()):
            clock = run.clocks[act.clock]
            trig = act.trigger
            due_before = clock.due()
            if act.action in ("start", "restart"):
                start = data.get(trig.from_field) if trig.from_field else None
                limit = data.get(trig.limit_field) if trig.limit_field else None
                clock.start(start or event.on, event.type, limit, restart=act.action == "restart")
            elif act.action == "pause":
                clock.pause(event.on, event.type)
            elif act.action == "resume":
                lapsed = self.lapse_of.get(event.type)
                as_of = run.clocks[lapsed].period_end() if lapsed else None
                clock.resume(event.on, event.type, as_of)
            elif act.action == "extend":
                assert trig.by_field is not None
                clock.extend(event.on, event.type, int(data[trig.by_field]), trig.max_times)
                self._late(
                    run,
                    clock.name,
                    event,
                    due_before,
                    "extended_after_due",
                    "extension granted after the deadline",
                )
            elif act.action == "replace":
                assert trig.date_field is not None
                clock.replace(event.on, event.type, data[trig.date_field], trig.max_times)
                self._late(
                    run,
                    clock.name,
                    event,
                    due_before,
                    "replaced_after_due",
                    "new date set after the deadline",
                )
            elif act.action == "complete":
                clock.complete(event.on, event.type)
                self._late(
                    run, clock.name, event, due_before, "deadline_missed", "done after the deadline"
                )
            elif act.action == "stop":
                clock.stop(event.on, event.type)

    def _late(
        self, run: _Fold, clock: str, event: Event, due: dt.date | None, code: str, what: str
    ) -> None:
        spec = self.ruleset.clocks[clock]
        if not spec.compliance or due is None or event.on <= due:
            return
        run.findings.append(
            Finding(
                code,
                "warning",
                f"{spec.en or clock}: '{event.type}' on {event.on} — {what} ({due})",
                event.on,
                clock,
                event.type,
            )
        )

    def _check_data(
        self, case: Case, event: Event, fields: Mapping[str, FieldSpec]
    ) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key in event.data:
            if key not in fields:
                raise self._reject(
                    case,
                    event,
                    f"event '{event.type}' has no field '{key}' "
                    f"({did_you_mean(key, [*fields, *EVENT_COMMON_KEYS])})",
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
        st = rs.states[run.state]
        deadlines = {
            name: clock.deadline(as_of, rs.clocks[name].compliance)
            for name, clock in run.clocks.items()
            if clock.started_on is not None
        }
        outcome_group = rs.outcomes[run.outcome].group if run.outcome else None
        findings = list(run.findings)
        for name, d in deadlines.items():
            if d.overdue:
                findings.append(
                    Finding(
                        "overdue",
                        "warning",
                        f"{rs.clocks[name].en or name} passed on {d.due} and is still running",
                        as_of,
                        name,
                    )
                )
        return CaseState(
            case_id=case.id,
            ruleset=rs.id,
            applicant=case.applicant,
            channel=case.channel,
            received=case.received,
            state=run.state,
            waiting_on=st.waiting_on,
            closed=st.closed,
            final=st.final,
            outcome=run.outcome,
            outcome_group=outcome_group,
            closed_on=run.closed_on,
            next_events=self.allowed[run.state],
            deadlines=deadlines,
            findings=tuple(findings),
            timeline=tuple(run.timeline),
            calendar=next(iter(run.clocks.values())).cal.id
            if run.clocks
            else (case.calendar or rs.ruleset.default_calendar),
            as_of=as_of,
        )


__all__ = ["PAUSED", "CaseState", "Finding", "Machine", "TimelineEntry"]
