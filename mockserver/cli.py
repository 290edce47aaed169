"""`chatwoot-mock`: the console script."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mockserver.web.drift import SWITCHES, UnknownDriftSwitch, parse

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
ANNOUNCED_USERS = 10  # a large fixture set has hundreds of users: the first few show the idea


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatwoot-mock",
        description="Offline mock of Chatwoot's Inboxes API.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the mock over HTTP",
                                description="Serve the mock (one process, a thread pool) until interrupted.")
    env = os.environ.get
    serve.add_argument("--host", default=env("MOCK_HOST", DEFAULT_HOST),
                       help="address to listen on (MOCK_HOST; default %(default)s)")
    serve.add_argument("--port", type=int, default=int(env("MOCK_PORT", DEFAULT_PORT)),
                       help="port, 0 for any free one (MOCK_PORT; default %(default)s)")
    serve.add_argument("--profile", choices=["docs", "chatwoot"], default=env("MOCK_PROFILE", "docs"),
                       help="answer as Chatwoot's documents say, or as Chatwoot 4.10 does "
                            "(MOCK_PROFILE; default %(default)s)")
    # --state is the older spelling of --fixtures, kept as an alias (README "Fixtures").
    serve.add_argument("--fixtures", "--state", dest="fixtures", metavar="SET|FILE",
                       default=env("MOCK_FIXTURES") or env("MOCK_STATE"),
                       help="startup state: a fixture set (demo, empty, large) or a state document file "
                            "(MOCK_FIXTURES; default: the bundled demo)")
    _add_fixture_size(serve, env)
    serve.add_argument("--frontend-url", default=env("MOCK_FRONTEND_URL"),
                       help="Chatwoot's FRONTEND_URL, used in widget scripts and webhook URLs "
                            "(MOCK_FRONTEND_URL; default: the URL a request came in on)")
    serve.add_argument("--access-log", action="store_true",
                       default=env("MOCK_ACCESS_LOG", "") not in ("", "0", "false"),
                       help="print one line per request (MOCK_ACCESS_LOG; default: off)")
    serve.add_argument("--validate-responses", action="store_true",
                       default=env("MOCK_VALIDATE_RESPONSES", "") not in ("", "0", "false"),
                       help="also check every answer against the spec; 500 on a mismatch")
    serve.add_argument("--drift", metavar="NAME", action="append", default=None,
                       help="turn on a deliberate deviation from the contract, to prove a test harness catches "
                            "it (repeatable; MOCK_DRIFT, comma-separated); NAME is one of: "
                            + ", ".join(SWITCHES))
    _add_control_options(serve, env)
    fixtures = commands.add_parser("fixtures", help="write a generated state document",
                                   description="Generate a fixture set's state document; the same set, seed and "
                                               "size give the same bytes on any machine and day.")
    fixtures.add_argument("--set", dest="set_name", choices=["demo", "empty", "large"], default="demo",
                          help="which set (default %(default)s)")
    _add_fixture_size(fixtures, env)
    fixtures.add_argument("-o", "--output", metavar="FILE", default="-",
                          help="where to write it; '-' (the default) is standard output")
    _add_contract(commands, env)
    _add_diff(commands)
    return parser


def _add_fixture_size(command: argparse.ArgumentParser, env) -> None:
    seed = env("MOCK_SEED")
    command.add_argument("--seed", type=int, default=int(seed) if seed else None,
                         help="seed of a generated set (MOCK_SEED; default 1, the committed demo)")
    command.add_argument("--inboxes", type=int, default=None,
                         help="number of inboxes of the large set (default 10000)")


def _add_control_options(serve: argparse.ArgumentParser, env: Callable[[str], str | None]) -> None:
    """The control API's and the state file's options (README: "Control API", "State that survives a restart")."""
    serve.add_argument("--control-key", default=env("MOCK_CONTROL_KEY"),
                       help="key the control API (/_mock/) asks for in X-Mock-Control-Key; without one it is "
                            "open to loopback clients only (MOCK_CONTROL_KEY)")
    serve.add_argument("--journal-size", type=_count, default=env("MOCK_JOURNAL_SIZE") or "1000",
                       help="requests the journal keeps, 0 to keep none (MOCK_JOURNAL_SIZE; default %(default)s)")
    serve.add_argument("--state-file", metavar="PATH", default=env("MOCK_STATE_FILE"),
                       help="load the state from PATH (created from the startup state if missing) and write "
                            "every change back to it before answering (MOCK_STATE_FILE)")
    serve.add_argument("--cors", nargs="?", const="*", default=env("MOCK_CORS"), metavar="ORIGINS",
                       help="let browser pages on other origins call the API, as Chatwoot's API-only server does: "
                            "any origin, or the comma-separated ORIGINS (MOCK_CORS: 1 or the origins; default off)")
    serve.add_argument("--avatar-memory", metavar="MB", type=_count, default=env("MOCK_AVATAR_MEMORY_MB") or "256",
                       help="memory all uploaded avatars may hold together; an upload past it is refused with 422 "
                            "(MOCK_AVATAR_MEMORY_MB; default %(default)s)")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {value}")
    return value


def _add_diff(commands: argparse._SubParsersAction) -> None:
    diff = commands.add_parser(
        "diff", help="run one scripted sequence against two targets and compare their answers",
        description="Create, read, update, bot, members, delete and error cases against both targets; report "
                    "differences in status codes and JSON shape. Writes only to inboxes it creates (and deletes).")
    for side in ("left", "right"):
        diff.add_argument(f"--{side}", required=True, metavar="URL", help=f"the {side} target's base URL")
        diff.add_argument(f"--{side}-token", required=True, metavar="TOKEN",
                          help=f"an administrator's api_access_token on the {side} target")
        diff.add_argument(f"--{side}-account", type=int, metavar="ID", help="its account (default: --account)")
    diff.add_argument("--account", type=int, default=1, help="the account on both sides (default %(default)s)")
    diff.add_argument("--channels", default="", help="comma-separated channel types (default: all seven)")
    diff.add_argument("--rate-limit", type=float, default=5.0,
                      help="requests per second per target at most, 0 for no limit (default %(default)s)")
    diff.add_argument("--strict-null", action="store_true", help="report a null against any other type")
    diff.add_argument("--compare-error-text", action="store_true",
                      help="also compare the texts of 4xx bodies (by default only their shape counts)")


def _add_contract(commands: argparse._SubParsersAction, env) -> None:
    contract = commands.add_parser(
        "contract", help="run the contract (Schemathesis) against a live Chatwoot",
        description="Run Schemathesis with the mock's spec against a deployment. Read-only unless "
                    "--allow-writes; writes touch only inboxes the run creates, and it deletes them at the end.")
    contract.add_argument("--base-url", default=env("CHATWOOT_BASE_URL"), required=not env("CHATWOOT_BASE_URL"),
                          help="the deployment, e.g. https://chat.example.com (CHATWOOT_BASE_URL)")
    contract.add_argument("--token", default=env("CHATWOOT_API_TOKEN"), required=not env("CHATWOOT_API_TOKEN"),
                          help="a user's api_access_token, an administrator's for --allow-writes "
                               "(CHATWOOT_API_TOKEN)")
    contract.add_argument("--account", type=int, default=env("CHATWOOT_ACCOUNT_ID"),
                          required=not env("CHATWOOT_ACCOUNT_ID"), help="the account id (CHATWOOT_ACCOUNT_ID)")
    contract.add_argument("--allow-writes", action="store_true",
                          help="also run the writing operations, on inboxes the run creates (and deletes)")
    contract.add_argument("--rate-limit", type=float, default=5.0,
                          help="requests per second at most, 0 for no limit (default %(default)s)")
    contract.add_argument("--max-time", type=int, default=300,
                          help="time budget of the Schemathesis run in seconds; fuzzing and stateful testing "
                               "repeat until it is spent (default %(default)s)")
    contract.add_argument("--max-examples", type=int, default=10,
                          help="generated cases per operation and phase (default %(default)s)")
    contract.add_argument("--phases", default="examples,fuzzing,stateful",
                          help="Schemathesis phases, of examples,coverage,fuzzing,stateful (default %(default)s)")
    contract.add_argument("--seed", type=int, help="Schemathesis's seed, to repeat a run")
    contract.add_argument("--junit", metavar="PATH", help="write a JUnit XML report here")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "fixtures":
        return _fixtures(args)
    if args.command == "contract":
        from mockserver.harness.contract import LiveOptions, run

        return run(LiveOptions(
            base_url=args.base_url, token=args.token, account_id=args.account, allow_writes=args.allow_writes,
            rate_limit=args.rate_limit, max_time=args.max_time, max_examples=args.max_examples,
            phases=tuple(p.strip() for p in args.phases.split(",") if p.strip()), seed=args.seed,
            junit=args.junit))
    if args.command == "diff":
        from mockserver.harness.diff import DiffOptions, TargetOptions
        from mockserver.harness.diff import run as run_diff

        return run_diff(DiffOptions(
            left=TargetOptions(args.left, args.left_token, args.left_account or args.account),
            right=TargetOptions(args.right, args.right_token, args.right_account or args.account),
            rate_limit=args.rate_limit, strict_null=args.strict_null, compare_error_text=args.compare_error_text,
            channels=tuple(c.strip() for c in args.channels.split(",") if c.strip())))
    return 2


def _fixtures(args: argparse.Namespace) -> int:
    from mockserver.state.fixture_sets import FixtureSetError, generate, write

    try:
        document = generate(args.set_name, seed=args.seed, inboxes=args.inboxes)
        write(document, args.output)
    except FixtureSetError as error:
        print(f"chatwoot-mock: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"chatwoot-mock: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 1
    return 0


def _serve(args: argparse.Namespace) -> int:
    # Imported here: openapi-core takes about a second to import, which `--help` need not pay.
    from mockserver.chatwoot.errors import StateNotSaved
    from mockserver.chatwoot.profiles import Profile
    from mockserver.state.document import StateDocumentError, build_store, read_document
    from mockserver.state.fixture_sets import FixtureSetError, load
    from mockserver.web.app import create_app
    from mockserver.web.body import body_limit
    from mockserver.web.server import PortUnavailable, serve

    profile = Profile.parse(args.profile)
    # An existing state file wins over --fixtures: it is the state the mock last acknowledged.
    resumed = args.state_file if args.state_file and Path(args.state_file).exists() else None
    try:
        drift = sorted(parse(args.drift if args.drift is not None else os.environ.get("MOCK_DRIFT")))
    except UnknownDriftSwitch as error:
        print(f"chatwoot-mock: {error}", file=sys.stderr)
        return 2
    try:
        document = read_document(resumed) if resumed else load(args.fixtures, seed=args.seed, inboxes=args.inboxes)
        store = build_store(document, profile)
        store.avatar_memory_limit = args.avatar_memory * 1024 * 1024
    except (StateDocumentError, FixtureSetError) as error:
        where = f"{resumed}: " if resumed and resumed not in str(error) else ""
        print(f"chatwoot-mock: {where}{error}", file=sys.stderr)
        return 2
    try:
        app = create_app(store, profile=profile, validate_responses=args.validate_responses,
                         frontend_url=args.frontend_url, journal_size=args.journal_size,
                         control_key=args.control_key, state_file=args.state_file, drift=drift,
                         cors=args.cors)
    except StateNotSaved as error:
        print(f"chatwoot-mock: {error}", file=sys.stderr)
        return 2

    def announce(url: str) -> None:
        lines = [f"chatwoot-mock: serving Chatwoot's Inboxes API on {url} (profile: {profile.value})"]
        if drift:
            lines.append(f"  DRIFT ON, deliberately off-contract: {', '.join(drift)}")
        users = list(store.users.values())
        for user in users[:ANNOUNCED_USERS]:
            for account_id, role in user.roles.items():
                lines.append(f"  account {account_id}  {role:<13}  {user.name:<20}  api_access_token: "
                             f"{user.access_token}")
        if len(users) > ANNOUNCED_USERS:
            lines.append(f"  ... and {len(users) - ANNOUNCED_USERS} more users")
        first = next(iter(store.accounts), 1)
        lines.append(f"  try: curl -H 'api_access_token: <token>' {url}/api/v1/accounts/{first}/inboxes")
        print("\n".join(lines), flush=True)

    try:
        serve(app, args.host, args.port, body_limit=body_limit, on_ready=announce, access_log=args.access_log)
    except PortUnavailable as error:
        print(f"chatwoot-mock: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
