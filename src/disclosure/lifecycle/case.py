"""Cases and their events, and reading them from case files.

A case is an id, who applied (an applicant kind), how (a channel), the day the
application counts as received, and an ordered event log. Everything else —
state, deadlines, outcome — is derived by folding the log through a machine.
Kinds, channels and event types are checked against a ruleset when folding,
not here, so a case file is independent of any one regime.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import attrs
import yaml

from disclosure.documents.source import (
    MAX_BYTES,
    YAML_BREAK,
    PathKey,
    Positions,
    load_file,
    load_text,
    reads_as_text,
)
from disclosure.documents.structure import kind_of, parse_date
from disclosure.errors import (
    CaseFileError,
    DocumentError,
    InvalidIdError,
    Problem,
    TypeMismatch,
    did_you_mean,
)
from disclosure.rules.fields import EVENT_COMMON_KEYS
from disclosure.rules.load import is_ruleset_path

#: Why a case may not name a ruleset file (it would read any file the user can).
RULESET_PATH_HINT = (
    "a case names a built-in ruleset or one a plugin registers; ruleset files are "
    "never read from a case"
)

#: Personal data fields that are masked in CLI output by default.
PERSONAL_FIELDS = ("applicant_name", "id_number", "contact")


def _to_day(value: Any, field: str) -> dt.date:
    """A date stays, ISO text is parsed, anything else is a clear error naming the field."""
    if type(value) is dt.date:
        return value
    try:
        return parse_date(value)
    except TypeMismatch as exc:
        raise CaseFileError([Problem(str(exc), field)], field) from None


def _event_day(value: dt.date | str) -> dt.date:
    return _to_day(value, "on")


def _received_day(value: dt.date | str) -> dt.date:
    return _to_day(value, "received")


@attrs.frozen
class Event:
    """One thing that happened to a case, on a day, with its data."""

    type: str
    on: dt.date = attrs.field(converter=_event_day)
    data: Mapping[str, Any] = attrs.field(factory=dict)
    note: str = ""
    by: str = ""
    where: str = attrs.field(default="", eq=False, repr=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        """The inverse of :meth:`to_dict` (``{type, on, note, by, **fields}``).

        Raises :class:`~disclosure.errors.CaseFileError` listing every problem.
        """
        event, problems = event_from_data(dict(data) if isinstance(data, Mapping) else data)
        if event is None:
            raise CaseFileError(problems, "event")
        return event

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "on": self.on.isoformat()}
        for key, value in self.data.items():
            out[key] = value.isoformat() if isinstance(value, dt.date) else value
        if self.note:
            out["note"] = self.note
        if self.by:
            out["by"] = self.by
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the arguments that make it again (see :meth:`Case.__reduce__`)."""
        return (Event, _event_args(self))


def id_problem(value: object) -> str | None:
    """Why ``value`` cannot be a case id, or None: the one rule for ids everywhere.

    An id is non-empty text that is not only whitespace and holds only
    printable characters: no control characters (C0/C1, NUL, ESC), no
    zero-width characters (U+200B-U+200F, U+2060, U+FEFF) and no bidi
    controls (U+202A-U+202E, U+2066-U+2069) that would make two ids look alike
    or reorder what a terminal shows.
    """
    if not isinstance(value, str):
        return f"a case id must be text, got {kind_of(value)}"
    if not value.strip():
        return "a case id must not be empty or only whitespace"
    if not value.isprintable():
        bad = next(ch for ch in value if not ch.isprintable())
        return (
            f"a case id must not contain control or invisible characters "
            f"(found U+{ord(bad):04X} in {value!r})"
        )
    return None


def _valid_id(_: object, __: object, value: Any) -> None:
    problem = id_problem(value)
    if problem is not None:
        raise InvalidIdError(problem)


