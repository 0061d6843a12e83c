"""The ``--db`` option shared by every command that uses the case store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from disclosure.store.sqlite import Store


db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False),
    default="disclosure.db",
    show_default=True,
    envvar="DISCLOSURE_DB",
    help="Case store file (also $DISCLOSURE_DB).",
)


def open_store(db: str, calendar_files: tuple[str, ...] = ()) -> Store:
    import os

    from disclosure.cli._engine import make_engine
    from disclosure.store.sqlite import Store

    # How long to wait for another writer before giving up (seconds).
    timeout = float(os.environ.get("DISCLOSURE_BUSY_TIMEOUT", "10"))
    engine = make_engine(calendar_files)
    return Store(db, engine, create=False, timeout=timeout)
