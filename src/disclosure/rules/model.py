"""The ruleset model: a legal regime's lifecycle, clocks and outcomes as data.

These frozen attrs classes mirror the YAML format documented in
``docs/rulesets.md``. Nothing here knows any particular law: the Chinese
Regulations live in ``rulesets/cn-ogi-2019.yaml``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Protocol

import attrs

from disclosure.documents.source import Positions

#: Field types an event may declare.
FIELD_TYPES = ("int", "number", "date", "bool", "str", "choice", "outcome", "list")
#: Units a clock's limit may be counted in.
CLOCK_UNITS = ("working_days", "natural_days")
#: Party name meaning "nobody needs to act".
NOBODY = "nobody"
#: Pseudo-event that stands for the receipt of the application.
RECEIPT = "receipt"
#: The clock actions a ruleset can attach to events, in the order they are applied.
CLOCK_ACTIONS = ("complete", "stop", "pause", "resume", "restart", "start", "extend", "replace")
#: Pause conventions: which days between a pause and its resume are not counted.
PAUSE_CONVENTIONS = ("(pause, resume]", "[pause, resume)")


#: A language tag as BCP 47 spells it (``zh``, ``zh-Hans``, ``en-US``, ``es``).
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


class Labelled(Protocol):
    """Something with names for people: ``zh``/``en`` shorthands and ``labels`` by tag."""

    @property
    def zh(self) -> str: ...

    @property
    def en(self) -> str: ...

    @property
    def labels(self) -> Mapping[str, str]: ...


def label_of(thing: Labelled, language: str = "") -> str:
    """``thing``'s name in ``language`` (a language tag), or the closest one it has.

    The exact tag wins, then any tag of the same language (``zh-Hans`` for
    ``zh``), then the first name given (``zh``, ``en``, then ``labels`` in
    order), so a ruleset written in one language still shows its names.
    """
    names = [(tag, text) for tag, text in (("zh", thing.zh), ("en", thing.en)) if text]
    names += [(tag, text) for tag, text in thing.labels.items() if text]
    if not names:
        return ""
    wanted = language.lower()
    for tag, text in names:
        if tag.lower() == wanted:
            return text
    primary = wanted.split("-")[0]
    for tag, text in names:
        if tag.lower().split("-")[0] == primary:
            return text
    return names[0][1]


@attrs.frozen
class Label:
    """A thing's names for people."""

    zh: str = ""
    en: str = ""
    labels: Mapping[str, str] = attrs.field(factory=dict)
    description: str = ""


@attrs.frozen
class Meta:
    """Identity and validity of a ruleset."""

    id: str
    title: str = ""
    version: str = "1"
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    default_calendar: str = "cn"
    jurisdiction: str = ""
    #: The language tag names are shown in unless the reader asks for another.
    language: str = ""
    #: The clock a clerk means by "the deadline" (shown by ``case open``,
    #: explained by ``case explain`` unless ``--clock`` says otherwise);
    #: empty means the first clock declared.
    primary_clock: str = ""
    description: str = ""


@attrs.frozen
class State:
    """A lifecycle state and who must act while a case is in it.

    ``closed`` means the application is concluded (it has its outcome);
    ``final`` means nothing can happen any more.
    """

    waiting_on: str = NOBODY
    zh: str = ""
    en: str = ""
    labels: Mapping[str, str] = attrs.field(factory=dict)
    initial: bool = False
    closed: bool = False
    final: bool = False
    description: str = ""


@attrs.frozen
class FieldSpec:
    """A data field an event carries."""

    type: str
    required: bool = False
    default: Any = None
    default_from: str | None = None
    choices: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    #: Outcome codes or groups for which the field must be given / must not be
    #: (checked against the event's own outcome field).
    required_for: tuple[str, ...] = ()
    forbidden_for: tuple[str, ...] = ()
    description: str = ""


@attrs.frozen
class EventSpec:
    """An event: from which states, to which state, with which data."""

    from_: tuple[str, ...]
    to: str | None = None
    zh: str = ""
    en: str = ""
    labels: Mapping[str, str] = attrs.field(factory=dict)
    fields: Mapping[str, FieldSpec] = attrs.field(factory=dict)
    outcome: str | None = None
    on_receipt_day: bool = False
    #: At most this many events of this type in one case (FOIA: one request
    #: for information).
    max_times: int | None = None
    #: The target state for some outcomes (codes or groups) of the event's own
    #: outcome field; ``to`` for the rest (a full grant ends the case, an
    #: adverse determination leaves it open to appeal).
    to_for: Mapping[str, str] = attrs.field(factory=dict)
    description: str = ""
    basis: str = ""

    @property
    def outcome_field(self) -> str | None:
        """The data field that carries the event's outcome, if it has one."""
        return next((f for f, spec in self.fields.items() if spec.type == "outcome"), None)

    def targets(self, source: str) -> tuple[str, ...]:
        """Every state the event may lead to from ``source`` (for graphs and reachability)."""
        default = self.to or source
        return (default, *(t for t in self.to_for.values() if t != default))


@attrs.frozen
class Trigger:
    """Which events perform one clock action, and how.

    ``from_field``: a date field that replaces the event date as the start;
    ``limit_field``: an int field that sets the limit; ``by_field``: the
    number of units an extension adds; ``date_field``: the date that replaces
    the deadline; ``max_times``: how often the action may happen;
    ``outcomes``: the outcomes of the event for which it happens at all.
    """

    on: tuple[str, ...]
    from_field: str | None = None
    limit_field: str | None = None
    by_field: str | None = None
    date_field: str | None = None
    max_times: int | None = None
    #: Act only when the event's outcome is one of these codes or groups (the
    #: appeal window opens on adverse determinations only).
    outcomes: tuple[str, ...] = ()


