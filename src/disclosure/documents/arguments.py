"""What the Python API takes for its common arguments, checked where they come in.

A day is a ``date`` or ISO text (as a case file writes it), a year a whole
number, a list of files one path or several. Anything else is an
:class:`~disclosure.errors.ArgumentError` naming the argument, instead of an
``AttributeError`` from deep inside a fold or a report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from disclosure.documents.structure import parse_date
from disclosure.errors import ArgumentError, TypeMismatch


def day(value: Any, name: str) -> dt.date:
    """``value`` as a day: a date stays, ISO text (``2024-03-01``) is read."""
    if type(value) is dt.date:
        return value
    try:
        return parse_date(value)
    except TypeMismatch as exc:
        raise ArgumentError(f"{name}: {exc}") from None


def optional_day(value: Any, name: str) -> dt.date | None:
    """:func:`day`, or None for None."""
    return None if value is None else day(value, name)


def year(value: Any, name: str = "year") -> int:
    """A calendar or fiscal year: a whole number (text such as ``"2024"`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentError(f"{name} must be a whole number such as 2024, got {value!r}")
    if not 1 <= value <= 9999:
        raise ArgumentError(f"{name} must be a year from 1 to 9999, got {value}")
    return value


def count(value: Any, name: str) -> int:
    """A number of days: a whole number (not a float, not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentError(f"{name} must be a whole number of days, got {value!r}")
    return value


def paths(value: str | Path | Iterable[str | Path], name: str) -> tuple[str, ...]:
    """One path, or several: a lone ``"cases.yaml"`` is one file, not its characters.

    An empty path is refused: it would stand for the current folder.
    """
    if isinstance(value, (bytes, bytearray)):
        raise ArgumentError(f"{name} must be str or Path, not bytes ({bytes(value)!r})")
    if isinstance(value, (str, Path)):
        items: tuple[Any, ...] = (value,)
    else:
        try:
            items = tuple(value)
        except TypeError:
            message = f"{name} must be a path or a list of paths, got {value!r}"
            raise ArgumentError(message) from None
    for item in items:
        if not isinstance(item, (str, Path)):
            raise ArgumentError(f"{name} must hold str or Path paths, got {item!r}")
        if not str(item).strip():
            raise ArgumentError(f"{name}: an empty path names no file (it would mean '.')")
    return tuple(str(i) for i in items)
