"""`chatwoot-mock serve` and `chatwoot-mock fixtures`.

To add a serve option: one `@option(...)` line below (with its `envvar` and a `type` that checks it),
and its value arrives as `settings.<name>` in `_serve`. A test in tests/test_cli.py through the console
script keeps it honest.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from mockserver.cli.options import NOT_NEGATIVE, PORT, CommaList, option
from mockserver.web.drift import SWITCHES

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
ANNOUNCED_USERS = 10  # a large fixture set has hundreds of users: the first few show the idea
SET_NAMES = ("demo", "empty", "large")


def fixture_size_options(command: Any) -> Any:
    command = option("--inboxes", type=NOT_NEGATIVE, default=None,
                     help="number of inboxes of the large set  [default: 10000]")(command)
    return option("--seed", type=int, envvar="MOCK_SEED",
                  help="seed of a generated set  [default: 1, the committed demo]")(command)


@click.command("serve")
@option("--host", envvar="MOCK_HOST", default=DEFAULT_HOST, help="address to listen on")
@option("--port", envvar="MOCK_PORT", type=PORT, default=DEFAULT_PORT, help="port, 0 for any free one")
@option("--profile", envvar="MOCK_PROFILE", type=click.Choice(["docs", "chatwoot"]), default="docs",
        help="answer as Chatwoot's documents say, or as Chatwoot 4.10 does")
# --state is the older spelling of --fixtures, kept as an alias (README "Fixtures").
@option("--fixtures", "--state", "fixtures", envvar=["MOCK_FIXTURES", "MOCK_STATE"], metavar="SET|FILE",
        help="startup state: a fixture set (demo, empty, large) or a state document file  [default: the demo]")
@fixture_size_options
@option("--frontend-url", envvar="MOCK_FRONTEND_URL",
        help="Chatwoot's FRONTEND_URL, used in widget scripts and webhook URLs  [default: the URL a request "
             "came in on]")
@option("--access-log", envvar="MOCK_ACCESS_LOG", is_flag=True, help="print one line per request")
@option("--validate-responses", envvar="MOCK_VALIDATE_RESPONSES", is_flag=True,
        help="also check every answer against the spec; 500 on a mismatch")
@option("--drift", envvar="MOCK_DRIFT", metavar="NAME", multiple=True, type=CommaList(tuple(SWITCHES), "drift switch"),
        help="turn on a deliberate deviation from the contract, to prove a test harness catches it "
             "(repeatable, or comma-separated); NAME is one of: " + ", ".join(SWITCHES))
@option("--control-key", envvar="MOCK_CONTROL_KEY",
        help="key the control API (/_mock/) asks for in X-Mock-Control-Key; without one it is open to "
             "loopback clients only")
@option("--journal-size", envvar="MOCK_JOURNAL_SIZE", type=NOT_NEGATIVE, default=1000,
        help="requests the journal keeps, 0 to keep none")
@option("--state-file", envvar="MOCK_STATE_FILE", metavar="PATH",
        help="keep the state in PATH, a SQLite database: loaded at start (created from the startup state if "
             "missing; a JSON state document there is converted, the JSON kept as PATH.bak), and every change "
             "committed to it before answering")
@option("--avatar-memory", envvar="MOCK_AVATAR_MEMORY_MB", metavar="MB", type=NOT_NEGATIVE, default=256,
        help="memory all uploaded avatars may hold together; an upload past it is refused with 422")
@option("--client-timeout", envvar="MOCK_CLIENT_TIMEOUT", metavar="SECONDS", type=click.FloatRange(min=0.1),
        default=10.0, help="seconds a client has to send a request's headers (or the connection is closed), "
                           "and then its body (or it is answered 408)")
@option("--cors", envvar="MOCK_CORS", metavar="ORIGINS", is_flag=False, flag_value="*",
        help="let browser pages on other origins call the API, as Chatwoot's API-only server does: any origin "
             "(--cors alone, MOCK_CORS=1), or the comma-separated ORIGINS  [default: off]")
def serve_command(**settings: Any) -> int:
    """Serve the mock (granian, one worker process, requests answered on its event loop) until interrupted."""
    settings["drift"] = sorted({name for names in settings["drift"] for name in names})
    return _serve(SimpleNamespace(**settings))


@click.command("fixtures")
@option("--set", "set_name", type=click.Choice(SET_NAMES), default="demo", help="which set")
@fixture_size_options
@option("-o", "--output", metavar="FILE", default="-", help="where to write it; '-' is standard output")
def fixtures_command(set_name: str, seed: int | None, inboxes: int | None, output: str) -> int:
    """Generate a fixture set's state document; the same set, seed and size give the same bytes on any
    machine and day."""
    from mockserver.state.fixture_sets import FixtureSetError, generate, write

    try:
        document = generate(set_name, seed=seed, inboxes=inboxes)
        write(document, output)
    except FixtureSetError as error:
        print(f"chatwoot-mock fixtures: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"chatwoot-mock fixtures: cannot write {output}: {error.strerror}", file=sys.stderr)
        return 1
    return 0


def _serve(settings: SimpleNamespace) -> int:
    # Imported here: openapi-core takes about a second to import, which `--help` need not pay.
    from mockserver.chatwoot.errors import StateNotSaved
    from mockserver.chatwoot.profiles import Profile
    from mockserver.control import state_file
    from mockserver.state.document import StateDocumentError, build_store, collector_paused
    from mockserver.state.fixture_sets import FixtureSetError, load
    from mockserver.web.app import RUNTIME_KEY, create_app
    from mockserver.web.body import body_limit
    from mockserver.web.server import PortUnavailable, serve

    profile = Profile.parse(settings.profile)
    # An existing state file wins over --fixtures: it is the state the mock last acknowledged.
    resumed = settings.state_file if settings.state_file and Path(settings.state_file).exists() else None
    # Read, built and wrapped in the app with the collector paused (state.document.collector_paused),
    # then frozen as `serve` would freeze it after a collection: a collection now would walk every
    # object of the startup state (about 0.3 s of CPU at 10,000 inboxes) to find the few dozen
    # objects of garbage the imports left, which stay instead (bench/bench_state.py --only-start).
    with collector_paused():
        try:
            # A file's document is parsed for this store alone (owned); a generated set may share parts.
            parsed = settings.fixtures is not None and settings.fixtures not in SET_NAMES
            store = (state_file.load(resumed, profile) if resumed
                     else build_store(load(settings.fixtures, seed=settings.seed, inboxes=settings.inboxes), profile,
                                      owned=parsed, generated=not parsed))
            store.avatar_memory_limit = settings.avatar_memory * 1024 * 1024
        except (StateDocumentError, FixtureSetError) as error:
            where = f"{resumed}: " if resumed and resumed not in str(error) else ""
            print(f"chatwoot-mock serve: {where}{error}", file=sys.stderr)
            return 2
        try:
            app = create_app(store, profile=profile, validate_responses=settings.validate_responses,
                             frontend_url=settings.frontend_url, journal_size=settings.journal_size,
                             control_key=settings.control_key, state_file=settings.state_file, drift=settings.drift,
                             cors=settings.cors, resumed=resumed is not None)
        except StateNotSaved as error:
            print(f"chatwoot-mock serve: {error}", file=sys.stderr)
            return 2
    gc.freeze()
    backup = app.extensions[RUNTIME_KEY].state_backup
    if backup is not None:
        print(f"chatwoot-mock serve: {settings.state_file} held a JSON state document; it is now a SQLite "
              f"state database, and the JSON file is kept as {backup}", file=sys.stderr)
    try:
        serve(app, settings.host, settings.port, body_limit=body_limit, access_log=settings.access_log,
              header_timeout_s=settings.client_timeout, body_timeout_s=settings.client_timeout,
              on_ready=lambda url: print(banner(url, store, profile.value, settings.drift), flush=True))
    except PortUnavailable as error:
        print(f"chatwoot-mock serve: {error}", file=sys.stderr)
        return 1
    return 0


def banner(url: str, store: Any, profile: str, drift: list[str]) -> str:
    """What `serve` prints once it listens: the URL, the drift switches, the first users' tokens."""
    lines = [f"chatwoot-mock: serving Chatwoot's Inboxes API on {url} (profile: {profile})"]
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
    return "\n".join(lines)
