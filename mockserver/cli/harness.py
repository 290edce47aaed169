"""`chatwoot-mock contract`, `diff` and `record`: the commands that reach a deployment over HTTP. Their
options are checked here; the work is in `mockserver.harness` (imported when a command runs)."""

from __future__ import annotations

from typing import Any

import click

from mockserver.cli.options import NOT_NEGATIVE, POSITIVE, CommaList, connection_settings, http_options, option
from mockserver.harness.script import CHANNEL_TYPES

PHASES = ("examples", "coverage", "fuzzing", "stateful")


@click.command("contract")
@option("--base-url", envvar="CHATWOOT_BASE_URL", required=True, metavar="URL",
        help="the deployment, e.g. https://chat.example.com")
@option("--token", envvar="CHATWOOT_API_TOKEN", required=True,
        help="a user's api_access_token, an administrator's for --allow-writes")
@option("--account", envvar="CHATWOOT_ACCOUNT_ID", type=POSITIVE, required=True, help="the account id")
@option("--allow-writes", is_flag=True, help="also run the writing operations, on inboxes the run creates "
                                             "(and deletes)")
@option("--max-time", type=POSITIVE, default=300,
        help="time budget of the Schemathesis run in seconds; fuzzing and stateful testing repeat until it is spent")
@option("--max-examples", type=POSITIVE, default=10, help="generated cases per operation and phase")
@option("--phases", type=CommaList(PHASES, "phase"), default="examples,fuzzing,stateful",
        help="Schemathesis phases, of " + ",".join(PHASES))
@option("--seed", type=int, help="Schemathesis's seed, to repeat a run")
@option("--junit", metavar="PATH", help="write a JUnit XML report here")
@option("--progress/--no-progress", default=None, help="show a progress bar  [default: on a terminal]")
@http_options
def contract_command(**params: Any) -> int:
    """Run Schemathesis with the mock's spec against a deployment. Read-only unless --allow-writes; writes
    touch only inboxes the run creates, and it deletes them at the end."""
    from mockserver.harness.contract import LiveOptions, run

    return run(LiveOptions(
        base_url=params["base_url"], token=params["token"], account_id=params["account"],
        allow_writes=params["allow_writes"], max_time=params["max_time"], max_examples=params["max_examples"],
        phases=params["phases"], seed=params["seed"], junit=params["junit"],
        rate_limit=params["rate_limit"], connection=connection_settings(params), progress=params["progress"]))


@click.command("diff")
@option("--left", required=True, metavar="URL", help="the left target's base URL")
@option("--left-token", required=True, metavar="TOKEN", help="an administrator's api_access_token on the left")
@option("--left-account", type=POSITIVE, metavar="ID", help="its account  [default: --account]")
@option("--right", required=True, metavar="URL", help="the right target's base URL")
@option("--right-token", required=True, metavar="TOKEN", help="an administrator's api_access_token on the right")
@option("--right-account", type=POSITIVE, metavar="ID", help="its account  [default: --account]")
@option("--account", type=POSITIVE, default=1, help="the account on both sides")
@option("--channels", type=CommaList(CHANNEL_TYPES, "channel type"), default="",
        help="channel types to create  [default: all seven: " + ",".join(CHANNEL_TYPES) + "]")
@option("--strict-null", is_flag=True, help="report a null against any other type")
@option("--compare-error-text", is_flag=True,
        help="also compare the texts of 4xx bodies (by default only their shape counts)")
@option("--progress/--no-progress", default=None, help="show a progress bar  [default: on a terminal]")
@http_options
def diff_command(**params: Any) -> int:
    """Create, read, update, bot, members, delete and error cases against both targets; report
    differences in status codes and JSON shape. Writes only to inboxes it creates (and deletes)."""
    from mockserver.harness.diff import DiffOptions, TargetOptions
    from mockserver.harness.diff import run as run_diff

    return run_diff(DiffOptions(
        left=TargetOptions(params["left"], params["left_token"], params["left_account"] or params["account"]),
        right=TargetOptions(params["right"], params["right_token"], params["right_account"] or params["account"]),
        strict_null=params["strict_null"], compare_error_text=params["compare_error_text"],
        channels=params["channels"], connection=connection_settings(params), progress=params["progress"]))


@click.command("record")
@option("--base-url", envvar="CHATWOOT_BASE_URL", required=True, metavar="URL",
        help="the deployment to record, e.g. https://chat.example.com")
@option("--token", envvar="CHATWOOT_API_TOKEN", required=True, help="an administrator's api_access_token")
@option("--account", envvar="CHATWOOT_ACCOUNT_ID", type=POSITIVE, required=True, multiple=True,
        help="an account to record (repeatable)")
@option("-o", "--output", metavar="FILE", default="-", help="where to write the state document; '-' is "
                                                             "standard output")
@option("--keep-secrets", is_flag=True,
        help="keep the secrets the API shows an administrator (HMAC tokens, passwords, provider keys) instead "
             "of generated ones")
@option("--seed", type=NOT_NEGATIVE, default=1, help="seed of the generated tokens and secrets")
@option("--progress/--no-progress", default=None, help="show a progress bar  [default: on a terminal]")
@http_options
def record_command(**params: Any) -> int:
    """Read a deployment's inbox setup with GET requests only and write a state document the mock serves:
    a mock of your own Chatwoot. Ids are kept; users get generated tokens (printed at the end)."""
    from mockserver.harness.record import RecordOptions, run

    return run(RecordOptions(
        base_url=params["base_url"], token=params["token"], account_ids=params["account"],
        output=params["output"], keep_secrets=params["keep_secrets"], seed=params["seed"],
        rate_limit=params["rate_limit"], connection=connection_settings(params), progress=params["progress"]))
