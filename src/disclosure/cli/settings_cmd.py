"""``disclosure settings``: the agency's own choices (name, ruleset, calendar, parameters).

Two places hold them: a settings file (``disclosure.toml``, for work on case
files and as the machine's defaults) and the case store itself (the agency's
own choices, which travel with its cases; on PostgreSQL one set per agency).
A store's values win over the file's, key by key.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from disclosure.cli._db import db_option, open_store
from disclosure.cli._out import console, echo, esc, print_json

if TYPE_CHECKING:
    from disclosure.settings import Settings
    from disclosure.store.port import CaseStore


@click.group("settings")
def settings_group() -> None:
    """Show or change the agency's settings (in the case store, or disclosure.toml)."""


def _where() -> Path:
    """The settings file in use: --config, the one found upwards, or ./disclosure.toml."""
    from disclosure.settings import FILE_NAME, find_settings

    ctx = click.get_current_context()
    config = ctx.find_root().obj.get("config")
    return Path(config) if config else (find_settings() or Path(FILE_NAME))


def _store_exists(db: str) -> bool:
    from disclosure.store.open import is_server_url

    return is_server_url(db) or Path(db).is_file()


@settings_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@db_option
def settings_show(as_json: bool, db: str) -> None:
    """Print the settings in use and where they come from (the file, then the store).

    \b
    Examples:
      disclosure settings show
      disclosure --config /etc/disclosure/agency.toml settings show --json
      disclosure settings show --db postgresql://foi@db.example/foi --agency city-office
    """
    from disclosure.cli._engine import agency_settings
    from disclosure.settings import AGENCY_KEYS

    settings = agency_settings()
    if _store_exists(db):
        with open_store(db) as store:
            stored = store.stored_settings()
        if stored is not None:
            settings = settings.overlaid(stored)
    if as_json:
        print_json(
            {
                "source": settings.source or None,
                "agency": {k: getattr(settings, k) or None for k in AGENCY_KEYS},
                "parameters": {k: dict(v) for k, v in settings.parameters.items()},
            }
        )
        return
    out = console()
    out.print(f"settings: {esc(settings.source or 'none (built-in defaults)')}", markup=True)
    for key, meaning in AGENCY_KEYS.items():
        value = getattr(settings, key)
        shown = esc(value) if value else "(default)"
        out.print(f"  agency.{key} = {shown}  [dim]# {esc(meaning)}[/dim]", markup=True)
    for rs, values in settings.parameters.items():
        for name, value in values.items():
            out.print(f"  parameters.{esc(rs)}.{esc(name)} = {esc(repr(value))}", markup=True)


@settings_group.command("set")
@click.argument("key")
@click.argument("value")
@click.option(
    "--file",
    "to_file",
    is_flag=True,
    help="Write the settings file even when there is a case store.",
)
@db_option
def settings_set(key: str, value: str, to_file: bool, db: str) -> None:
    """Set KEY (agency.name, agency.ruleset, agency.calendar, parameters.RULESET.NAME).

    The value goes to the case store (--db) when there is one, so it travels
    with the agency's cases, and to the settings file otherwise (or with
    --file). It is checked before anything is written: a calendar or ruleset
    must exist and a parameter must fit its declaration.

    \b
    Examples:
      disclosure settings set agency.calendar cn-guangxi
      disclosure settings set parameters.cn-ogi-2019.correction_period 15
      disclosure settings set agency.name "某市人民政府办公室" --file
    """
    from disclosure.settings import stored_text

    if to_file or not _store_exists(db):
        echo(f"{key} = {stored_text(key, value)} (in {save_checked({key: value})})")
        return
    with open_store(db) as store:
        where = save_in_store(store, {key: value})
    echo(f"{key} = {stored_text(key, value)} (in {where})")


def _checked(settings: Settings) -> None:
    """Refuse settings the engine could not use (with the installed plugins and the
    command's ``--calendar-file``s, as the store's writes will fold)."""
    from disclosure.cli._engine import chosen_calendar_files, load_plugins
    from disclosure.engine import Engine, check_settings

    engine = Engine(plugins=load_plugins(), calendar_files=chosen_calendar_files())
    check_settings(engine, settings)


def save_checked(values: dict[str, str]) -> Path:
    """Set settings in the file in use, after checking them as the engine would use them.

    An unknown calendar, ruleset or parameter (or one that does not fit) is
    refused, and nothing is written.
    """
    from disclosure.settings import Settings, load_settings, save_settings

    path = _where()
    settings = load_settings(path) if path.exists() else Settings()  # set creates the file
    for key, value in values.items():
        settings = settings.with_value(key, value)
    _checked(settings)
    save_settings(settings, path)
    return path


def save_in_store(store: CaseStore, values: dict[str, str]) -> str:
    """Set settings in ``store`` (for its agency), checked first; say where they went."""
    from disclosure.cli._engine import agency_settings
    from disclosure.settings import Settings

    settings = store.stored_settings() or Settings()
    for key, value in values.items():
        settings = settings.with_value(key, value)
    _checked(agency_settings().overlaid(settings))  # as the store will apply them
    store.store_settings(settings)
    saved = store.stored_settings()
    return saved.source if saved is not None else "the case store"
