"""Event fields: the one definition of what a field's value may be.

A ruleset declares each event's data fields (type, choices, range, outcome
codes allowed, default or a default taken from a parameter). This module turns
those declarations into checks, once per ruleset and agency: the fold uses
them on every event, the ruleset linter on declared defaults and parameter
values, and the annual report for the defaults of fields an event left out.
Checks are closures built from the declaration, so the rule exists once.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from disclosure.documents.structure import (
    DECIMAL,
    NOT_DECIMAL,
    is_misspelt_whole,
    kind_of,
    parse_date,
)
from disclosure.errors import TypeMismatch, did_you_mean
from disclosure.rules.model import FieldSpec, Parameter, Ruleset

#: Keys every event may carry besides its ruleset-declared fields.
EVENT_COMMON_KEYS = ("type", "on", "note", "by")

#: Check one value: return it (dates parsed from text) or raise FieldProblem.
ValueCheck = Callable[[Any], Any]


class FieldProblem(Exception):
    """Why a value or an event's data does not fit its declaration (the message says)."""


def _whole(value: Any) -> Any:
    if value.__class__ is not int and (isinstance(value, bool) or not isinstance(value, int)):
        if is_misspelt_whole(value):
            raise FieldProblem(f"{NOT_DECIMAL}, got '{value}'")
        raise FieldProblem(f"must be a whole number, got {kind_of(value)}")
    return value


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldProblem(f"must be a number, got {kind_of(value)}")
    if value.__class__ is not int and not math.isfinite(value):
        raise FieldProblem(f"must be a finite number, got {value}")
    return value


def _flag(value: Any) -> Any:
    if not isinstance(value, bool):
        raise FieldProblem(f"must be true or false, got {kind_of(value)}")
    return value


def _text(value: Any) -> Any:
    if value.__class__ is not str and not isinstance(value, str):
        raise FieldProblem(f"must be text, got {kind_of(value)}")
    return value


def _date(value: Any) -> Any:
    if value.__class__ is dt.date:
        return value
    try:
        return parse_date(value)
    except TypeMismatch as exc:
        raise FieldProblem(str(exc)) from None


def _any(value: Any) -> Any:
    return value


_BASE: dict[str, ValueCheck] = {
    "int": _whole,
    "number": _number,
    "bool": _flag,
    "str": _text,
    "choice": _text,
    "outcome": _text,
    "date": _date,
}


def value_check(
    type_: str,
    *,
    choices: tuple[str, ...] = (),
    minimum: float | None = None,
    maximum: float | None = None,
    allowed: tuple[str, ...] = (),
    ruleset: Ruleset | None = None,
    owner: str = "",
) -> ValueCheck:
    """The check for one declared value: type, then range, choices or outcome code.

    Outcome codes are checked against ``ruleset`` when one is given (a field
    declared before the ruleset is complete is checked for its type only).
    """
    base = _BASE.get(type_, _any)
    if type_ in ("int", "number") and (minimum is not None or maximum is not None):
        low = -math.inf if minimum is None else minimum
        high = math.inf if maximum is None else maximum

        def in_range(value: Any) -> Any:
            value = base(value)
            if value < low:
                raise FieldProblem(f"must be at least {low:g}, got {value}")
            if value > high:
                raise FieldProblem(f"must be at most {high:g}, got {value}")
            return value

        return in_range
    if type_ == "choice":
        options = frozenset(choices)
        listed = ", ".join(choices)

        def one_of(value: Any) -> Any:
            if value.__class__ is not str:
                base(value)
            if value not in options:
                raise FieldProblem(
                    f"'{value}' is not one of {listed} ({did_you_mean(value, choices)})"
                )
            return value

        return one_of
    if type_ == "list":
        item_options = frozenset(choices)
        item_listed = ", ".join(choices)

        def items(value: Any) -> Any:
            if not isinstance(value, (list, tuple)):
                raise FieldProblem(f"must be a list, got {kind_of(value)}")
            seen: set[str] = set()
            for item in value:
                if not isinstance(item, str):
                    raise FieldProblem(f"list items must be text, got {kind_of(item)}")
                if item_options and item not in item_options:
                    raise FieldProblem(
                        f"'{item}' is not one of {item_listed} ({did_you_mean(item, choices)})"
                    )
                if item in seen:
                    raise FieldProblem(f"'{item}' is listed twice")
                seen.add(item)
            if minimum is not None and len(value) < minimum:
                raise FieldProblem(f"must list at least {minimum:g}, got {len(value)}")
            if maximum is not None and len(value) > maximum:
                raise FieldProblem(f"must list at most {maximum:g}, got {len(value)}")
            return tuple(value)

        return items
    if type_ == "outcome" and ruleset is not None:
        codes = ruleset.outcomes
        accepted = frozenset(code for code in codes if ruleset.outcome_matches(code, allowed))

        def outcome(value: Any) -> Any:
            if value.__class__ is not str:
                base(value)
            if value not in accepted:
                if value not in codes:
                    raise FieldProblem(
                        f"unknown outcome code '{value}' ({did_you_mean(value, codes)})"
                    )
                raise FieldProblem(
                    f"outcome '{value}' cannot be given by '{owner}' "
                    f"(allowed: {', '.join(allowed)})"
                )
            return value

        return outcome
    return base


