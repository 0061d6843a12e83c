"""An engine: rulesets, calendars and compiled machines, resolved by name.

Cases name their ruleset (or use the engine's default) and their calendar (or
use the ruleset's). The engine loads and compiles each ruleset once and keeps
no state beyond its own caches, so two engines with different rulesets or
calendars can live in one process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .calendar_load import CalendarRegistry
from .case import Case, Event
from .machine import CaseState, Machine
from .ruleset import Ruleset
from .ruleset_load import load_ruleset

DEFAULT_RULESET = "cn-ogi-2019"


class Engine:
    """Resolve rulesets and calendars, fold and change cases."""

    def __init__(
        self,
        *,
        default_ruleset: str = DEFAULT_RULESET,
        calendars: CalendarRegistry | None = None,
        ruleset_dirs: Iterable[Path] = (),
        parameters: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.default_ruleset = default_ruleset
        self.calendars = calendars if calendars is not None else CalendarRegistry.default()
        self.ruleset_dirs = tuple(ruleset_dirs)
        self.parameters = dict(parameters or {})
        self._machines: dict[str, Machine] = {}

    def ruleset(self, name: str | None = None) -> Ruleset:
        return self.machine(name).ruleset

    def machine(self, name: str | None = None) -> Machine:
        key = name or self.default_ruleset
        machine = self._machines.get(key)
        if machine is None:
            rs = load_ruleset(key, self.ruleset_dirs)
            machine = Machine(rs, calendars=self.calendars, parameters=self.parameters.get(rs.id))
            self._machines[key] = machine
            self._machines.setdefault(rs.id, machine)
        return machine

    def machine_for(self, case: Case) -> Machine:
        return self.machine(case.ruleset)

    def fold(self, case: Case, as_of: dt.date | None = None) -> CaseState:
        return self.machine_for(case).fold(case, as_of)

    def apply(self, case: Case, event: Event) -> Case:
        return self.machine_for(case).apply(case, event)

    def normalize(self, case: Case) -> Case:
        return self.machine_for(case).normalize(case)

    def advance(self, case: Case, today: dt.date) -> list[Event]:
        return self.machine_for(case).advance(case, today)
