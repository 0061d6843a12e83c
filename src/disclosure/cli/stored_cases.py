"""``disclosure case open|event|show|list|import|export``: cases kept in the store.

These commands read and write the case store (``--db``); the ``case``
commands that fold case files directly are in :mod:`.cases`. ``register``
adds them to the ``case`` group.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from disclosure.cli._db import db_option, open_store, shown_db
from disclosure.cli._out import DATE, clean, console, days_after, echo, esc, name_of, print_json
from disclosure.cli._progress import progress
from disclosure.cli._stream import (
    MASKED_KEY,
    export_target,
    write_csv,
    write_export,
    write_json_array,
    write_jsonl,
)
from disclosure.cli.completion import (
    complete_applicant_kinds,
    complete_case_ids,
    complete_channels,
    complete_event_types,
)
from disclosure.errors import DisclosureError

if TYPE_CHECKING:
    from disclosure.engine import Engine
    from disclosure.lifecycle.case import Case
    from disclosure.lifecycle.state import CaseState
    from disclosure.privacy import Masker
    from disclosure.store.port import BadCase, CaseStore, ImportLog
    from disclosure.store.projection import Projection

_personal_opt = click.option(
    "--show-personal-data",
    is_flag=True,
    help="Show applicant names, ID numbers and contacts unmasked.",
)
_json_opt = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")


class _Masks:
    """Each case masked by its own ruleset's ``personal_data`` (one Masker per ruleset)."""

    def __init__(self, engine: Engine, show: bool) -> None:
        self.engine, self.show = engine, show
        self._maskers: dict[str, Masker] = {}

    def masker(self, ruleset: str | None) -> Masker:
        from disclosure.privacy import Masker

        key = ruleset or self.engine.default_ruleset
        if key not in self._maskers:
            self._maskers[key] = Masker(self.engine.ruleset(key).personal_data)
        return self._maskers[key]

    def case(self, case: Case) -> dict[str, Any]:
        doc = case.to_dict()
        return doc if self.show else self.masker(case.ruleset).mask_case(doc)

    def note(self, case: Case, text: str) -> str:
        return text if self.show else self.masker(case.ruleset).mask_text(text)


def _is_masked_export(path: str) -> bool:
    """Whether ``path`` is a masked ``case export`` (``masked: true`` at the top)."""
    from disclosure.documents.source import load_file
    from disclosure.errors import DocumentError

    p = Path(path)
    if p.suffix == ".jsonl":
        try:
            with p.open(encoding="utf-8") as fh:
                first = next((line for line in fh if line.strip()), "")
            head = json.loads(first) if first else None
        except (OSError, UnicodeDecodeError, ValueError):
            return False  # the loader reports what is wrong with the file
        return isinstance(head, dict) and head.get(MASKED_KEY) is True
    try:
        data = load_file(p, "case file").data
    except (DocumentError, OSError):
        return False
    return isinstance(data, dict) and data.get(MASKED_KEY) is True


def register(group: click.Group) -> None:
    group.add_command(case_open)
    group.add_command(case_event)
    group.add_command(case_show)
    group.add_command(case_list)
    group.add_command(case_import)
    group.add_command(case_export)