def field_check(spec: FieldSpec, ruleset: Ruleset | None = None, owner: str = "") -> ValueCheck:
    """The value check a field declaration describes (``owner``: the event, for messages)."""
    return value_check(
        spec.type,
        choices=spec.choices,
        minimum=spec.min,
        maximum=spec.max,
        allowed=spec.allowed,
        ruleset=ruleset,
        owner=owner,
    )


def value_problem(
    type_: str, value: Any, choices: tuple[str, ...] = (), spec: FieldSpec | None = None
) -> str | None:
    """Why ``value`` does not fit a declared type (and the field's range), or None."""
    check = field_check(spec) if spec is not None else value_check(type_, choices=choices)
    try:
        check(value)
    except FieldProblem as exc:
        return str(exc)
    return None


def parameter_problem(ruleset: Ruleset, name: str, value: Any) -> str | None:
    """Why ``value`` cannot be parameter ``name`` of ``ruleset``, or None.

    Its declared type, choices and range, and the range of every event field
    that takes its default from it: a value the field itself would refuse
    (a correction period of 0 days) must not slip in as that field's default.
    """
    param: Parameter = ruleset.parameters[name]
    check = value_check(param.type, choices=param.choices, minimum=param.min, maximum=param.max)
    try:
        check(value)
    except FieldProblem as exc:
        return str(exc)
    for event_name, event in ruleset.events.items():
        for field_name, spec in event.fields.items():
            if spec.default_from != name:
                continue
            why = value_problem(spec.type, value, spec=spec)
            if why:
                return f"{why} (the default of field '{field_name}' of event '{event_name}')"
    return None


_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


def value_from_text(type_: str, text: str) -> Any:
    """A value typed on the command line (``key=value``), read as its field declares.

    Whole numbers only in decimal without leading zeros (``010`` is refused,
    not read as 8 or 10), numbers only finite and decimal, flags only
    true/false; text, choices, outcome codes and dates stay exactly as typed
    (dates are parsed by the field's check). Raises :class:`FieldProblem`.
    """
    if type_ == "int":
        if not DECIMAL.fullmatch(text):
            raise FieldProblem(f"{NOT_DECIMAL}, got '{text}'")
        return int(text)
    if type_ == "number":
        if DECIMAL.fullmatch(text):
            return int(text)
        if not _FLOAT.fullmatch(text):
            raise FieldProblem(f"must be a number written in decimal, got '{text}'")
        return float(text)
    if type_ == "list":  # b5,b6 -> ["b5", "b6"]; an empty text is an empty list
        return [item.strip() for item in text.split(",")] if text.strip() else []
    if type_ == "bool":
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise FieldProblem(f"must be true or false, got '{text}'")
    return text


def default_of(spec: FieldSpec, parameters: Mapping[str, Any]) -> Any:
    """A field's value when an event leaves it out: its parameter's, or its own default."""
    if spec.default_from is not None:
        return parameters.get(spec.default_from)
    return spec.default


