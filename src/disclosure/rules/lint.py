"""Semantic checks of a ruleset: every reference resolves, every state matters.

Structural typing is cattrs' job; this module checks what types cannot say —
undefined names (with a suggestion), unreachable states, open states with no
way out, final states with outgoing events, outcomes no event can produce,
clock triggers that name fields the event does not carry. All problems are
collected so that one run shows them all.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from typing import Any

from disclosure.documents.source import Positions
from disclosure.errors import Problem, did_you_mean
from disclosure.rules.fields import parameter_problem, value_problem
from disclosure.rules.model import (
    CLOCK_ACTIONS,
    CLOCK_UNITS,
    FIELD_MASKS,
    FIELD_TYPES,
    LANGUAGE_TAG,
    NOBODY,
    PATTERN_MASKS,
    PAUSE_CONVENTIONS,
    RECEIPT,
    ClockSpec,
    FieldSpec,
    Labelled,
    Parameter,
    Ruleset,
)

# Trigger options and the field type each must name.
_TRIGGER_FIELD_TYPES = {
    "from_field": ("date",),
    "limit_field": ("int",),
    "by_field": ("int",),
    "date_field": ("date",),
}
# Which trigger options make sense for which action.
_ACTION_OPTIONS = {
    "pause": {"max_times"},
    "start": {"from_field", "limit_field"},
    "restart": {"from_field", "limit_field"},
    "extend": {"by_field", "max_times"},
    "replace": {"date_field", "max_times"},
}


#: Longest masking pattern a ruleset may give (patterns run on every shown text).
MAX_PATTERN = 500


class _Checker:
    def __init__(self, rs: Ruleset, positions: Positions) -> None:
        self.rs = rs
        self.pos = positions
        self.problems: list[Problem] = []

    def add(self, path: tuple[str | int, ...], message: str, hint: str = "") -> None:
        self.problems.append(self.pos.problem(path, message, hint))

    def ref(
        self,
        path: tuple[str | int, ...],
        name: str,
        known: Any,
        what: str,
        extra: tuple[str, ...] = (),
    ) -> bool:
        if name in known or name in extra:
            return True
        self.add(path, f"{what} '{name}' is not defined", did_you_mean(name, [*known, *extra]))
        return False

    def run(self) -> list[Problem]:
        self.check_parameters()
        self.check_states()
        self.check_outcomes()
        self.check_events()
        self.check_clocks()
        self.check_graph()
        self.check_personal_data()
        self.check_labels()
        for name, spec in self.rs.case_fields.items():
            self.check_field(("case_fields", name), spec)
            if spec.type in ("outcome", "date") or spec.required_for or spec.forbidden_for:
                self.add(
                    ("case_fields", name, "type"),
                    f"a case field cannot be of type '{spec.type}' or depend on an outcome",
                )
        if self.rs.ruleset.primary_clock:
            self.ref(
                ("ruleset", "primary_clock"), self.rs.ruleset.primary_clock, self.rs.clocks, "clock"
            )
        return self.problems

    def check_labels(self) -> None:
        """``labels`` keys are language tags, so a reader's language can find them."""
        sections: dict[str, Mapping[str, Labelled]] = {
            "parties": self.rs.parties,
            "applicant_kinds": self.rs.applicant_kinds,
            "channels": self.rs.channels,
            "outcome_groups": self.rs.outcome_groups,
            "states": self.rs.states,
            "events": self.rs.events,
            "clocks": self.rs.clocks,
            "outcomes": self.rs.outcomes,
            "parameters": self.rs.parameters,
        }
        for section, things in sections.items():
            for name, thing in things.items():
                for tag in thing.labels:
                    if not LANGUAGE_TAG.match(tag):
                        self.add(
                            (section, name, "labels", tag),
                            f"'{tag}' is not a language tag",
                            "use a BCP 47 tag such as zh, zh-Hans, en or es",
                        )
        language = self.rs.ruleset.language
        if language and not LANGUAGE_TAG.match(language):
            self.add(
                ("ruleset", "language"),
                f"'{language}' is not a language tag",
                "use a BCP 47 tag such as zh, zh-Hans, en or es",
            )

    def check_personal_data(self) -> None:
        """Masks must be known kinds and patterns valid, bounded regular expressions."""
        spec = self.rs.personal_data
        for section, masks in (
            ("case_fields", spec.case_fields),
            ("event_fields", spec.event_fields),
        ):
            for field, mask in masks.items():
                if mask not in FIELD_MASKS:
                    self.add(
                        ("personal_data", section, field),
                        f"unknown mask '{mask}'",
                        did_you_mean(mask, FIELD_MASKS),
                    )
        for i, p in enumerate(spec.patterns):
            path = ("personal_data", "patterns", i)
            if p.mask not in PATTERN_MASKS:
                self.add(
                    (*path, "mask"), f"unknown mask '{p.mask}'", did_you_mean(p.mask, PATTERN_MASKS)
                )
            if len(p.regex) > MAX_PATTERN:
                self.add(
                    (*path, "regex"), f"pattern '{p.name}' is longer than {MAX_PATTERN} characters"
                )
                continue
            try:
                compiled = re.compile(p.regex)
            except re.error as exc:
                self.add(
                    (*path, "regex"), f"pattern '{p.name}' is not a valid regular expression: {exc}"
                )
                continue
            if p.mask == "marker" and "marker" not in compiled.groupindex:
                self.add(
                    (*path, "regex"),
                    f"pattern '{p.name}' masks after its marker but has no (?P<marker>...) group",
                )

    def check_parameters(self) -> None:
        for name, p in self.rs.parameters.items():
            self.check_parameter(name, p)

    def check_parameter(self, name: str, p: Parameter) -> None:
        path = ("parameters", name)
        if p.type not in FIELD_TYPES or p.type == "outcome":
            self.add(
                (*path, "type"),
                f"unknown parameter type '{p.type}'",
                did_you_mean(p.type, [t for t in FIELD_TYPES if t != "outcome"]),
            )
            return
        if p.type == "choice" and not p.choices:
            self.add(path, "a choice parameter needs 'choices'")
        if p.min is not None and p.max is not None and p.min > p.max:
            self.add((*path, "min"), f"min {p.min:g} is above max {p.max:g}")
        elif p.default is not None:
            why = parameter_problem(self.rs, name, p.default)
            if why:
                self.add((*path, "default"), f"default does not fit: {why}")
        if name == "pause_convention" and p.default not in PAUSE_CONVENTIONS:
            self.add((*path, "default"), f"pause_convention must be one of {PAUSE_CONVENTIONS}")

    def check_states(self) -> None:
        initial = [n for n, s in self.rs.states.items() if s.initial]
        if len(initial) != 1:
            self.add(
                ("states",),
                f"exactly one state must be 'initial: true' (found {len(initial)})",
                "mark the state a case starts in" if not initial else "keep one",
            )
        for name, st in self.rs.states.items():
            self.ref(
                ("states", name, "waiting_on"), st.waiting_on, self.rs.parties, "party", (NOBODY,)
            )
            if st.final and not st.closed:
                self.add(
                    ("states", name, "final"),
                    "a final state must also be closed",
                    "add 'closed: true'",
                )
            if st.initial and st.closed:
                self.add(("states", name, "initial"), "the initial state cannot be closed")
        if not self.rs.applicant_kinds:
            self.add(("applicant_kinds",), "at least one applicant kind is needed")
        if not self.rs.channels:
            self.add(("channels",), "at least one channel is needed")

    def check_outcomes(self) -> None:
        for code, outcome in self.rs.outcomes.items():
            self.ref(
                ("outcomes", code, "group"), outcome.group, self.rs.outcome_groups, "outcome group"
            )

    def check_outcome_conditions(
        self, path: tuple[str | int, ...], spec: FieldSpec, fields: Mapping[str, FieldSpec]
    ) -> None:
        """``required_for``/``forbidden_for`` name outcomes of a field the event has."""
        if not (spec.required_for or spec.forbidden_for):
            return
        if not any(f.type == "outcome" for f in fields.values()):
            self.add(path, "required_for/forbidden_for need an outcome field in the same event")
        known = [*self.rs.outcomes, *self.rs.outcome_groups]
        for key in ("required_for", "forbidden_for"):
            for i, item in enumerate(getattr(spec, key)):
                if item not in self.rs.outcomes and item not in self.rs.outcome_groups:
                    self.add(
                        (*path, key, i),
                        f"'{item}' is neither an outcome nor a group",
                        did_you_mean(item, known),
                    )

    def check_field(self, path: tuple[str | int, ...], spec: FieldSpec) -> None:
        if spec.type not in FIELD_TYPES:
            self.add(
                (*path, "type"),
                f"unknown field type '{spec.type}'",
                did_you_mean(spec.type, FIELD_TYPES),
            )
            return
        if spec.type == "choice" and not spec.choices:
            self.add(path, "a choice field needs 'choices'")
        if spec.choices and spec.type not in ("choice", "list"):
            self.add((*path, "choices"), "'choices' is only for choice and list fields")
        if spec.type == "outcome":
            for i, item in enumerate(spec.allowed):
                if item not in self.rs.outcomes and item not in self.rs.outcome_groups:
                    self.add(
                        (*path, "allowed", i),
                        f"'{item}' is neither an outcome nor a group",
                        did_you_mean(item, [*self.rs.outcomes, *self.rs.outcome_groups]),
                    )
        elif spec.allowed:
            self.add(
                (*path, "allowed"),
                "'allowed' is only for outcome fields",
                "use 'choices' for a choice field",
            )
        if spec.default is not None:
            why = value_problem(spec.type, spec.default, spec=spec)
            if why:
                self.add((*path, "default"), f"default does not fit: {why}")
        if spec.default_from is not None:
            if self.ref(
                (*path, "default_from"), spec.default_from, self.rs.parameters, "parameter"
            ):
                param = self.rs.parameters[spec.default_from]
                if param.type != spec.type:
                    self.add(
                        (*path, "default_from"),
                        f"parameter '{spec.default_from}' is {param.type}, field is {spec.type}",
                    )
            if spec.default is not None:
                self.add(path, "give either 'default' or 'default_from', not both")
        if spec.required and (spec.default is not None or spec.default_from is not None):
            self.add(
                (*path, "required"),
                "a required field cannot have a default",
                "drop 'required' or the default",
            )
        if (spec.min is not None or spec.max is not None) and spec.type not in (
            "int",
            "number",
            "list",
        ):
            self.add(path, "'min'/'max' only apply to int, number and list fields")

    def check_events(self) -> None:
        if RECEIPT in self.rs.events:
            self.add(
                ("events", RECEIPT),
                f"'{RECEIPT}' is reserved for the receipt of the case",
                "choose another name",
            )
        for name, ev in self.rs.events.items():
            path = ("events", name)
            if not ev.from_:
                self.add((*path, "from"), "an event needs at least one state in 'from'")
            for i, st in enumerate(ev.from_):
                if (
                    self.ref((*path, "from", i), st, self.rs.states, "state")
                    and self.rs.states[st].final
                ):
                    self.add(
                        (*path, "from", i),
                        f"state '{st}' is final but has outgoing event '{name}'",
                        "remove 'final: true' or remove the state from 'from'",
                    )
            if ev.to is not None:
                self.ref((*path, "to"), ev.to, self.rs.states, "state")
            outcome_fields = [f for f, s in ev.fields.items() if s.type == "outcome"]
            for fname, spec in ev.fields.items():
                self.check_field((*path, "fields", fname), spec)
                self.check_outcome_conditions((*path, "fields", fname), spec, ev.fields)
                if fname in ("type", "on", "note", "by"):
                    self.add(
                        (*path, "fields", fname),
                        f"'{fname}' is reserved for every event",
                        "rename the field",
                    )
            if len(outcome_fields) > 1:
                self.add((*path, "fields"), "an event can have at most one outcome field")
            if ev.outcome is not None:
                self.ref((*path, "outcome"), ev.outcome, self.rs.outcomes, "outcome")
                if outcome_fields:
                    self.add(
                        (*path, "outcome"), "give a fixed outcome or an outcome field, not both"
                    )
            produces = ev.outcome is not None or bool(outcome_fields)
            target = self.rs.states.get(ev.to) if ev.to else None
            if target is not None and target.closed:
                opens = [
                    s for s in ev.from_ if s in self.rs.states and not self.rs.states[s].closed
                ]
                if opens and not produces:
                    self.add(
                        (*path, "to"),
                        f"event leads from open state '{opens[0]}' to closed state '{ev.to}' "
                        "but gives no outcome",
                        "add 'outcome: CODE' or an outcome field",
                    )
            if produces and (target is None or not target.closed):
                self.add(
                    (*path, "outcome") if ev.outcome else (*path, "fields"),
                    "an event that gives an outcome must lead to a closed state",
                )
            if ev.max_times is not None and ev.max_times < 1:
                self.add((*path, "max_times"), "'max_times' must be at least 1")
            if ev.to_for and not outcome_fields:
                self.add((*path, "to_for"), "'to_for' needs an outcome field in the event")
            for key, state in ev.to_for.items():
                self.outcome_ref((*path, "to_for", key), key)
                if self.ref((*path, "to_for", key), state, self.rs.states, "state") and not (
                    self.rs.states[state].closed
                ):
                    self.add(
                        (*path, "to_for", key),
                        f"state '{state}' is open; an event that gives an outcome closes the case",
                    )

    def outcome_ref(self, path: tuple[str | int, ...], name: str) -> None:
        """``name`` is an outcome code or an outcome group."""
        if name not in self.rs.outcomes and name not in self.rs.outcome_groups:
            self.add(
                path,
                f"'{name}' is neither an outcome nor a group",
                did_you_mean(name, [*self.rs.outcomes, *self.rs.outcome_groups]),
            )

    def check_lapse_event(self, name: str, clock: ClockSpec) -> None:
        """The event a lapse produces must be allowed in a state the clock can run in;
        otherwise ``advance`` could never record it and the window would run on."""
        lapse = self.rs.events[clock.lapse_event or ""]

        def on(*actions: str) -> set[str]:
            return {e for a in actions for e in getattr(clock.trigger(a), "on", ())}

        starters = [
            self.rs.events[e] for e in on("start", "restart", "resume") if e in self.rs.events
        ]
        ending = on("stop", "complete")
        running = {t for ev in starters for src in ev.from_ for t in ev.targets(src)}
        todo = list(running)
        while todo:  # every state reachable without stopping the clock (more than enough)
            state = todo.pop()
            for ev_name, ev in self.rs.events.items():
                if ev_name in ending or state not in ev.from_:
                    continue
                for target in ev.targets(state):
                    if target not in running:
                        running.add(target)
                        todo.append(target)
        if running and not running.intersection(lapse.from_):
            self.add(
                ("clocks", name, "lapse_event"),
                f"event '{clock.lapse_event}' is allowed in none of the states clock "
                f"'{name}' runs in ({', '.join(sorted(running))}): a lapse could never "
                "be recorded",
                f"add one of them to the 'from' of event '{clock.lapse_event}'",
            )

    def check_clocks(self) -> None:
        events = self.rs.events
        for name, clock in self.rs.clocks.items():
            path = ("clocks", name)
            if clock.unit not in CLOCK_UNITS:
                self.add(
                    (*path, "unit"),
                    f"unknown unit '{clock.unit}'",
                    did_you_mean(clock.unit, CLOCK_UNITS),
                )
            if clock.limit < 0:
                self.add((*path, "limit"), "a limit cannot be negative")
            self.ref((*path, "binds"), clock.binds, self.rs.parties, "party", (NOBODY,))
            known = clock.lapse_event is not None and self.ref(
                (*path, "lapse_event"), clock.lapse_event or "", events, "event"
            )
            if known:
                self.check_lapse_event(name, clock)
            if clock.start is None:
                self.add(path, "a clock needs a 'start' trigger", "add 'start: {on: [EVENT]}'")
            for action in CLOCK_ACTIONS:
                trig = clock.trigger(action)
                if trig is None:
                    continue
                tpath = (*path, action)
                if not trig.on:
                    self.add((*tpath, "on"), "a trigger needs at least one event in 'on'")
                allowed_opts = _ACTION_OPTIONS.get(action, set())
                for opt, types in _TRIGGER_FIELD_TYPES.items():
                    field = getattr(trig, opt)
                    if field is None:
                        continue
                    if opt not in allowed_opts:
                        self.add((*tpath, opt), f"'{opt}' does not apply to '{action}'")
                        continue
                    for ev_name in trig.on:
                        spec = events[ev_name].fields.get(field) if ev_name in events else None
                        if ev_name in events and spec is None:
                            self.add(
                                (*tpath, opt),
                                f"event '{ev_name}' has no field '{field}'",
                                did_you_mean(field, events[ev_name].fields),
                            )
                        elif spec is not None and spec.type not in types:
                            self.add(
                                (*tpath, opt),
                                f"field '{ev_name}.{field}' is {spec.type}, "
                                f"'{opt}' needs {' or '.join(types)}",
                            )
                if trig.max_times is not None and "max_times" not in allowed_opts:
                    self.add((*tpath, "max_times"), f"'max_times' does not apply to '{action}'")
                for k, code in enumerate(trig.outcomes):
                    self.outcome_ref((*tpath, "outcomes", k), code)
                if trig.outcomes and not all(
                    events[e].outcome_field or events[e].outcome for e in trig.on if e in events
                ):
                    self.add(
                        (*tpath, "outcomes"),
                        "'outcomes' needs every event in 'on' to give an outcome",
                    )
                if action == "extend" and trig.by_field is None:
                    self.add(tpath, "an extend trigger needs 'by_field'")
                if action == "replace" and trig.date_field is None:
                    self.add(tpath, "a replace trigger needs 'date_field'")
                for i, ev_name in enumerate(trig.on):
                    extra = (RECEIPT,) if action == "start" else ()
                    self.ref((*tpath, "on", i), ev_name, events, "event", extra)

    def check_graph(self) -> None:
        states = self.rs.states
        initial = [n for n, s in states.items() if s.initial]
        outgoing: dict[str, list[str]] = {s: [] for s in states}
        for ev in self.rs.events.values():
            for st in ev.from_:
                if st in outgoing:
                    outgoing[st].extend(ev.targets(st))
        if len(initial) == 1:
            seen = {initial[0]}
            queue = deque(initial)
            while queue:
                for nxt in outgoing.get(queue.popleft(), []):
                    if nxt in states and nxt not in seen:
                        seen.add(nxt)
                        queue.append(nxt)
            for name in states:
                if name not in seen:
                    self.add(
                        ("states", name),
                        f"state '{name}' cannot be reached from '{initial[0]}'",
                        "add an event leading to it or remove it",
                    )
        for name, spec in states.items():
            if not spec.final and not any(t != name for t in outgoing[name]):
                self.add(
                    ("states", name),
                    f"state '{name}' is not final but no event leaves it",
                    "add an event out of it or mark it 'final: true'",
                )
        producible: set[str] = set()
        for ev in self.rs.events.values():
            if ev.outcome:
                producible.add(ev.outcome)
            for field in ev.fields.values():
                if field.type == "outcome":
                    producible.update(
                        code
                        for code in self.rs.outcomes
                        if self.rs.outcome_matches(code, field.allowed)
                    )
        for code in self.rs.outcomes:
            if code not in producible:
                self.add(
                    ("outcomes", code),
                    f"no event can produce outcome '{code}'",
                    "allow it in an outcome field or remove it",
                )


def check_ruleset(rs: Ruleset, positions: Positions) -> list[Problem]:
    """Return every semantic problem of ``rs`` (empty when it is sound)."""
    return _Checker(rs, positions).run()
