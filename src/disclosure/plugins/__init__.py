"""Plugins: the hook specifications, the records hooks return, and the manager.

Owns the pluggy hook specifications (:mod:`.hookspecs`), the typed records
plugins return (:mod:`.types`), the plugin manager that loads entry points and
calls hooks (:mod:`.manager`) and the built-in plugin that registers the
core's own resources and renderers the same way (:mod:`.builtin`).

May import: the core (errors, documents, rules, calendars, lifecycle) and
:mod:`disclosure.reports` for the renderer record's types.

Plugin authors import from here::

    from disclosure.plugins import hookimpl, Resources, DeadlinePolicy
"""

from __future__ import annotations

from disclosure.errors import PluginError
from disclosure.plugins.manager import ENTRY_POINT_GROUP, PluginInfo, Plugins, hookimpl
from disclosure.plugins.types import (
    CalendarAdjustment,
    DeadlinePolicy,
    OutcomeCode,
    RendererSpec,
    Resources,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "CalendarAdjustment",
    "DeadlinePolicy",
    "OutcomeCode",
    "PluginError",
    "PluginInfo",
    "Plugins",
    "RendererSpec",
    "Resources",
    "hookimpl",
]
