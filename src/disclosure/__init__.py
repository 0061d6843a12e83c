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
from .ruleset import Ruleset, ruleset_to_dict
from .ruleset_load import builtin_rulesets, lint_ruleset, load_ruleset

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_RULESET",
    "CalendarError",
    "CalendarRangeError",
    "CalendarRegistry",
    "Case",
    "CaseFileError",
    "CaseState",
    "ClockStep",
    "DayInfo",
    "Deadline",
    "DisclosureError",
    "DocumentError",
    "Engine",
    "Event",
    "EventRejected",
    "Finding",
    "Machine",
    "NotFoundError",
    "Problem",
    "Ruleset",
    "RulesetError",
    "TimelineEntry",
    "WorkingCalendar",
    "__version__",
    "builtin_rulesets",
    "lint_ruleset",
    "load_cases",
    "load_ruleset",
    "read_calendar_file",
    "ruleset_to_dict",
]
