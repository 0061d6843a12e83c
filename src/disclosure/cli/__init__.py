"""The ``disclosure`` command line: a thin shell over the public API.

Heavy modules are imported inside commands so that ``disclosure --help``
stays fast. User errors print one clear message to stderr and exit non-zero;
they never show a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from disclosure.cli import stored_cases
from disclosure.cli.calendars import calendar_group
from disclosure.cli.cases import case_group
from disclosure.cli.completion import completion_cmd
from disclosure.cli.due import advance_cmd, due_cmd
from disclosure.cli.plugin_cmd import plugins_cmd
from disclosure.cli.reports import report_group
from disclosure.cli.rules import rules_group
from disclosure.cli.settings_cmd import settings_group
from disclosure.cli.store import init_cmd, store_group


class _Cli(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        from disclosure.errors import DisclosureError

        try:
            return super().invoke(ctx)
        except DisclosureError as exc:
            from disclosure.cli._out import clean

            click.echo(f"error: {clean(exc)}", err=True)
            ctx.exit(1)
        except BrokenPipeError:  # pragma: no cover - e.g. `| head`
            sys.stderr.close()
            ctx.exit(1)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="disclosure", prog_name="disclosure")
@click.option(
    "--no-plugins", is_flag=True, help="Load no installed plugins (also: DISCLOSURE_LOAD_PLUGINS=)."
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    default=None,
    envvar="DISCLOSURE_CONFIG",
    help="The agency's settings file (default: disclosure.toml here or in a parent folder).",
)
@click.pass_context
def cli(ctx: click.Context, no_plugins: bool, config: str | None) -> None:
    """Rules engine for government information disclosure requests (依申请公开).

    Fold case event logs into states and deadlines, inspect rulesets and
    working-day calendars. Every read command takes --json for scripts.
    """
    ctx.obj = {"no_plugins": no_plugins, "config": config}


cli.add_command(rules_group)
cli.add_command(case_group)
cli.add_command(calendar_group)
cli.add_command(report_group)
cli.add_command(init_cmd)
cli.add_command(due_cmd)
cli.add_command(advance_cmd)
cli.add_command(store_group)
cli.add_command(plugins_cmd)
cli.add_command(settings_group)
cli.add_command(completion_cmd)
stored_cases.register(case_group)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="disclosure")