@attrs.frozen
class ClockSpec:
    """A named period with a limit, driven by events.

    ``compliance`` marks the operator's own duties: finishing late is a
    finding and a running clock past its due date makes the case overdue.
    ``optional`` marks a window for a step that may not be needed at all (the
    correction notice): once it passes unused it is shown as stopped, not
    overdue; taking the step late is still a finding.
    ``lapse_event`` is the event that time alone produces when the period
    ends unused (see ``Machine.advance``).
    """

    limit: int
    unit: str = "working_days"
    binds: str = "agency"
    compliance: bool = False
    optional: bool = False
    zh: str = ""
    en: str = ""
    labels: Mapping[str, str] = attrs.field(factory=dict)
    lapse_event: str | None = None
    start: Trigger | None = None
    restart: Trigger | None = None
    pause: Trigger | None = None
    resume: Trigger | None = None
    extend: Trigger | None = None
    replace: Trigger | None = None
    complete: Trigger | None = None
    stop: Trigger | None = None
    description: str = ""
    basis: str = ""

    def trigger(self, action: str) -> Trigger | None:
        value: Trigger | None = getattr(self, action)
        return value


@attrs.frozen
class Outcome:
    """A way a case can end, and its group (the report's row family)."""

    group: str
    zh: str = ""
    en: str = ""
    labels: Mapping[str, str] = attrs.field(factory=dict)
    basis: str = ""
    description: str = ""


@attrs.frozen
class Parameter:
    """A choice the law leaves to the agency, with its default."""

    type: str
    default: Any = None
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    zh: str = ""
    en: str = ""
    labels: Mapping[str, str] = attrs.field(factory=dict)
    description: str = ""
    basis: str = ""


#: How a pattern's match is masked: keep its ``marker`` group (an address's
#: 住址) and nothing after it; keep the ``last_four`` digits; keep the first
#: three and last two characters (``ends``); keep an e-mail's first two
#: characters and its domain (``email``).
PATTERN_MASKS = ("marker", "last_four", "ends", "email")
#: How a case or event field is masked: keep its ``first_character`` (a
#: family name); its ``ends``; mask every pattern in it (``patterns``); or,
#: when no pattern matches, keep only its last four characters
#: (``patterns_or_last_four``, for contacts that must never show whole).
FIELD_MASKS = ("first_character", "ends", "patterns", "patterns_or_last_four")


@attrs.frozen
class MaskPattern:
    """A kind of personal data that free text holds, found by a regular expression."""

    name: str
    regex: str
    mask: str
    description: str = ""


def _default_case_fields() -> dict[str, str]:
    return {
        "applicant_name": "first_character",
        "id_number": "ends",
        "contact": "patterns_or_last_four",
        "subject": "patterns",
    }


@attrs.frozen
class PersonalData:
    """What personal data looks like under a regime, and how it is masked for display.

    Patterns are data because they differ by country (ID numbers, phone
    numbering plans, the words that introduce an address).
    """

    case_fields: Mapping[str, str] = attrs.field(factory=_default_case_fields)
    event_fields: Mapping[str, str] = attrs.field(factory=lambda: {"note": "patterns"})
    patterns: tuple[MaskPattern, ...] = ()


@attrs.frozen
class Ruleset:
    """A loaded, validated ruleset."""

    ruleset: Meta
    parties: Mapping[str, Label]
    applicant_kinds: Mapping[str, Label]
    channels: Mapping[str, Label]
    states: Mapping[str, State]
    events: Mapping[str, EventSpec]
    clocks: Mapping[str, ClockSpec]
    outcome_groups: Mapping[str, Label]
    outcomes: Mapping[str, Outcome]
    parameters: Mapping[str, Parameter] = attrs.field(factory=dict)
    #: Fields a case carries beyond the fixed ones (the FOIA ``component``);
    #: reports may count by them.
    case_fields: Mapping[str, FieldSpec] = attrs.field(factory=dict)
    personal_data: PersonalData = attrs.field(factory=PersonalData)
    source: str = attrs.field(default="", eq=False)
    positions: Positions | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def id(self) -> str:
        return self.ruleset.id

    @property
    def primary_clock(self) -> str:
        """``ruleset.primary_clock``, or the first clock the ruleset declares."""
        return self.ruleset.primary_clock or next(iter(self.clocks), "")

    @property
    def initial_state(self) -> str:
        return next(name for name, st in self.states.items() if st.initial)

    def parameter_defaults(self) -> dict[str, Any]:
        return {name: p.default for name, p in self.parameters.items()}

    def outcome_matches(self, code: str, allowed: tuple[str, ...]) -> bool:
        """Whether ``code`` is one of ``allowed`` codes or in one of its groups."""
        outcome = self.outcomes.get(code)
        if outcome is None:
            return False
        return not allowed or code in allowed or outcome.group in allowed


def ruleset_to_dict(rs: Ruleset) -> dict[str, Any]:
    """Plain data in the YAML format's shape (for JSON output and round trips)."""

    def clean(value: Any) -> Any:
        if attrs.has(type(value)):
            out = {}
            for a in attrs.fields(type(value)):
                if a.name in ("source", "positions"):
                    continue
                v = getattr(value, a.name)
                if v is None or v == () or v == "" or (v is False and a.default is False):
                    continue
                out[a.name.rstrip("_")] = clean(v)
            return out
        if isinstance(value, Mapping):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, tuple):
            return [clean(v) for v in value]
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    result: dict[str, Any] = clean(rs)
    return result
