"""Find, read, structure and validate rulesets.

Built-in rulesets ship inside the wheel as ``disclosure/rulesets``; in a
source checkout they are read from the repository's top-level ``rulesets/``.
A name is looked up among the built-ins; anything with a path separator or a
``.yaml``/``.yml``/``.json`` suffix is read as a file.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from functools import lru_cache
from pathlib import Path

import attrs
import cattrs

from disclosure.documents.builtin import builtin_dir, documents_by_name
from disclosure.documents.source import MAX_BYTES
from disclosure.documents.structure import load_checked, make_converter, rename_hook
from disclosure.errors import NotFoundError, Problem, RulesetError, did_you_mean
from disclosure.rules.lint import check_ruleset
from disclosure.rules.model import EventSpec, Ruleset

_SUFFIXES = (".yaml", ".yml", ".json")


@lru_cache(maxsize=1)
def _converter() -> cattrs.Converter:
    conv = make_converter()
    rename_hook(conv, EventSpec, from_="from")
    from cattrs.gen import make_dict_structure_fn, override

    conv.register_structure_hook(
        Ruleset,
        make_dict_structure_fn(
            Ruleset, conv, source=override(omit=True), positions=override(omit=True)
        ),
    )
    return conv


def builtin_rulesets(extra_dirs: Iterable[Path] = ()) -> dict[str, Path]:
    """Ruleset name (file stem) to path: built-in ones, then each extra file or directory."""
    return documents_by_name((builtin_dir(), *extra_dirs), _SUFFIXES)


def is_ruleset_path(text: str) -> bool:
    """Whether a ruleset reference is a file path rather than a ruleset name."""
    return "/" in text or "\\" in text or text.endswith(_SUFFIXES) or text.startswith(".")


def resolve_ruleset(name_or_path: str | Path, extra_dirs: Iterable[Path] = ()) -> Path:
    """Turn a ruleset name or path into a file path, or say what exists."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or is_ruleset_path(text):
        return Path(text)
    known = builtin_rulesets(extra_dirs)
    if text in known:
        return known[text]
    by_id = _declared_ids(known.values())
    if text in by_id:  # a file named otherwise than the id cases name it by
        return by_id[text]
    raise NotFoundError(f"no ruleset named '{text}' ({did_you_mean(text, [*known, *by_id])})")


def _declared_ids(paths: Iterable[Path]) -> dict[str, Path]:
    """The ``ruleset.id`` each file declares where it is not the file's name.

    Read only when a name is not a file's: cases name a ruleset by its id,
    which a file given to the engine (``--ruleset FILE``, a plugin's) need not
    be named after. A file that cannot be read here is left to its loading.
    """
    import yaml

    found: dict[str, Path] = {}
    for path in paths:
        try:
            if not path.is_file() or path.stat().st_size > MAX_BYTES:  # no devices, no giants
                continue
            data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
            rid = data["ruleset"]["id"]
        except (OSError, UnicodeError, yaml.YAMLError, TypeError, KeyError):
            continue
        if isinstance(rid, str) and rid != path.stem:
            found.setdefault(rid, path)
    return found


def load_ruleset(name_or_path: str | Path, extra_dirs: Iterable[Path] = ()) -> Ruleset:
    """Load and validate a ruleset by built-in name or file path.

    Raises :class:`RulesetError` listing every problem with file:line:column.
    """
    path = resolve_ruleset(name_or_path, extra_dirs)
    rs, positions = load_checked(
        path, Ruleset, _converter(), "ruleset", RulesetError, check_ruleset
    )
    return attrs.evolve(rs, source=str(path), positions=positions)


def lint_ruleset(path: str | Path, calendars: Collection[str] | None = None) -> list[Problem]:
    """All problems of one ruleset file (empty list when it is sound).

    With ``calendars`` (the ids an engine knows), a ``default_calendar`` none
    of them is is a problem here, not at the first case counted on it.
    """
    try:
        rs = load_ruleset(Path(path))
    except RulesetError as exc:
        return list(exc.problems)
    cal = rs.ruleset.default_calendar
    if calendars is not None and rs.positions is not None and cal not in calendars:
        where = ("ruleset", "default_calendar")
        hint = did_you_mean(cal, calendars) + "; a calendar file is given with --calendar-file"
        return [rs.positions.problem(where, f"calendar '{cal}' is not defined", hint)]
    return []