def _events(value: Any) -> tuple[Event, ...]:
    """A case's log as a tuple (an immutable case is hashable); mappings are read as events."""
    if isinstance(value, tuple) and all(type(e) is Event for e in value):
        return value
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise CaseFileError(
            [Problem(f"must be a list of events, got {kind_of(value)}", "events")], "case"
        )
    out = []
    for i, item in enumerate(value):
        if isinstance(item, Event):
            out.append(item)
        elif isinstance(item, Mapping):
            out.append(Event.from_dict(item))
        else:
            message = f"must be an Event or a mapping, got {kind_of(item)}"
            raise CaseFileError([Problem(message, f"events[{i}]")], "case")
    return tuple(out)


@attrs.frozen
class Case:
    """An application and its event log (immutable; apply returns a new one)."""

    id: str = attrs.field(validator=_valid_id)
    applicant: str
    channel: str
    received: dt.date = attrs.field(converter=_received_day)
    events: tuple[Event, ...] = attrs.field(default=(), converter=_events)
    ruleset: str | None = None
    calendar: str | None = None
    subject: str = ""
    applicant_name: str = ""
    id_number: str = ""
    contact: str = ""
    #: Fields the case's ruleset declares in ``case_fields`` (checked when folded).
    fields: Mapping[str, Any] = attrs.field(factory=dict)
    where: str = attrs.field(default="", eq=False, repr=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Case:
        """The inverse of :meth:`to_dict`: a case from plain data (parsed JSON or YAML).

        Checked as a case file is; raises :class:`~disclosure.errors.CaseFileError`
        listing every problem.
        """
        case, problems = case_from_data(
            dict(data) if isinstance(data, Mapping) else data, Positions("<dict>")
        )
        if case is None:
            raise CaseFileError(problems, "case")
        return case

    def with_event(self, event: Event) -> Case:
        return attrs.evolve(self, events=(*self.events, event))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.ruleset:
            out["ruleset"] = self.ruleset
        if self.calendar:
            out["calendar"] = self.calendar
        out.update(
            applicant=self.applicant, channel=self.channel, received=self.received.isoformat()
        )
        for key in ("subject", *PERSONAL_FIELDS):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.fields:
            out["fields"] = dict(self.fields)
        out["events"] = [e.to_dict() for e in self.events]
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the arguments that make it again (its events likewise).

        An import sends every case to its workers; this pickles and loads in
        about half the time of attrs' state dictionaries. The checks run again
        on loading, and pass: they passed when the case was made.
        """
        return (Case, _case_args(self))


#: Every field of an event or a case, in the order its constructor takes them.
_event_args = operator.attrgetter(*(f.name for f in attrs.fields(Event)))
_case_args = operator.attrgetter(*(f.name for f in attrs.fields(Case)))


_CASE_KEYS = (
    "id",
    "ruleset",
    "calendar",
    "applicant",
    "channel",
    "received",
    "events",
    "subject",
    *PERSONAL_FIELDS,
    "fields",
)
#: The same keys for membership tests (the tuple keeps the order suggestions are made in).
_CASE_KEY_SET = frozenset(_CASE_KEYS)
_REQUIRED = ("id", "applicant", "channel", "received")
_NAMES = ("id", "ruleset", "calendar", "applicant", "channel")
_FREE_TEXT = ("subject", *PERSONAL_FIELDS)


def _where(pos: Positions, path: tuple[str | int, ...]) -> str:
    if not pos.marks:  # a JSON line has no positions: every path is at the source
        return pos.source
    line, _ = pos.locate(path)
    return f"{pos.source}:{line}" if line is not None else pos.source


def _text(value: Any, written: str | None = None) -> str | None:
    """A text value: as written in the file (``subject: 1.50`` stays ``1.50``)."""
    if isinstance(value, str):
        return value
    if written is not None and value is not None and not isinstance(value, (dict, list)):
        return written
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int)):
        return str(value)
    return None


def case_from_data(
    data: Any, pos: Positions, path: tuple[str | int, ...] = ()
) -> tuple[Case | None, list[Problem]]:
    """Build a case from plain data, collecting every problem with its position."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return None, [pos.problem(path, f"a case must be a mapping, got {kind_of(data)}")]
    for key in data:
        if key not in _CASE_KEY_SET:
            problems.append(
                pos.problem(
                    (*path, key),
                    f"unknown case key '{key}'",
                    did_you_mean(key, _CASE_KEYS),
                    at="key",
                )
            )
    for key in _REQUIRED:
        if key not in data:
            problems.append(pos.problem(path, f"missing required key '{key}'"))
    values: dict[str, Any] = {}
    texts = pos.texts  # empty for a JSON line: no key paths to build
    for key in _NAMES:  # names: trimmed
        if key in data:
            text = _text(data[key], texts.get((*path, key)) if texts else None)
            if text is None:
                problems.append(
                    pos.problem((*path, key), f"'{key}' must be text, got {kind_of(data[key])}")
                )
            elif not text.strip():
                problems.append(pos.problem((*path, key), f"'{key}' must not be empty"))
            elif key == "id" and (why := id_problem(text.strip(" "))) is not None:
                problems.append(pos.problem((*path, key), why))
            elif key == "ruleset" and is_ruleset_path(text.strip()):
                problems.append(
                    pos.problem(
                        (*path, key),
                        f"'ruleset' must be the name of a ruleset, not a file ('{text.strip()}')",
                        RULESET_PATH_HINT,
                    )
                )
            else:
                values[key] = text.strip()
    for key in _FREE_TEXT:  # free text: kept exactly as given
        if key in data and data[key] is not None:
            text = _text(data[key], texts.get((*path, key)) if texts else None)
            if text is None:
                problems.append(
                    pos.problem((*path, key), f"'{key}' must be text, got {kind_of(data[key])}")
                )
            else:
                values[key] = text
    if data.get("fields") is not None:
        fields = data["fields"]
        if not isinstance(fields, dict) or not all(isinstance(k, str) for k in fields):
            problems.append(
                pos.problem((*path, "fields"), f"'fields' must be a mapping, got {kind_of(fields)}")
            )
        else:
            values["fields"] = fields
    if "received" in data:
        try:
            values["received"] = parse_date(data["received"])
        except TypeMismatch as exc:
            problems.append(pos.problem((*path, "received"), str(exc)))
    events: list[Event] = []
    raw_events = data.get("events", [])
    if raw_events is None:
        raw_events = []
    if not isinstance(raw_events, list):
        problems.append(
            pos.problem((*path, "events"), f"'events' must be a list, got {kind_of(raw_events)}")
        )
        raw_events = []
    for i, raw in enumerate(raw_events):
        epath = (*path, "events", i)
        event, eprobs = event_from_data(raw, pos, epath)
        problems.extend(eprobs)
        if event is not None:
            events.append(event)
    if problems:
        return None, problems
    return Case(events=tuple(events), where=_where(pos, path), **values), []


def event_from_data(
    raw: Any, pos: Positions | None = None, path: tuple[str | int, ...] = ()
) -> tuple[Event | None, list[Problem]]:
    """Build one event from ``{type, on, note, by, **fields}``."""
    pos = pos or Positions("<input>")
    if not isinstance(raw, dict):
        return None, [pos.problem(path, f"an event must be a mapping, got {kind_of(raw)}")]
    problems: list[Problem] = []
    etype = raw.get("type")
    if not isinstance(etype, str) or not etype:
        problems.append(pos.problem(path, "an event needs a 'type'"))
    when: dt.date | None = None
    if "on" not in raw:
        problems.append(pos.problem(path, "an event needs a date 'on'"))
    else:
        try:
            when = parse_date(raw["on"])
        except TypeMismatch as exc:
            problems.append(pos.problem((*path, "on"), str(exc)))
    note = raw.get("note", "")
    by = raw.get("by", "")
    for key, value in (("note", note), ("by", by)):
        if not isinstance(value, str):
            problems.append(pos.problem((*path, key), f"'{key}' must be text"))
    if problems:
        return None, problems
    data = {k: v for k, v in raw.items() if k not in EVENT_COMMON_KEYS}
    assert isinstance(etype, str) and when is not None
    return Event(etype, when, data, str(note), str(by), _where(pos, path)), []


@attrs.frozen
class CaseRecord:
    """One record of a case file, read or not: what a tolerant import skips and reports."""

    where: str
    case: Case | None
    problems: tuple[Problem, ...] = ()
    #: The id the record names, when it names one (for reporting a bad record).
    case_id: str | None = None


def _named_id(data: Any) -> str | None:
    value = data.get("id") if isinstance(data, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def document_records(data: Any, pos: Positions) -> Iterator[CaseRecord]:
    """The records of one document: one case, a list of cases, or ``{cases: [...]}``."""
    base: tuple[str, ...] | None
    if isinstance(data, dict) and "cases" in data and "id" not in data:
        items, base = data["cases"], ("cases",)
    elif isinstance(data, list):
        items, base = data, ()
    else:
        items, base = [data], None
    if not isinstance(items, list):
        raise CaseFileError([pos.problem(("cases",), "'cases' must be a list")], pos.source)
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        path: tuple[str | int, ...] = () if base is None else (*base, i)
        line, _ = pos.locate(path)
        where = pos.source if line is None else f"{pos.source}:{line}"
        case, problems = case_from_data(item, pos, path)
        if case is not None and case.id in seen:
            message = f"duplicate case id '{case.id}' (also item {seen[case.id]})"
            yield CaseRecord(where, None, (pos.problem((*path, "id"), message),), case.id)
            continue
        if case is not None:
            seen[case.id] = i
        yield CaseRecord(where, case, tuple(problems), _named_id(item))


def cases_from_document(data: Any, pos: Positions) -> list[Case]:
    """Every case of one document, or :class:`CaseFileError` with every problem in it."""
    cases: list[Case] = []
    problems: list[Problem] = []
    for record in document_records(data, pos):
        problems.extend(record.problems)
        if record.case is not None:
            cases.append(record.case)
    if problems:
        raise CaseFileError(problems, f"case file {pos.source}")
    return cases


def load_cases(path: str | Path) -> list[Case]:
    """Read every case of a YAML/JSON case file (or ``.jsonl``: one case per line).

    Every problem of the file is reported at once, and nothing is returned
    unless all of it reads.
    """
    return list(iter_cases(path, scan_after_problem=None))


def iter_cases(path: str | Path, *, scan_after_problem: int | None = 1000) -> Iterator[Case]:
    """The cases of a case file one by one, so that a caller can keep memory flat.

    JSON Lines are read line by line, however long the file (each line at most
    ``MAX_BYTES``); a YAML or JSON document (at most ``MAX_BYTES``) is read
    whole and checked before its first case is given. When a line has
    problems, the reader goes on for at most ``scan_after_problem`` lines (None:
    to the end) to report more of them together, gives no further case, and
    raises :class:`CaseFileError` naming each problem's ``file:line``.
    """
    p = Path(path)
    if p.suffix == ".jsonl":
        yield from _iter_jsonl(p, scan_after_problem)
        return
    try:
        doc = load_file(p, "case file")
    except DocumentError as exc:
        raise CaseFileError(exc.problems, f"case file {path}") from None
    yield from cases_from_document(doc.data, doc.positions)


#: Characters the YAML reader refuses (C0 and C1 controls, DEL, surrogates,
#: non-characters, escaped surrogates): a line holding one is read by the YAML
#: reader, so that it is refused as before, with its position. NEL, U+2028 and
#: U+2029 inside a string are plain JSON and read as such (a line ends at
#: ``\n`` only).
_NOT_PLAIN_JSON = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff\ufeff]"
    r"|\\u[dD][89a-fA-F]"
)
#: Longer lines go through the YAML reader, which enforces its size limits.
_FAST_LINE = 100_000


