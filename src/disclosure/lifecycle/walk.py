"""The validating walk: the fast path of :meth:`Machine.fold`.

Almost everything that makes an event log invalid depends only on the
*sequence* of event types: whether an event is allowed in the state it meets,
whether a clock is still running so that it can be extended, whether the one
permitted extension was already used. The walk compiles those facts into an
automaton whose nodes are (state, shape of every clock) and builds its nodes
lazily, the first time a sequence reaches them. What depends on each event —
dates in order and inside the calendar, data present and of the right type —
is checked with data checks generated once per event type.

The one rejection that depends on dates alone — a deadline that would fall
past the calendar's last day — is ruled out beforehand: from the ruleset the
walk knows the most working days any deadline can be counted after the day
it starts from (``deadline_bound``), so a log whose dates all lie at least
that far before the calendar's end cannot meet it.

The walk never explains a rejection. When it meets anything it does not
handle (an unknown event, a bad value, a lapse whose timing must be checked
against a running clock, a date too near the calendar's end), it answers
``None`` and the full fold runs, so every error message still comes from one
place. When it answers, the full fold is certain to accept the same log and
reach the same state; the full fold's clock arithmetic then runs only when
somebody reads a deadline.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from disclosure.errors import DisclosureError
from disclosure.lifecycle.compiled import Action
from disclosure.lifecycle.state import CaseState
from disclosure.rules.model import RECEIPT, FieldSpec, Ruleset

if TYPE_CHECKING:
    from disclosure.lifecycle.case import Case
    from disclosure.lifecycle.machine import Machine

# The shape of a clock: what its status allows next, whatever the dates.
_ABSENT, _RUNNING, _FIXED, _PAUSED, _ENDED = range(5)
_LIVE = (_RUNNING, _FIXED, _PAUSED)

#: (status, extensions used, replacements used); counts kept only where limited.
Shape = tuple[int, int, int]

#: A generated check of one event's data: (data, day of receipt, last safe day) -> acceptable.
DataCheck = Callable[[Mapping[str, Any], dt.date, dt.date], bool]

#: Nodes kept per machine; past this, unusual sequences take the full fold.
MAX_NODES = 4096


class WalkStep:
    """One event type met in one node: where it leads and what to check."""

    __slots__ = (
        "check",
        "closes",
        "needs_data",
        "node",
        "on_receipt_day",
        "outcome",
        "outcome_field",
        "special",
    )

    def __init__(
        self,
        node: WalkNode,
        check: DataCheck,
        needs_data: bool,
        on_receipt_day: bool,
        closes: bool,
        outcome_field: str | None,
        outcome: str | None,
    ) -> None:
        self.node = node
        self.check = check
        self.needs_data = needs_data
        self.on_receipt_day = on_receipt_day
        self.closes = closes
        self.outcome_field = outcome_field
        self.outcome = outcome
        #: Whether anything beyond the common checks applies (kept off the hot path).
        self.special = on_receipt_day or closes


class WalkNode:
    """A state together with the shape of every clock, and its steps by event type."""

    __slots__ = ("next_events", "shapes", "state", "steps")

    def __init__(self, state: str, shapes: tuple[Shape, ...], next_events: tuple[str, ...]) -> None:
        self.state = state
        self.shapes = shapes
        self.next_events = next_events
        #: Steps met so far (an exact dict: its subscript is the fastest lookup CPython has).
        self.steps: dict[str, WalkStep] = {}


class Walk:
    """The lazily built automaton of one machine, and the walk over a case.

    Reads the machine's compiled transitions, resolved parameters (field
    defaults), calendars and allowed events once; the machine also runs the
    clocks of the states the walk returns, when they are read.
    """

    def __init__(self, machine: Machine) -> None:
        ruleset = machine.ruleset
        self.machine = machine
        self.ruleset = ruleset
        self.transitions = machine.transitions
        self.parameters = machine.parameters
        self.allowed = machine.allowed
        self.calendars = machine.calendars
        self.default_calendar = machine.default_calendar
        #: What a case may name as its ruleset: nothing (the default) or this one.
        self.own_ids = frozenset((None, "", ruleset.id))
        self.applicants = frozenset(ruleset.applicant_kinds)
        self.channels = frozenset(ruleset.channels)
        self.clock_index = {name: i for i, name in enumerate(ruleset.clocks)}
        self.nodes: dict[tuple[str, tuple[Shape, ...]], WalkNode] = {}
        #: Per calendar a case names: the facts the walk needs, refreshed when calendars change.
        self.known_calendars: dict[str | None, tuple[int, str, dt.date, dt.date]] = {}
        #: Data checks by event type, generated on first use (a CLI run meets a few types).
        self.checks: dict[str, DataCheck] = {}
        self.deadline_bound = self._deadline_bound()
        receipt = machine.actions.get(RECEIPT, ())
        shapes = self._shapes_after(tuple((_ABSENT, 0, 0) for _ in ruleset.clocks), receipt, False)
        root = self._node(ruleset.initial_state, shapes) if shapes is not None else None
        #: Whether the walk can be trusted: deadlines are bounded and receipt is accepted.
        self.trusted = root is not None and self.deadline_bound is not None
        self.root = root if root is not None else WalkNode(ruleset.initial_state, (), ())

    @classmethod
    def usable(cls, machine: Machine) -> Walk | None:
        """The machine's walk, or None where a walk cannot be trusted.

        That is when nothing bounds a deadline (a data-given limit with no
        ``max``, extensions without ``max_times``) or when receipt itself is
        refused by the clocks; every fold then runs the clocks at once.
        """
        walk = cls(machine)
        return walk if walk.trusted else None

    # -- the walk -------------------------------------------------------------
    def fold(self, case: Case, as_of: dt.date) -> CaseState | None:
        """The case's state with its clocks left to run, or None for the full fold."""
        node = self.root
        if (
            case.ruleset not in self.own_ids
            or case.applicant not in self.applicants
            or case.channel not in self.channels
        ):
            return None
        known = self.known_calendars.get(case.calendar)
        if known is None or known[0] != self.calendars.generation:
            known = self._calendar(case.calendar)
            if known is None:
                return None
        _, cal_id, first, safe = known
        received = case.received
        # Not the first day: a clock counting its trigger day anchors the day before.
        if received <= first:
            return None
        last = received
        outcome: str | None = None
        closed_on: dt.date | None = None
        for event in case.events:
            try:
                step = node.steps[event.type]
            except KeyError:
                found = self._step(node, event.type)
                if found is None:
                    return None
                step = found
            on = event.on
            if on < last:
                return None
            data = event.data
            if data:
                if not step.check(data, received, safe):
                    return None
            elif step.needs_data:
                return None
            if step.special:
                if step.on_receipt_day and on != received:
                    return None
                if step.closes:
                    outcome = data.get(step.outcome_field) if step.outcome_field else step.outcome
                    if outcome is None:
                        return None
                    closed_on = on
            last = on
            node = step.node
        # Dates only grow, so the last is the latest; date data was held to `safe` by the checks.
        if last > safe:
            return None
        return CaseState(case, self.machine, node.state, outcome, closed_on, cal_id, as_of)

    def _calendar(self, name: str | None) -> tuple[int, str, dt.date, dt.date] | None:
        """(registry generation, calendar id, first day, last safe day) for a case's calendar."""
        try:
            cal = self.calendars.get(name or self.default_calendar)
        except DisclosureError:
            return None
        safe = cal.last_day_with_room(math.ceil(self.deadline_bound or 0))
        first = dt.date(cal.first_year, 1, 1)
        known = self.known_calendars[name] = (self.calendars.generation, cal.id, first, safe)
        return known

    # -- building the automaton -------------------------------------------------
    def _node(self, state: str, shapes: tuple[Shape, ...]) -> WalkNode | None:
        key = (state, shapes)
        node = self.nodes.get(key)
        if node is None:
            if len(self.nodes) >= MAX_NODES:
                return None
            node = self.nodes[key] = WalkNode(state, shapes, self.allowed[state])
        return node

    def _step(self, node: WalkNode, etype: str) -> WalkStep | None:
        """Build the step on first use; sequences the walk declines are not remembered."""
        step = self._build_step(node, etype)
        if step is not None:
            node.steps[etype] = step
        return step

    def _build_step(self, node: WalkNode, etype: str) -> WalkStep | None:
        facts = self.transitions.get((node.state, etype))
        if facts is None or facts.lapsed_clock is not None:
            return None
        shapes = self._shapes_after(node.shapes, facts.actions, facts.closes)
        if shapes is None:
            return None
        target = self._node(facts.target, shapes)
        if target is None:
            return None
        spec = facts.spec
        check = self.checks.get(etype)
        if check is None:
            check = self.checks[etype] = _compile_check(spec.fields, self.ruleset)
        return WalkStep(
            target,
            check,
            any(f.required for f in spec.fields.values()),
            spec.on_receipt_day,
            facts.closes,
            facts.outcome_field,
            spec.outcome,
        )

    def _deadline_bound(self) -> float | None:
        """The most units any deadline is counted after the day it starts from.

        A clock's remaining days never exceed its latest (re)start limit plus
        the extensions since; a date-fixed deadline moves only by extensions.
        So the bound is, over clocks, the largest start limit plus
        ``max_times`` extensions of the largest size. None when a limit comes
        from data with no ``max`` or extensions are unlimited: then nothing
        bounds a deadline and the walk is not used.
        """
        rs = self.ruleset
        bound: float = 0
        for clock in rs.clocks.values():
            starts: list[float] = [clock.limit]
            for action in ("start", "restart"):
                trig = clock.trigger(action)
                if trig is None or trig.limit_field is None:
                    continue
                for event in trig.on:
                    most = self._field_most(event, trig.limit_field)
                    if most is None:
                        return None
                    starts.append(most)
            extra: float = 0
            trig = clock.trigger("extend")
            if trig is not None and trig.by_field is not None:
                sizes = [self._field_most(event, trig.by_field) for event in trig.on]
                if trig.max_times is None or any(size is None for size in sizes):
                    return None
                extra = trig.max_times * max((size or 0 for size in sizes), default=0)
            bound = max(bound, max(starts) + extra)
        return bound

    def _field_most(self, event: str, field: str) -> float | None:
        """The largest value an event's numeric field can take, or None if unbounded."""
        ev = self.ruleset.events.get(event)
        spec = ev.fields.get(field) if ev is not None else None
        if spec is None:
            return 0
        default = self.parameters.get(spec.default_from) if spec.default_from else spec.default
        if spec.max is None:
            return None
        return max(spec.max, float(default or 0))

    def _shapes_after(
        self,
        shapes: tuple[Shape, ...],
        actions: tuple[Action, ...],
        closes: bool,
    ) -> tuple[Shape, ...] | None:
        """Clock shapes after the actions, or None where a clock would refuse.

        Mirrors the status rules of :class:`~disclosure.clocks.ClockRun`:
        this is the part of clock behaviour that does not depend on dates.
        """
        out = list(shapes)
        for act in actions:
            action, trig = act.action, act.trigger
            i = self.clock_index[act.clock]
            status, extended, replaced = out[i]
            if status == _ABSENT and action not in ("start", "restart"):
                continue
            if action in ("start", "restart"):
                status = _RUNNING
                if action == "restart":
                    extended = 0
            elif action == "pause":
                if status == _RUNNING:
                    status = _PAUSED
            elif action == "resume":
                if status == _PAUSED:
                    status = _RUNNING
            elif action in ("stop", "complete"):
                if status in _LIVE:
                    status = _ENDED
            elif action == "extend":
                if status not in _LIVE:
                    return None
                if trig.max_times is not None:
                    if extended >= trig.max_times:
                        return None
                    extended += 1
            elif action == "replace":
                if trig.max_times is not None:
                    if replaced >= trig.max_times:
                        return None
                    replaced += 1
                status = _FIXED
            out[i] = (status, extended, replaced)
        if closes:
            out = [(_ENDED, e, r) if s in _LIVE else (s, e, r) for s, e, r in out]
        return tuple(out)


