"""What every match of an expression holds, and where a match can start.

The expressions the checker runs over whole texts (a template's label
numbering, the figures' wording, a number in a cell) begin with optional
words, alternatives or a look-behind, and for those the expression engine
tries a match at every place of the text. Read from the expression's own
parse (the standard library's parser): the plain strings every match holds,
and a character class for the first character of every match. A text without
one of those strings has no match, and a match starts only where the class
finds a character, which a plain string search, or the engine's scan for one
class, finds fast. The expression itself still decides every match.

Whatever the reading does not understand gives nothing to go on (no string,
no class), never a wrong one.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

#: The class escapes of the parser's categories.
_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
_ZERO_WIDTH = ("AT", "ASSERT", "ASSERT_NOT")


def _parser() -> Any:
    """The standard library's expression parser (``re._parser``; ``sre_parse`` before 3.11)."""
    try:
        return importlib.import_module("re._parser")
    except ImportError:  # pragma: no cover - Python 3.10
        return importlib.import_module("sre_parse")


def _items(sub: Any) -> Sequence[tuple[Any, Any]]:
    """The (operation, argument) items of a parsed (sub)expression."""
    items: Sequence[tuple[Any, Any]] = sub.data if hasattr(sub, "data") else sub
    return items


def _name(op: Any) -> str:
    return getattr(op, "name", "")


@lru_cache(maxsize=64)
def required(pattern: str) -> tuple[str, ...]:
    """Strings that every match of ``pattern`` holds: its runs of plain characters
    that are not optional (in ``上年(?:度)?结转…件``: 上年, 结转, 件)."""
    try:
        parsed = _parser().parse(pattern)
        if parsed.state.flags & re.IGNORECASE:
            return ()
        runs: list[str] = []
        _literal_runs(_items(parsed), runs)
    except Exception:  # an expression this cannot read: nothing is known
        return ()
    return tuple(dict.fromkeys(r for r in runs if r))


def _literal_runs(items: Sequence[tuple[Any, Any]], runs: list[str]) -> None:
    """Append to ``runs`` the runs of characters that a match of ``items`` holds."""
    run = ""
    for op, av in items:
        name = _name(op)
        if name == "LITERAL":
            run += chr(av)
            continue
        runs.append(run)
        run = ""
        if name == "SUBPATTERN" and not av[1] & re.IGNORECASE:  # a group, matched once
            _literal_runs(_items(av[3]), runs)
        elif name in _REPEATS and av[0] >= 1:  # repeated at least once
            _literal_runs(_items(av[2]), runs)
        # anything else (alternatives, classes, assertions, ...) holds nothing known
    runs.append(run)


def holds(text: str, strings: Sequence[str]) -> bool:
    """Whether ``text`` holds every one of ``strings`` (from :func:`required`)."""
    for s in strings:  # noqa: SIM110 - a loop: no generator is made for every sentence
        if s not in text:
            return False
    return True


@lru_cache(maxsize=64)
def leading(pattern: str, flags: int = 0) -> re.Pattern[str] | None:
    """A class that finds the first character of every match of ``pattern``
    (compiled with ``flags``), or None: for an expression that may match an
    empty text, ignores case, or that this reading does not follow."""
    try:
        parsed = _parser().parse(pattern, flags)
        if (parsed.state.flags | flags) & re.IGNORECASE:
            return None
        first, empty = _first(_items(parsed))
        if first is None or empty or not first:
            return None
        kept = (parsed.state.flags | flags) & (re.ASCII | re.UNICODE)
        return re.compile("[" + "".join(dict.fromkeys(first)) + "]", kept)
    except Exception:  # an expression this cannot read: nothing is known
        return None


def _first(items: Sequence[tuple[Any, Any]]) -> tuple[list[str] | None, bool]:
    """(the class items a match of ``items`` can start with, whether it may be
    empty); None for what this reading does not follow."""
    out: list[str] = []
    for op, av in items:
        name = _name(op)
        if name in _ZERO_WIDTH:  # takes no character: the next item starts the match
            continue
        if name == "LITERAL":
            return [*out, f"\\U{av:08x}"], False
        if name == "IN":
            members = _members(av)
            return (None, False) if members is None else ([*out, *members], False)
        if name == "BRANCH":
            for alternative in av[1]:
                first, empty = _first(_items(alternative))
                if first is None or empty:
                    return None, False
                out.extend(first)
            return out, False
        if name == "SUBPATTERN" or name in _REPEATS:
            if name == "SUBPATTERN" and av[1] & re.IGNORECASE:
                return None, False
            inner = av[3] if name == "SUBPATTERN" else av[2]
            first, empty = _first(_items(inner))
            if first is None:
                return None, False
            out.extend(first)
            if not empty and (name == "SUBPATTERN" or av[0] >= 1):
                return out, False
            continue  # it may take nothing: what follows may start the match too
        return None, False
    return out, True


def _members(items: Sequence[tuple[Any, Any]]) -> list[str] | None:
    """The members of a parsed class as class syntax (None for a negated class)."""
    out: list[str] = []
    for op, av in items:
        name = _name(op)
        if name == "LITERAL":
            out.append(f"\\U{av:08x}")
        elif name == "RANGE":
            out.append(f"\\U{av[0]:08x}-\\U{av[1]:08x}")
        elif name == "CATEGORY" and _name(av) in _CATEGORIES:
            out.append(_CATEGORIES[_name(av)])
        else:
            return None
    return out


def search(
    pattern: re.Pattern[str], lead: re.Pattern[str] | None, text: str
) -> re.Match[str] | None:
    """``pattern.search(text)``, tried only where ``lead`` (:func:`leading`) finds a character."""
    if lead is None:
        return pattern.search(text)
    pos = 0
    while (at := lead.search(text, pos)) is not None:
        found = pattern.match(text, at.start())
        if found is not None:
            return found
        pos = at.start() + 1
    return None


def finditer(
    pattern: re.Pattern[str], lead: re.Pattern[str] | None, text: str
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, tried only where ``lead`` finds a character
    (a pattern with a lead matches no empty text: each match starts the search
    for the next at its end)."""
    if lead is None:
        yield from pattern.finditer(text)
        return
    pos = 0
    while (at := lead.search(text, pos)) is not None:
        found = pattern.match(text, at.start())
        if found is None:
            pos = at.start() + 1
            continue
        yield found
        pos = found.end()
