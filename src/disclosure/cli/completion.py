"""Shell completion: the script for bash, zsh or fish, and completions from what is installed.

Names a command accepts (rulesets, calendars, report formats) come from the
engine at completion time, so a plugin's ruleset or renderer completes as
soon as it is installed.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from click.shell_completion import CompletionItem, get_completion_class

SHELLS = ("bash", "zsh", "fish")


def _names(kind: str) -> list[str]:
    """Installed names of one kind; nothing (not an error) when the engine cannot load."""
    import warnings

    from disclosure.errors import DisclosureError

    try:
        from disclosure.engine import Engine

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a broken plugin must not break the shell
            engine = Engine()
        if kind == "rulesets":
            from disclosure.rules.load import builtin_rulesets

            return sorted(builtin_rulesets(engine.ruleset_dirs))
        if kind == "calendars":
            return engine.calendars.ids()
        return sorted(engine.renderers())
    except DisclosureError:
        return []


Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def _completer(kind: str) -> Completer:
    def complete(
        ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        return [CompletionItem(n) for n in _names(kind) if n.startswith(incomplete)]

    return complete


def _ruleset_names(ctx: click.Context, kind: str) -> list[str]:
    """Applicant kinds, channels or event types of the ruleset the command line names."""
    import warnings

    from disclosure.errors import DisclosureError

    try:
        from disclosure.engine import Engine

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rs = Engine().ruleset(ctx.params.get("ruleset") or None)
    except DisclosureError:
        return []
    return sorted(getattr(rs, kind))


def _from_ruleset(kind: str) -> Completer:
    def complete(
        ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        return [CompletionItem(n) for n in _ruleset_names(ctx, kind) if n.startswith(incomplete)]

    return complete


def complete_case_ids(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Ids of stored cases that start with what is typed (the store named by --db)."""
    import os

    from disclosure.store.open import is_server_url
    from disclosure.store.sqlite import stored_case_ids

    db = ctx.params.get("db") or os.environ.get("DISCLOSURE_DB") or "disclosure.db"
    if is_server_url(db):  # no round trip to a server on every TAB
        return []
    return [CompletionItem(i) for i in stored_case_ids(db, incomplete)]


complete_applicant_kinds = _from_ruleset("applicant_kinds")
complete_channels = _from_ruleset("channels")
complete_event_types = _from_ruleset("events")
complete_rulesets = _completer("rulesets")
complete_calendars = _completer("calendars")
complete_formats = _completer("formats")


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion_cmd(shell: str) -> None:
    """Print the completion script for SHELL; commands, options, rulesets,
    calendars and report formats complete.

    \b
    Examples:
      disclosure completion bash > ~/.local/share/bash-completion/completions/disclosure
      disclosure completion zsh > "${fpath[1]}/_disclosure"
      disclosure completion fish > ~/.config/fish/completions/disclosure.fish
    """
    root = click.get_current_context().find_root().command
    cls = get_completion_class(shell)
    assert cls is not None
    click.echo(cls(root, {}, "disclosure", "_DISCLOSURE_COMPLETE").source())
