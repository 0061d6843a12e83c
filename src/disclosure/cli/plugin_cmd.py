"""``disclosure plugins``: what is loaded, from where, implementing which hooks."""

from __future__ import annotations

import click

from disclosure.cli._out import console, print_json


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def plugins_cmd(as_json: bool) -> None:
    """List loaded plugins (the built-in one included) and their hooks.

    An installed plugin that cannot be loaded is listed as broken, with the
    reason, and the exit status is 1.

    \b
    Examples:
      disclosure plugins
      disclosure plugins --json
    """
    from disclosure.cli._engine import load_plugins

    info = load_plugins().info()
    if as_json:
        print_json([p.to_dict() for p in info])
    else:
        from rich.table import Table
        from rich.text import Text

        table = Table(title="Plugins", title_justify="left")
        for col in ("name", "version", "hooks"):
            table.add_column(col)
        for p in info:
            name = p.name + (" (built-in)" if p.builtin else "")
            hooks = (
                Text(f"broken: {p.broken}", style="red") if p.broken else Text(", ".join(p.hooks))
            )
            table.add_row(Text(name), Text(p.version), hooks)
        console().print(table)
    if any(p.broken for p in info):
        raise SystemExit(1)
