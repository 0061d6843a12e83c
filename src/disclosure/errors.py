"""Errors that say what was wrong, where, and how to fix it.

Every user-facing failure is a :class:`DisclosureError`. Errors about files
carry one or more :class:`Problem` records (file:line:column, the path inside
the document, and a suggestion), so that a ruleset author sees all mistakes at
once instead of fixing them one run at a time.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

import attrs


@attrs.frozen
class Problem:
    """One mistake in one place of a document."""

    message: str
    source: str = ""
    line: int | None = None
    column: int | None = None
    path: str = ""
    hint: str = ""

    def __str__(self) -> str:
        where = self.source or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: "
        if self.path:
            text += f"{self.path}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class DisclosureError(Exception):
    """Base class of every error this package raises on purpose."""


class DocumentError(DisclosureError):
    """A YAML/JSON document (ruleset, calendar, case file) has problems."""

    def __init__(self, problems: Iterable[Problem], what: str = "document") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.what = what
        super().__init__(self._summary())

    #: How many problems the message lists; a file broken on every record would
    #: otherwise bury the terminal. ``problems`` always holds all of them.
    SHOWN = 20

    def _summary(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in {self.what}"
        lines = [f"  {p}" for p in self.problems[: self.SHOWN]]
        if count > self.SHOWN:
            lines.append(f"  … and {count - self.SHOWN} more like these")
        return head + ":\n" + "\n".join(lines)

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        return self._summary()


class RulesetError(DocumentError):
    """A ruleset failed to load or validate."""


class CalendarError(DocumentError):
    """A calendar file failed to load or validate."""


class CaseFileError(DocumentError):
    """A case file could not be read into cases."""


class NotFoundError(DisclosureError):
    """A named thing (ruleset, calendar, case, clock) does not exist."""


class InvalidIdError(DisclosureError, ValueError):
    """A case id that is empty, blank, or holds control or invisible characters."""


class CalendarRangeError(DisclosureError):
    """A date falls outside the years a calendar covers."""


class EventRejected(DisclosureError):
    """An event cannot be applied to a case; the case is unchanged."""

    def __init__(
        self,
        message: str,
        *,
        case_id: str,
        event_type: str,
        state: str | None = None,
        allowed: tuple[str, ...] = (),
        where: str = "",
    ) -> None:
        self.case_id = case_id
        self.event_type = event_type
        self.state = state
        self.allowed = allowed
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}case {case_id}: {message}")


class ArgumentError(DisclosureError, TypeError):
    """An argument of the Python API of the wrong kind (a day that is neither a date
    nor ISO text, a year given as text)."""


class TypeMismatch(TypeError):
    """A value of the wrong YAML type."""


class ClockRefusal(Exception):
    """An action the clock cannot take (e.g. a second extension)."""


class PluginError(DisclosureError):
    """A plugin failed to load, failed in a hook, or returned something wrong."""

    #: For a failing ``disclosure_event_applied`` hook: the state after the event.
    state: Any = None


class PluginWarning(UserWarning):
    """An installed plugin could not be loaded and was left out; the others still work."""


class TemplateError(DocumentError):
    """A report template failed to load or does not fit its ruleset."""


class StoreError(DisclosureError):
    """The store cannot be opened or written."""


class ConflictError(StoreError):
    """Someone else appended to the case first; reload and try again."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return a hint naming the closest choice, or the list when none is close."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if not options:
        return ""
    if len(options) <= 12:
        return "expected one of: " + ", ".join(options)
    return "expected one of: " + ", ".join(options[:12]) + ", ..."