def _compile_check(fields: Mapping[str, FieldSpec], rs: Ruleset) -> DataCheck:
    """A check of non-empty data that accepts only what the full fold accepts as is.

    The check is generated as Python source with each field's type test
    inlined, the way attrs builds ``__init__``: it runs for every event with
    data, and straight-line tests cost half of a loop calling one small
    function per field. Counting the fields found and comparing with the
    data's size rejects unknown keys (and, conservatively, keys given as
    null, which the full fold then judges); once every key is accounted for
    and no required field is left, the check stops. Dates must lie between
    receipt and ``safe``, the last day from which any deadline still fits in
    the calendar. Field names enter the source only through ``repr``; every
    other value is passed in the namespace.
    """
    namespace: dict[str, Any] = {"_date": dt.date}
    lines = ["def check(data, received, safe):", "    size = len(data)", "    found = 0"]
    # Required fields first: once they are checked, the check can stop at the last key.
    ordered = sorted(fields.items(), key=lambda item: not item[1].required)
    for i, (name, spec) in enumerate(ordered):
        lines += [
            f"    value = data.get({name!r})",
            "    if value is not None:",
            f"        if not ({_value_test(spec, rs, f'_{i}', namespace)}):",
            "            return False",
            "        found += 1",
        ]
        if spec.required:
            lines += ["    else:", "        return False"]
        else:
            lines += ["        if found == size:", "            return True"]
    lines.append("    return found == size")
    exec(compile("\n".join(lines) + "\n", f"<data check: {', '.join(fields)}>", "exec"), namespace)
    check: DataCheck = namespace["check"]
    return check


