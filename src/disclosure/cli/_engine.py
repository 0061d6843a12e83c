"""The engine every command uses: built-ins plus installed plugins (or none)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from disclosure.engine import Engine


#: ``--calendar-file``: extra calendar files or directories for one command.
calendar_files_option = click.option(
    "--calendar-file",
    "calendar_files",
    multiple=True,
    type=click.Path(),
    help="Extra calendar file or directory (repeatable).",
)


def no_plugins_requested() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    return bool(root is not None and isinstance(root.obj, dict) and root.obj.get("no_plugins"))


def make_engine(calendar_files: Iterable[str] = ()) -> Engine:
    from disclosure.engine import Engine
    from disclosure.plugins.manager import Plugins

    return Engine(
        plugins=Plugins.load(no_plugins=no_plugins_requested()),
        calendar_files=tuple(calendar_files),
    )
