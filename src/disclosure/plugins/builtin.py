"""The core's own plugin: built-in report renderers and resource directories.

Registered first by :class:`disclosure.plugins.Plugins`, exactly as an
outside plugin would be, so there is one way to add a renderer.
"""

from __future__ import annotations

from disclosure.plugins.manager import hookimpl
from disclosure.plugins.types import RendererSpec, Resources


@hookimpl
def disclosure_report_renderers() -> list[RendererSpec]:
    from disclosure.reports.render import BUILTIN_RENDERERS

    suffixes = {"text": "txt", "markdown": "md", "html": "html", "csv": "csv", "json": "json"}
    return [RendererSpec(name, fn, suffix=suffixes[name]) for name, fn in BUILTIN_RENDERERS.items()]


@hookimpl
def disclosure_resources() -> Resources:
    from disclosure.rules.load import builtin_dir

    base = builtin_dir()
    return Resources(rulesets=[base], templates=[base / "reports"], calendars=[base / "calendars"])
