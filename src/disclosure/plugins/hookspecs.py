"""The hooks a plugin can implement. This module is the plugin reference.

A plugin is a module (or object) with functions named like the hooks below,
decorated with ``disclosure.plugins.hookimpl``, and published under the
``disclosure`` entry-point group::

    # pyproject.toml of the plugin
    [project.entry-points.disclosure]
    my_agency = "my_agency_plugin"

Hooks are always called with keyword arguments; a plugin may accept a subset of
them. pluggy runs every call, so ``firstresult``, ``tryfirst``/``trylast`` and
hook wrappers (``wrapper=True``) work as pluggy documents. A function marked
``hookimpl`` whose name is not one of these hooks is an error. The built-in
renderers and files are registered through these same hooks by
``disclosure.plugins.builtin``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from disclosure.lifecycle.case import Case, Event
    from disclosure.lifecycle.state import CaseState
    from disclosure.plugins.types import (
        CalendarAdjustment,
        DeadlinePolicy,
        OutcomeCode,
        RendererSpec,
        Resources,
    )
    from disclosure.rules.model import Ruleset

hookspec = pluggy.HookspecMarker("disclosure")
#: Marks a plugin's function as the implementation of the hook it is named after.
hookimpl = pluggy.HookimplMarker("disclosure")


@hookspec
def disclosure_resources() -> Resources | None:
    """Files and directories of rulesets, report templates and calendars to add.

    Example (a plugin shipping its own calendar file)::

        from pathlib import Path
        from disclosure.plugins import Resources, hookimpl

        @hookimpl
        def disclosure_resources():
            return Resources(calendars=[Path(__file__).parent / "cn-guangxi.yaml"])

    A calendar, ruleset or template id defined twice (by two plugins, or by a
    plugin and the core) is an error naming both.
    """


@hookspec
def disclosure_calendar_adjustments(calendar_id: str) -> CalendarAdjustment | None:
    """Extra days off and working days for the calendar ``calendar_id``.

    Called once when a calendar is first built; return ``None`` for
    calendars the plugin does not know. Example (a local holiday)::

        @hookimpl
        def disclosure_calendar_adjustments(calendar_id):
            if calendar_id == "cn-guangxi":
                return CalendarAdjustment(
                    holidays={date(2024, 4, 11): "壮族三月三"}, source="my plugin")
            return None
    """


@hookspec(firstresult=True)
def disclosure_deadline_policy(case: Case, clock: str, ruleset: Ruleset) -> DeadlinePolicy | None:
    """Change one clock's limit or add a warning threshold for one case.

    ``firstresult``: the first plugin to return a policy wins. Plugins are
    asked in reverse order of registration (outside plugins before the
    built-ins), with ``tryfirst``/``trylast`` markers taking precedence.
    The policy applies when the clock starts or restarts, unless the event
    itself sets the limit (e.g. a correction period given in the event).
    Example (an agency promising 10 working days, warning at 7)::

        @hookimpl
        def disclosure_deadline_policy(case, clock, ruleset):
            if clock == "reply" and case.id.startswith("GXZW-"):
                return DeadlinePolicy(limit=10, warn_at=7, name="service promise")
            return None
    """


@hookspec
def disclosure_outcome_codes(ruleset_id: str) -> Sequence[OutcomeCode] | None:
    """Extra outcome codes for a ruleset, each with its group and report row.

    The code joins the ruleset's outcomes (events whose outcome field allows
    its group can give it) and is counted in the given row of each report
    template. Example::

        @hookimpl
        def disclosure_outcome_codes(ruleset_id):
            if ruleset_id == "cn-ogi-2019":
                return [OutcomeCode("unavailable.destroyed", group="unavailable",
                                    zh="依法销毁", report_row="unavailable.not_held")]
            return None
    """


@hookspec
def disclosure_report_renderers() -> Sequence[RendererSpec] | None:
    """Report renderers: a name, a function ``report -> str | bytes``, a file suffix.

    The built-in renderers register here too; two renderers with one name
    are an error naming both plugins. A renderer returns ``str``, or
    ``bytes`` when ``binary=True``; anything else, or an exception, is an
    error naming the plugin and the format.
    Example::

        @hookimpl
        def disclosure_report_renderers():
            return [RendererSpec("docx", render_docx, suffix="docx", binary=True)]
    """


@hookspec
def disclosure_event_applied(case: Case, event: Event, state: CaseState, on: dt.date) -> None:
    """Told after an event was recorded (send a reminder, write an audit record).

    ``case`` already contains ``event``; ``state`` is the case folded as of
    ``on`` (the day it was recorded). Called after the store committed: a
    failing plugin is reported, and the event stays recorded. Example::

        @hookimpl
        def disclosure_event_applied(case, event, state, on):
            if state.waiting_on == "applicant":
                send_sms(case.contact, f"please act on application {case.id}")
    """
