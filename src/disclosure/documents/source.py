"""Read YAML (and JSON, a subset of it) while remembering where every value was.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two
duplicate keys. Both matter to people fixing files by hand, so we compose the
node graph with the safe loader and build plain Python values ourselves,
recording a (line, column) for every path and reporting duplicate keys.
Size and depth limits make hostile input (alias bombs, deep nesting) fail fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
    def __init__(self, loader: yaml.SafeLoader, source: str) -> None:  # or CSafeLoader
        self.loader = loader
        self.source = source
        self.marks: dict[PathKey, tuple[int, int]] = {}
        self.values: dict[PathKey, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.nodes = 0

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

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
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            # e.g. 2024-02-30 looks like a date but is none: keep the text, so the
            # typed check that follows reports it at this position.
            return str(node.value)


# libyaml's parser when PyYAML was built with it (several times faster), else pure Python.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TooLarge(Exception):
    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.node = node


def load_text(text: str, source: str, what: str = "document", collect: bool = False) -> Document:
    """Parse YAML/JSON text; raise :class:`DocumentError` listing every problem.

    With ``collect``, problems that do not stop reading (duplicate keys: the
    first value is kept) are returned in ``Document.problems`` instead, so
    that callers can report them together with their own checks.
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
            line = mark.line + 1 if mark else None
            col = mark.column + 1 if mark else None
            reason = exc.problem or exc.context or "invalid YAML"
            where = (
                text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
            )
            tab = "\t" in where[: (mark.column + 1 if mark else 0)] or "\\t" in str(exc)
            hint = "indent with spaces, not tabs" if tab else ""
            raise DocumentError(
                [Problem(f"invalid YAML: {reason}", source, line, col, hint=hint)], what
            ) from None
        except yaml.YAMLError as exc:
            raise DocumentError([Problem(f"invalid YAML: {exc}", source)], what) from None
        if node is None:
            raise DocumentError([Problem("the file is empty", source, 1, 1)], what)
        builder = _Builder(loader, source)
        try:
            data = builder.build(node, (), 0)
        except _TooLarge as exc:
            line, col = exc.node.start_mark.line + 1, exc.node.start_mark.column + 1
            raise DocumentError(
                [Problem(f"document refused: {exc}", source, line, col)], what
            ) from None
        except yaml.constructor.ConstructorError as exc:
            mark = exc.problem_mark
            line = mark.line + 1 if mark else None
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
            data, Positions(source, builder.marks, builder.values), tuple(builder.problems)
        )
    finally:
        loader.dispose()


def load_file(path: str | Path, what: str = "document", collect: bool = False) -> Document:
    """Read a file as UTF-8 YAML/JSON, with clear errors for unreadable files."""
    p = Path(path)
    source = str(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise DocumentError([Problem("file not found", source)], what) from None
    except OSError as exc:
        raise DocumentError([Problem(f"cannot read file: {exc.strerror}", source)], what) from None
    if p.is_dir():
        raise DocumentError([Problem("is a directory, not a file", source)], what)
    if size > MAX_BYTES:
        raise DocumentError(
            [Problem(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB", source)], what
        )
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise DocumentError([Problem(f"cannot read file: {exc.strerror}", source)], what) from None
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
