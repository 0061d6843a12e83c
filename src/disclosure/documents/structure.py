"""The one cattrs converter, and its errors turned into positioned problems.

cattrs is lenient by default (``int("3")`` succeeds, ``str(5)`` too). Files
written by hand deserve strict types and exact messages, so scalar hooks here
accept only the YAML type that was meant, and every structuring failure is
mapped back to file:line:column through :class:`~disclosure.yamlsource.Positions`.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, override

from disclosure.documents.source import PathKey, Positions, load_file
from disclosure.errors import DocumentError, Problem, TypeMismatch, did_you_mean

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import ExceptionGroup

T = TypeVar("T")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(value: Any) -> dt.date:
    """Accept a YAML date or ISO text; reject everything else clearly."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # the day depends on the zone: never cut silently
            raise TypeMismatch(
                f"'{value.isoformat()}' is a time with a time zone, not a day "
                "(give the day as YYYY-MM-DD)"
            )
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            if _ISO_DAY.fullmatch(value.strip()):  # the form is right, the day is not
                raise TypeMismatch(f"'{value}' is not a valid date (no such day)") from None
            raise TypeMismatch(f"'{value}' is not a valid date (use YYYY-MM-DD)") from None
    raise TypeMismatch(f"expected a date (YYYY-MM-DD), got {_kind(value)}")


#: A whole number as YAML 1.2 and the command line read one: decimal, no leading zeros.
DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
#: Text that YAML 1.1 would have read as a number (`010`, `0x1F`, `1_234`, `12:30`).
_NUMBER_LIKE = re.compile(r"[-+]?(?:[0-9][0-9_]*(?::[0-5]?[0-9])*|0[xXoObB][0-9a-fA-F_]+)")
NOT_DECIMAL = "must be a whole number written in decimal without leading zeros"


def is_misspelt_whole(value: Any) -> bool:
    """Text that looks like a whole number but is not plain decimal (``010``, ``0x1F``).

    The loader keeps such values as text (YAML 1.2); a field declared as a
    whole number refuses them with :data:`NOT_DECIMAL` rather than guessing.
    """
    return (
        isinstance(value, str)
        and _NUMBER_LIKE.fullmatch(value.strip()) is not None
        and DECIMAL.fullmatch(value.strip()) is None
    )


def _strict_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if is_misspelt_whole(value):
            raise TypeMismatch(f"{NOT_DECIMAL}, got '{value}'")
        raise TypeMismatch(f"expected an integer, got {_kind(value)}")
    return value


def _strict_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeMismatch(f"expected a number, got {_kind(value)}")
    return float(value)


def _strict_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise TypeMismatch(f"expected text, got {_kind(value)}")
    return value


def _strict_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeMismatch(f"expected true or false, got {_kind(value)}")
    return value


def _str_tuple(value: Any, _: type) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        raise TypeMismatch(f"expected a list of names, got {_kind(value)}")
    return _each(value, str, lambda item: _strict_str(item, str))


def _each(value: list[Any], item_type: Any, convert: Callable[[Any], Any]) -> tuple[Any, ...]:
    """Convert every item, collecting each failure with its index (cattrs' way)."""
    out, errors = [], []
    for i, element in enumerate(value):
        try:
            out.append(convert(element))
        except Exception as exc:
            exc.__notes__ = [IterableValidationNote(f"index {i}", i, item_type)]  # type: ignore[attr-defined]
            errors.append(exc)
    if errors:
        raise IterableValidationError("list", errors, tuple)
    return tuple(out)


def make_converter() -> cattrs.Converter:
    """Build the strict converter used for every document the package reads."""
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(dt.date, lambda v, _: parse_date(v))
    conv.register_structure_hook_func(lambda t: t == tuple[str, ...], _str_tuple)
    conv.register_structure_hook_factory(_is_attrs_class, lambda cl: _checked_mapping(conv, cl))
    conv.register_structure_hook_factory(_is_tuple_of_attrs, lambda t: _checked_list(conv, t))
    conv.register_structure_hook_func(lambda t: t is Any, lambda v, _: v)
    return conv


def _is_attrs_class(t: Any) -> bool:
    return isinstance(t, type) and attrs.has(t)


def _is_tuple_of_attrs(t: Any) -> bool:
    args: tuple[Any, ...] = tuple(getattr(t, "__args__", ()))
    return (
        getattr(t, "__origin__", None) is tuple
        and len(args) == 2
        and args[1] is Ellipsis
        and _is_attrs_class(args[0])
    )


def _require_mapping(
    fn: Any,
) -> Any:
    def structure(value: Any, cl: Any) -> Any:
        if not isinstance(value, dict):
            raise TypeMismatch(f"expected a mapping, got {_kind(value)}")
        return fn(value, cl)

    return structure