@click.command("open")
@click.argument("case_id")
@click.option(
    "--applicant",
    required=True,
    help="Applicant kind (e.g. natural_person).",
    shell_complete=complete_applicant_kinds,
)
@click.option(
    "--channel",
    required=True,
    help="Channel (e.g. online, in_person).",
    shell_complete=complete_channels,
)
@click.option("--received", type=DATE, required=True, help="Receipt date (YYYY-MM-DD).")
@click.option("--ruleset", default=None, help="Ruleset name (default cn-ogi-2019).")
@click.option("--calendar", default=None, help="Calendar id (default: the ruleset's).")
@click.option("--subject", default="", help="What is asked for.")
@click.option("--applicant-name", default="", help="Personal data: masked in output.")
@click.option("--id-number", default="", help="Personal data: masked in output.")
@click.option("--contact", default="", help="Personal data: masked in output.")
@_json_opt
@db_option
def case_open(
    case_id: str,
    applicant: str,
    channel: str,
    received: dt.date,
    ruleset: str | None,
    calendar: str | None,
    subject: str,
    applicant_name: str,
    id_number: str,
    contact: str,
    as_json: bool,
    db: str,
) -> None:
    """Register a new application CASE_ID in the store.

    With --json the new case is printed as ``case show --json`` prints it.

    \b
    Examples:
      disclosure case open 2024-0042 --applicant natural_person --channel online \\
          --received 2024-09-10
      disclosure case open F-1 --ruleset us-foia --applicant news_media \\
          --channel email --received 2025-01-06 --json
    """
    import shlex

    from disclosure.errors import StoreError
    from disclosure.lifecycle.case import Case
    from disclosure.store.port import refused_cases

    with open_store(db) as store:
        try:
            state = store.open_case(
                Case(
                    case_id,
                    applicant,
                    channel,
                    received,
                    (),
                    ruleset=ruleset,
                    calendar=calendar,
                    subject=subject,
                    applicant_name=applicant_name,
                    id_number=id_number,
                    contact=contact,
                )
            )
        except StoreError as exc:
            # about the store, or about this case itself (a receipt in the future)
            if 0 not in refused_cases(exc) or not _stored(store, case_id):
                raise
            raise StoreError(
                f"case {case_id} already exists; nothing was written — choose another id "
                f"(see that case: disclosure case show {shlex.quote(case_id)} {shown_db(db)})"
            ) from None
    if as_json:
        print_json(_case_document(state, _Masks(store.engine, show=False)))
        return
    primary = store.engine.ruleset(state.ruleset).primary_clock
    due = state.deadlines.get(primary)
    echo(
        f"opened case {case_id}: {state.state}"
        + (f", {primary} due {due.due}" if due is not None and due.due else "")
    )


def _stored(store: CaseStore, case_id: str) -> bool:
    """Whether the store holds ``case_id``."""
    from disclosure.errors import NotFoundError

    try:
        store.get(case_id)
    except NotFoundError:
        return False
    return True


def _parse_fields(items: tuple[str, ...], event_type: str, ruleset: Any) -> dict[str, Any]:
    """``KEY=VALUE`` arguments, each value read as the event's field declares it.

    Nothing is guessed: ``010`` for a whole-number field is an error naming the
    field, for a text field it stays ``"010"``. Fields the event does not
    declare are kept as text for the fold to reject with its own message.
    """
    from disclosure.rules.fields import FieldProblem, value_from_text

    spec = ruleset.events.get(event_type)
    declared = spec.fields if spec is not None else {}
    data: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise click.BadParameter(f"'{item}' is not KEY=VALUE", param_hint="FIELDS")
        key, _, value = item.partition("=")
        key, value = key.strip(), value.strip()
        field = declared.get(key)
        try:
            data[key] = value if field is None else value_from_text(field.type, value)
        except FieldProblem as exc:
            raise click.BadParameter(
                f"field '{key}' of '{event_type}': {exc}", param_hint="FIELDS"
            ) from None
    return data


@click.command("event")
@click.argument("case_id", shell_complete=complete_case_ids)
@click.argument("event_type", shell_complete=complete_event_types)
@click.argument("fields", nargs=-1, metavar="[KEY=VALUE]...")
@click.option("--on", "on", type=DATE, default=None, help="Event date (default today).")
@click.option("--note", default="", help="Free-text note kept with the event.")
@click.option("--by", default="", help="Who recorded it.")
@click.option(
    "--expect-seq",
    type=int,
    default=None,
    help="Number of events you saw; refuse if the case changed since.",
)
@_json_opt
@db_option
def case_event(
    case_id: str,
    event_type: str,
    fields: tuple[str, ...],
    on: dt.date | None,
    note: str,
    by: str,
    expect_seq: int | None,
    as_json: bool,
    db: str,
) -> None:
    """Record EVENT_TYPE on CASE_ID (rejected events change nothing).

    With --json the case is printed as ``case show --json`` prints it; its
    ``seq`` is the new event's number (for the next --expect-seq).

    \b
    Examples:
      disclosure case event 2024-0042 request_correction --on 2024-09-13 correction_period=10
      disclosure case event 2024-0042 decide --on 2024-10-08 outcome=disclosed
      disclosure case event F-1 respond --on 2025-01-20 disposition=partial_grant exemptions=b5,b6
      disclosure case event 2024-0042 extend --on 2024-10-08 --expect-seq 1 --json
    """
    from disclosure.lifecycle.case import Event

    for item in fields:
        if "=" not in item:
            raise click.BadParameter(f"'{item}' is not KEY=VALUE", param_hint="FIELDS")
    with open_store(db) as store:
        ruleset = store.engine.machine_for(store.get(case_id)).ruleset
        data = _parse_fields(fields, event_type, ruleset)
        state = store.append(
            case_id, Event(event_type, on or dt.date.today(), data, note, by), expect_seq
        )
    if as_json:
        print_json(_case_document(state, _Masks(store.engine, show=False)))
        return
    echo(
        f"case {case_id}: {event_type} recorded; now {state.state} "
        f"(waiting on {state.waiting_on})" + (f", outcome {state.outcome}" if state.outcome else "")
    )


