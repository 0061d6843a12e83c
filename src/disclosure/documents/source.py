"""Read YAML (and JSON, a subset of it) while remembering where every value was.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two
duplicate keys. Both matter to people fixing files by hand, so we compose the
node graph with the safe loader and build plain Python values ourselves,
recording a (line, column) for every path and reporting duplicate keys.
Size and depth limits make hostile input (alias bombs, deep nesting) fail fast.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import attrs
import yaml

from disclosure.errors import DocumentError, Problem

PathKey = tuple[str | int, ...]

MAX_BYTES = 10 * 1024 * 1024
MAX_NODES = 500_000
MAX_DEPTH = 64
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def path_text(path: PathKey) -> str:
    """Render a path like ``events.decide.fields[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@attrs.frozen
class Positions:
    """Where each path of a loaded document starts (1-based line and column)."""

    source: str
    #: Where each path's key (or list item) starts.
    marks: Mapping[PathKey, tuple[int, int]] = attrs.field(factory=dict)
    #: Where each path's value starts (for scalars: the value itself).
    values: Mapping[PathKey, tuple[int, int]] = attrs.field(factory=dict)
    #: The text as written of each plain scalar that was not read as text
    #: (``1.50``, ``true``, ``2024-03-01``), for fields declared as text.
    texts: Mapping[PathKey, str] = attrs.field(factory=dict)

    def locate(self, path: PathKey, at: str = "key") -> tuple[int | None, int | None]:
        """Position of ``path`` (its key, or with ``at="value"`` its value).

        Falls back to the nearest recorded ancestor.
        """
        probe = tuple(path)
        if at == "value" and probe in self.values:
            return self.values[probe]
        while True:
            if probe in self.marks:
                return self.marks[probe]
            if not probe:
                return None, None
            probe = probe[:-1]

    def problem(self, path: PathKey, message: str, hint: str = "", at: str = "value") -> Problem:
        """A problem at ``path``: by default at its value, with ``at="key"`` at its key."""
        line, col = self.locate(path, at)
        return Problem(
            message=message,
            source=self.source,
            line=line,
            column=col,
            path=path_text(path),
            hint=hint,
        )


@attrs.frozen
class Document:
    """A loaded document: plain data plus the positions of its parts."""

    data: Any
    positions: Positions
    #: Problems found while reading that did not stop it (duplicate keys).
    problems: tuple[Problem, ...] = ()


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, source: str, first_line: int = 1) -> None:
        self.loader = loader  # or a CSafeLoader
        self.source = source
        self.first_line = first_line
        self.marks: dict[PathKey, tuple[int, int]] = {}
        self.values: dict[PathKey, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.nodes = 0
        self.texts: dict[PathKey, str] = {}

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + self.first_line, node.start_mark.column + 1

    def build(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooLarge(f"more than {MAX_NODES} values (alias expansion?)", node)
        if depth > MAX_DEPTH:
            raise _TooLarge(f"nesting deeper than {MAX_DEPTH} levels", node)
        self.marks.setdefault(path, self._mark(node))
        if isinstance(node, yaml.ScalarNode):
            self.values[path] = self._mark(node)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            raise yaml.constructor.ConstructorError(
                None, None, f"tag '{node.tag}' is not allowed", node.start_mark
            )
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    line, col = self._mark(key_node)
                    self.problems.append(
                        Problem("keys must be plain text", self.source, line, col, path_text(path))
                    )
                    continue
                # Keys are names: keep their text (YAML 1.1 would read `on:` as True).
                key = str(key_node.value)
                child = (*path, key)
                if key in result:
                    line, col = self._mark(key_node)
                    first = self.marks.get(child, (None, None))[0]
                    self.problems.append(
                        Problem(
                            f"duplicate key '{key}' (first defined on line {first})",
                            self.source,
                            line,
                            col,
                            path_text(child),
                            "remove one of them; YAML would silently keep only the last",
                        )
                    )
                    continue
                self.marks[child] = self._mark(key_node)
                result[key] = self.build(value_node, child, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            # e.g. 2024-02-30 looks like a date but is none: keep the text, so the
            # typed check that follows reports it at this position.
            return str(node.value)
        if value.__class__ is not str:
            # what was written, for fields declared as text (`subject: 1.50`)
            self.texts[path] = str(node.value)
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                raise _Refused(
                    f"'{node.value}' is a time with a time zone, not a day "
                    "(write the day as YYYY-MM-DD, as counted in the agency's time zone)",
                    node,
                )
        return value


# libyaml's parser when PyYAML was built with it (several times faster), else pure Python.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Plain (unquoted) scalars are typed the YAML 1.2 core-schema way, not the 1.1
#: way: integers only in decimal without leading zeros, so `01065432100`,
#: `0777`, `0x1F`, `1_234` and `12:30` stay text; booleans only true/false
#: (`yes`, `no`, `on`, `off` stay text); null only null/~/nothing. Dates
#: (YYYY-MM-DD, optionally with a time) are kept as YAML 1.1 reads them.
_INT = r"[-+]?(?:0|[1-9][0-9]*)"
_DECIMAL = re.compile(_INT)
_IMPLICIT: tuple[tuple[str, str, str], ...] = (
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("tag:yaml.org,2002:int", _INT, "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", "~nN"),
    (
        "tag:yaml.org,2002:timestamp",
        r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
        r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
        r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?",
        "0123456789",
    ),
)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """The safe loader with YAML 1.2 core-schema typing of plain scalars."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        # also for an explicit `!!int`: decimal only, no octal/hex/sexagesimal
        value = str(self.construct_scalar(node))
        if not _DECIMAL.fullmatch(value):
            raise ValueError(f"'{value}' is not a decimal integer")
        return int(value)


for _tag, _pattern, _first in _IMPLICIT:
    _Loader.add_implicit_resolver(
        _tag, re.compile(f"(?:{_pattern})\\Z"), [*_first, *([""] if _tag.endswith("null") else [])]
    )
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
# `!!float 1_000` and `!!float 1:30` would be read the 1.1 way: keep them as text.
_Loader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: (
        loader.construct_yaml_float(node)
        if re.fullmatch(_IMPLICIT[2][1], str(node.value))
        else _text_value(node)
    ),
)


_TYPED = re.compile("|".join(f"(?:{pattern})" for _, pattern, _ in _IMPLICIT))


def reads_as_text(value: str) -> bool:
    """Whether ``value`` written unquoted would be read back as this text.

    For writers (the case exporter): ``1e3`` or ``.5`` must be quoted, since
    they read back as numbers here even where YAML 1.1 would keep them as text.
    """
    return value != "" and _TYPED.fullmatch(value) is None


def _text_value(node: yaml.ScalarNode) -> Any:
    raise ValueError(f"'{node.value}' is not a number")


class _TooLarge(Exception):
    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.node = node


class _Refused(_TooLarge):
    """A value that is refused (not a size limit)."""


#: Where the YAML reader starts a new line.
YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _place(text: str, index: int) -> tuple[int, int]:
    """The 0-based (line, column) of character ``index``, as the YAML reader counts."""
    line, start = 0, 0
    for m in YAML_BREAK.finditer(text, 0, index):
        line, start = line + 1, m.end()
    return line, index - start


def load_text(
    text: str, source: str, what: str = "document", collect: bool = False, first_line: int = 1
) -> Document:
    """Parse YAML/JSON text; raise :class:`DocumentError` listing every problem.

    With ``collect``, problems that do not stop reading (duplicate keys: the
    first value is kept) are returned in ``Document.problems`` instead, so
    that callers can report them together with their own checks.
    ``first_line`` is the line of ``source`` that ``text`` starts on (a
    record of a JSON Lines file), so that positions are the file's.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise DocumentError(
            [Problem(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB", source)], what
        )
    text = text.removeprefix("\ufeff")
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + first_line if mark else None
            col = mark.column + 1 if mark else None
            reason = exc.problem or exc.context or "invalid YAML"
            where = (
                text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
            )
            tab = "\t" in where[: (mark.column + 1 if mark else 0)] or "\\t" in str(exc)
            hint = "indent with spaces, not tabs" if tab else ""
            if reason == "but found another document":
                hint = "a file holds one document: put the part after '---' in a file of its own"
            raise DocumentError(
                [Problem(f"invalid YAML: {reason}", source, line, col, hint=hint)], what
            ) from None
        except yaml.reader.ReaderError as exc:
            # a character YAML refuses (a control character): said where it is
            char = exc.character
            code = char if isinstance(char, int) else ord(char) if len(char) == 1 else None
            line, col = _place(text, exc.position)
            if code is None:  # pragma: no cover - only for bytes, never given here
                raise DocumentError([Problem(f"invalid YAML: {exc}", source)], what) from None
            raise DocumentError(
                [
                    Problem(
                        f"unacceptable character U+{code:04X}: {exc.reason}",
                        source,
                        line + first_line,
                        col + 1,
                        hint=f'write it escaped in a double-quoted string ("\\u{code:04x}")',
                    )
                ],
                what,
            ) from None
        except yaml.YAMLError as exc:
            raise DocumentError([Problem(f"invalid YAML: {exc}", source)], what) from None
        if node is None:
            raise DocumentError([Problem("the file is empty", source, first_line, 1)], what)
        builder = _Builder(loader, source, first_line)
        try:
            data = builder.build(node, (), 0)
        except _TooLarge as exc:
            line, col = exc.node.start_mark.line + first_line, exc.node.start_mark.column + 1
            message = str(exc) if isinstance(exc, _Refused) else f"document refused: {exc}"
            raise DocumentError([Problem(message, source, line, col)], what) from None
        except yaml.constructor.ConstructorError as exc:
            mark = exc.problem_mark
            line = mark.line + first_line if mark else None
            col = mark.column + 1 if mark else None
            raise DocumentError(
                [
                    Problem(
                        f"unsupported YAML value: {exc.problem}",
                        source,
                        line,
                        col,
                        hint="only plain data is allowed (no Python tags)",
                    )
                ],
                what,
            ) from None
        except (ValueError, OverflowError) as exc:
            raise DocumentError([Problem(f"invalid value: {exc}", source)], what) from None
        if builder.problems and not collect:
            raise DocumentError(builder.problems, what)
        return Document(
            data,
            Positions(source, builder.marks, builder.values, builder.texts),
            tuple(builder.problems),
        )
    finally:
        loader.dispose()


def read_limited(path: str | Path, cap: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``cap`` bytes, else a clear error.

    Devices (``/dev/zero``), FIFOs and sockets are refused before they are
    opened (opening a FIFO would wait for a writer), and the cap is enforced
    while reading, not trusted from the file's size. Raises :class:`ReadError`.
    """
    source = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ReadError("file not found", source) from None
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror}", source) from None
    if stat.S_ISDIR(info.st_mode):
        raise ReadError("is a directory, not a file", source)
    if not stat.S_ISREG(info.st_mode):
        raise ReadError("is not a regular file (a device, pipe or socket)", source)
    too_big = f"file is larger than {_size_text(cap)}"
    if info.st_size > cap:
        raise ReadError(too_big, source)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped since the stat
                raise ReadError("is not a regular file (a device, pipe or socket)", source)
            # as much as the file held at the stat, and one more byte: a file that
            # grew since is read on, still only up to the cap (a buffer the cap's
            # size is not made for a file of a few KiB)
            want = min(info.st_size, cap) + 1
            raw = f.read(want)
            if len(raw) == want and want <= cap:
                raw += f.read(cap + 1 - want)
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror}", source) from None
    if len(raw) > cap:
        raise ReadError(too_big, source)
    return raw


def _size_text(cap: int) -> str:
    mib = 1024 * 1024
    return f"{cap // mib} MiB" if cap % mib == 0 else f"{cap} bytes"


class ReadError(OSError):
    """A user file that cannot or may not be read.

    ``str()`` names the file and the reason, so that one escaping a caller
    still says where; ``reason`` alone is for messages that name the file
    themselves.
    """

    def __init__(self, reason: str, source: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"

    def __reduce__(self) -> tuple[type[ReadError], tuple[str, str]]:
        return type(self), (self.reason, self.source)


def load_file(path: str | Path, what: str = "document", collect: bool = False) -> Document:
    """Read a file as UTF-8 YAML/JSON, with clear errors for unreadable files."""
    source = str(path)
    try:
        raw = read_limited(path)
    except ReadError as exc:
        raise DocumentError([Problem(exc.reason, source)], what) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DocumentError(
            [
                Problem(
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                    source,
                    line,
                    hint="save the file as UTF-8",
                )
            ],
            what,
        ) from None
    return load_text(text, source, what, collect)
