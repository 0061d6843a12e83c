"""Render the annual report as a Word document (python-docx).

Loading the plugin registers the renderer and imports nothing else: the
document code, python-docx and the core's report layout are imported only
when a document is rendered, so every other command starts as fast as
without the plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from disclosure.plugins import RendererSpec, hookimpl

if TYPE_CHECKING:
    from disclosure.reports.model import Report


@hookimpl
def disclosure_report_renderers() -> list[RendererSpec]:
    return [
        RendererSpec(
            "docx",
            render_docx,
            suffix="docx",
            binary=True,
            description="Word document with the official merged-cell tables",
        )
    ]


def render_docx(report: Report) -> bytes:
    """The report as the bytes of a .docx file."""
    from .document import render_docx as render

    return render(report)
