"""Cases read and written row by row: imports, lists and exports in flat memory.

Each writer produces exactly what the whole-document form produced before
(``json.dumps(..., indent=2)`` of the list, the YAML case file), one item at
a time. Text from cases is escaped as :func:`disclosure.cli._out.print_json`
escapes it: DEL, C1 and bidi controls as ``\\uXXXX``. The import reader
(:func:`cases_skipping`) reads what :func:`disclosure.lifecycle.case.iter_cases`
reads, but passes each unreadable record on and goes on.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import linecache
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs

from disclosure.cli._out import _JSON_UNSAFE, _UNSAFE, _default, clean
from disclosure.errors import DisclosureError

if TYPE_CHECKING:
    from disclosure.errors import DocumentError
    from disclosure.lifecycle.case import Case
    from disclosure.store.lines import Lines
    from disclosure.store.port import BadCase

#: The top-level key (the first line of a ``.jsonl``) that marks a masked export.
MASKED_KEY = "masked"


def _safe(text: str) -> str:
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _out() -> IO[str]:
    return sys.stdout


def _indented(doc: Any, by: str) -> str:
    text = json.dumps(doc, ensure_ascii=False, indent=2, default=_default)
    return "\n".join(by + line for line in text.splitlines())


def _json_items(out: IO[str], docs: Iterable[Any], by: str, safe: Any) -> bool:
    """Write the items of a JSON array in ``indent=2`` style; whether there was one."""
    first = True
    for doc in docs:
        out.write(("\n" if first else ",\n") + safe(_indented(doc, by)))
        first = False
    return not first


#: Rows written per ``write`` call by the streaming writers (flat memory, few calls).
CHUNK = 1000


#: How each declared field type of :class:`Projection` is written as JSON: a Python
#: expression of the value ``{v}``, compiled into the row writers below.
_JSON_OF_TYPE: dict[str, str] = {
    "str": "_text({v})",
    "str | None": "(_NULL if {v} is None else _text({v}))",
    "bool": "(_TRUE if {v} else _FALSE)",
    "int": "_int({v})",
}


@attrs.frozen
class _RowWriting:
    """How rows of :class:`Projection` are written, from its declared fields.

    A row is the tuple of its values in field order (:data:`projection_values`
    of a :class:`Projection`, or a store's row as it comes, yes/no fields as 0
    and 1): a million-row list is written without building a million objects.
    """

    names: tuple[str, ...]
    json_line: Callable[[Sequence[Any]], str]  # one object on one line
    json_item: Callable[[Sequence[Any]], str]  # one object indented as an item of a list
    bool_fields: tuple[int, ...]  # positions of the yes/no fields (0 and 1 in CSV)


def _compile_json(
    names: tuple[str, ...], types: tuple[str, ...], indent: str | None
) -> Callable[[Sequence[Any]], str]:
    """One function writing a row as ``json.dumps`` of its projection's ``attrs.asdict`` would.

    Generated from the declared fields (one f-string, no dict, no general
    encoder, no loop over the fields), which took most of the time of a
    million-row ``--jsonl``. ``indent``: the item's indentation inside an
    ``indent=2`` list; ``None``: one line.
    """
    if indent is None:
        opening, between, closing = "{", ", ", "}"
    else:
        inner = "\n" + indent + "  "
        opening, between, closing = indent + "{" + inner, "," + inner, "\n" + indent + "}"
    scope: dict[str, Any] = {
        "_text": encode_basestring,
        "_int": int.__repr__,
        "_NULL": "null",
        "_TRUE": "true",
        "_FALSE": "false",
    }
    parts = []
    for i, (name, kind) in enumerate(zip(names, types, strict=True)):
        scope[f"_key{i}"] = (opening if i == 0 else between) + json.dumps(name) + ": "
        parts.append(f"{{_key{i}}}{{{_JSON_OF_TYPE[kind].format(v=f'row[{i}]')}}}")
    scope["_end"] = closing
    source = f"def row_json(row):\n    return f'{''.join(parts)}{{_end}}'\n"
    filename = f"<projection JSON, indent {indent!r}>"
    # the source is kept where tracebacks look for it, so a failing row shows its line
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), scope)
    row_json: Callable[[Sequence[Any]], str] = scope["row_json"]
    return row_json


@cache
def _row_writing() -> _RowWriting:
    """Built on first use: importing the store here would slow every command's start."""
    from disclosure.store.projection import Projection

    names = tuple(f.name for f in attrs.fields(Projection))
    types = tuple(str(f.type) for f in attrs.fields(Projection))
    bools = tuple(i for i, t in enumerate(types) if t == "bool")
    line, item = _compile_json(names, types, None), _compile_json(names, types, "  ")
    return _RowWriting(names, line, item, bools)


def _json_safe_chunk(text: str) -> str:
    """``_safe`` of a chunk: ASCII without DEL (the usual chunk) is returned as it is."""
    return text if text.isascii() and "\x7f" not in text else _safe(text)


def write_jsonl(rows: Iterable[Sequence[Any]]) -> None:
    """One JSON object per row (values in field order) and line, written a chunk at a time."""
    out = _out()
    it = iter(rows)
    line = _row_writing().json_line
    while chunk := list(itertools.islice(it, CHUNK)):
        out.write(_json_safe_chunk("\n".join(map(line, chunk)) + "\n"))


def write_json_array(rows: Iterable[Sequence[Any]]) -> None:
    """``[...]`` of the rows (values in field order), as ``print_json`` of the whole list
    of projections would print it."""
    out = _out()
    out.write("[")
    it = iter(rows)
    first = True
    item = _row_writing().json_item
    while chunk := list(itertools.islice(it, CHUNK)):
        text = ",\n".join(map(item, chunk))
        out.write(("\n" if first else ",\n") + _json_safe_chunk(text))
        first = False
    out.write("]\n" if first else "\n]\n")


