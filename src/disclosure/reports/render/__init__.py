"""Report renderers: one function per output format, looked up by name.

:data:`BUILTIN_RENDERERS` is the one list of the core's formats. The
built-in plugin registers them through the same hook as outside plugins,
and everything that needs the formats on offer (the engine, the CLI) asks
the plugin manager. A renderer takes a :class:`Report` and returns text (or
bytes, for binary formats such as Word).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from disclosure.errors import NotFoundError, did_you_mean
from disclosure.reports.model import Report
from disclosure.reports.render import statistics as stats
from disclosure.reports.render.csv import render_csv
from disclosure.reports.render.html import render_html
from disclosure.reports.render.json import render_json
from disclosure.reports.render.markdown import render_markdown
from disclosure.reports.render.text import render_text
from disclosure.reports.statistics.model import StatisticsReport

AnyReport = Report | StatisticsReport
Renderer = Callable[[Any], "str | bytes"]


def _either(
    annual: Callable[[Report], str], statistics: Callable[[StatisticsReport], str]
) -> Renderer:
    """One format for both kinds of report: the national layout or a statistics template."""

    def render_one(report: AnyReport) -> str:
        if isinstance(report, StatisticsReport):
            return statistics(report)
        return annual(report)

    return render_one


class BuiltinRenderer(NamedTuple):
    """A built-in format: its renderer and the suffix of the file it writes."""

    render: Renderer
    suffix: str


#: The core's report formats by name (all text formats).
BUILTIN_RENDERERS: dict[str, BuiltinRenderer] = {
    "text": BuiltinRenderer(_either(render_text, stats.render_statistics_text), "txt"),
    "markdown": BuiltinRenderer(_either(render_markdown, stats.render_statistics_markdown), "md"),
    "html": BuiltinRenderer(_either(render_html, stats.render_statistics_html), "html"),
    "csv": BuiltinRenderer(_either(render_csv, stats.render_statistics_csv), "csv"),
    "json": BuiltinRenderer(_either(render_json, stats.render_statistics_json), "json"),
}


def check_format(fmt: str, available: Iterable[str]) -> None:
    """Raise NotFoundError, suggesting a name, unless ``fmt`` is ``available``.

    Separate from :func:`render` so that the CLI can reject a misspelled
    format before it spends time building the report.
    """
    names = set(available)
    if fmt not in names:
        raise NotFoundError(f"no report renderer '{fmt}' ({did_you_mean(fmt, names)})")


def render(
    report: AnyReport, fmt: str, renderers: Mapping[str, Renderer] | None = None
) -> str | bytes:
    """Render ``report`` in format ``fmt`` (a name in ``renderers``; default: the built-ins)."""
    table = (
        renderers
        if renderers is not None
        else {name: builtin.render for name, builtin in BUILTIN_RENDERERS.items()}
    )
    check_format(fmt, table)
    return table[fmt](report)


__all__ = [
    "BUILTIN_RENDERERS",
    "AnyReport",
    "BuiltinRenderer",
    "Renderer",
    "check_format",
    "render",
]
