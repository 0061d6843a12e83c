"""``disclosure calendar``: look at working days and count them."""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from typing import TYPE_CHECKING

import click

from disclosure.cli._engine import calendar_files_option

if TYPE_CHECKING:
    from disclosure.calendars.calendar import WorkingCalendar

from disclosure.cli._out import DATE, clean, console, echo, print_json
from disclosure.cli.completion import complete_calendars

_calendar_opt = click.option(
    "--calendar",
    "calendar_id",
    default=None,
    shell_complete=complete_calendars,
    help="Calendar id (default: the one cases that name none get: agency.calendar in the "
    "settings, else the default ruleset's).",
)


@click.group("calendar")
def calendar_group() -> None:
    """Working-day calendars."""


def _calendar(calendar_id: str | None) -> WorkingCalendar:
    from disclosure.cli._engine import make_engine

    engine = make_engine()
    return engine.calendars.get(calendar_id or engine.machine().default_calendar)


@calendar_group.command("show")
@click.argument("month")
@_calendar_opt
@calendar_files_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def calendar_show(month: str, calendar_id: str | None, as_json: bool) -> None:
    """Draw MONTH (YYYY-MM) with holidays and make-up working days marked.

    \b
    Examples:
      disclosure calendar show 2026-02
      disclosure calendar show 2025-11 --calendar us-federal --json
    """
    try:
        year, mon = (int(x) for x in month.split("-"))
        first = dt.date(year, mon, 1)
    except ValueError:
        raise click.BadParameter(
            f"'{month}' is not a month (use YYYY-MM, e.g. 2026-02)", param_hint="MONTH"
        ) from None
    from disclosure.cli._engine import make_engine

    engine = make_engine()
    cal = engine.calendars.get(calendar_id or engine.machine().default_calendar)
    days = [
        cal.day_info(first + dt.timedelta(days=i)) for i in range(pycal.monthrange(year, mon)[1])
    ]
    if as_json:
        print_json(
            {
                "calendar": cal.id,
                "month": month,
                "provisional": cal.is_provisional(first),
                "days": [
                    {
                        "day": d.day,
                        "working": d.working,
                        "kind": d.kind,
                        "name": d.name,
                        "source": d.source,
                    }
                    for d in days
                ],
            }
        )
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=f"{cal.id} {month}" + (" (provisional)" if cal.is_provisional(first) else "")
    )
    for name in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        table.add_column(name, justify="center")
    week: list[str | Text] = [""] * first.weekday()
    shown = engine.calendars.display(cal.id)
    for d in days:
        cell: str | Text
        if d.kind == "holiday":
            cell = Text(clean(f"{d.day.day}{shown.holiday_mark}"), style="red")
        elif d.kind == "makeup":
            cell = Text(clean(f"{d.day.day}{shown.makeup_mark}"), style="bold blue")
        elif d.kind == "weekend":
            cell = Text(str(d.day.day), style="dim")
        else:
            cell = str(d.day.day)
        week.append(cell)
        if len(week) == 7:
            table.add_row(*week)
            week = []
    if week:
        table.add_row(*(week + [""] * (7 - len(week))))
    out = console()
    out.print(table)
    out.print(  # this console prints text as text (no markup) and shows control characters
        f"{shown.holiday_mark} = {shown.holiday_word} (not a working day), "
        f"{shown.makeup_mark} = {shown.makeup_word} (a weekend day worked)"
    )
    for d in days:
        if d.kind in ("holiday", "makeup"):
            word = shown.holiday_word if d.kind == "holiday" else shown.makeup_word
            out.print(f"  {d.day} {word}: {d.name} [{d.source}]")


@calendar_group.command("add")
@click.argument("start", type=DATE)
@click.argument("days", type=click.IntRange(min=0))
@_calendar_opt
@calendar_files_option
@click.option("--natural", is_flag=True, help="Count natural days instead of working days.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def calendar_add(
    start: dt.date,
    days: int,
    calendar_id: str | None,
    natural: bool,
    as_json: bool,
) -> None:
    """The DAYS-th working day after START (START itself is not counted).

    \b
    Examples:
      disclosure calendar add 2024-09-10 20
      disclosure calendar add 2024-09-10 15 --natural
    """
    cal = _calendar(calendar_id)
    result = cal.add_natural_days(start, days) if natural else cal.add_working_days(start, days)
    skipped = [d for d in cal.days(start, result) if d.kind in ("holiday", "makeup")]
    provisional = not natural and cal.is_provisional(result)
    if as_json:
        print_json(
            {
                "start": start,
                "days": days,
                "unit": "natural_days" if natural else "working_days",
                "result": result,
                "calendar": cal.id,
                "provisional": provisional,
                "special_days": [
                    {"day": d.day, "kind": d.kind, "name": d.name, "source": d.source}
                    for d in skipped
                ],
            }
        )
        return
    unit = "days" if natural else "working days"
    click.echo(
        f"{start} + {days} {unit} = {result} ({result.strftime('%A')})"
        + ("  [provisional]" if provisional else "")
    )
    for d in skipped:
        if natural:  # every day counts; the special days are named, not left out
            word = "counted (natural days)"
        else:
            word = "not counted" if d.kind == "holiday" else "counted (make-up working day)"
        echo(f"  {d.day} {d.name}: {word}")
