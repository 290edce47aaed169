"""`chatwoot-mock`, the console script (click): `serve`, `fixtures`, `contract`, `diff`, `record`.

Why click: typed options with their environment variables, each value checked before the command
runs (a bad `MOCK_PORT` is one line naming it, never a traceback), `--help` that shows the variables
and defaults; Flask already depends on it, so it adds no install.

It may import `chatwoot`, `control`, `harness`, `state` and `web` (the commands import what they run
only when they run, so `--help` stays fast); nothing imports it but `__main__`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from mockserver.cli.harness import contract_command, diff_command, record_command
from mockserver.cli.options import EXIT_CODES
from mockserver.cli.serve import fixtures_command, serve_command

EXIT_USAGE = 2


@click.group(epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def cli() -> None:
    """Offline mock of Chatwoot's Inboxes API, and the harness that holds a deployment to its contract."""


for command in (serve_command, fixtures_command, contract_command, diff_command, record_command):
    command.epilog = EXIT_CODES
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code (a usage error is 2, with one line on standard error)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = cli.main(args, prog_name="chatwoot-mock", standalone_mode=False)
    except click.UsageError as error:
        where = f"chatwoot-mock {error.ctx.info_name}" if error.ctx and error.ctx.parent else "chatwoot-mock"
        print(f"{where}: {error.format_message()} (see {where} --help)", file=sys.stderr)
        return EXIT_USAGE
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.exceptions.Exit as stop:  # --help
        return stop.exit_code
    except (click.Abort, KeyboardInterrupt):  # before a command's own handling (which cleans up) began
        print("chatwoot-mock: interrupted", file=sys.stderr)
        return 130
    return code if isinstance(code, int) else 0


