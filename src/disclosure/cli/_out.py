"""Shared output helpers for the CLI: JSON documents, dates, consoles."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console


def print_json(doc: Any) -> None:
    """Print exactly one JSON document (UTF-8, no colour codes)."""
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def console() -> Console:
    import sys

    from rich.console import Console

    # Piped output (files, pagers, CI logs) gets room for wide tables instead of 80 columns.
    return Console(highlight=False, emoji=False, width=None if sys.stdout.isatty() else 160)


class DateParam(click.ParamType):  # type: ignore[type-arg]
    """A YYYY-MM-DD date, with a clear message when it is not one."""

    name = "date"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"'{value}' is not a date (use YYYY-MM-DD, e.g. 2024-09-10)", param, ctx)


DATE = DateParam()


def print_lapses(found: list[dict[str, Any]], today: dt.date, verb: str = "") -> None:
    """The lapse events ``advance`` found, one line each (or that there are none)."""
    if not found:
        click.echo(f"nothing has lapsed as of {today}")
    for item in found:
        click.echo(
            f"{item['case']}: {item['type']} on {item['on']}" + (f" ({verb})" if verb else "")
        )
