"""The engine every command uses: built-ins plus installed plugins (or none)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from disclosure.cli.completion import complete_rulesets

if TYPE_CHECKING:
    from disclosure.engine import Engine
    from disclosure.plugins.manager import Plugins
    from disclosure.settings import Settings


_CALENDARS_KEY = "disclosure.calendar_files"


def _remember_calendar_files(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> None:
    empty = [v for v in value if not v.strip()]
    if empty:  # an empty entry would stand for the current folder
        raise click.BadParameter(
            "an empty path names no calendar file (in $DISCLOSURE_CALENDAR_FILES: "
            "a leading, trailing or doubled ':'); remove it",
            param=param,
        )
    ctx.meta[_CALENDARS_KEY] = tuple(value)


#: ``--calendar-file``: extra calendar files or directories. Every command that
#: builds an engine takes it (kept on the click context, like ``--agency``), so a
#: regional calendar kept as a file serves the store's writes and reads alike;
#: ``$DISCLOSURE_CALENDAR_FILES`` (paths joined by ``:``) spares repeating it.
calendar_files_option = click.option(
    "--calendar-file",
    "calendar_files",
    multiple=True,
    type=click.Path(),
    envvar="DISCLOSURE_CALENDAR_FILES",
    expose_value=False,
    callback=_remember_calendar_files,
    help="Extra calendar file or directory (repeatable; also $DISCLOSURE_CALENDAR_FILES).",
)


def chosen_calendar_files() -> tuple[str, ...]:
    """The ``--calendar-file`` values of the running command."""
    ctx = click.get_current_context(silent=True)
    return () if ctx is None else tuple(ctx.meta.get(_CALENDARS_KEY, ()))


#: ``--ruleset``: the ruleset for cases that name none; here, and only here, a
#: file path is accepted (the person at the keyboard chose the file; a case
#: file may name only installed rulesets).
ruleset_option = click.option(
    "--ruleset",
    "ruleset",
    default=None,
    metavar="NAME_OR_FILE",
    shell_complete=complete_rulesets,
    help="Ruleset for cases that name none: an installed name or a ruleset file.",
)


def agency_settings() -> Settings:
    """The settings of the agency at the keyboard: --config, or disclosure.toml found upwards."""
    from disclosure.settings import load_settings

    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    config = root.obj.get("config") if root is not None and isinstance(root.obj, dict) else None
    return load_settings(config)


def engine_words() -> tuple[str, str]:
    """What made this command's engine, as words that make it again elsewhere:
    (``[DISCLOSURE_LOAD_PLUGINS=...] disclosure [--config F] [--no-plugins] `` before
    the subcommand, `` --calendar-file F ...`` after it).

    The settings file found by searching upwards is named, and every path is
    absolute, so a suggested command run from another folder folds the same way.
    """
    import os
    import shlex
    from pathlib import Path

    words = ""
    chosen = os.environ.get("DISCLOSURE_LOAD_PLUGINS")
    if chosen is not None and not no_plugins_requested():
        words = f"DISCLOSURE_LOAD_PLUGINS={shlex.quote(chosen)} "
    words += "disclosure"
    source = agency_settings().source
    if source:
        words += f" --config {shlex.quote(str(Path(source).resolve()))}"
    if no_plugins_requested():
        words += " --no-plugins"
    after = "".join(
        f" --calendar-file {shlex.quote(str(Path(f).resolve()))}" for f in chosen_calendar_files()
    )
    return words + " ", after


def no_plugins_requested() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    return bool(root is not None and isinstance(root.obj, dict) and root.obj.get("no_plugins"))


def make_engine(ruleset: str | None = None) -> Engine:
    """The engine of the running command: its ``--calendar-file``s and ``--ruleset``."""
    from pathlib import Path

    from disclosure.engine import DEFAULT_RULESET, Engine
    from disclosure.errors import NotFoundError
    from disclosure.rules.load import is_ruleset_path

    options = agency_settings().engine_options()
    extra: tuple[Path, ...] = ()
    chosen = options.pop("default_ruleset", DEFAULT_RULESET)
    default = ruleset or chosen
    if ruleset is not None and is_ruleset_path(ruleset):
        path = Path(ruleset)
        if not path.is_file():
            raise NotFoundError(f"--ruleset {ruleset}: no such ruleset file")
        extra, default = (path,), path.stem
    import warnings

    from disclosure.cli._out import echo
    from disclosure.errors import PluginWarning

    plugins = load_plugins()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", PluginWarning)
        engine = Engine(
            plugins=plugins,
            calendar_files=chosen_calendar_files(),
            ruleset_dirs=extra,
            default_ruleset=default,
            **options,
        )
    for warning in said:
        if issubclass(warning.category, PluginWarning):  # one line, no file:line prefix
            echo(f"warning: {warning.message}", err=True)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return engine


def load_plugins() -> Plugins:
    """Installed plugins; one that cannot load is named in a one-line warning, and left out."""
    import warnings

    from disclosure.cli._out import echo
    from disclosure.plugins.manager import Plugins

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # said once below, without a file:line prefix
        plugins = Plugins.load(no_plugins=no_plugins_requested())
    for message in plugins.unknown:
        echo(f"warning: {message}", err=True)
    for why in plugins.broken.values():
        echo(f"warning: {why}; it is left out (see 'disclosure plugins')", err=True)
    return plugins
