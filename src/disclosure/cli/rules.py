"""``disclosure rules``: list, show and lint rulesets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from disclosure.cli._engine import calendar_files_option
from disclosure.cli._out import console, echo, esc, name_of, print_json
from disclosure.cli.completion import complete_rulesets

if TYPE_CHECKING:
    from disclosure.rules.model import Ruleset


@click.group("rules")
def rules_group() -> None:
    """Inspect and check rulesets."""


@rules_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def rules_list(as_json: bool) -> None:
    """List the rulesets: built in, and those installed plugins add.

    \b
    Examples:
      disclosure rules list
      disclosure rules list --json
    """
    from disclosure.cli._engine import make_engine
    from disclosure.rules.load import builtin_rulesets, load_ruleset

    engine = make_engine()
    rows = []
    for name, path in builtin_rulesets(engine.ruleset_dirs).items():
        rs = load_ruleset(path)
        rows.append(
            {
                "name": name,
                "id": rs.id,
                "title": rs.ruleset.title,
                "version": rs.ruleset.version,
                "effective_from": rs.ruleset.effective_from.isoformat()
                if rs.ruleset.effective_from
                else None,
                "path": str(path),
            }
        )
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="Rulesets")
    for col in ("name", "title", "version", "effective from"):
        table.add_column(col)
    for row in rows:
        table.add_row(row["name"], row["title"], row["version"], row["effective_from"] or "")
    console().print(table)


@rules_group.command("show")
@click.argument("name", shell_complete=complete_rulesets)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def rules_show(name: str, as_json: bool) -> None:
    """Show a ruleset's states, events, clocks, outcomes and parameters.

    NAME is an installed ruleset's name (with the outcome codes plugins add)
    or a path to a ruleset file.

    \b
    Examples:
      disclosure rules show cn-ogi-2019
      disclosure rules show my-regime.yaml --json
    """
    from disclosure.rules.model import ruleset_to_dict

    rs = _ruleset(name)
    if as_json:
        print_json(ruleset_to_dict(rs))
        return
    from rich.table import Table

    out = console()
    meta = rs.ruleset
    out.print(
        f"[bold]{esc(meta.id)}[/bold] {esc(meta.title)} (version {esc(meta.version)}, "
        f"effective {esc(meta.effective_from or '-')}, calendar {esc(meta.default_calendar)})",
        markup=True,
    )
    states = Table(title="States")
    for col in ("state", "waiting on", "kind", "label"):
        states.add_column(col)
    for sname, st in rs.states.items():
        kind = (
            ", ".join(
                k
                for k, v in (("initial", st.initial), ("closed", st.closed), ("final", st.final))
                if v
            )
            or "open"
        )
        states.add_row(sname, st.waiting_on, kind, name_of(st, rs))
    out.print(states)
    events = Table(title="Events")
    for col in ("event", "from", "to", "fields", "outcome"):
        events.add_column(col)
    for ename, ev in rs.events.items():
        fields = ", ".join(f"{f}{'*' if s.required else ''}:{s.type}" for f, s in ev.fields.items())
        events.add_row(ename, ", ".join(ev.from_), ev.to or "(same)", fields, ev.outcome or "")
    out.print(events)
    clocks = Table(title="Clocks")
    for col in ("clock", "limit", "binds", "started by", "paused by", "ends with"):
        clocks.add_column(col)
    for cname, c in rs.clocks.items():
        unit = "WD" if c.unit == "working_days" else "days"
        clocks.add_row(
            cname,
            f"{c.limit} {unit}",
            c.binds,
            ", ".join(c.start.on) if c.start else "",
            ", ".join(c.pause.on) if c.pause else "",
            ", ".join(c.complete.on) if c.complete else "",
        )
    out.print(clocks)
    outcomes = Table(title="Outcomes")
    for col in ("code", "group", "label", "basis"):
        outcomes.add_column(col)
    for code, o in rs.outcomes.items():
        outcomes.add_row(code, o.group, name_of(o, rs), o.basis)
    out.print(outcomes)
    if rs.parameters:
        params = Table(title="Parameters (the agency's choices)")
        for col in ("parameter", "default", "meaning"):
            params.add_column(col)
        for pname, p in rs.parameters.items():
            params.add_row(pname, str(p.default), name_of(p, rs) or p.description)
        out.print(params)


@rules_group.command("lint")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@calendar_files_option
def rules_lint(files: tuple[str, ...]) -> None:
    """Check ruleset files; print file:line:col for each problem, exit 1 if any.

    \b
    Examples:
      disclosure rules lint my-regime.yaml
      disclosure rules lint rulesets/*.yaml
    """
    from disclosure.cli._engine import make_engine
    from disclosure.rules.load import lint_ruleset

    calendars = make_engine().calendars.ids()
    failed = False
    for f in files:
        problems = lint_ruleset(f, calendars)
        if problems:
            failed = True
            for p in problems:
                echo(str(p), err=True)
        else:
            echo(f"{f}: ok")
    if failed:
        raise SystemExit(1)


@rules_group.command("graph")
@click.argument("name", shell_complete=complete_rulesets)
@click.option(
    "--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True
)
def rules_graph(name: str, fmt: str) -> None:
    """Print the lifecycle diagram of ruleset NAME (Mermaid or Graphviz dot).

    \b
    Examples:
      disclosure rules graph cn-ogi-2019
      disclosure rules graph us-foia --format dot | dot -Tsvg -o foia.svg
    """
    from disclosure.rules.graph import lifecycle_graph

    echo(lifecycle_graph(_ruleset(name), fmt), nl=False)


def _ruleset(name: str) -> Ruleset:
    """A ruleset file as written, or an installed ruleset as the engine uses it."""
    from disclosure.cli._engine import make_engine
    from disclosure.rules.load import is_ruleset_path, load_ruleset

    if is_ruleset_path(name):
        return load_ruleset(name)
    return make_engine().ruleset(name)
