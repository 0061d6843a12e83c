"""Where the files shipped with the package live: rulesets, calendars, report templates.

In a wheel they are package data under ``disclosure/rulesets``; in a source
checkout they are the repository's top-level ``rulesets/`` directory, where
ruleset authors look for them.
"""

from __future__ import annotations

from pathlib import Path


def builtin_dir() -> Path:
    """Directory holding the built-in rulesets, calendars and report templates."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "rulesets"
    if packaged.is_dir():
        return packaged
    return package.parent.parent / "rulesets"
