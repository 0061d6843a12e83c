"""``disclosure plugins``: what is loaded, from where, implementing which hooks."""

from __future__ import annotations

import click

from disclosure.cli._out import console, print_json


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def plugins_cmd(as_json: bool) -> None:
    """List loaded plugins (the built-in one included) and their hooks."""
    from disclosure.cli._engine import no_plugins_requested
    from disclosure.plugins.manager import Plugins

    info = Plugins.load(no_plugins=no_plugins_requested()).info()
    if as_json:
        print_json([p.to_dict() for p in info])
        return
    from rich.table import Table

    table = Table(title="Plugins", title_justify="left")
    for col in ("name", "version", "hooks"):
        table.add_column(col)
    for p in info:
        table.add_row(p.name + (" (built-in)" if p.builtin else ""), p.version, ", ".join(p.hooks))
    console().print(table)
