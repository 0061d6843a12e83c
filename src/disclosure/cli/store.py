"""``disclosure init`` and ``disclosure store verify``: create and check the case store."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import click

from disclosure.cli._db import db_only_option, db_option, open_store, shown_db
from disclosure.cli._engine import calendar_files_option, engine_words, make_engine
from disclosure.cli._out import clean, echo, print_json
from disclosure.cli._progress import progress
from disclosure.errors import StoreError

if TYPE_CHECKING:
    from disclosure.settings import Settings


@click.command("init")
@click.option("--force", is_flag=True, help="Delete an existing store file first (SQLite only).")
@click.option(
    "--agency",
    default=None,
    help="The agency's name (written to its settings); on a PostgreSQL store, the agency's "
    "key, registered with its own database role and kept as its first name (change it with "
    "'disclosure settings set agency.name').",
)
@click.option(
    "--role",
    default=None,
    help="On a PostgreSQL store: the database role of --agency (default: derived from it).",
)
@click.option(
    "--calendar",
    default=None,
    help="The agency's calendar for cases that name none, e.g. a regional one a plugin offers.",
)
@click.option("--ruleset", default=None, help="The agency's ruleset for cases that name none.")
@calendar_files_option
@db_only_option
def init_cmd(
    force: bool,
    agency: str | None,
    role: str | None,
    calendar: str | None,
    ruleset: str | None,
    db: str,
) -> None:
    """Create an empty case store; with --agency/--calendar/--ruleset, the agency's settings.

    The settings are checked before anything is created, and kept in the new
    store, so they travel with its cases (see 'disclosure settings').

    On a PostgreSQL store (--db postgresql://...) init creates the schema if
    the database has none, and --agency adds an agency to it with its own
    database role and settings; run it as the database's owner, once per
    agency.

    \b
    Examples:
      disclosure init
      disclosure init --db /srv/foi/cases.db --agency "某市人民政府办公室" --calendar cn-guangxi
      disclosure init --db postgresql://admin@db.example/foi --agency city-office
    """
    from disclosure.store.open import is_server_url, refuse_other_urls

    refuse_other_urls(db)
    server = is_server_url(db)
    if role is not None and not server:
        raise click.UsageError("--role: only for a postgresql:// store")
    if force and server:
        raise click.UsageError(
            "--force: only for a SQLite file; to start a PostgreSQL store over, drop its "
            "tables (or the database) yourself"
        )
    chosen = {"agency.name": agency, "agency.calendar": calendar, "agency.ruleset": ruleset}
    values = {k: v for k, v in chosen.items() if v is not None}
    if server and values and agency is None:
        raise click.UsageError("--calendar/--ruleset on a PostgreSQL store need --agency")
    settings = _checked_settings(values)
    if server:
        _init_server(db, agency, role, settings, values)
        return
    from disclosure.store.sqlite import Store, why_not_replaceable

    path = Path(db)
    if path.exists() or path.is_symlink():
        why = why_not_replaceable(path)
        if why is not None:
            raise StoreError(
                f"{db} {why}; init creates a new store only where there is none"
                + (" (--force replaces only a case store or an empty file)" if force else "")
                + ": pass another --db"
            )
        if not force:
            raise StoreError(f"{db} already exists (use --force to start over)")
        for suffix in ("", "-wal", "-shm"):
            try:
                Path(db + suffix).unlink(missing_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"{db + suffix}: cannot remove the old store: {exc.strerror}"
                    + ("; nothing was changed" if not suffix else "")
                ) from None
    with Store(path, make_engine()) as store:
        echo(f"created case store {db} (schema {store.schema_version})")
        if settings is not None:
            store.store_settings(settings)
            echo(f"agency settings stored in {db}")


def _checked_settings(values: dict[str, str]) -> Settings | None:
    """The settings init was given, checked before any store is created."""
    if not values:
        return None
    from disclosure.engine import check_settings
    from disclosure.settings import Settings

    settings = Settings()
    for key, value in values.items():
        settings = settings.with_value(key, value)
    check_settings(make_engine(), settings)  # over the settings file's, as a store applies them
    return settings


def _init_server(
    url: str,
    agency: str | None,
    role: str | None,
    settings: Settings | None,
    given: dict[str, str],
) -> None:
    """Create (or upgrade) the schema on a server and register ``agency`` with its settings.

    An agency registered before keeps the settings it has: only ``--calendar``
    and ``--ruleset`` given now change them (a provisioning script run twice
    must not reset a name or a calendar set since).
    """
    from disclosure.store.postgres import PostgresStore

    engine = make_engine()
    with PostgresStore(url, engine, create=True) as store:
        where = store.where
        echo(f"case store ready at {where} (schema {store.schema_version})")
        if agency is None:
            return
        made = store.add_agency(agency, role)
        echo(
            f"agency '{agency}' registered with role {made}; let its clerks in with "
            f"GRANT {made} TO <login role>"
        )
    name = agency
    if settings is not None:
        with PostgresStore(url, engine, agency=agency, create=False) as scoped:
            kept = scoped.stored_settings()
            if kept is not None:  # registered before: what was given now goes over it
                for key, value in given.items():
                    if key != "agency.name":
                        kept = kept.with_value(key, value)
                settings, name = kept, kept.name or agency
            scoped.store_settings(settings)
        echo(f"agency settings stored for '{agency}'")
    # the key was stored as agency.name too: say so, or the key heads the reports unnoticed
    echo(
        f"agency.name is '{name}' (statistics reports print it); to set the name: "
        f'disclosure settings set agency.name "…" --db {_url_for_hint(url, where)} '
        f"--agency {shlex.quote(agency)}"
    )


def _url_for_hint(url: str, where: str) -> str:
    """``url`` to repeat in a suggested command: as typed, unless it holds a password."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        secret = bool(conninfo_to_dict(url).get("password"))
    except psycopg.Error:  # the store opened it; in any doubt, do not repeat it
        secret = True
    return shlex.quote(where if secret else url)


@click.group("store")
def store_group() -> None:
    """Maintain the case store."""


@store_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to check cases with (default: every core on a large store).",
)
@db_option
def store_verify(as_json: bool, workers: int | None, db: str) -> None:
    """Replay every case and compare with the stored projection; exit 1 on differences.

    \b
    Examples:
      disclosure store verify
      disclosure store verify --db cases.db --workers 2 --json
    """
    with open_store(db) as store:
        try:
            count = store.count()
        except StoreError:  # an unreadable store: verify reports it
            count = 0
        with progress("verifying", count or None) as advance:
            problems = store.verify(workers=workers, progress=advance)
        several = getattr(store, "agency", "") is None  # a server login of several agencies
    if as_json:
        print_json({"cases": count, "ok": not problems, "problems": problems})
    else:
        for p in problems:
            click.echo(clean(p), err=True)
        if any(": projection differs: " in p for p in problems):
            before, after = engine_words()
            agency = " --agency AGENCY" if several else ""  # refold acts for one agency
            echo(  # paths as typed: control characters escaped
                "a projection that differs was written with other settings, calendars or "
                "rulesets, or edited outside disclosure; to write it again from the log "
                f"with this command's, run{' for each agency named' if several else ''}: "
                f"{before}store refold {shown_db(db, absolute=True)}{agency}{after}",
                err=True,
            )
        click.echo(
            f"{count} case(s) replayed: "
            + ("ok" if not problems else f"{len(problems)} problem(s)")
        )
    if problems:
        raise SystemExit(1)


