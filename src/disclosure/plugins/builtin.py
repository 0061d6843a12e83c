"""The core's own plugin: built-in report renderers and resource directories.

Registered first by :class:`disclosure.plugins.Plugins`, exactly as an
outside plugin would be, so there is one way to add a renderer.
"""

from __future__ import annotations

from disclosure.plugins.hookspecs import hookimpl
from disclosure.plugins.types import RendererSpec, Resources


@hookimpl
def disclosure_report_renderers() -> list[RendererSpec]:
    # imported here: the renderers are only needed when a report is made
    from disclosure.reports.render import BUILTIN_RENDERERS

    return [
        RendererSpec(name, builtin.render, suffix=builtin.suffix)
        for name, builtin in BUILTIN_RENDERERS.items()
    ]


@hookimpl
def disclosure_resources() -> Resources:
    from disclosure.documents.builtin import builtin_dir

    base = builtin_dir()
    return Resources(rulesets=[base], templates=[base / "reports"], calendars=[base / "calendars"])
