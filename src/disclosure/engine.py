"""An engine: rulesets, calendars, plugins and compiled machines, resolved by name.

Cases name their ruleset (or use the engine's default) and their calendar (or
use the ruleset's). The engine loads and compiles each ruleset once, applies
what plugins add (outcome codes, deadline policies, calendar days, files,
renderers), and keeps no state beyond its own caches, so two engines with
different rulesets, calendars or plugins can live in one process.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from disclosure.calendars.registry import CalendarRegistry
from disclosure.documents import arguments
from disclosure.documents.builtin import builtin_dir
from disclosure.errors import ArgumentError, DisclosureError, NotFoundError, PluginError
from disclosure.lifecycle.case import RULESET_PATH_HINT, Case, Event
from disclosure.lifecycle.machine import Machine
from disclosure.lifecycle.policy import DeadlinePolicy
from disclosure.lifecycle.state import CaseState
from disclosure.plugins.manager import Plugins
from disclosure.plugins.types import RendererSpec
from disclosure.rules.load import is_ruleset_path, load_ruleset, resolve_ruleset
from disclosure.rules.model import Outcome, Ruleset
from disclosure.settings import Settings, merged_parameters

if TYPE_CHECKING:  # report templates load only when a report is made
    from disclosure.reports.template import ReportTemplate

DEFAULT_RULESET = "cn-ogi-2019"


class Engine:
    """Resolve rulesets, calendars and plugins; fold and change cases.

    ``plugins`` defaults to the built-ins plus every installed plugin (as
    restricted by ``DISCLOSURE_LOAD_PLUGINS``); pass ``Plugins.builtin_only()``
    for an engine that ignores what is installed.
    """

    def __init__(
        self,
        *,
        default_ruleset: str = DEFAULT_RULESET,
        calendars: CalendarRegistry | None = None,
        calendar_files: Iterable[str | Path] | str | Path = (),
        ruleset_dirs: Iterable[str | Path] | str | Path = (),
        parameters: Mapping[str, Mapping[str, Any]] | None = None,
        plugins: Plugins | None = None,
        default_calendar: str | None = None,
    ) -> None:
        self.default_ruleset = default_ruleset
        calendar_files = arguments.paths(calendar_files, "calendar_files")
        ruleset_dirs = tuple(map(Path, arguments.paths(ruleset_dirs, "ruleset_dirs")))
        self.plugins = plugins if plugins is not None else Plugins.load()
        found = self.plugins.resources()
        resources = [r for _, r in found]
        #: The agency's calendar for cases that name none (its settings); installing
        #: a plugin that offers a calendar does not change it.
        self.default_calendar = default_calendar
        base = builtin_dir().resolve()
        self.ruleset_dirs = (
            *ruleset_dirs,
            *(p for r in resources for p in r.rulesets if p.resolve() != base),
        )
        self.template_dirs = tuple(
            p for r in resources for p in r.templates if p.resolve() != (base / "reports")
        )
        if calendars is None:
            calendars = CalendarRegistry.from_paths(
                map(Path, calendar_files),
                self.plugins.calendar_adjustments,
                offered=[(plugin, p) for plugin, r in found for p in r.calendars],
            )
        self.calendars = calendars
        self.parameters = dict(parameters or {})
        self._check_parameter_rulesets()
        self._machines: dict[str, Machine] = {}
        self._renderers: dict[str, RendererSpec] | None = None

    def configured(self, settings: Settings) -> Engine:
        """This engine (same plugins and calendars) with an agency's settings applied.

        What ``settings`` leave unset stays as it is here. Checks nothing:
        :func:`check_settings` does, before settings are saved.
        """
        options = settings.engine_options()
        other = copy.copy(self)
        other.default_ruleset = options.get("default_ruleset", self.default_ruleset)
        other.default_calendar = options.get("default_calendar", self.default_calendar)
        other.parameters = dict(merged_parameters(self.parameters, settings.parameters))
        other._check_parameter_rulesets()
        other._machines = {}
        return other

    # -- rulesets and machines -----------------------------------------------------
    def ruleset(self, name: str | None = None) -> Ruleset:
        return self.machine(name).ruleset

    def machine(self, name: str | None = None) -> Machine:
        key = name or self.default_ruleset
        machine = self._machines.get(key)
        if machine is None:
            rs = self._with_plugin_outcomes(load_ruleset(key, self.ruleset_dirs))
            has_policy = self.plugins.has("disclosure_deadline_policy")
            policy = PluginPolicy(self.plugins) if has_policy else None
            machine = Machine(
                rs,
                calendars=self.calendars,
                parameters=self.parameters.get(rs.id),
                policy=policy,
                default_calendar=self._regional_calendar(rs),
            )
            self._machines[key] = machine
            self._machines.setdefault(rs.id, machine)
        return machine

    def _check_parameter_rulesets(self) -> None:
        """Parameters given for a ruleset that is not there (a misspelled name in the
        settings) would otherwise be ignored without a word."""
        for name in self.parameters:
            try:
                resolve_ruleset(name, self.ruleset_dirs)
            except NotFoundError as exc:
                raise NotFoundError(
                    f"parameters are given for a ruleset that is not there: {exc}; "
                    "check the name in the settings' [parameters.RULESET] tables"
                ) from None

    def _regional_calendar(self, rs: Ruleset) -> str | None:
        """The agency's default calendar, for the rulesets whose own calendar it refines.

        A regional calendar (``cn-guangxi`` extends ``cn``) replaces the
        national one it refines; a ruleset counted on another calendar (the US
        federal one) keeps its own.
        """
        regional = self.default_calendar
        if regional is None:
            return None
        try:
            lineage = self.calendars.lineage(regional)
        except NotFoundError:
            return regional  # the fold names the missing calendar
        return regional if rs.ruleset.default_calendar in lineage else None

    def _with_plugin_outcomes(self, rs: Ruleset) -> Ruleset:
        codes = self.plugins.outcome_codes(rs.id)
        if not codes:
            return rs
        outcomes = dict(rs.outcomes)
        for plugin, code in codes:
            if code.code in outcomes:
                raise PluginError(
                    f"plugin '{plugin}' adds outcome code '{code.code}', which "
                    f"ruleset {rs.id} already defines"
                )
            if code.group not in rs.outcome_groups:
                raise PluginError(
                    f"plugin '{plugin}' puts outcome '{code.code}' in group "
                    f"'{code.group}', which ruleset {rs.id} does not have "
                    f"(groups: {', '.join(rs.outcome_groups)})"
                )
            outcomes[code.code] = Outcome(
                code.group,
                code.zh,
                code.en,
                labels=dict(code.labels),
                basis=code.basis,
                description=f"added by plugin {plugin}",
            )
        return attrs.evolve(rs, outcomes=outcomes)

    def machine_for(self, case: Case) -> Machine:
        if (
            case.ruleset
            and case.ruleset not in self._machines
            and case.ruleset != self.default_ruleset
            and is_ruleset_path(case.ruleset)
        ):  # never open a file a case names
            where = f"{case.where}: " if case.where else ""
            raise NotFoundError(
                f"{where}case {case.id}: ruleset '{case.ruleset}' is a file path, not a "
                f"ruleset name ({RULESET_PATH_HINT})"
            )
        try:
            return self.machine(case.ruleset)
        except NotFoundError as exc:
            where = f"{case.where}: " if case.where else ""
            raise NotFoundError(f"{where}case {case.id}: {exc}") from None

    # -- report templates and renderers ------------------------------------------
    def template(self, name: str | None = None, *, year: int | None = None) -> ReportTemplate:
        """A report template checked against the ruleset it names and plugin outcomes."""
        from disclosure.reports.template import load_template, template_for_year

        if name is None:
            if year is None:
                raise DisclosureError("give a template name or a year")
            name = template_for_year(year, self.template_dirs)
        probe = load_template(name, None, self.template_dirs)
        rs = self.ruleset(probe.template.ruleset)
        mapping: dict[str, str] = {}
        for plugin, code in self.plugins.outcome_codes(rs.id):
            row = code.row_for(probe.id)
            if row is None:
                raise PluginError(
                    f"plugin '{plugin}' gives outcome '{code.code}' no row in "
                    f"report template {probe.id} (set report_row)"
                )
            mapping[code.code] = row
        return load_template(name, rs, self.template_dirs, extra_mapping=mapping)

    def renderers(self) -> dict[str, RendererSpec]:
        if self._renderers is None:
            self._renderers = self.plugins.renderers()
        return self._renderers

    # -- cases ------------------------------------------------------------------------
    def fold(self, case: Case, as_of: dt.date | str | None = None) -> CaseState:
        """``case`` folded as of ``as_of`` (a date or ISO text; default today)."""
        return self.machine_for(_case(case)).fold(case, arguments.optional_day(as_of, "as_of"))

    def append(
        self,
        case: Case,
        event: Event | Mapping[str, Any],
        *,
        notify: bool = True,
        as_of: dt.date | str | None = None,
    ) -> CaseState:
        """The state of ``case`` with ``event`` appended, from one fold.

        The state's ``case`` is the new case. Plugins are told unless
        ``notify=False`` (the store tells them after its commit).
        """
        event = _event(event)
        day = arguments.optional_day(as_of, "as_of")
        state = self.machine_for(_case(case)).append(case, event, day)
        if notify:
            self.notify(state, stored=False)
        return state

    def apply(self, case: Case, event: Event | Mapping[str, Any], *, notify: bool = True) -> Case:
        """``case`` with ``event`` appended; plugins are told unless ``notify=False``."""
        return self.append(case, event, notify=notify).case

    def notify(self, state: CaseState, *, stored: bool = True) -> None:
        """Tell plugins that the last event of the state's case was recorded.

        A failing hook raises :class:`PluginError` carrying the ``state`` (its
        ``case`` is the case with the event): in memory (``stored=False``) the
        caller still gets the new case from it.
        """
        case = state.case
        if not case.events or not self.plugins.has("disclosure_event_applied"):
            return
        try:
            last = case.events[-1]  # read-only data: what was stored is what was folded
            event = attrs.evolve(last, data=MappingProxyType(dict(last.data)))
            self.plugins.event_applied(case=case, event=event, state=state, on=state.as_of)
        except PluginError as exc:
            done = "was recorded" if stored else "was applied (the new case is this error's .state)"
            error = PluginError(f"case {case.id}: event '{case.events[-1].type}' {done}, but {exc}")
            error.state = state
            raise error from None

    def normalize(self, case: Case) -> Case:
        return self.machine_for(case).normalize(case)

    def advance(self, case: Case, today: dt.date | str) -> list[Event]:
        """The lapse events time alone has produced by ``today`` (a date or ISO text)."""
        return self.machine_for(_case(case)).advance(case, arguments.day(today, "today"))


def _case(value: Any) -> Case:
    """A case given to the engine: a :class:`Case`, or a clear error."""
    if not isinstance(value, Case):
        raise ArgumentError(
            f"expected a Case (Case.from_dict({{...}}) builds one from a mapping), got {value!r}"
        )
    return value


def _event(value: Any) -> Event:
    """An event given to the engine: an :class:`Event`, or a mapping read as one."""
    if isinstance(value, Event):
        return value
    if isinstance(value, Mapping):
        return Event.from_dict(value)
    raise ArgumentError(
        f"expected an Event (or a mapping such as {{'type': 'decide', 'on': '2024-03-01'}}), "
        f"got {value!r}"
    )


class PluginPolicy:
    """The plugins' deadline policies as the machine calls them; pickles with the plugins."""

    def __init__(self, plugins: Plugins) -> None:
        self.plugins = plugins

    def __call__(
        self, case: Case, clock: str, ruleset: Ruleset
    ) -> tuple[str, DeadlinePolicy] | None:
        return self.plugins.deadline_policy(case=case, clock=clock, ruleset=ruleset)


def check_settings(engine: Engine, settings: Settings) -> Engine:
    """``engine`` with ``settings`` applied, after checking it can use them.

    An unknown calendar or ruleset, or a parameter that is not declared or
    does not fit, raises here, so nothing unusable is ever saved.
    """
    configured = engine.configured(settings)
    machine = configured.machine()
    configured.calendars.get(machine.default_calendar)
    for rs in settings.parameters:
        configured.machine(rs)
    return configured
