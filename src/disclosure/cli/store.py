"""``disclosure init`` and ``disclosure store verify``: create and check the case store."""

from __future__ import annotations

from pathlib import Path

import click

from disclosure.cli._db import db_option, open_store
from disclosure.cli._out import clean, print_json
from disclosure.cli._progress import progress
from disclosure.errors import StoreError


@click.command("init")
@click.option("--force", is_flag=True, help="Delete an existing store file first.")
@click.option("--agency", default=None, help="The agency's name (written to its settings).")
@click.option(
    "--calendar",
    default=None,
    help="The agency's calendar for cases that name none, e.g. a regional one a plugin offers.",
)
@click.option("--ruleset", default=None, help="The agency's ruleset for cases that name none.")
@db_option
def init_cmd(
    force: bool, agency: str | None, calendar: str | None, ruleset: str | None, db: str
) -> None:
    """Create an empty case store; with --agency/--calendar/--ruleset, the agency's settings.

    The settings go to the settings file in use (--config, or disclosure.toml
    here or in a parent folder; a new ./disclosure.toml otherwise) and are
    checked before anything is created.

    \b
    Examples:
      disclosure init
      disclosure init --db /srv/foi/cases.db --agency "某市人民政府办公室" --calendar cn-guangxi
    """
    from disclosure.errors import StoreError
    from disclosure.store.sqlite import Store

    chosen = {"agency.name": agency, "agency.calendar": calendar, "agency.ruleset": ruleset}
    if any(v is not None for v in chosen.values()):
        from disclosure.cli.settings_cmd import save_checked

        where = save_checked({k: v for k, v in chosen.items() if v is not None})
        click.echo(f"agency settings written to {where}")

    path = Path(db)
    if path.exists():
        if not force:
            raise StoreError(f"{db} already exists (use --force to start over)")
        for suffix in ("", "-wal", "-shm"):
            Path(db + suffix).unlink(missing_ok=True)
    with Store(path) as store:
        click.echo(f"created case store {db} (schema {store.schema_version})")


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
    if as_json:
        print_json({"cases": count, "ok": not problems, "problems": problems})
    else:
        for p in problems:
            click.echo(clean(p), err=True)
        click.echo(
            f"{count} case(s) replayed: "
            + ("ok" if not problems else f"{len(problems)} problem(s)")
        )
    if problems:
        raise SystemExit(1)
