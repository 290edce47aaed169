"""What every command's options share: an option that names where a bad value came from (the
command line or its environment variable), the typed values the commands take, and the options of
the commands that reach a deployment over HTTP (contract, diff, record).

Adding an option to a command is one decorator on its function (see `serve.py`):

    @option("--cors", envvar="MOCK_CORS", is_flag=True, help="...")

`option` checks the value up front (before anything is imported or served) and a bad one fails with
one line that names it: `chatwoot-mock serve: MOCK_PORT='abc' (for --port): 'abc' is not a valid integer.`
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click
from click.core import ParameterSource

EXIT_CODES = """\b
Exit codes:
  0    success (contract: every check passed; diff: no difference)
  1    contract failures, diff differences, or the port is taken (serve)
  2    usage: a bad option, environment value, fixture set or state file
  3    a target is unreachable or does not answer like Chatwoot's inbox API
  4    a target refused the token or has no such account
  5    something the run created was left behind, or the write guard refused a request
  130  interrupted (after cleaning up, with the partial summary)"""


class CheckedOption(click.Option):
    """A typed option whose error message names the environment variable when the value came from
    there (click names the option only, which is not what the user typed)."""

    def get_error_hint(self, ctx: click.Context) -> str:
        if ctx.get_parameter_source(self.name) is ParameterSource.ENVIRONMENT:
            names = [self.envvar] if isinstance(self.envvar, str) else list(self.envvar or [])
            used = next((n for n in names if os.environ.get(n)), names[0] if names else "")
            return f"{used}={os.environ.get(used, '')!r} (for {self.opts[0]})"
        return " / ".join(f"'{name}'" for name in self.opts)


def option(*declarations: str, **settings: Any) -> Callable:
    """`click.option`, checked up front, its environment variable shown in `--help`."""
    settings.setdefault("show_envvar", "envvar" in settings)
    settings.setdefault("show_default", "default" in settings and not settings.get("is_flag"))
    return click.option(*declarations, cls=CheckedOption, **settings)


class WholeNumber(click.IntRange):
    """An integer in a range ("'abc' is not a valid integer", not click's "integer range")."""

    name = "integer"


PORT = WholeNumber(0, 65535)
POSITIVE = WholeNumber(min=1)
NOT_NEGATIVE = WholeNumber(min=0)
RATE = click.FloatRange(min=0)


class CommaList(click.ParamType):
    """A comma-separated list of names from `choices` (`--channels api,email`); an unknown one fails
    naming the valid ones. Repeatable options take one name per use or a list; so does their
    environment variable (MOCK_DRIFT=a,b)."""

    name = "list"
    envvar_list_splitter = ","

    def __init__(self, choices: tuple[str, ...], what: str) -> None:
        self.choices = choices
        self.what = what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        names = tuple(n.strip() for n in str(value).split(",") if n.strip())
        unknown = [n for n in names if n not in self.choices]
        if unknown:
            self.fail(f"unknown {self.what} {', '.join(unknown)}; choose from {', '.join(self.choices)}", param, ctx)
        return names

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "NAME[,NAME...]"


def http_options(command: Callable) -> Callable:
    """How the harness reaches a deployment: rate limit, proxy, TLS, retries. Proxies also come
    from HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY, the CA bundle also from SSL_CERT_FILE
    (httpx reads them)."""
    for decorate in reversed((
        option("--rate-limit", type=RATE, default=5.0,
               help="requests per second per target at most; 0 for no limit (use 0 against a local mock)"),
        option("--proxy", metavar="URL", envvar="CHATWOOT_PROXY",
               help="send every request through this proxy (default: HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, "
                    "minus NO_PROXY)"),
        option("--ca-bundle", metavar="FILE", envvar="CHATWOOT_CA_BUNDLE",
               type=click.Path(exists=True, dir_okay=False),
               help="trust the certificates in this PEM file (a self-signed or private CA); default: "
                    "the system's, or SSL_CERT_FILE"),
        option("--insecure", is_flag=True, help="do not verify the server's TLS certificate (a test server only)"),
        option("--retries", type=NOT_NEGATIVE, default=2,
               help="times a request is sent again after a failed connection (and a read after a dropped one)"),
        option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
               help="seconds to wait for a connection or an answer"),
    )):
        command = decorate(command)
    return command


def connection_settings(params: dict[str, Any]) -> Any:
    """The `http_options` of a command as the harness's `Connection`."""
    from mockserver.harness.transport import Connection

    return Connection(proxy=params["proxy"], ca_bundle=params["ca_bundle"], insecure=params["insecure"],
                      retries=params["retries"], timeout=params["timeout"])
