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
    "AgencyData": "report",
    "AnnualReportJob": "annual",
    "CalendarError": "errors",
    "CalendarRangeError": "errors",
    "CalendarRegistry": "calendar_load",
    "Case": "case",
    "CaseFileError": "errors",
    "CaseState": "machine",
    "CheckResult": "report",
    "ClockStep": "clocks",
    "ConflictError": "store",
    "DEFAULT_RULESET": "engine",
    "DayInfo": "calendar",
    "Deadline": "clocks",
    "DisclosureError": "errors",
    "DocumentError": "errors",
    "Engine": "engine",
    "Event": "case",
    "EventRejected": "errors",
    "Finding": "machine",
    "Grid": "report",
    "Machine": "machine",
    "NotFoundError": "errors",
    "Problem": "errors",
    "Projection": "store",
    "Report": "report",
    "ReportTemplate": "report_template",
    "Ruleset": "ruleset",
    "RulesetError": "errors",
    "Store": "store",
    "StoreError": "store",
    "TemplateError": "report_template",
    "TimelineEntry": "machine",
    "WorkingCalendar": "calendar",
    "build_report": "report",
    "builtin_rulesets": "ruleset_load",
    "drill_down": "report",
    "lint_ruleset": "ruleset_load",
    "load_agency_data": "report",
    "load_cases": "case",
    "load_ruleset": "ruleset_load",
    "load_template": "report_template",
    "read_calendar_file": "calendar_load",
    "read_narrative": "report",
    "render": "render",
    "ruleset_to_dict": "ruleset",
    "run_checks": "report",
    "template_for_year": "report_template",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .annual import AnnualReportJob
    from .calendar import DayInfo, WorkingCalendar
    from .calendar_load import CalendarRegistry, read_calendar_file
    from .case import Case, Event, load_cases
    from .clocks import ClockStep, Deadline
    from .engine import DEFAULT_RULESET, Engine
    from .errors import (
        CalendarError,
        CalendarRangeError,
        CaseFileError,
        DisclosureError,
        DocumentError,
        EventRejected,
        NotFoundError,
        Problem,
        RulesetError,
    )
    from .machine import CaseState, Finding, Machine, TimelineEntry
    from .render import render
    from .report import (
        AgencyData,
        CheckResult,
        Grid,
        Report,
        build_report,
        drill_down,
        load_agency_data,
        read_narrative,
        run_checks,
    )
    from .report_template import ReportTemplate, TemplateError, load_template, template_for_year
    from .ruleset import Ruleset, ruleset_to_dict
    from .ruleset_load import builtin_rulesets, lint_ruleset, load_ruleset
    from .store import ConflictError, Projection, Store, StoreError

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_RULESET",
    "AgencyData",
    "AnnualReportJob",
    "CalendarError",
    "CalendarRangeError",
    "CalendarRegistry",
    "Case",
    "CaseFileError",
    "CaseState",
    "CheckResult",
    "ClockStep",
    "ConflictError",
    "DayInfo",
    "Deadline",
    "DisclosureError",
    "DocumentError",
    "Engine",
    "Event",
    "EventRejected",
    "Finding",
    "Grid",
    "Machine",
    "NotFoundError",
    "Problem",
    "Projection",
    "Report",
    "ReportTemplate",
    "Ruleset",
    "RulesetError",
    "Store",
    "StoreError",
    "TemplateError",
    "TimelineEntry",
    "WorkingCalendar",
    "__version__",
    "build_report",
    "builtin_rulesets",
    "drill_down",
    "lint_ruleset",
    "load_agency_data",
    "load_cases",
    "load_ruleset",
    "load_template",
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