def _csv_rows(chunk: list[Sequence[Any]], cleaned: bool) -> str:
    """The CSV lines of a chunk; ``cleaned``: every cell through ``clean`` first."""
    how = _row_writing()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for r in chunk:
        values: list[Any] = list(r)
        for i in how.bool_fields:
            values[i] = int(values[i])
        if cleaned:
            values = ["" if v is None else clean(v) for v in values]
        writer.writerow(values)  # None is written as an empty cell
    return buf.getvalue()


def write_csv(rows: Iterable[Sequence[Any]]) -> None:
    """A header row, then one row per case (values in field order); text cleaned of
    control characters.

    A chunk whose CSV text holds no character ``clean`` would change is
    written as it is (CSV adds only quotes and newlines, which it keeps);
    otherwise the chunk is written again with every cell cleaned first.
    """
    out = _out()
    out.write(",".join(_row_writing().names) + "\n")
    it = iter(rows)
    while chunk := list(itertools.islice(it, CHUNK)):
        text = _csv_rows(chunk, cleaned=False)
        out.write(_csv_rows(chunk, cleaned=True) if _UNSAFE.search(text) else text)


@contextmanager
def export_target(output: str | None) -> Iterator[IO[str]]:
    """stdout, or a file that replaces ``output`` only once it is complete."""
    if output is None:
        yield _out()
        return
    path = Path(output)
    part = path.with_name(path.name + ".part")
    try:
        fh = part.open("w", encoding="utf-8")
    except OSError as exc:
        raise DisclosureError(f"cannot write {output}: {exc.strerror or exc}") from None
    try:
        with fh:
            yield fh
        os.replace(part, path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise DisclosureError(f"cannot write {output}: {exc.strerror or exc}") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise


#: What a JSON export escapes: DEL and C1, which occur only inside strings.
_EXPORT_UNSAFE = re.compile("[\x7f-\x9f]")


def _export_safe(text: str) -> str:
    return _EXPORT_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_export(out: IO[str], kind: str, docs: Iterable[dict[str, Any]], masked: bool) -> None:
    """A case export (yaml, json or jsonl) of ``docs``, written case by case."""
    if kind == "jsonl":
        if masked:
            out.write(json.dumps({MASKED_KEY: True}) + "\n")
        for d in docs:
            out.write(_export_safe(json.dumps(d, ensure_ascii=False)) + "\n")
    elif kind == "json":
        out.write("{\n" + (f'  "{MASKED_KEY}": true,\n' if masked else "") + '  "cases": [')
        any_case = _json_items(out, docs, "    ", _export_safe)
        out.write("\n  ]\n}\n" if any_case else "]\n}\n")
    else:
        from disclosure.lifecycle.case import dump_case_yaml

        if masked:
            out.write(
                "# Masked export: personal data is masked, so this file cannot be imported.\n"
                "# For a lossless backup: disclosure case export --show-personal-data\n"
                f"{MASKED_KEY}: true\n"
            )
        out.write("cases:")
        empty = True
        for d in docs:
            out.write(("\n" if empty else "") + dump_case_yaml(d))
            empty = False
        if empty:
            out.write(" []\n")


def cases_skipping(path: str, skip: Callable[[BadCase], None]) -> Iterator[Case]:
    """The cases of a case file; each record that cannot be read goes to ``skip``.

    One bad line must not stop an import of a million good ones: the record
    is reported with its ``file:line`` and the reader goes on. A file that
    cannot be read at all (missing, not YAML) is one bad record. ``skip`` may
    raise to stop the import (too many bad records).
    """
    from disclosure.documents.source import load_file
    from disclosure.errors import DocumentError
    from disclosure.lifecycle.case import CaseRecord, document_records, jsonl_records
    from disclosure.store.port import BadCase

    p = Path(path)
    records: Iterator[CaseRecord]
    try:
        if p.suffix == ".jsonl":
            records = jsonl_records(p)
        else:
            doc = load_file(p, "case file")
            records = document_records(doc.data, doc.positions)
        first = next(records, None)  # a file that cannot be opened fails here
    except DocumentError as exc:  # the file itself: missing, a directory, not YAML/JSON
        skip(_unopened(p, exc))
        return
    for record in itertools.chain([first] if first is not None else [], records):
        if record.case is None:
            skip(BadCase.unreadable(record))
        else:
            yield record.case


def jsonl_runs(path: str, size: int, skip: Callable[[BadCase], None]) -> Iterator[Lines]:
    """A JSON Lines file in runs of ``size`` lines, unread, for an import whose workers read
    them (:mod:`disclosure.store.lines`); a file that cannot be opened is one bad record,
    as in :func:`cases_skipping`."""
    from disclosure.errors import DocumentError
    from disclosure.lifecycle.case import jsonl_lines
    from disclosure.store.lines import RUN_BYTES, Lines

    p = Path(path)
    runs = jsonl_lines(p, size, RUN_BYTES)
    try:
        first = next(runs, None)  # a file that cannot be opened fails here
    except DocumentError as exc:
        skip(_unopened(p, exc))
        return
    for lines in itertools.chain([first] if first is not None else [], runs):
        yield Lines(str(p), lines)


def _unopened(p: Path, exc: DocumentError) -> BadCase:
    """A case file that cannot be read at all, as one bad record."""
    from disclosure.store.port import BadCase

    return BadCase(str(p), None, "; ".join(str(q) for q in exc.problems))
