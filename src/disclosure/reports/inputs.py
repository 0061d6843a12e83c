"""What the agency supplies besides its cases: agency data and the narrative.

Owns reading and validating the agency data file (its name, table 二 and
other figures, :class:`AgencyData`) and splitting a Markdown narrative into
the template's sections; every problem carries its file position. Filling
figures into the narrative is :mod:`.narrative`'s job.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

import attrs

from disclosure.documents.source import ReadError, load_file, read_limited
from disclosure.documents.structure import is_misspelt_whole, kind_of
from disclosure.errors import DocumentError, Problem, did_you_mean
from disclosure.reports.figure import exactly_kept, format_figure
from disclosure.reports.model import Number
from disclosure.reports.template import ReportTemplate


@attrs.frozen
class AgencyData:
    """What the cases cannot tell: the agency's name, table 二, other figures."""

    agency: str = ""
    table2: Mapping[str, Mapping[str, Number]] = attrs.field(factory=dict)
    values: Mapping[str, Number | str] = attrs.field(factory=dict)


def load_agency_data(path: str | Path, template: ReportTemplate) -> AgencyData:
    """Read an agency data file and check its table 二 against the template."""
    try:
        doc = load_file(path, "agency data")
    except DocumentError as exc:
        raise DocumentError(exc.problems, f"agency data {path}") from None
    data, pos = doc.data, doc.positions
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise DocumentError([pos.problem((), "agency data must be a mapping")], str(path))
    for key in data:
        if key not in ("agency", "year", "table2", "values"):
            problems.append(
                pos.problem(
                    (key,),
                    f"unknown key '{key}'",
                    did_you_mean(key, ["agency", "year", "table2", "values"]),
                    at="key",
                )
            )
    layout = template.table2.row_columns()
    table2: dict[str, dict[str, Number]] = {}
    raw = data.get("table2") or {}
    if not isinstance(raw, dict):
        problems.append(pos.problem(("table2",), "table2 must be a mapping of rows"))
        raw = {}
    for row, cells in raw.items():
        if row not in layout:
            problems.append(
                pos.problem(
                    ("table2", row),
                    f"'{row}' is not a row of table 二 in {template.id}",
                    did_you_mean(row, layout),
                    at="key",
                )
            )
            continue
        if not isinstance(cells, dict):
            problems.append(pos.problem(("table2", row), "expected a mapping of columns"))
            continue
        cols = {c.key: c for c in layout[row]}
        for col, value in cells.items():
            column = cols.get(col)
            if column is None:
                problems.append(
                    pos.problem(
                        ("table2", row, col),
                        f"'{col}' is not a column of row '{row}'",
                        did_you_mean(col, cols),
                        at="key",
                    )
                )
            elif (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (column.type == "int" and not isinstance(value, int))
            ):
                kind = "a whole number" if column.type == "int" else "a number"
                if is_misspelt_whole(value):  # `010`, `0x1F`: text in YAML 1.2
                    kind += " written in decimal without leading zeros"
                problems.append(pos.problem(("table2", row, col), f"expected {kind}"))
            elif not math.isfinite(value):
                problems.append(
                    pos.problem(("table2", row, col), f"expected a finite number, got {value}")
                )
            elif value < 0 and not column.signed:
                problems.append(pos.problem(("table2", row, col), "cannot be negative"))
            elif (lost := _digits_lost(value, pos.texts.get(("table2", row, col)))) is not None:
                problems.append(pos.problem(("table2", row, col), lost, _FEWER_DIGITS))
            else:
                table2.setdefault(row, {})[col] = value
    values = data.get("values") or {}
    if not isinstance(values, dict):
        problems.append(pos.problem(("values",), "values must be a mapping"))
        values = {}
    for key, extra in values.items():
        # printed into the report as given: a number that is finite, or text, and not
        # text that only looks like a number (`1_386`, `010`: YAML 1.1 would read them so)
        where = ("values", key)
        if isinstance(extra, bool) or not isinstance(extra, (int, float, str)):
            problems.append(pos.problem(where, f"expected a number or text, got {kind_of(extra)}"))
        elif isinstance(extra, float) and not math.isfinite(extra):
            problems.append(pos.problem(where, f"expected a finite number, got {extra}"))
        elif isinstance(extra, str) and is_misspelt_whole(extra):
            problems.append(
                pos.problem(
                    where,
                    f"'{extra}' looks like a number but is not one in YAML 1.2",
                    "write it in plain decimal digits (no _ , no leading zeros)",
                )
            )
        elif (lost := _digits_lost(extra, pos.texts.get(where))) is not None:
            problems.append(pos.problem(where, lost, _FEWER_DIGITS))
    agency = data.get("agency", "")
    if not isinstance(agency, str):
        problems.append(pos.problem(("agency",), "agency must be text"))
        agency = ""
    if problems:
        raise DocumentError(problems, f"agency data {path}")
    full = {
        row: {c.key: table2.get(row, {}).get(c.key, 0) for c in cols}
        for row, cols in layout.items()
    }
    return AgencyData(agency, full, values)


_FEWER_DIGITS = "write it with at most 15 significant digits"


def _digits_lost(value: object, written: str | None) -> str | None:
    """Why a decimal figure cannot be printed as written, or None if it can.

    YAML reads 12345.67 as a float, which keeps about 16 significant digits;
    a longer figure would be printed rounded, and a report must not round.
    """
    if not isinstance(value, float) or written is None or exactly_kept(value, written):
        return None
    return (
        f"{written} has more significant digits than a figure keeps exactly "
        f"(it would print as {format_figure(value)})"
    )


_HEADING = re.compile(r"^##\s+(.+?)\s*$")


def read_narrative(path: str | Path, template: ReportTemplate) -> dict[str, tuple[str, int]]:
    """Split a Markdown narrative into sections by ``## heading``.

    A heading is a section's key, its title, or its number and title
    (``## 一、总体情况``). Returns key -> (text, first line number).
    """
    p = Path(path)
    try:
        lines = read_limited(p).decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.reason if isinstance(exc, ReadError) else str(exc)  # the problem names the file
        raise DocumentError([Problem(f"cannot read narrative: {why}", str(p))], str(p)) from None
    names: dict[str, str] = {}
    for sec in template.sections:
        for name in (sec.key, sec.title, f"{sec.number}、{sec.title}", f"{sec.number}.{sec.title}"):
            names[name] = sec.key
    out: dict[str, tuple[list[str], int]] = {}
    current: str | None = None
    problems: list[Problem] = []
    for n, line in enumerate(lines, 1):
        m = _HEADING.match(line)
        if m:
            key = names.get(m.group(1))
            if key is None:
                problems.append(
                    Problem(
                        f"unknown section heading '{m.group(1)}'",
                        str(p),
                        n,
                        1,
                        hint=did_you_mean(m.group(1), names),
                    )
                )
                current = None
                continue
            current = key
            out[key] = ([], n + 1)
        elif current is not None:
            out[current][0].append(line)
        elif line.strip():
            problems.append(Problem("text before the first '## section' heading", str(p), n, 1))
    if problems:
        raise DocumentError(problems, f"narrative {p}")
    result: dict[str, tuple[str, int]] = {}
    for key, (body, first) in out.items():
        while body and not body[0].strip():  # keep line numbers true after trimming
            body.pop(0)
            first += 1
        result[key] = ("\n".join(body).strip(), first)
    return result