#: Case ids a text run of ``store refold`` lists before it only counts the rest.
REFOLD_SHOWN = 20


@store_group.command("refold")
@click.option("--dry-run", is_flag=True, help="Say which rows would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@db_option
def store_refold(dry_run: bool, as_json: bool, db: str) -> None:
    """Fold every case again and rewrite the projection rows that differ.

    A case's projection (its state and next deadline, what lists, 'due' and
    reports read) is written when the case changes. Run this after changing
    what folds mean: disclosure.toml, a --calendar-file, a plugin, the
    holidays package or disclosure itself. 'store verify' finds such rows
    ("projection differs"). Exits 1 when a case no longer folds or cannot be
    read; its row is left as it was.

    \b
    Examples:
      disclosure store refold --dry-run
      disclosure store refold --db cases.db --json
    """
    with open_store(db) as store:
        count = store.count()
        with progress("refolding", count or None) as advance:
            result = store.refold(dry_run=dry_run, progress=advance)
    if as_json:
        print_json(
            {
                "cases": result.cases,
                "dry_run": dry_run,
                "changed": list(result.changed),
                "failed": [{"case": cid, "why": why} for cid, why in result.failed],
            }
        )
    else:
        for cid, why in result.failed:
            echo(
                f"case {cid}: {why}; its projection row is left as it was",
                err=True,
            )
        if result.changed:
            shown = ", ".join(result.changed[:REFOLD_SHOWN])
            more = len(result.changed) - REFOLD_SHOWN
            echo(shown + (f" and {more} more" if more > 0 else ""))
        verb = "would change (nothing was written)" if dry_run else "rewritten"
        echo(
            f"{result.cases} case(s) folded again: {len(result.changed)} projection row(s) {verb}"
            + (f"; {len(result.failed)} case(s) left as they were" if result.failed else "")
        )
    if result.failed:
        raise SystemExit(1)


@store_group.command("copy")
@click.argument("source", metavar="SRC")
@click.argument("target", metavar="DST")
@click.option("--from-agency", default=None, help="On a PostgreSQL SRC: the agency to copy.")
@click.option("--to-agency", default=None, help="On a PostgreSQL DST: the agency to copy into.")
@click.option("--replace", is_flag=True, help="Replace the cases DST already holds.")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="Cases per transaction of DST.",
)
@calendar_files_option
def store_copy(
    source: str,
    target: str,
    from_agency: str | None,
    to_agency: str | None,
    replace: bool,
    batch_size: int,
) -> None:
    """Copy every case of SRC into DST, row for row, then verify both.

    SRC and DST are SQLite files or postgresql:// URLs: move an agency's
    SQLite store onto a platform's server, or back. Rows are copied as they
    are stored (hash chains, times recorded, personal data, the agency's
    settings), so DST verifies exactly as SRC does. A SQLite DST is created
    when missing; a PostgreSQL DST needs the agency registered first
    (disclosure init --db URL --agency NAME). DST must hold no cases unless
    --replace.

    \b
    Examples:
      disclosure store copy cases.db postgresql://admin@db.example/foi --to-agency city-office
      disclosure store copy postgresql://admin@db.example/foi backup.db --from-agency city-office
    """
    from disclosure.store.copy import copy_store
    from disclosure.store.open import open_store as open_target

    engine = make_engine()
    with open_target(source, engine, agency=from_agency) as src:
        count = src.count()
        with (
            open_target(target, engine, create=True, agency=to_agency) as dst,
            progress("copying", count or None) as advance,
        ):
            copied = copy_store(src, dst, progress=advance, batch_size=batch_size, replace=replace)
    click.echo(f"copied {copied} case(s); both stores verify")
