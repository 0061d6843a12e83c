"""disclosure: a workflow-rules engine for government information disclosure requests.

The public API, in the order one usually needs it::

    from disclosure import Engine, load_cases

    engine = Engine()                       # built-in rulesets and calendars
    for case in load_cases("cases.yaml"):
        state = engine.fold(case)           # state, outcome, deadlines, findings
        print(state.case_id, state.state, state.deadlines["reply"].due)

Lower-level pieces (a single ruleset, a compiled machine, calendars) are
exported too; see ``docs/api.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it. Imported on first use, so that
#: ``import disclosure`` (and ``disclosure --help``) stays fast.
_EXPORTS: dict[str, str] = {
    "AgencyData": "reports.inputs",
    "AnnualReportJob": "annual",
    "CalendarError": "errors",
    "CalendarRangeError": "errors",
    "CalendarRegistry": "calendars.registry",
    "Case": "lifecycle.case",
    "ArgumentError": "errors",
    "CaseFileError": "errors",
    "CaseState": "lifecycle.state",
    "CheckResult": "reports.model",
    "ClockStep": "lifecycle.clocks",
    "ConflictError": "errors",
    "DEFAULT_RULESET": "engine",
    "DayInfo": "calendars.calendar",
    "DeadlinePolicy": "lifecycle.policy",
    "Deadline": "lifecycle.clocks",
    "DisclosureError": "errors",
    "DocumentError": "errors",
    "DueCounts": "store",
    "Engine": "engine",
    "Event": "lifecycle.case",
    "EventRejected": "errors",
    "InvalidIdError": "errors",
    "Finding": "lifecycle.state",
    "Grid": "reports.model",
    "Machine": "lifecycle.machine",
    "NotFoundError": "errors",
    "PluginError": "errors",
    "Plugins": "plugins",
    "Problem": "errors",
    "Projection": "store",
    "Report": "reports.model",
    "ReportTemplate": "reports.template",
    "Ruleset": "rules.model",
    "RulesetError": "errors",
    "Store": "store",
    "StoreError": "errors",
    "TemplateError": "errors",
    "TimelineEntry": "lifecycle.state",
    "WorkingCalendar": "calendars.calendar",
    "build_report": "reports.build",
    "builtin_rulesets": "rules.load",
    "drill_down": "reports.drilldown",
    "lint_ruleset": "rules.load",
    "load_agency_data": "reports.inputs",
    "load_cases": "lifecycle.case",
    "load_ruleset": "rules.load",
    "load_template": "reports.template",
    "read_calendar_file": "calendars.registry",
    "read_narrative": "reports.inputs",
    "render": "reports.render",
    "ruleset_to_dict": "rules.model",
    "run_checks": "reports.checks",
    "template_for_year": "reports.template",
    "Settings": "settings",
    "SettingsError": "settings",
    "load_settings": "settings",
    "check_settings": "engine",
    "CaseStore": "store.port",
    "Refold": "store.port",
    "open_store": "store.open",
    "PluginWarning": "errors",
    "StatisticsReport": "reports.statistics.model",
    "build_statistics": "reports.statistics.build",
    "load_statistics_template": "reports.statistics.template",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from disclosure.annual import AnnualReportJob
    from disclosure.calendars.calendar import DayInfo, WorkingCalendar
    from disclosure.calendars.registry import CalendarRegistry, read_calendar_file
    from disclosure.engine import DEFAULT_RULESET, Engine, check_settings
    from disclosure.errors import (
        ArgumentError,
        CalendarError,
        CalendarRangeError,
        CaseFileError,
        ConflictError,
        DisclosureError,
        DocumentError,
        EventRejected,
        InvalidIdError,
        NotFoundError,
        PluginError,
        PluginWarning,
        Problem,
        RulesetError,
        StoreError,
        TemplateError,
    )
    from disclosure.lifecycle.case import Case, Event, load_cases
    from disclosure.lifecycle.clocks import ClockStep, Deadline
    from disclosure.lifecycle.machine import Machine
    from disclosure.lifecycle.policy import DeadlinePolicy
    from disclosure.lifecycle.state import CaseState, Finding, TimelineEntry
    from disclosure.plugins import Plugins
    from disclosure.reports.build import build_report
    from disclosure.reports.checks import run_checks
    from disclosure.reports.drilldown import drill_down
    from disclosure.reports.inputs import AgencyData, load_agency_data, read_narrative
    from disclosure.reports.model import CheckResult, Grid, Report
    from disclosure.reports.render import render
    from disclosure.reports.statistics.build import build_statistics
    from disclosure.reports.statistics.model import StatisticsReport
    from disclosure.reports.statistics.template import load_statistics_template
    from disclosure.reports.template import ReportTemplate, load_template, template_for_year
    from disclosure.rules.load import builtin_rulesets, lint_ruleset, load_ruleset
    from disclosure.rules.model import Ruleset, ruleset_to_dict
    from disclosure.settings import Settings, SettingsError, load_settings
    from disclosure.store import DueCounts, Projection, Store
    from disclosure.store.open import open_store
    from disclosure.store.port import CaseStore, Refold

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_RULESET",
    "AgencyData",
    "AnnualReportJob",
    "ArgumentError",
    "CalendarError",
    "CalendarRangeError",
    "CalendarRegistry",
    "Case",
    "CaseFileError",
    "CaseState",
    "CaseStore",
    "CheckResult",
    "ClockStep",
    "ConflictError",
    "DayInfo",
    "Deadline",
    "DeadlinePolicy",
    "DisclosureError",
    "DocumentError",
    "DueCounts",
    "Engine",
    "Event",
    "EventRejected",
    "Finding",
    "Grid",
    "InvalidIdError",
    "Machine",
    "NotFoundError",
    "PluginError",
    "PluginWarning",
    "Plugins",
    "Problem",
    "Projection",
    "Refold",
    "Report",
    "ReportTemplate",
    "Ruleset",
    "RulesetError",
    "Settings",
    "SettingsError",
    "StatisticsReport",
    "Store",
    "StoreError",
    "TemplateError",
    "TimelineEntry",
    "WorkingCalendar",
    "__version__",
    "build_report",
    "build_statistics",
    "builtin_rulesets",
    "check_settings",
    "drill_down",
    "lint_ruleset",
    "load_agency_data",
    "load_cases",
    "load_ruleset",
    "load_settings",
    "load_statistics_template",
    "load_template",
    "open_store",
    "read_calendar_file",
    "read_narrative",
    "render",
    "ruleset_to_dict",
    "run_checks",
    "template_for_year",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'disclosure' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
