"""Open a case store from what ``--db`` / ``DISCLOSURE_DB`` say: a path or a server URL.

One place decides which adapter a target names, so the CLI and embedding code
agree: ``postgresql://`` and ``postgres://`` URLs (and libpq ``key=value``
strings starting with ``host=`` or ``dbname=``) open :class:`.postgres.PostgresStore`,
anything else is a SQLite file. psycopg is imported only for a server URL.
"""

from __future__ import annotations

import re
from pathlib import Path

from disclosure.engine import Engine
from disclosure.errors import StoreError
from disclosure.store.port import CaseStore

_SERVER_PREFIXES = ("postgresql://", "postgres://", "host=", "dbname=")
#: A URL's scheme: ``--db`` holding one names no file (``postgresq://…`` is a typo).
_URL_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.-]*)://")


def is_server_url(target: str | Path) -> bool:
    """Does ``target`` name a PostgreSQL database rather than a SQLite file?"""
    return isinstance(target, str) and target.strip().lower().startswith(_SERVER_PREFIXES)


def refuse_other_urls(target: str | Path) -> None:
    """Refuse a URL of no store this package knows (``postgresq://…``, ``mysql://…``):
    taken as a file path, it would become folders named after it."""
    scheme = _URL_SCHEME.match(str(target)) if isinstance(target, str) else None
    if scheme is None or is_server_url(target):
        return
    from disclosure.errors import did_you_mean

    hint = did_you_mean(scheme.group(1).lower(), ["postgresql", "postgres"])
    raise StoreError(
        f"{target}: '{scheme.group(1)}://' is no kind of case store ({hint}); "
        "a SQLite store is given as a file path"
    )


def open_store(
    target: str | Path,
    engine: Engine | None = None,
    *,
    create: bool = False,
    agency: str | None = None,
    timeout: float = 10.0,
) -> CaseStore:
    """The store ``target`` names: an existing one unless ``create``.

    ``agency`` scopes a PostgreSQL store to one agency (its role, by
    ``SET ROLE``); a SQLite file holds one agency, so it refuses ``agency``
    rather than ignore it. ``timeout`` is SQLite's busy timeout.
    """
    if is_server_url(target):
        try:
            from disclosure.store.postgres import PostgresStore
        except ImportError as exc:
            raise StoreError(f"{target}: {exc}") from None
        return PostgresStore(str(target).strip(), engine, agency=agency, create=create)
    refuse_other_urls(target)
    if agency is not None:
        raise StoreError(
            f"{target}: a SQLite store holds one agency's cases; --agency needs a "
            "postgresql:// store"
        )
    from disclosure.store.sqlite import Store

    return Store(target, engine, create=create, timeout=timeout)
