"""The ``--db`` and ``--agency`` options shared by every command that uses the case store.

``--db`` names a SQLite file or a PostgreSQL server (``postgresql://…``); which
adapter opens it is decided in one place, :func:`disclosure.store.open.open_store`.
``--agency`` chooses whose cases a server store shows and takes writes for;
it is kept on the click context so every command gets it without a parameter
of its own.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from disclosure.store.port import CaseStore

_F = TypeVar("_F", bound=Callable[..., Any])
_AGENCY_KEY = "disclosure.agency"
_AGENCY_FROM_ENV = "disclosure.agency_from_env"

db_only_option = click.option(
    "--db",
    "db",
    default="disclosure.db",
    show_default=True,
    envvar="DISCLOSURE_DB",
    metavar="PATH|URL",
    help="Case store: a SQLite file or a postgresql:// URL (also $DISCLOSURE_DB).",
)


def _remember_agency(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    del param
    from_env = value is None and bool(os.environ.get("DISCLOSURE_AGENCY"))
    if from_env:  # read here, not by click, to know where it came from
        value = os.environ["DISCLOSURE_AGENCY"]
    if value is not None:
        ctx.meta[_AGENCY_KEY] = value
        ctx.meta[_AGENCY_FROM_ENV] = from_env


agency_option = click.option(
    "--agency",
    default=None,
    expose_value=False,
    callback=_remember_agency,
    help="On a PostgreSQL store: the agency whose cases to use (also $DISCLOSURE_AGENCY).",
)


def db_option(f: _F) -> _F:
    """``--db``, ``--agency`` and ``--calendar-file``: the store a command reads or
    writes, and the calendars its deadlines need."""
    from disclosure.cli._engine import calendar_files_option

    return db_only_option(agency_option(calendar_files_option(f)))


def chosen_agency(db: str | None = None) -> str | None:
    """The ``--agency`` of the running command, if any.

    With ``db``: none for a SQLite file when it came from ``$DISCLOSURE_AGENCY``,
    which is for a server (a typed ``--agency`` is still refused there).
    """
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    if db is not None and ctx.meta.get(_AGENCY_FROM_ENV):
        from disclosure.store.open import is_server_url

        if not is_server_url(db):
            return None
    return ctx.meta.get(_AGENCY_KEY)


def busy_timeout() -> float:
    """How long SQLite waits for another writer ($DISCLOSURE_BUSY_TIMEOUT seconds)."""
    from disclosure.errors import StoreError

    raw = os.environ.get("DISCLOSURE_BUSY_TIMEOUT", "10")
    try:
        timeout = float(raw)
    except ValueError:
        timeout = float("nan")
    if not (0 <= timeout < 86_400):  # nan, inf and negatives fail this too
        raise StoreError(
            f"DISCLOSURE_BUSY_TIMEOUT must be a number of seconds from 0 to 86400, not {raw!r}"
        )
    return timeout


def open_store(db: str) -> CaseStore:
    """The existing store ``--db`` names, scoped to ``--agency`` on a server."""
    from disclosure.cli._engine import make_engine
    from disclosure.store.open import open_store as open_target

    timeout = busy_timeout()
    return open_target(db, make_engine(), agency=chosen_agency(db), timeout=timeout)


def shown_db(db: str, *, absolute: bool = False) -> str:
    """``--db X`` as a command to suggest: a server URL without its password; with
    ``absolute``, a file's path made absolute (for a command run from anywhere)."""
    from disclosure.store.open import is_server_url

    if is_server_url(db):
        from disclosure.store.postgres import redacted

        db = redacted(db)
    elif absolute:
        from pathlib import Path

        db = str(Path(db).resolve())
    agency = chosen_agency(db)
    return f"--db {shlex.quote(db)}" + (f" --agency {shlex.quote(agency)}" if agency else "")
