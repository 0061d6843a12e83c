"""``disclosure settings``: the agency's own choices (name, ruleset, calendar, parameters)."""

from __future__ import annotations

from pathlib import Path

import click

from disclosure.cli._out import console, echo, esc, print_json


@click.group("settings")
def settings_group() -> None:
    """Show or change the agency's settings (disclosure.toml)."""


def _where() -> Path:
    """The settings file in use: --config, the one found upwards, or ./disclosure.toml."""
    from disclosure.settings import FILE_NAME, find_settings

    ctx = click.get_current_context()
    config = ctx.find_root().obj.get("config")
    return Path(config) if config else (find_settings() or Path(FILE_NAME))


@settings_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def settings_show(as_json: bool) -> None:
    """Print the settings in use and where they come from.

    \b
    Examples:
      disclosure settings show
      disclosure --config /etc/disclosure/agency.toml settings show --json
    """
    from disclosure.cli._engine import agency_settings
    from disclosure.settings import AGENCY_KEYS

    settings = agency_settings()
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
def settings_set(key: str, value: str) -> None:
    """Set KEY (agency.name, agency.ruleset, agency.calendar, parameters.RULESET.NAME).

    The value is checked before anything is written: a calendar or ruleset
    must exist and a parameter must fit its declaration.

    \b
    Examples:
      disclosure settings set agency.calendar cn-guangxi
      disclosure settings set parameters.cn-ogi-2019.correction_period 15
    """
    save_checked({key: value})
    echo(f"{key} = {value} (in {_where()})")


def save_checked(values: dict[str, str]) -> Path:
    """Set settings in the file in use, after checking them as the engine would use them.

    An unknown calendar, ruleset or parameter (or one that does not fit) is
    refused, and nothing is written.
    """
    from disclosure.cli._engine import load_plugins
    from disclosure.engine import Engine
    from disclosure.settings import Settings, load_settings, save_settings

    path = _where()
    settings = load_settings(path) if path.exists() else Settings()  # set creates the file
    for key, value in values.items():
        settings = settings.with_value(key, value)
    engine = Engine(plugins=load_plugins(), **settings.engine_options())
    machine = engine.machine()
    engine.calendars.get(machine.default_calendar)
    for rs in settings.parameters:
        engine.machine(rs)
    save_settings(settings, path)
    return path