def _checked_mapping(conv: cattrs.Converter, cl: type, **overrides: Any) -> Any:
    """An attrs class's hook that says 'expected a mapping' for anything else."""
    return _require_mapping(make_dict_structure_fn(cl, conv, **overrides))


def _checked_list(conv: cattrs.Converter, t: Any) -> Any:
    item = t.__args__[0]

    def structure(value: Any, _: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise TypeMismatch(f"expected a list, got {_kind(value)}")
        return _each(value, item, lambda element: conv.structure(element, item))

    return structure


def rename_hook(conv: cattrs.Converter, cls: type, **renames: str) -> None:
    """Register a structure hook for ``cls`` whose attributes use other YAML keys."""
    overrides: dict[str, Any] = {attr: override(rename=key) for attr, key in renames.items()}
    conv.register_structure_hook(cls, _checked_mapping(conv, cls, **overrides))


def _attr_to_key(cls: type | None, name: str) -> str:
    # Attributes named like Python keywords (from_) are spelt without the underscore.
    return name[:-1] if name.endswith("_") else name


def _collect_problems(
    exc: BaseException, path: PathKey, cls: type | None, positions: Positions, out: list[Problem]
) -> None:
    if isinstance(exc, ForbiddenExtraKeysError):
        allowed: list[str] = []
        if exc.cl is not None and attrs.has(exc.cl):
            allowed = [_attr_to_key(exc.cl, a.name) for a in attrs.fields(exc.cl)]
        for key in sorted(exc.extra_fields):
            out.append(
                positions.problem(
                    (*path, key), f"unknown key '{key}'", did_you_mean(key, allowed), at="key"
                )
            )
        return
    if isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            _collect_problems(sub, (*path, _attr_to_key(exc.cl, note.name)), None, positions, out)
        for sub in without:
            _collect_problems(sub, path, exc.cl, positions, out)
        return
    if isinstance(exc, IterableValidationError):
        for sub in exc.exceptions:
            index = _note_index(sub)
            _collect_problems(sub, path if index is None else (*path, index), None, positions, out)
        return
    if isinstance(exc, ExceptionGroup):
        for sub in exc.exceptions:
            _collect_problems(sub, path, None, positions, out)
        return
    if isinstance(exc, KeyError):
        key = str(exc.args[0]) if exc.args else "?"
        out.append(positions.problem(path[:-1] or path, f"missing required key '{key}'", at="key"))
        return
    if isinstance(exc, TypeError) and "missing" in str(exc) and "required" in str(exc):
        # attrs' own message for missing init arguments
        names = str(exc).split(":")[-1].strip().replace("'", "").replace("_,", ",")
        out.append(positions.problem(path, f"missing required key(s): {names.rstrip('_')}"))
        return
    out.append(positions.problem(path, str(exc) or type(exc).__name__))


def _note_index(exc: BaseException) -> int | str | None:
    for note in getattr(exc, "__notes__", []) or []:
        index = getattr(note, "index", None)
        if index is not None:
            return index  # type: ignore[no-any-return]
    return None


def structure(
    conv: cattrs.Converter, data: Any, cls: type[T], positions: Positions, path: PathKey = ()
) -> tuple[T | None, list[Problem]]:
    """Structure ``data`` into ``cls``; on failure return the positioned problems."""
    if not isinstance(data, dict) and attrs.has(cls):
        return None, [positions.problem(path, f"expected a mapping, got {_kind(data)}")]
    try:
        return conv.structure(data, cls), []
    except Exception as exc:  # cattrs raises a tree of many kinds
        problems: list[Problem] = []
        _collect_problems(exc, path, cls, positions, problems)
        return None, problems


def kind_of(value: Any) -> str:
    """Describe a value's YAML type in words (for messages)."""
    return _kind(value)


def load_checked(
    path: str | Path,
    cls: type[T],
    conv: cattrs.Converter,
    what: str,
    error: type[DocumentError],
    check: Callable[[T, Positions], list[Problem]],
    adjust: Callable[[T], T] | None = None,
) -> tuple[T, Positions]:
    """Read, structure and check one document; raise ``error`` listing every problem.

    Reading problems that do not stop the reading (duplicate keys) are
    reported together with the structural ones; semantic checks run once the
    document has a structure.
    """
    label = f"{what} {path}"
    try:
        doc = load_file(path, what, collect=True)
    except DocumentError as exc:
        raise error(exc.problems, label) from None
    value, problems = structure(conv, doc.data, cls, doc.positions)
    problems = [*doc.problems, *problems]
    if value is None:
        raise error(problems, label)
    if adjust is not None:
        value = adjust(value)
    problems.extend(check(value, doc.positions))
    if problems:
        raise error(problems, label)
    return value, doc.positions
