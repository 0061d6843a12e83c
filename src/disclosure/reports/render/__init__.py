"""Report renderers: one function per output format, looked up by name.

The built-in renderers are registered here; the plugin manager adds outside
ones through the same table. A renderer takes a :class:`Report` and returns
text (or bytes, for binary formats such as Word).
"""

from __future__ import annotations

from collections.abc import Callable

from disclosure.errors import NotFoundError, did_you_mean
from disclosure.reports.build import Report
from disclosure.reports.render.csv import render_csv
from disclosure.reports.render.html import render_html
from disclosure.reports.render.json import render_json
from disclosure.reports.render.markdown import render_markdown
from disclosure.reports.render.text import render_text

Renderer = Callable[[Report], "str | bytes"]

BUILTIN_RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "markdown": render_markdown,
    "html": render_html,
    "csv": render_csv,
    "json": render_json,
}


def render(report: Report, fmt: str, renderers: dict[str, Renderer] | None = None) -> str | bytes:
    """Render ``report`` in format ``fmt`` (a registered renderer name)."""
    table = renderers if renderers is not None else BUILTIN_RENDERERS
    fn = table.get(fmt)
    if fn is None:
        raise NotFoundError(f"no report renderer '{fmt}' ({did_you_mean(fmt, table)})")
    return fn(report)


__all__ = ["BUILTIN_RENDERERS", "Renderer", "render"]