@click.command("show")
@click.argument("case_id", shell_complete=complete_case_ids)
@click.option("--as-of", type=DATE, default=None, help="Day for remaining days (default today).")
@_personal_opt
@_json_opt
@db_option
def case_show(
    case_id: str, as_of: dt.date | None, show_personal_data: bool, as_json: bool, db: str
) -> None:
    """Show one case: state, who must act, deadlines with explanations, timeline.

    \b
    Examples:
      disclosure case show 2024-0042
      disclosure case show 2024-0042 --as-of 2024-10-01 --json
    """
    with open_store(db) as store:
        case = store.get(case_id)
        state = store.engine.fold(case, as_of or dt.date.today())
        rs = store.engine.ruleset(state.ruleset)
    masks = _Masks(store.engine, show_personal_data)
    if as_json:
        print_json(_case_document(state, masks))
        return
    info = masks.case(case)

    def note_of(text: str) -> str:
        return masks.note(case, text)

    from rich.table import Table
    from rich.text import Text

    from disclosure.cli.cases import _left_text, _uncounted

    out = console()
    out.print(
        f"[bold]Case {esc(state.case_id)}[/bold]  {esc(state.applicant)} · "
        f"{esc(state.channel)} · received {state.received}  "
        f"(ruleset {esc(state.ruleset)}, calendar {esc(state.calendar)})",
        markup=True,
    )
    for key in ("subject", "applicant_name", "id_number", "contact"):
        if info.get(key):
            out.print(f"  {key.replace('_', ' ')}: {info[key]}")
    st = rs.states[state.state]
    line = (
        f"  State: [bold]{esc(state.state)}[/bold] {esc(name_of(st, rs))}"
        f"  — waiting on [bold]{esc(state.waiting_on)}[/bold]"
    )
    if state.outcome:
        outcome = name_of(rs.outcomes[state.outcome], rs)
        line += f"  outcome [bold]{esc(state.outcome)}[/bold] {esc(outcome)} on {state.closed_on}"
    out.print(line, markup=True)
    if state.deadlines:
        table = Table(title=f"Deadlines as of {state.as_of}", title_justify="left")
        for col in ("clock", "due", "status", "left", "how it was derived"):
            table.add_column(col)
        for name, d in state.deadlines.items():
            if d.status == "running":
                text, style = _left_text(d.remaining, d.overdue)
            elif d.status == "paused":
                text, style = f"{d.remaining} left (paused)", "cyan"
            else:
                text, style = "", ""
            left = Text(text, style=style)
            if d.provisional:
                left.append(" (provisional)")
            how = "; ".join(f"{s.on} {s.event}: {s.detail}" for s in d.steps)
            table.add_row(name, str(d.due or "-"), d.status, left, how)
        out.print(table)
        if uncounted := _uncounted(store.engine, state):
            out.print(f"  note: {esc(uncounted)}", highlight=False)
    for f in state.findings:
        out.print(f"  [yellow]finding[/yellow] {esc(f.code)}: {esc(f.message)}", markup=True)
    if state.timeline:
        tl = Table(title="Timeline", title_justify="left")
        for col in ("date", "event", "from → to", "data", "note"):
            tl.add_column(col)
        for t in state.timeline:
            tl.add_row(
                str(t.on),
                t.type,
                f"{t.from_state} → {t.to_state}",
                ", ".join(f"{k}={v}" for k, v in t.data.items()),
                note_of(t.note),
            )
        out.print(tl)
    if state.next_events:
        out.print("  next events: " + ", ".join(state.next_events))