class EventFields:
    """The compiled data check of one event type.

    Calling it with an event's data and the day of receipt returns the data
    with declared types (dates parsed) and defaults filled in, or raises
    :class:`FieldProblem` naming the field. Date fields may not lie before
    receipt: a period cannot start before the application exists.
    """

    __slots__ = (
        "_conditions",
        "_known",
        "_outcome_field",
        "_specs",
        "defaults",
        "event",
        "fields",
        "of",
        "owner",
    )

    def __init__(
        self,
        event: str,
        fields: Mapping[str, FieldSpec],
        ruleset: Ruleset,
        parameters: Mapping[str, Any],
        owner: str = "",
    ) -> None:
        self.event = event
        #: How messages name what the fields belong to ("event 'decide'", "the case").
        self.owner = owner or f"event '{event}'"
        self.of = owner or f"'{event}'"
        self.fields = fields
        self._known = frozenset(fields)
        self.defaults: dict[str, Any] = {}
        specs = []
        for name, spec in fields.items():
            default = default_of(spec, parameters)
            if default is not None:
                self.defaults[name] = default
            specs.append(
                (
                    name,
                    field_check(spec, ruleset, event),
                    spec.required,
                    default,
                    spec.type == "date",
                )
            )
        self._specs = tuple(specs)
        self._outcome_field = next(
            (name for name, spec in fields.items() if spec.type == "outcome"), ""
        )
        conditions = []
        for name, spec in fields.items():
            if spec.required_for or spec.forbidden_for:
                required = frozenset(
                    c
                    for c in ruleset.outcomes
                    if spec.required_for and ruleset.outcome_matches(c, spec.required_for)
                )
                forbidden = frozenset(
                    c
                    for c in ruleset.outcomes
                    if spec.forbidden_for and ruleset.outcome_matches(c, spec.forbidden_for)
                )
                conditions.append((name, required, forbidden))
        self._conditions = tuple(conditions)

    def _check_conditions(self, out: Mapping[str, Any]) -> None:
        """Fields that one outcome needs and another forbids (an empty list counts as absent)."""
        outcome = out.get(self._outcome_field)
        for name, required, forbidden in self._conditions:
            given = out.get(name) not in (None, (), [], "")
            if outcome in required and not given:
                raise FieldProblem(f"{self.owner} with outcome '{outcome}' needs field '{name}'")
            if outcome in forbidden and given:
                raise FieldProblem(
                    f"{self.owner} with outcome '{outcome}' must not give field '{name}'"
                )

    def __call__(self, data: Mapping[str, Any], received: dt.date) -> dict[str, Any]:
        known = self._known
        if not known.issuperset(data):
            self._unknown(next(key for key in data if key not in known))
        out: dict[str, Any] = {}
        for name, check, required, default, is_date in self._specs:
            value = data.get(name)
            if value is not None:
                try:
                    value = check(value)
                except FieldProblem as exc:
                    raise FieldProblem(f"field '{name}' of {self.of}: {exc}") from None
                if is_date and value < received:
                    raise FieldProblem(
                        f"field '{name}' of {self.of}: {value} is before receipt ({received})"
                    )
                out[name] = value
            elif required:
                description = self.fields[name].description
                raise FieldProblem(
                    f"{self.owner} needs field '{name}'"
                    + (f" ({description})" if description else "")
                )
            elif default is not None:
                out[name] = default
        if self._conditions:
            self._check_conditions(out)
        return out

    def _unknown(self, key: str) -> None:
        hint = (
            f"'{key}' belongs to the event itself, not to its data"
            if key in EVENT_COMMON_KEYS
            else did_you_mean(key, self.fields) or "it takes no data fields"
        )
        raise FieldProblem(f"{self.owner} has no field '{key}' ({hint})")


__all__ = [
    "EVENT_COMMON_KEYS",
    "EventFields",
    "FieldProblem",
    "ValueCheck",
    "default_of",
    "field_check",
    "value_check",
    "value_from_text",
    "value_problem",
]
