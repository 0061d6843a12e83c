"""Where the files shipped with the package live: rulesets, calendars, report templates.

In a wheel they are package data under ``disclosure/rulesets``; in a source
checkout they are the repository's top-level ``rulesets/`` directory, where
ruleset authors look for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path


def builtin_dir() -> Path:
    """Directory holding the built-in rulesets, calendars and report templates."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "rulesets"
    if packaged.is_dir():
        return packaged
    return package.parent.parent / "rulesets"


#: Suffixes of the documents rulesets, templates and calendars are written in.
DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")


def document_files(
    dirs_or_files: Iterable[Path], suffixes: tuple[str, ...] = DOCUMENT_SUFFIXES
) -> list[Path]:
    """Every document a list of places names: a directory's top-level files, or a file itself.

    Plugins and options may point at a single file as well as a directory
    (``Resources(rulesets=[Path("my-regime.yaml")])``); a missing path gives
    nothing here and is reported by whoever loads by name.
    """
    found: list[Path] = []
    for place in dirs_or_files:
        if place.is_dir():
            found.extend(sorted(p for p in place.iterdir() if p.suffix in suffixes and p.is_file()))
        elif place.suffix in suffixes and place.is_file():
            found.append(place)
    return found


def documents_by_name(
    places: Iterable[Path], suffixes: tuple[str, ...] = DOCUMENT_SUFFIXES
) -> dict[str, Path]:
    """Name (file stem) to path over ``places``; the first place to name a document wins."""
    found: dict[str, Path] = {}
    for path in document_files(places, suffixes):
        found.setdefault(path.stem, path)
    return found


def template_path(
    name_or_path: str | Path, known: Callable[[], Mapping[str, Path]], what: str
) -> Path:
    """A template's file: the path given, or the registered one of that name.

    ``known`` is asked only for a name, so a path costs no directory scan.
    """
    from disclosure.errors import NotFoundError, did_you_mean

    text = str(name_or_path)
    if isinstance(name_or_path, Path) or "/" in text or text.endswith((".yaml", ".yml")):
        return Path(text)
    names = known()
    if text not in names:
        raise NotFoundError(f"no {what} '{text}' ({did_you_mean(text, names)})")
    return names[text]
