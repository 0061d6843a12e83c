"""``disclosure case``: fold case files, explain deadlines, find lapsed windows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from disclosure.cli._db import db_option, open_store
from disclosure.cli._engine import calendar_files_option, ruleset_option
from disclosure.cli._out import DATE, console, esc, name_of, print_json, print_lapses

if TYPE_CHECKING:
    from disclosure.engine import Engine
    from disclosure.lifecycle.case import Case
    from disclosure.lifecycle.machine import CaseState


@click.group("case")
def case_group() -> None:
    """Work with cases (event logs)."""


def _engine(ruleset: str | None = None) -> Engine:
    from disclosure.cli._engine import make_engine

    return make_engine(ruleset)


def _load(files: tuple[str, ...]) -> list[Case]:
    from disclosure.lifecycle.case import load_cases

    cases = []
    for f in files:
        cases.extend(load_cases(f))
    return cases


_as_of_opt = click.option(
    "--as-of",
    type=DATE,
    default=None,
    help="Day to compute remaining days and overdue for (default today).",
)


@case_group.command("replay")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@_as_of_opt
@calendar_files_option
@ruleset_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON document: an object for one case, an array for several.",
)
def case_replay(
    files: tuple[str, ...],
    as_of: dt.date | None,
    ruleset: str | None,
    as_json: bool,
) -> None:
    """Fold each case in FILES and show its state, deadlines and findings.

    \b
    Examples:
      disclosure case replay case.yaml
      disclosure case replay cases.yaml --as-of 2024-10-20 --json
      disclosure case replay foia.yaml --ruleset us-foia
    """
    engine = _engine(ruleset)
    when = as_of or dt.date.today()
    states = [engine.fold(case, when) for case in _load(files)]
    if as_json:
        docs = [s.to_dict() for s in states]
        print_json(docs[0] if len(docs) == 1 else docs)
        return
    out = console()
    for state in states:
        _show_state(out, engine, state)


def _left_text(days: int | None, overdue: bool) -> tuple[str, str]:
    if days is None:  # no limit, or not countable from the as-of day
        return ("overdue", "bold red") if overdue else ("", "")
    if overdue or days < 0:
        return f"{-days} overdue", "bold red"
    if days <= 3:
        return f"{days} left", "yellow"
    return f"{days} left", "green"


def _uncounted(engine: Engine, state: CaseState) -> str:
    """Why days left are missing: the as-of day is outside a running clock's calendar.

    ``due`` and ``case list`` accept any day, as they only compare dates; the
    working days from such a day cannot be counted, so they are left out.
    """
    for d in state.deadlines.values():
        if d.status == "running" and d.unit == "working_days" and d.remaining is None:
            cal = engine.calendars.get(d.calendar)
            if not cal.covers(state.as_of):
                return (
                    f"{state.as_of} is outside calendar '{cal.id}' ({cal.first_year}-"
                    f"{cal.last_year}): working days from it are not counted"
                )
    return ""


def _show_state(out: Any, engine: Engine, state: CaseState) -> None:
    from rich.table import Table
    from rich.text import Text

    rs = engine.ruleset(state.ruleset)
    st = rs.states[state.state]
    out.print(
        f"[bold]Case {esc(state.case_id)}[/bold]  {esc(state.applicant)} · "
        f"{esc(state.channel)} · received {state.received}  "
        f"(ruleset {esc(state.ruleset)}, calendar {esc(state.calendar)})",
        markup=True,
    )
    line = (
        f"  State: [bold]{esc(state.state)}[/bold] {esc(name_of(st, rs))}"
        f"  waiting on: {esc(state.waiting_on)}"
    )
    if state.outcome:
        label = name_of(rs.outcomes[state.outcome], rs)
        line += f"  outcome: [bold]{esc(state.outcome)}[/bold] {esc(label)} on {state.closed_on}"
    out.print(line, markup=True)
    if state.deadlines:
        table = Table(show_edge=False, pad_edge=False)
        for col in ("clock", "due", "status", "left (as of " + str(state.as_of) + ")", "note"):
            table.add_column(col)
        for name, d in state.deadlines.items():
            text, style = (
                _left_text(d.remaining, d.overdue)
                if d.status == "running"
                else (
                    (f"{d.remaining} left (paused)", "cyan") if d.status == "paused" else ("", "")
                )
            )
            note = "provisional calendar" if d.provisional else ""
            table.add_row(
                name,
                str(d.due or "-"),
                d.status,
                Text(text, style=style),
                note,
            )
        out.print(table)
        if uncounted := _uncounted(engine, state):
            out.print(f"  note: {esc(uncounted)}", highlight=False)
    for f in state.findings:
        out.print(f"  [yellow]finding[/yellow] {esc(f.code)}: {esc(f.message)}", markup=True)
    if state.next_events:
        out.print("  next events: " + ", ".join(state.next_events))
    out.print()


@case_group.command("explain")
@click.argument("files", nargs=-1, required=True, metavar="FILE_OR_CASE_ID...")
@click.option(
    "--clock", default=None, help="Clock to explain (default: the ruleset's primary clock)."
)
@click.option("--case", "case_id", default=None, help="Case id (needed if the file has several).")
@_as_of_opt
@ruleset_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@db_option
def case_explain(
    files: tuple[str, ...],
    clock: str | None,
    case_id: str | None,
    as_of: dt.date | None,
    ruleset: str | None,
    as_json: bool,
    db: str,
) -> None:
    """Explain how a case's deadline was derived, step by step.

    Give case files, or a case id to read it from the store (--db); a stored
    case is explained with its store's agency settings, as 'case show' shows it.

    \b
    Examples:
      disclosure case explain case.yaml
      disclosure case explain 2024-0042 --clock correction
      disclosure case explain cases.yaml --case 2024-0042 --as-of 2024-10-01 --json
    """
    from disclosure.errors import NotFoundError, did_you_mean
    from disclosure.store.open import is_server_url

    in_store = is_server_url(db) or Path(db).exists()
    if len(files) == 1 and not Path(files[0]).exists() and in_store:
        if ruleset is not None:
            raise click.UsageError(
                f"--ruleset: only for case files; case {files[0]} is explained with the "
                f"ruleset and calendar its store gives it, as 'case show' shows it"
            )
        with open_store(db) as store:
            cases = [store.get(files[0])]
            engine = store.engine  # the agency settings kept in the store, as case show
    else:
        engine = _engine(ruleset)
        cases = _load(files)
    if case_id is not None:
        chosen = [c for c in cases if c.id == case_id]
        if not chosen:
            raise NotFoundError(
                f"no case '{case_id}' in {', '.join(files)} "
                f"({did_you_mean(case_id, [c.id for c in cases])})"
            )
    elif len(cases) != 1:
        raise NotFoundError(
            f"{len(cases)} cases in {', '.join(files)}: choose one with --case "
            f"({', '.join(c.id for c in cases[:10])})"
        )
    else:
        chosen = cases
    state = engine.fold(chosen[0], as_of or dt.date.today())
    rs = engine.ruleset(state.ruleset)
    clock = clock or rs.primary_clock
    if clock not in state.deadlines:
        if clock in rs.clocks:
            raise NotFoundError(
                f"case {state.case_id}: clock '{clock}' was never started "
                f"(started: {', '.join(state.deadlines) or 'none'})"
            )
        raise NotFoundError(
            f"no clock '{clock}' in ruleset {rs.id} ({did_you_mean(clock, rs.clocks)})"
        )
    d = state.deadlines[clock]
    off, makeup, weekend = d.special_days()
    if as_json:
        doc: dict[str, Any] = {"case": state.case_id, "clock": clock, **d.to_dict()}
        doc["calendar"] = d.calendar
        doc["steps"] = [
            {"on": s.on, "event": s.event, "action": s.action, "detail": s.detail} for s in d.steps
        ]
        doc["non_working_days"] = [{"day": i.day, "name": i.name, "source": i.source} for i in off]
        doc["makeup_days"] = [{"day": i.day, "name": i.name, "source": i.source} for i in makeup]
        doc["weekend_days"] = weekend
        print_json(doc)
        return
    from rich.table import Table

    rs = engine.ruleset(state.ruleset)
    spec = rs.clocks[clock]
    out = console()
    unit = "working days" if spec.unit == "working_days" else "days"
    out.print(
        f"[bold]{esc(clock)}[/bold] — {esc(name_of(spec, rs))}: {spec.limit} {unit}, "
        f"binds {esc(spec.binds)}, calendar {esc(d.calendar)}"
        + (f"; basis: {esc(spec.basis)}" if spec.basis else ""),
        markup=True,
    )
    out.print(f"case {state.case_id}, received {state.received}")
    table = Table(show_edge=False, pad_edge=False)
    for col in ("date", "event", "action", "effect"):
        table.add_column(col)
    for s in d.steps:
        table.add_row(str(s.on), s.event, s.action, s.detail)
    out.print(table)
    status = f"status: [bold]{esc(d.status)}[/bold]"
    if d.due:
        status += f", due {d.due}"
    if d.remaining is not None and d.remaining < 0 and d.status == "running":
        status += f", {-d.remaining} {unit} OVERDUE as of {state.as_of}"
    elif d.remaining is not None:
        status += f", {d.remaining} {unit} left as of {state.as_of}"
    elif d.overdue:
        status += f", OVERDUE as of {state.as_of}"
    uncounted = _uncounted(engine, state) if d.status == "running" else ""
    if uncounted:
        status += f" ({esc(uncounted)})"
    if d.provisional:
        status += " — PROVISIONAL: the official holiday schedule for that year is not published"
    out.print(status, markup=True)
    if off:
        out.print(
            "holidays not counted: " + "; ".join(f"{i.day} {i.name} [{i.source}]" for i in off)
        )
    if makeup:
        out.print(
            "make-up working days counted: "
            + "; ".join(f"{i.day} {i.name} [{i.source}]" for i in makeup)
        )
    if weekend:
        out.print(f"weekend days not counted: {weekend}")


@case_group.command("advance")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@_as_of_opt
@calendar_files_option
@ruleset_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def case_advance(
    files: tuple[str, ...],
    as_of: dt.date | None,
    ruleset: str | None,
    as_json: bool,
) -> None:
    """List the events that time alone has produced (lapsed windows).

    For cases in files; for the store, 'disclosure advance' (--apply records them).

    \b
    Examples:
      disclosure case advance cases.yaml
      disclosure case advance cases.yaml --as-of 2025-01-13 --json
    """
    engine = _engine(ruleset)
    today = as_of or dt.date.today()
    found = []
    for case in _load(files):
        for event in engine.advance(case, today):
            found.append({"case": case.id, **event.to_dict()})
    if as_json:
        print_json(found)
        return
    print_lapses(found, today)