#: Deadline statuses of a clock that is still counting (the ones a clerk must watch).
_OPEN = ("running", "paused")


def _case_document(state: CaseState, masks: _Masks) -> dict[str, Any]:
    """One case as JSON: what ``case show``, ``case open`` and ``case event`` print.

    One builder, so a script reads the answer of a write the way it reads
    ``case show``. ``seq`` is the number of the last event (what
    ``--expect-seq`` takes next); ``open_deadlines`` are the clocks still
    counting, with their due dates.
    """
    case = state.case
    doc = state.to_dict()
    doc["seq"] = len(case.events)
    doc["open_deadlines"] = [
        {"clock": name, "due": d.due, "status": d.status}
        for name, d in state.deadlines.items()
        if d.status in _OPEN
    ]
    doc["case"] = {k: v for k, v in masks.case(case).items() if k != "events"}
    doc["timeline"] = [
        {
            "on": t.on,
            "type": t.type,
            "from": t.from_state,
            "to": t.to_state,
            "data": dict(t.data),
            "note": masks.note(case, t.note),
            "by": t.by,
        }
        for t in state.timeline
    ]
    doc["explanations"] = {name: [s.detail for s in d.steps] for name, d in state.deadlines.items()}
    return doc


#: Rows ``case list`` prints as a table unless ``--limit`` says otherwise.
LIST_LIMIT = 50
_LIST_COLUMNS = ("case", "state", "waiting on", "next due", "applicant", "received", "outcome")


