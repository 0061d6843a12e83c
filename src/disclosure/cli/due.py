"""``disclosure due`` and ``disclosure advance``: the day's work across the whole store.

``due`` is the morning dashboard (overdue, due within a week, lapsed windows,
cases waiting on others); ``advance`` lists or records the events that time
alone has produced.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from disclosure.cli._db import db_option, open_store, shown_db
from disclosure.cli._engine import agency_settings, engine_words
from disclosure.cli._out import DATE, console, echo, esc, print_json, print_lapses
from disclosure.errors import StoreError

if TYPE_CHECKING:
    from disclosure.store.port import CaseStore
    from disclosure.store.projection import Projection

SHOWN = 20
#: Cases shown that are folded again to see whether their rows are still right
#: (overdue first): three reads (the case, its row, the case again) and a fold each.
CHECKED = 20


@click.command("due")
@click.option("--as-of", type=DATE, default=None, help="The day to look from (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@db_option
def due_cmd(as_of: dt.date | None, as_json: bool, db: str) -> None:
    """The morning dashboard: overdue, due this week, waiting, lapsed windows.

    \b
    Examples:
      disclosure due
      disclosure due --as-of 2025-01-13 --json
    """
    today = as_of or dt.date.today()
    week = min(today, dt.date.max - dt.timedelta(days=7)) + dt.timedelta(days=7)
    t = today.isoformat()
    with open_store(db) as store:
        counts = store.due_counts(today, week)
        sections: dict[str, Any] = {
            "overdue": (
                counts.overdue,
                store.query(overdue_as_of=today, limit=SHOWN),
            ),
            "due_this_week": (
                counts.due_soon,
                [
                    p
                    for p in store.query(due_by=week, limit=SHOWN * 4)
                    if p.next_due and p.next_due >= t
                ][:SHOWN],
            ),
            "lapsed": (
                counts.lapsed,
                store.query(lapsed_as_of=today, limit=SHOWN),
            ),
        }
        waiting = store.open_by_party()
        open_total = sum(waiting.values())
        # cases waiting on someone else's window (the requester, a third party, ...)
        sections["waiting"] = (
            counts.waiting,
            store.query(window_open_on=today, limit=SHOWN),
        )
        # a login that sees several agencies folds without each agency's own settings
        shown = [p for _, rows in sections.values() for p in rows][:CHECKED]
        several = getattr(store, "agency", "") is None
        stale = [] if several else _folded_otherwise(store, shown)
    if stale:
        before, after = engine_words()
        store_words = shown_db(db, absolute=True)
        settings = agency_settings().source
        echo(
            f"warning: {len(stale)} case(s) shown fold differently now than when their row "
            f"was written (case {stale[0][0]}: {stale[0][1]}), with "
            + (f"the settings of {settings}" if settings else "no settings file found from here")
            + ", the calendars and rulesets of this command; if these are right, run: "
            f"{before}store refold {store_words}{after}",
            err=True,
        )
    q = shlex.quote
    store_args = shown_db(db)
    commands = {
        "overdue": lambda p: f"disclosure case show {q(p.case_id)} {store_args}",
        "due_this_week": lambda p: f"disclosure case show {q(p.case_id)} {store_args}",
        "lapsed": lambda p: (
            f"disclosure case event {q(p.case_id)} {q(p.next_lapse_event or '')} --on "
            f"{_day_after(p.next_lapse)} {store_args}"
        ),
        "waiting": lambda p: f"disclosure case show {q(p.case_id)} {store_args}",
    }
    if as_json:
        doc: dict[str, Any] = {"as_of": t, "open": open_total, "waiting_on": waiting}
        for key, (count, rows) in sections.items():
            doc[key] = {
                "count": count,
                "cases": [
                    {
                        "id": p.case_id,
                        "state": p.state,
                        "waiting_on": p.waiting_on,
                        "next_due": p.next_due,
                        "clock": p.next_due_clock,
                        "lapse": p.next_lapse,
                        "lapse_event": p.next_lapse_event,
                        "command": commands[key](p),
                    }
                    for p in rows
                ],
            }
        print_json(doc)
        return
    out = console()
    out.print(
        f"[bold]Due as of {t}[/bold] — {open_total} open case(s); waiting on: "
        + ", ".join(f"{esc(k)} {v}" for k, v in sorted(waiting.items())),
        markup=True,
    )
    titles = {
        "overdue": ("OVERDUE — past an agency deadline", "bold red"),
        "due_this_week": ("Due within 7 days", "yellow"),
        "lapsed": ("Lapsed windows that need an event (or: disclosure advance --apply)", "cyan"),
        "waiting": ("Waiting on others (their windows are running)", "blue"),
    }
    for key, (count, rows) in sections.items():
        text, style = titles[key]
        out.print(f"\n[{style}]{text}: {count}[/{style}]", markup=True)
        for p in rows:
            when = p.next_lapse if key in ("lapsed", "waiting") else p.next_due
            what = (
                p.waiting_on
                if key == "waiting"
                else p.next_lapse_event
                if key == "lapsed"
                else p.next_due_clock
            )
            out.print(
                f"  {p.case_id:<14} {what or '':<18} {when}  {p.state:<24} → {commands[key](p)}",
                highlight=False,
                soft_wrap=True,
            )
        if count > len(rows):
            more = {
                "overdue": "case list --overdue",
                "due_this_week": "case list --due-within 7",
                "lapsed": f"advance --as-of {t}",
                # the parties these cases wait on, as the ruleset names them
                "waiting": " / ".join(
                    f"case list --waiting-on {shlex.quote(party)}"
                    for party in sorted({p.waiting_on for p in rows})
                ),
            }
            out.print(f"  … and {count - len(rows)} more (disclosure {more[key]} {shown_db(db)})")


def _folded_otherwise(store: CaseStore, shown: Iterable[Projection]) -> list[tuple[str, str]]:
    """The shown cases whose stored row differs from a fold with the store's engine now
    (id, first difference): the settings file, a calendar or a plugin changed since.

    Each case is compared with its row as read after it, and read once more
    after the row: one that a clerk changed between the reads is skipped (the
    row may be newer than the fold). A case that cannot be read is left to
    ``store verify``.
    """
    from disclosure.store.port import UNREADABLE, refold_batch
    from disclosure.store.projection import projection_values

    cases, rows = [], {}
    for p in shown:
        with contextlib.suppress(StoreError, *UNREADABLE):  # removed or damaged since
            case = store.get(p.case_id)
            row = store.projection(p.case_id)
            if len(store.get(p.case_id).events) == len(case.events):
                rows[p.case_id] = row
                cases.append(case)
    stored = {cid: projection_values(p) for cid, p in rows.items()}
    changed, failed = refold_batch(cases, stored, store.engine)
    out = []
    for new in changed:
        old = rows[new.case_id]
        field = next(f for f in _COMPARED if getattr(old, f) != getattr(new, f))
        out.append((new.case_id, f"{field} {getattr(old, field)} → {getattr(new, field)}"))
    return out + failed


#: Projection fields in the order a difference is named.
_COMPARED = (
    "next_due",
    "next_lapse",
    "state",
    "waiting_on",
    "next_due_clock",
    "next_lapse_event",
    "closed",
    "outcome",
    "closed_on",
    "provisional",
    "findings",
    "ruleset",
    "applicant",
    "received",
)


def _day_after(day: str | None) -> str:
    """The day after ``day`` (ISO), or ``day`` itself at the end of the calendar."""
    if not day:
        return "''"
    d = dt.date.fromisoformat(day)
    return (d + dt.timedelta(days=1)).isoformat() if d < dt.date.max else d.isoformat()


@click.command("advance")
@click.option("--as-of", type=DATE, default=None, help="Day to look from (default today).")
@click.option("--apply", "apply_", is_flag=True, help="Record the events (default: only list).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@db_option
def advance_cmd(as_of: dt.date | None, apply_: bool, as_json: bool, db: str) -> None:
    """The events that time alone has produced (lapsed correction, fee, consultation windows).

    For the store; 'disclosure case advance' does the same for case files.

    \b
    Examples:
      disclosure advance
      disclosure advance --apply
    """
    today = as_of or dt.date.today()
    found: list[dict[str, Any]] = []
    with open_store(db) as store:
        for p in store.query(lapsed_as_of=today):
            case = store.get(p.case_id)
            seq = len(case.events)
            for event in store.engine.advance(case, today):
                if apply_:
                    store.append(p.case_id, event, expected_seq=seq)
                    seq += 1
                found.append({"case": p.case_id, **event.to_dict(), "applied": apply_})
    if as_json:
        print_json(found)
        return
    print_lapses(found, today, "recorded" if apply_ else "due")
    if found and not apply_:
        echo("run again with --apply to record them")
