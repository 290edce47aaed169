"""CORS, as Chatwoot offers it, behind a switch (`create_app(cors=...)`, `--cors`, `MOCK_CORS`).

Chatwoot's `config/initializers/cors.rb` puts rack-cors in front of every request. When Chatwoot runs
as an API-only server (`CW_API_ONLY_SERVER`) it opens every path to any origin, any header and any
method, and exposes `access-token, client, uid, expiry`; otherwise only its own asset and public-API
paths, none of the Inboxes API. rack-cors answers every preflight itself with a 200 and an empty
body, before Rails routes it: with headers when the path is open to the origin, without when not,
which is how a browser is refused. So here:

- a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered 200, empty,
  before routing, whether CORS is on or off, and never journaled as an API call (it is none);
- with CORS on, flask-cors adds the headers as rack-cors would (`*` when any origin is allowed,
  else the caller's origin and `Vary: Origin`; max age 7200 s, rack-cors' default). The control
  API (`/_mock/`) stays same-origin: a page on another origin must not reset a developer's mock.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Request, Response, request
from flask_cors import CORS

#: What Chatwoot's API-only CORS exposes (devise_token_auth's headers).
EXPOSED_HEADERS = ("access-token", "client", "uid", "expiry")
#: rack-cors' default max_age.
PREFLIGHT_MAX_AGE_S = 7200
#: Every path but the control API's.
OPEN_PATHS = r"^/(?!_mock(/|$)).*"


def origins_of(cors: bool | str | Iterable[str] | None) -> tuple[str, ...]:
    """The origins a `cors` switch allows: () for off; ("*",) for on (True, "1", "*", "true");
    otherwise the comma-separated or listed origins."""
    if cors is None or cors is False:
        return ()
    if cors is True:
        return ("*",)
    if isinstance(cors, str):
        text = cors.strip()
        if text.lower() in ("", "0", "false", "off", "no"):
            return ()
        if text.lower() in ("1", "true", "on", "yes", "*"):
            return ("*",)
        cors = text.split(",")
    origins = tuple(origin.strip().rstrip("/") for origin in cors if origin.strip())
    return ("*",) if "*" in origins else origins


def is_preflight(incoming: Request) -> bool:
    return (incoming.method == "OPTIONS" and "Origin" in incoming.headers
            and "Access-Control-Request-Method" in incoming.headers)


def install(app: Flask, origins: tuple[str, ...]) -> None:
    """Answers preflights (always) and adds the CORS headers (with `origins`)."""

    @app.before_request
    def answer_preflight() -> Response | None:
        # Before routing's 405: rack-cors answers a preflight before Rails sees it.
        return Response(b"", status=200) if is_preflight(request) else None

    if origins:
        CORS(app, resources={OPEN_PATHS: {}}, origins=list(origins), send_wildcard=origins == ("*",),
             allow_headers="*", expose_headers=list(EXPOSED_HEADERS), max_age=PREFLIGHT_MAX_AGE_S,
             always_send=False)
