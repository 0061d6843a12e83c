"""Suggestions for misspelt names ("did you mean ...?")."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


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