def _value_test(spec: FieldSpec, rs: Ruleset, prefix: str, namespace: dict[str, Any]) -> str:
    """An inline test of ``value`` against exact types; anything unusual goes the full way."""
    t = spec.type
    bounds = ""
    for op, limit, name in ((">=", spec.min, "min"), ("<=", spec.max, "max")):
        if limit is not None:
            # Whole bounds as int: comparing an int with a float costs twice as much.
            namespace[f"{prefix}_{name}"] = (
                int(limit) if isinstance(limit, float) and limit.is_integer() else limit
            )
            bounds += f" and value {op} {prefix}_{name}"
    if t == "date":
        # Held to `safe` too: a date a clock counts from must leave room for its deadline.
        return "type(value) is _date and received <= value <= safe"
    if t == "int":
        return "type(value) is int" + bounds
    if t == "number":
        return "(type(value) is int or type(value) is float)" + bounds
    if t == "bool":
        return "type(value) is bool"
    if t == "str":
        return "type(value) is str"
    if t == "choice":
        namespace[f"{prefix}_in"] = frozenset(spec.choices)
        return f"type(value) is str and value in {prefix}_in"
    if t == "outcome":
        allowed = frozenset(code for code in rs.outcomes if rs.outcome_matches(code, spec.allowed))
        namespace[f"{prefix}_in"] = allowed
        return f"type(value) is str and value in {prefix}_in"
    return "False"


__all__ = ["Walk", "WalkNode", "WalkStep"]
