"""Shared output helpers for the CLI: JSON documents, dates, consoles."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

    from disclosure.rules.model import Labelled, Ruleset


def print_json(doc: Any) -> None:
    """Print exactly one JSON document (UTF-8, no colour codes).

    JSON escapes C0 itself; DEL, C1 and bidi controls (which only occur inside
    strings) are written as ``\\uXXXX`` too, so the document stays exact and
    nothing reaches the terminal raw.
    """
    text = json.dumps(doc, ensure_ascii=False, indent=2, default=_default)
    click.echo(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def _default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "]")


_JSON_UNSAFE = re.compile("[\x7f-\x9f" + _BIDI + "]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(value: object) -> str:
    """Data as plain text for a terminal: control characters shown escaped.

    C0 (except newline and tab), DEL, C1 (including ESC and the OSC/CSI
    introducers) and bidi controls become visible ``\\x1b`` / ``\\u202e``.
    Every value from cases, files, plugins, rulesets, calendars and published
    reports passes through here (``echo``, ``console()`` and ``esc`` call it).
    """
    return _UNSAFE.sub(_visible, str(value))


def esc(value: object) -> str:
    """Data for interpolation into a rich markup string: cleaned and escaped."""
    from rich.markup import escape

    return escape(clean(value))


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` for text that contains data: control characters escaped."""
    click.echo(clean(message), err=err, nl=nl)


def console() -> Console:
    """A console that prints strings as text: markup only where a call asks for it.

    Strings (``print`` arguments, table cells and titles) are cleaned of
    control characters and not parsed as markup. A call that styles its output
    passes ``markup=True`` and wraps every data value in ``esc``; a styled
    table cell is a ``rich.text.Text``.
    """

    from rich.console import Console

    class _SafeConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(clean(text), **kwargs)

    return _SafeConsole(highlight=False, emoji=False, markup=False, width=_width())


def _width() -> int | None:
    """The terminal's width; ``$COLUMNS`` when set; 160 for other piped output.

    Piped output (files, pagers, CI logs) gets room for wide tables instead of
    rich's 80 columns, unless the caller says how wide its screen is.
    """
    import os
    import sys

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and 20 <= int(columns) <= 1000:
        return int(columns)
    return None if sys.stdout.isatty() else 160


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


def days_after(day: dt.date, days: int) -> dt.date:
    """``day + days``, held at the last date Python can represent."""
    if days >= (dt.date.max - day).days:
        return dt.date.max
    return day + dt.timedelta(days=days)


def print_lapses(found: list[dict[str, Any]], today: dt.date, verb: str = "") -> None:
    """The lapse events ``advance`` found, one line each (or that there are none)."""
    if not found:
        click.echo(f"nothing has lapsed as of {today}")
    for item in found:
        echo(f"{item['case']}: {item['type']} on {item['on']}" + (f" ({verb})" if verb else ""))


def name_of(thing: Labelled, ruleset: Ruleset) -> str:
    """A state's, clock's or outcome's name in the reader's language.

    ``$DISCLOSURE_LANG`` (a language tag) if set, else the ruleset's own
    ``language``; the closest name the ruleset gives otherwise.
    """
    import os

    from disclosure.rules.model import label_of

    return label_of(thing, os.environ.get("DISCLOSURE_LANG") or ruleset.ruleset.language)
