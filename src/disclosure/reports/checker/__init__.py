"""Check published annual reports: find what does not add up.

``check_text`` / ``check_file`` read a report in whatever form it circulates,
extract its tables with the report template's labels, and apply the same
reconciliation rules that the generator uses (RC-1, RC-2, RC-3, TC-1, and
RC-7 with last year's report), plus checks of the text against the tables
and of the report's structure. A table that cannot be read is reported as
unreadable with the reason, never as passing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs

from disclosure.reports.checker.extract import Budget, TableRead, Walker, core, read_table2
from disclosure.reports.checker.findings import CheckFinding
from disclosure.reports.checker.labels import core_of_flat, label_core
from disclosure.reports.checker.patterns import holds, required
from disclosure.reports.checker.sources import MAX_LINES, MAX_TOKENS, Unreadable, read_source
from disclosure.reports.checker.table3 import expand, read_rows
from disclosure.reports.checker.table4 import read_groups
from disclosure.reports.checker.text_rules import text_findings
from disclosure.reports.checker.tokens import nfkc, normal_lines, tokenize_text
from disclosure.reports.checker.verdict import (
    as_json,
    previous_grids,
    read_findings,
    rule_findings,
    table2_findings,
)
from disclosure.reports.model import Grid
from disclosure.reports.template import ReportTemplate, builtin_templates, load_template

__all__ = [
    "MAX_LINES",
    "MAX_TOKENS",
    "CheckFinding",
    "CheckedReport",
    "Unreadable",
    "check_file",
    "check_text",
]


@attrs.frozen
class CheckedReport:
    source: str
    agency: str
    year: int | None
    format: str
    tables: Mapping[str, Any]
    findings: tuple[CheckFinding, ...]
    format_basis: str = ""

    @property
    def errors(self) -> tuple[CheckFinding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[CheckFinding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "agency": self.agency,
            "year": self.year,
            "format": self.format,
            **self.tables,
            "findings": [f.to_dict() for f in self.findings],
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


@lru_cache(maxsize=1)
def _templates() -> tuple[ReportTemplate, ...]:
    """The report formats, newest first (the newest one's wording is tried first)."""
    found = [load_template(path) for path in builtin_templates().values()]
    return tuple(sorted(found, key=lambda t: t.template.first_year or 0, reverse=True))


def _numbering(t: ReportTemplate) -> re.Pattern[str] | None:
    return re.compile(t.recognize.numbering) if t.recognize.numbering else None


def _labels(t: ReportTemplate) -> set[str]:
    numbering = _numbering(t)
    out = {core(r.label, numbering) for r in t.table3.rows}
    for sub in t.table2.subtables:
        out.update(core(c.label, numbering) for c in sub.columns)
        out.update(core(r.label, numbering) for r in sub.rows)
    return {c for c in out if len(c) >= 4}


@lru_cache(maxsize=1)
def _distinctive() -> dict[str, frozenset[str]]:
    """Per format, the label cores no other format has: how a format is recognised."""
    labels = {t.id: _labels(t) for t in _templates()}
    return {
        tid: frozenset(own - set().union(*(o for k, o in labels.items() if k != tid)))
        for tid, own in labels.items()
    }


def _title(lines: list[str], end: str) -> str:
    """The title, which Word extraction may wrap over two or three lines."""
    title = ""
    for line in [x for x in lines if x][:3]:
        title += line
        if end and title.endswith(end):
            break
    return title


def _detect_format(cores: str, year: int | None) -> tuple[ReportTemplate, str]:
    """The format whose own labels the report uses, else the one for its year.

    ``cores`` are the cores of the report's text tokens, one per line: a label
    (never empty, never with a line break) is in one of them if it is in this text.
    """
    hits = {tid: sum(1 for c in labels if c in cores) for tid, labels in _distinctive().items()}
    best = max(hits, key=lambda k: hits[k])
    by_id = {t.id: t for t in _templates()}
    if hits[best] > 0 and list(hits.values()).count(hits[best]) == 1:
        return by_id[best], f"labels only the {best} format has"
    for t in _templates():
        if year is not None and t.covers(year):
            return t, f"the year {year}"
    return _templates()[0], "default"


def check_file(
    path: str | Path,
    *,
    previous: CheckedReport | Mapping[str, Any] | None = None,
    format_year: int | None = None,
) -> CheckedReport:
    """Read and check one report file (.txt, .md, .html, .docx, .pdf).

    Raises :class:`Unreadable` (a ``ValueError``) naming the file for what is
    not an annual report or cannot be read (missing, a directory, too large).
    """
    p = Path(path)
    text = read_source(p)
    return check_text(text, str(p), previous=previous, format_year=format_year)


@lru_cache(maxsize=1)
def _all_labels() -> tuple[str, ...]:
    """Every table-三 label of every format: what a glued number may be the numbering of."""
    return tuple(dict.fromkeys(r.label for t in _templates() for r in t.table3.rows))


def check_text(
    text: str,
    source: str = "<text>",
    *,
    previous: CheckedReport | Mapping[str, Any] | None = None,
    format_year: int | None = None,
) -> CheckedReport:
    """Check a report given as text (Word, PDF or web-page text, Markdown, or HTML as text).

    Raises :class:`Unreadable` for a text larger than any report (more than
    :data:`MAX_LINES` line breaks or :data:`MAX_TOKENS` tokens): no input
    costs more than about a second; and for a text in which nothing of a report
    is recognised (no title, statistics period, section heading or table row).
    """
    findings: list[CheckFinding] = []
    # the lines, counted in C (CR LF is one break)
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    if breaks > MAX_LINES:
        raise Unreadable(
            f"{breaks:,} line breaks, more than any annual report has "
            f"(at most {MAX_LINES:,} are read); not checked",
            source,
        )
    long_lines = {n for n, line in enumerate(text.splitlines(), 1) if len(line) > 300}
    text_nfkc = nfkc(text)
    lines = [line.lstrip("#*>") for line in normal_lines(text_nfkc)]
    newest = _templates()[0]
    base = newest.recognize
    tokens = tokenize_text(text_nfkc, _numbering(newest), MAX_TOKENS)
    if len(tokens) > MAX_TOKENS:
        raise Unreadable(
            f"more than {MAX_TOKENS:,} figures and pieces of text by line "
            f"{tokens[-1].line}, more than any annual report has; not checked",
            source,
        )
    walker = Walker(tokens, _numbering(newest), _all_labels())
    cores = walker._joined

    m = re.search(base.title, _title(lines, base.title_end)) if base.title else None
    title_year = int(m.group(2)) if m else None
    agency = m.group(1) if m else ""
    period_re = re.compile(base.period) if base.period else None
    if period_re is not None and not holds("\n".join(lines), required(period_re.pattern)):
        period_re = None  # no line holds what a statistics period is written with
    period = next(
        (
            (int(p.group(1)), int(p.group(2)), n)
            for n, line in enumerate(lines, 1)
            for p in [period_re.search(line) if period_re else None]
            if p
        ),
        None,
    )
    year = format_year or title_year or (period[0] if period else None)
    if period is not None and year is not None and (period[0] != year or period[1] != year):
        findings.append(
            CheckFinding(
                "error",
                "STR-1",
                f"the report is for {year} but its statistics period runs from "
                f"{period[0]} to {period[1]}",
                line=period[2],
                numbers=(year, period[0], period[1]),
            )
        )
    if year is None:
        findings.append(
            CheckFinding(
                "warning",
                "STR-2",
                "the report's year was not found in its "
                "title or statistics period (use --format-year)",
            )
        )

    template, basis = _detect_format(cores, year)
    meta = template.template
    if year is not None and not template.covers(year) and (meta.last_year or year) < year:
        newer = [t for t in _templates() if t.covers(year)]
        findings.append(
            CheckFinding(
                "error",
                "FMT-1",
                f"the {year} report uses the format of {meta.instrument} (for "
                f"{meta.first_year}-{meta.last_year}); reports for {year} must use the format of "
                f"{newer[0].template.instrument if newer else 'a later instrument'}",
                numbers=(year,),
            )
        )
    sections = _section_findings(lines, template)
    findings.extend(sections)

    budget = Budget()
    start3, stop3, stop4 = _regions(walker, template)
    table3 = read_rows(walker, template, start3, stop3, budget)
    table4 = read_groups(walker, template, stop3, stop4, budget)
    table2, t2_problems = read_table2(walker, template, 0, start3 or None)

    tables: dict[str, Any] = {"table2": table2}
    grids: dict[str, Grid] = {}
    reads: dict[str, TableRead] = {"table3": table3, "table4": table4}
    for read in (table3, table4):
        findings.extend(read_findings(read, long_lines))
        tables[read.key] = as_json(read)
        ok = not read.unreadable and not read.ambiguous and read.rows
        if ok and all(r.values is not None for r in read.rows.values()):
            values = expand(read.grid_rows(), read.stand_ins, len(read.columns))
            grids[read.key] = Grid(read.columns, values)
    headings = len(template.sections) - sum(f.rule == "STR-3" for f in sections)
    rows_seen = any(r.line is not None for read in reads.values() for r in read.rows.values())
    t2_seen = bool(table2) or any(line is not None for _, _, line in t2_problems)
    if not text.strip():
        raise Unreadable("the file holds no text (empty, or only blank lines)", source)
    if not (m or period or headings or rows_seen or t2_seen):
        # nothing a report is recognised by: checking it would only list what is missing
        raise Unreadable(
            "not an annual report: none of its title, statistics period, section "
            "headings or table rows was found (check the published report itself)",
            source,
        )
    for row, problem, line in t2_problems:
        findings.append(CheckFinding("warning", "T2-0", problem, "table2", row, line=line))
    findings.extend(table2_findings(table2, template))
    last = previous.tables if isinstance(previous, CheckedReport) else previous
    findings.extend(rule_findings(template, grids, reads, previous_grids(last), long_lines))
    findings.extend(
        text_findings(
            text,
            grids,
            template.recognize.text_checks,
            _equations(template),
            {"table4": [c.label for c in template.table4.results if not c.sum]},
        )
    )
    return CheckedReport(source, agency, year, template.id, tables, tuple(findings), basis)


def _equations(
    template: ReportTemplate,
) -> dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    """Per table, the column equations of the template (left rows, right rows)."""
    out: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for c in template.checks:
        if c.per == "column" and c.right:
            out.setdefault(c.table, []).append((tuple(c.left), tuple(c.right)))
    return out


def _regions(walker: Walker, template: ReportTemplate) -> tuple[int, int, int]:
    """Where table 三 starts, where table 四 starts, and where table 四 ends:
    at the first label of table 三, and at the headings of the sections after
    it (their words come from the template's ``recognize.sections``)."""
    first = walker.find(template.table3.data_rows[0].label)
    start = max(0, first[0] - 1) if first else 0
    keys = [s.key for s in template.sections]
    words = template.recognize.sections

    def heading_after(section: str, begin: int) -> int | None:
        later = keys[keys.index(section) + 1 :] if section in keys else []
        if not later or later[0] not in words:
            return None
        return walker.first_containing(words[later[0]], begin)

    table3_section = next((s.key for s in template.sections if s.table == "table3"), "")
    table4_section = next((s.key for s in template.sections if s.table == "table4"), "")
    stop3 = heading_after(table3_section, start + 1)
    if stop3 is None:
        label = template.table4.groups[0].label
        hit = walker.find(label, start + 1)
        stop3 = hit[0] if hit else len(walker.tokens)
    stop4 = heading_after(table4_section, stop3 + 1)
    return start, stop3, stop4 if stop4 is not None else len(walker.tokens)


def _section_findings(lines: list[str], template: ReportTemplate) -> list[CheckFinding]:
    out: list[CheckFinding] = []
    wanted = [
        (sec, template.recognize.sections.get(sec.key, (label_core(sec.title),)))
        for sec in template.sections
    ]
    # a core only ever loses characters: a line without the first character of
    # any section's first key is no heading, and its core is not computed
    starts = "".join(keys[0][:1] for _, keys in wanted)
    maybe = _any_of(starts) if len(starts) == len(wanted) else None
    headings = [  # the lines are normalized already: only their core is taken
        (n, line, core_of_flat(line, None))
        for n, raw in enumerate(lines, 1)
        for line in [raw.lstrip("#*> ")]
        if 0 < len(line) <= 40 and not line.endswith("。") and (maybe is None or maybe.search(line))
    ]
    for sec, keys in wanted:
        first = keys[0]
        candidates = [
            (n, line) for n, line, c in headings if first in c and all(k in c for k in keys)
        ]
        numbered = [c for c in candidates if c[1].startswith((sec.number, f"({sec.number})"))]
        if numbered:
            continue
        if not candidates and any(
            len(line) > 300 and _in_long_line(line, sec.number, keys) for line in lines
        ):
            continue  # a page on one line: the heading is inside it
        if not candidates:
            out.append(
                CheckFinding("warning", "STR-3", f"section {sec.number}、{sec.title} was not found")
            )
            continue
        n, line = candidates[0]
        out.append(
            CheckFinding(
                "warning",
                "STR-4",
                f"the heading '{line}' should be numbered {sec.number}、",
                line=n,
            )
        )
    return out


@lru_cache(maxsize=16)
def _any_of(chars: str) -> re.Pattern[str]:
    """An expression that finds any one of ``chars``."""
    return re.compile("[" + re.escape(chars) + "]")


def _in_long_line(line: str, number: str, keys: tuple[str, ...] | list[str]) -> bool:
    """Whether a numbered heading with the section's words is inside a long line."""
    at = line.find(f"{number}、")
    while at >= 0:
        if all(k in line[at : at + 40] for k in keys):
            return True
        at = line.find(f"{number}、", at + 1)
    return False