@click.command("list")
@click.option("--state", default=None, help="Only cases in this state.")
@click.option("--waiting-on", default=None, help="Only open cases waiting on this party.")
@click.option("--overdue", is_flag=True, help="Only cases past an agency deadline.")
@click.option(
    "--due-within",
    type=click.IntRange(min=0),
    default=None,
    metavar="DAYS",
    help="Only cases due within DAYS calendar days.",
)
@click.option("--received-in", type=click.IntRange(1990, 2100), default=None, metavar="YEAR")
@click.option("--as-of", type=DATE, default=None, help="Day for --overdue/--due-within.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help=f"At most this many rows; 0 for all (default: {LIST_LIMIT} in the table, "
    "all with --json/--jsonl/--csv).",
)
@click.option(
    "--offset", type=click.IntRange(min=0), default=0, help="Skip this many rows (paging)."
)
@click.option(
    "--after",
    default=None,
    metavar="CASE_ID",
    help="Only the rows after this case in the list's order (paging that does not shift "
    "when cases change; give the last id of the previous page).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (an array).")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Print one JSON object per line.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV with a header row.")
@db_option
def case_list(
    state: str | None,
    waiting_on: str | None,
    overdue: bool,
    due_within: int | None,
    received_in: int | None,
    as_of: dt.date | None,
    limit: int | None,
    offset: int,
    after: str | None,
    as_json: bool,
    as_jsonl: bool,
    as_csv: bool,
    db: str,
) -> None:
    """List cases from the store's projection (fast on large stores).

    The table shows the first rows and how many more there are; --json,
    --jsonl and --csv stream every row (or --limit of them) in flat memory.

    \b
    Examples:
      disclosure case list --overdue
      disclosure case list --state under_review --limit 0 --csv > review.csv
      disclosure case list --received-in 2024 --jsonl
      disclosure case list --overdue --limit 100 --after 2024-0873 --json
    """
    if as_json + as_jsonl + as_csv > 1:
        raise click.UsageError("choose one of --json, --jsonl and --csv")
    machine = as_json or as_jsonl or as_csv
    today = as_of or dt.date.today()
    filters: dict[str, Any] = {
        "state": state,
        "waiting_on": waiting_on,
        "overdue_as_of": today if overdue else None,
        "due_by": days_after(today, due_within) if due_within is not None else None,
        "received_in": received_in,
        "open_only": due_within is not None,
        "after": after,
    }
    shown = (None if machine else LIST_LIMIT) if limit is None else (limit or None)
    with open_store(db) as store:
        _check_names(store.engine, state, waiting_on)
        if after is not None:
            store.projection(after)  # an unknown id is an error, not an empty page
        if machine:  # value rows as stored: no object per row
            values = store.iter_query_rows(limit=shown, offset=offset, **filters)
            if as_json:
                write_json_array(values)
            elif as_jsonl:
                write_jsonl(values)
            else:
                write_csv(values)
            return
        page = list(store.iter_query(limit=shown, offset=offset, **filters))
        total = (
            store.count_query(**filters)
            if (shown is not None and len(page) == shown) or offset
            else len(page)
        )
    _print_table(page, total, offset, today, db)


def _check_names(engine: Engine, state: str | None, waiting_on: str | None) -> None:
    """A state or party no installed ruleset has is a typo, not an empty result."""
    if state is None and waiting_on is None:
        return
    from disclosure.errors import NotFoundError, did_you_mean
    from disclosure.rules.load import builtin_rulesets
    from disclosure.rules.model import NOBODY

    states: set[str] = set()
    parties: set[str] = {NOBODY}
    for name in builtin_rulesets(engine.ruleset_dirs):
        try:
            rs = engine.ruleset(name)
        except DisclosureError:
            continue  # a broken file elsewhere does not decide this filter
        states.update(rs.states)
        parties.update(rs.parties)
    if state is not None and state not in states:
        raise NotFoundError(f"no ruleset has a state '{state}' ({did_you_mean(state, states)})")
    if waiting_on is not None and waiting_on not in parties:
        raise NotFoundError(
            f"no ruleset has a party '{waiting_on}' ({did_you_mean(waiting_on, parties)})"
        )


def _print_table(page: list[Projection], total: int, offset: int, today: dt.date, db: str) -> None:
    from rich.table import Table
    from rich.text import Text

    title = f"{len(page)} case(s)"
    if total != len(page):
        title = f"{len(page)} of {total} case(s)" + (f", from row {offset + 1}" if offset else "")
    table = Table(title=title, title_justify="left")
    for col in _LIST_COLUMNS:
        table.add_column(col)
    for r in page:
        due: str | Text = r.next_due or ""
        if r.next_due and r.next_due < today.isoformat():
            due = Text(f"{due} overdue", style="bold red")
        table.add_row(
            r.case_id, r.state, r.waiting_on, due, r.applicant, r.received, r.outcome or ""
        )
    out = console()
    out.print(table)
    rest = total - offset - len(page)
    if rest > 0:
        import shlex

        last = clean(shlex.quote(page[-1].case_id))
        out.print(
            f"… and {rest} more (--after {last} for the next page, "
            "--limit 0 for all, --jsonl or --csv to stream them)",
            highlight=False,
        )


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="Cases per transaction: a batch lands together, less its bad cases.",
)
@click.option("--replace", is_flag=True, help="Replace cases whose id already exists.")
@click.option(
    "--max-errors",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    metavar="N",
    help="Skip at most N bad cases (each reported), then stop; 0 stops at the first, "
    "writing nothing of its batch.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON document: cases imported, cases skipped and why.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that fold and hash the cases (and read JSON Lines) while this one "
    "writes (default: every core; 1: this process alone). The result is the same.",
)
@db_option
def case_import(
    files: tuple[str, ...],
    batch_size: int,
    replace: bool,
    max_errors: int,
    as_json: bool,
    workers: int | None,
    db: str,
) -> None:
    """Import case files (YAML, JSON or JSON Lines) into the store.

    Files are read case by case (JSON Lines line by line, in flat memory) and
    written batch by batch. A bad case — a record that cannot be read, an
    event the rules reject, an id that exists (without --replace) — is
    reported with its file:line and skipped; the other cases of its batch
    still land. After --max-errors bad cases the import stops; what landed
    stays. The exit status is 1 when any case was skipped.

    \b
    Examples:
      disclosure case import cases.yaml
      disclosure case import year-2024.jsonl --batch-size 5000
      disclosure case import year-2024.jsonl --max-errors 0   # stop at the first bad case
      disclosure case import year-2024.jsonl --json > import-report.json
    """
    from disclosure.cli._stream import cases_skipping, jsonl_runs
    from disclosure.store.ahead import RowsWriter, can_fork, cores
    from disclosure.store.lines import import_lines_in_batches
    from disclosure.store.port import ImportLog, import_in_batches

    for f in files:
        if _is_masked_export(f):
            raise DisclosureError(
                f"{f} is a masked export (personal data replaced by ***) and cannot be imported;"
                " export with --show-personal-data for a lossless backup"
            )
    log = ImportLog(max_errors)
    failure: DisclosureError | None = None
    with open_store(db) as store, progress("importing", None) as advance:
        writer = store if isinstance(store, RowsWriter) else None
        processes = cores() if workers is None else workers
        try:
            for f in files:
                unreadable: list[BadCase] = []
                if f.endswith(".jsonl") and writer is not None and processes > 1 and can_fork():
                    # the workers read the lines too; the same batches land
                    import_lines_in_batches(
                        store.import_cases,
                        jsonl_runs(f, batch_size, unreadable.append),
                        batch_size=batch_size,
                        replace=replace,
                        progress=advance,
                        log=log,
                        read_skips=unreadable,
                        writer=writer,
                        workers=processes,
                    )
                    continue
                # the shared loop of every adapter, told to skip bad cases into ``log``
                import_in_batches(
                    store.import_cases,
                    cases_skipping(f, unreadable.append),
                    batch_size=batch_size,
                    replace=replace,
                    progress=advance,
                    earlier=0,
                    log=log,
                    read_skips=unreadable,
                    writer=writer,
                    workers=processes,
                )
        except DisclosureError as exc:  # too many bad cases, or the store refused to write
            failure = exc
    _report_import(log, failure, db, as_json)


