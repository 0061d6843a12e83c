"""The records a ruleset is compiled into, shared by the full fold and the walk."""

from __future__ import annotations

import attrs

from disclosure.rules.model import EventSpec, Trigger


@attrs.frozen
class Action:
    """One clock action an event takes, in the order clock actions apply."""

    order: int
    action: str
    clock: str
    trigger: Trigger


@attrs.frozen
class Transition:
    """Everything needed to apply one event type in one state, looked up once."""

    event: str
    target: str
    spec: EventSpec
    closes: bool
    outcome_field: str | None
    actions: tuple[Action, ...]
    lapsed_clock: str | None