class _NotPlain(ValueError):
    """A JSON line the fast reader leaves to the YAML reader."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _NotPlain("duplicate key")
    return out


def _no_constant(name: str) -> Any:
    raise _NotPlain(name)


#: Made once: ``json.loads`` with options builds a decoder (and its scanner) per call.
_PLAIN_JSON = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constant)


def _fast_case(line: str, source: str) -> Case | None:
    """The case on a plain JSON line, or None when the YAML reader must decide."""
    if len(line) > _FAST_LINE or _NOT_PLAIN_JSON.search(line):
        return None
    try:
        data = _PLAIN_JSON.decode(line)
    except (ValueError, RecursionError):
        return None
    case, problems = case_from_data(data, Positions(source))
    return None if problems else case


def _open_regular(p: Path) -> IO[bytes]:
    """Open a regular file for reading; devices, pipes and directories are refused."""
    try:
        info = os.stat(p)
        if stat.S_ISDIR(info.st_mode):
            raise CaseFileError([Problem("is a directory, not a file", str(p))], str(p))
        if not stat.S_ISREG(info.st_mode):
            raise CaseFileError(
                [Problem("is not a regular file (a device, pipe or socket)", str(p))], str(p)
            )
        return p.open("rb")
    except FileNotFoundError:
        raise CaseFileError([Problem("file not found", str(p))], str(p)) from None
    except OSError as exc:
        raise CaseFileError(
            [Problem(f"cannot read file: {exc.strerror}", str(p))], str(p)
        ) from None


def _open_jsonl(p: Path) -> IO[bytes]:
    """A JSON Lines file opened for reading; one saved as UTF-16 is refused whole
    (read as UTF-8, every line of it would be a bad record of its own)."""
    fh = _open_regular(p)
    head = fh.read(2)
    if head in (b"\xff\xfe", b"\xfe\xff"):
        fh.close()
        problem = Problem("the file is UTF-16, not UTF-8", str(p), hint="save it as UTF-8")
        raise CaseFileError([problem], str(p))
    fh.seek(0)
    return fh


def jsonl_records(p: Path) -> Iterator[CaseRecord]:
    """The records of a JSON Lines file, line by line (blank lines are none).

    Plain JSON lines take the fast path; anything else goes through the YAML
    reader, so both read exactly the same cases and refuse the same lines.
    """
    with _open_jsonl(p) as fh:
        yield from line_records(str(p), enumerate(fh, 1))


def jsonl_lines(p: Path, size: int, max_bytes: int) -> Iterator[list[tuple[int, bytes]]]:
    """A JSON Lines file's numbered lines, unread, in runs of ``size`` non-blank lines.

    A run also ends once it holds ``max_bytes``, so a file of long lines keeps
    memory flat. Read with :func:`line_records`, the runs give exactly the
    records of :func:`jsonl_records`: they let another process read them (an
    import's workers).
    """
    with _open_jsonl(p) as fh:
        run: list[tuple[int, bytes]] = []
        held = lines = 0
        for n, raw in enumerate(fh, 1):
            run.append((n, raw))
            held += len(raw)
            lines += bool(raw.strip())
            if lines >= size or held >= max_bytes:
                yield run
                run, held, lines = [], 0, 0
        if run:
            yield run


def line_records(source: str, lines: Iterable[tuple[int, bytes]]) -> Iterator[CaseRecord]:
    """The records of numbered lines of the JSON Lines file ``source`` (blank lines are none)."""
    for n, raw in lines:
        where = f"{source}:{n}"
        if len(raw) > MAX_BYTES:
            message = f"line is longer than {MAX_BYTES // (1024 * 1024)} MiB"
            yield CaseRecord(where, None, (Problem(message, source, n),))
            continue
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            problem = Problem(
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                source,
                n,
                hint="save the file as UTF-8",
            )
            yield CaseRecord(where, None, (problem,))
            continue
        if not line.strip():
            continue
        case = _fast_case(line, where)
        if case is not None:
            yield CaseRecord(where, case)
            continue
        at = _LinePlace(source, n, line)
        try:
            doc = load_text(line, source, "case", first_line=n)
        except DocumentError as exc:
            bad = _not_json(line, at)
            yield CaseRecord(where, None, (bad,) if bad else tuple(map(at.problem, exc.problems)))
            continue
        if not _flow_mapping(doc.data, line) and (bad := _not_json(line, at)) is not None:
            yield CaseRecord(where, None, (bad,), _named_id(doc.data))
            continue
        found, problems = case_from_data(doc.data, at.positions(doc.positions))
        if found is None:
            yield CaseRecord(where, None, tuple(problems), _named_id(doc.data))
        else:
            yield CaseRecord(where, found)


@attrs.frozen
class _LinePlace:
    """Moves positions in one JSON Lines record (line ``n``) into the file's line.

    The YAML reader, told the record starts on line ``n``, also starts a line
    at a CR, NEL, U+2028 or U+2029, and drops a BOM, which the file's line
    keeps: its (line, column) becomes (``n``, column within the file's line).
    """

    source: str
    n: int
    line: str

    def column(self, line: int | None, column: int) -> int:
        """The 1-based column in the file's line of the reader's (line, column)."""
        if line is not None and line > self.n:
            breaks = list(YAML_BREAK.finditer(self.line))
            if line - self.n - 1 < len(breaks):
                return breaks[line - self.n - 1].end() + column
        return column + self.line.startswith("\ufeff")

    def problem(self, p: Problem) -> Problem:
        column = None if p.column is None else self.column(p.line, p.column)
        return attrs.evolve(p, source=self.source, line=self.n, column=column)

    def positions(self, pos: Positions) -> Positions:
        def move(marks: Mapping[PathKey, tuple[int, int]]) -> dict[PathKey, tuple[int, int]]:
            return {k: (self.n, self.column(ln, col)) for k, (ln, col) in marks.items()}

        return Positions(self.source, move(pos.marks), move(pos.values), pos.texts)


def _flow_mapping(data: Any, line: str) -> bool:
    """Whether a record is a mapping written ``{...}``: JSON, or YAML's flow style.

    Lines like ``{id: C-1, ...}`` have always been read; any other line that
    is not JSON (``id: C-1`` cannot hold a whole case) is refused as not JSON.
    """
    return isinstance(data, dict) and line.lstrip(" \t\ufeff").startswith("{")


def _not_json(line: str, at: _LinePlace) -> Problem | None:
    """The problem of a record that is not JSON, with JSON's column, or None if it is."""
    text = line.removeprefix("\ufeff")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        reason = exc.msg.removesuffix(" at")  # "Invalid control character at"
        column = exc.colno + (len(line) - len(text))
        hint = "each line of a .jsonl file is one JSON object"
        return Problem(f"not valid JSON: {reason}", at.source, at.n, column, hint=hint)
    except (ValueError, RecursionError):
        return None
    return None


def _iter_jsonl(p: Path, scan_after_problem: int | None) -> Iterator[Case]:
    problems: list[Problem] = []
    scanned = 0
    for record in jsonl_records(p):
        if problems and scan_after_problem is not None:
            scanned += 1
            if scanned > scan_after_problem:
                break
        problems.extend(record.problems)
        if not problems and record.case is not None:
            yield record.case
    if problems:
        raise CaseFileError(problems, f"case file {p}")


class _CaseDumper(yaml.SafeDumper):
    """Writes text with line-break characters double-quoted, so it reads back exactly."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    breaks = any(ch in value for ch in "\x85\u2028\u2029\r")
    style = '"' if breaks else (None if reads_as_text(value) else "'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_CaseDumper.add_representer(str, _represent_str)


def dump_cases_yaml(cases: list[dict[str, Any]]) -> str:
    """A YAML case file for these cases (as ``Case.to_dict`` gives them)."""
    return yaml.dump(
        {"cases": cases}, Dumper=_CaseDumper, allow_unicode=True, sort_keys=False, width=100
    )


def dump_case_yaml(case: dict[str, Any]) -> str:
    """One item of the ``cases:`` list of :func:`dump_cases_yaml`, for writing case by case."""
    return yaml.dump([case], Dumper=_CaseDumper, allow_unicode=True, sort_keys=False, width=100)