def _in_file_order(skipped: list[BadCase]) -> list[BadCase]:
    """Bad cases by file (in the order read) and line: the store finds some after the reader."""
    rank: dict[str, int] = {}

    def key(bad: BadCase) -> tuple[int, int]:
        file, _, line = bad.where.rpartition(":")
        if not (file and line.isdigit()):
            file, line = bad.where, "0"
        return rank.setdefault(file, len(rank)), int(line)

    return sorted(skipped, key=key)


def _report_import(log: ImportLog, failure: DisclosureError | None, db: str, as_json: bool) -> None:
    """Each skipped case on stderr (or in the JSON document), the counts, and the exit status."""
    skipped = _in_file_order(log.skipped)
    if as_json:
        print_json(
            {
                "imported": log.imported,
                "skipped": [b.to_dict() for b in skipped],
                "stopped": None if log.stopped is None else log.stopped.to_dict(),
                "error": None if failure is None else str(failure),
                "max_errors": log.max_errors,
            }
        )
    else:
        for bad in skipped:
            echo(f"skipped {bad}", err=True)
    if failure is not None:
        echo(f"error: {failure}", err=True)
    if not as_json:
        from disclosure.store.open import is_server_url

        if is_server_url(db):
            from disclosure.store.postgres import redacted

            db = redacted(db)
        if log.stopped is not None:
            end = f"; stopped at one bad case too many (--max-errors {log.max_errors})"
        else:
            end = "; stopped by the error above" if failure is not None else ""
        echo(
            f"imported {log.imported} case(s) into {db}"
            + (f"; skipped {len(skipped)} bad case(s)" if skipped else "")
            + end
        )
    if failure is not None or skipped:
        click.get_current_context().exit(1)


@click.command("export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="File to write (default: stdout). The suffix picks the format.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json", "jsonl"]),
    default=None,
    help="Format (default: from -o's suffix, else yaml).",
)
@_personal_opt
@db_option
def case_export(output: str | None, fmt: str | None, show_personal_data: bool, db: str) -> None:
    """Export every case with its events (import reads it back exactly).

    Personal data is exported unmasked only with --show-personal-data. Cases
    are written one by one, in flat memory; a file is replaced only when
    complete.

    \b
    Examples:
      disclosure case export -o masked.yaml
      disclosure case export --show-personal-data -o backup.jsonl
    """
    kind = fmt or (Path(output).suffix.lstrip(".") if output else "yaml")
    if kind == "yml":
        kind = "yaml"
    if kind not in ("yaml", "json", "jsonl"):
        raise click.BadParameter(
            f"cannot tell the format from '{output}'; use --format", param_hint="--format"
        )
    masked = not show_personal_data
    with open_store(db) as store:
        masks = _Masks(store.engine, show_personal_data)
        total = store.count()
        with progress("exporting", total) as advance, export_target(output) as out:

            def docs() -> Iterator[dict[str, Any]]:
                for case in store.iter_cases():
                    yield masks.case(case)
                    advance(1)

            write_export(out, kind, docs(), masked)
    if output:
        echo(f"exported {total} case(s) to {output}", err=True)
