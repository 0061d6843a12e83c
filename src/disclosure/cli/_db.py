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
    raw = os.environ.get("DISCLOSURE_BUSY_TIMEOUT", "10")
    try:
        timeout = float(raw)
    except ValueError:
        timeout = float("nan")
    if not (0 <= timeout < 86_400):  # nan, inf and negatives fail this too
        from disclosure.errors import StoreError

        raise StoreError(
            f"DISCLOSURE_BUSY_TIMEOUT must be a number of seconds from 0 to 86400, not {raw!r}"
        )
    engine = make_engine(calendar_files)
    return Store(db, engine, create=False, timeout=timeout)
