"""`create_app()`: the factory that builds one mock as a WSGI app.

It builds the app's parts once (the runtime, the validators, the drift hooks), registers the
Blueprints (the public API, the control API, the docs pages and the dashboard), CORS (`cors`),
the one error renderer (`errors`) and the hooks every answer passes on its way out (`outgoing`).
The request pipeline itself is `api.PublicApi`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, request
from werkzeug.exceptions import HTTPException

from mockserver import resources
from mockserver.chatwoot.profiles import DEFAULT_PROFILE, Profile
from mockserver.chatwoot.store import Store
from mockserver.control.api import ControlRoute
from mockserver.control.blueprint import SpecCheck, control_blueprint, loopback
from mockserver.control.dashboard import dashboard_blueprint
from mockserver.control.faults import Faults
from mockserver.control.journal import DEFAULT_SIZE, Journal
from mockserver.control.runtime import MockRuntime
from mockserver.state.document import build_store, demo_document
from mockserver.web import cors as cors_switch
from mockserver.web import outgoing
from mockserver.web.answers import INCOMING, RESPONSE_VALIDATOR
from mockserver.web.api import PublicApi, api_blueprint
from mockserver.web.body import MAX_BODY_BYTES, MAX_CONTROL_BODY_BYTES, parse_json, read_raw
from mockserver.web.compiled import media_type_of
from mockserver.web.docs import docs_blueprint
from mockserver.web.drift import Drift
from mockserver.web.errors import ErrorRenderer
from mockserver.web.fast import FastPath
from mockserver.web.json_provider import OrjsonProvider
from mockserver.web.routes import ROUTES
from mockserver.web.server import EARLY_FAULT, WRITES_OFF_LOOP
from mockserver.web.validation import (
    IncomingRequest,
    OpenAPICoreValidator,
    RequestValidator,
    compiled_request_validator,
)

RUNTIME_KEY = "chatwoot_mock"


def create_app(store: Store | None = None, *, profile: Profile | str | None = None,
               validator: RequestValidator | None = None, validate_responses: bool = False,
               frontend_url: str | None = None, journal_size: int = DEFAULT_SIZE,
               control_key: str | None = None, state_file: str | Path | None = None,
               drift: Iterable[str] | str | None = None, cors: bool | str | Iterable[str] | None = None,
               fast_path: bool = True, resumed: bool = False) -> Flask:
    """The mock as a WSGI app.

    `store`: the state to serve (default: the demo document). `profile`: "docs" or "chatwoot"
    (default: the store's). `validate_responses`: check every answer against the spec too and
    answer 500 on a mismatch (tests turn this on). `frontend_url`: what Chatwoot's FRONTEND_URL
    would be (default: the URL the request came in on). `journal_size`: how many requests the
    journal keeps (0: none). `control_key`: the key the control API asks for (None: open to
    loopback clients only). `state_file`: keep the state in a SQLite database there, each
    change committed before its answer (made now from `store` if missing; see control/state_file.py).
    `resumed`: `store` was just read from that state file's database (`control.state_file.load`),
    which is then not written again at start.
    `drift`: names of `mockserver.web.drift.SWITCHES` to turn on, deliberate
    deviations from the contract (default none; unknown names raise). `cors`: let browser pages on
    other origins call the API, as Chatwoot's API-only server does (True or "*": any origin; or the
    origins, listed or comma-separated; default off; `mockserver.web.cors`). `fast_path`: answer the
    public API's calls without Flask's request dispatch (`mockserver.web.fast`; the same answers;
    off with drift or CORS; False: every request through Flask, for tests and benchmarks).

    `app.extensions["chatwoot_mock"]` is the app's `MockRuntime`: its store, journal and faults.
    """
    active_profile = Profile.parse(profile) if profile is not None else (
        store.profile if store is not None else DEFAULT_PROFILE)
    if store is None:
        store = build_store(demo_document(), active_profile, owned=True)  # parsed for this store alone
    store.profile = active_profile
    spec_validator = OpenAPICoreValidator(resources.load_spec())
    control_spec = resources.load_control_spec()
    control_validator = OpenAPICoreValidator(control_spec)
    drifted = Drift.from_names(drift)  # None: the request path has no drift hooks at all
    origins = cors_switch.origins_of(cors)
    settings = {"drift": sorted(drifted.names) if drifted is not None else [],
                "cors": {"enabled": bool(origins), "origins": list(origins)}, "control_key": control_key is not None,
                "journal_size": journal_size, "state_file": str(state_file) if state_file is not None else None,
                "frontend_url": frontend_url}
    faults = Faults(operations=[route.operation_id for route in ROUTES])
    runtime = MockRuntime(store, journal=Journal(journal_size), faults=faults, state_path=state_file,
                          settings=settings, resumed=resumed)

    app = Flask("mockserver")
    app.json = OrjsonProvider(app)  # keeps Chatwoot's field order
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions[RUNTIME_KEY] = runtime

    # Request bodies: validators compiled once per spec (jsonschema-rs); openapi-core stays the
    # reference (tests/web/test_validation_agreement.py), the answers' judge and the control API's.
    request_validator = validator or compiled_request_validator(resources.load_spec())
    public = PublicApi(runtime, request_validator, active_profile, drifted, frontend_url,
                       response_validator=spec_validator if validate_responses else None)
    control = control_blueprint(runtime, check_spec=_control_spec_check(control_spec, control_validator),
                                read_raw=lambda limit: read_raw(request, limit), control_key=control_key,
                                max_body_bytes=MAX_CONTROL_BODY_BYTES)
    docs = docs_blueprint(runtime, loopback=loopback)
    dashboard = dashboard_blueprint([route.operation_id for route in ROUTES], key_required=control_key is not None,
                                    loopback=loopback)
    _register_blueprints(app, api_blueprint(public), control, docs, dashboard)
    cors_switch.install(app, origins)
    app.extensions[EARLY_FAULT] = _early_fault(app, runtime, public)
    app.extensions[WRITES_OFF_LOOP] = state_file is not None
    renderer = ErrorRenderer(active_profile, drifted)
    renderer.register(app)
    response_validator = spec_validator if validate_responses else None
    outgoing.register(app, runtime, drift=drifted, response_validator=response_validator)
    wsgi_app = app.wsgi_app
    if fast_path and drifted is None and not origins:
        wsgi_app = FastPath(app, wsgi_app, public, renderer, runtime, response_validator)
    app.wsgi_app = _stamp_and_strip_trailing_slash(wsgi_app)  # type: ignore[method-assign]
    return app


def _register_blueprints(app: Flask, *blueprints: Blueprint) -> None:
    """Every HTTP surface of the mock, each a Blueprint: the public API, the control API, and the
    pages for people (`outgoing.PAGES`: the docs pages, the dashboard).
    Registered before the outgoing hooks, so that hooks a Blueprint adds app-wide run after them."""
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def _early_fault(app: Flask, runtime: MockRuntime, public: PublicApi) -> Callable[[dict], float]:
    """`web.server` asks this before running a request: with a fault set, the request's route is
    matched and its fault picked now, so that the server awaits the latency instead of the app
    sleeping on the thread that serves everyone. With none set it costs one truth test."""

    def early_fault(environ: dict) -> float:
        if not runtime.faults:
            return 0.0
        path = environ.get("PATH_INFO", "")
        try:
            endpoint, _ = app.url_map.bind_to_environ(environ).match(
                path_info=path[:-1] if len(path) > 1 and path.endswith("/") else path)
        except HTTPException:
            return 0.0
        return public.pick_fault_early(environ, endpoint)

    return early_fault


def _control_spec_check(spec: Mapping[str, Any], validator: OpenAPICoreValidator) -> SpecCheck:
    """The control API's requests checked against `openapi/control.yaml`, and their bodies parsed.
    A JSON body of an operation with no parameters (loadState, addFault) is parsed by the public
    API's `parse_json` and checked by the compiled validator, the public API's engine (the same
    verdicts, the values never rendered): a state document of 10,000 inboxes (19 MB) was parsed
    a second time and walked in Python by openapi-core, about 0.6 s of the load, after importing
    openapi-core on the first load (bench/bench_state.py --only-start). The other requests (path or
    query parameters, another content type: a 415) are checked by openapi-core, the same class as
    the public API's reference, which also checks the answers (with validate_responses)."""

    def check(route: ControlRoute, path: dict[str, str], raw: bytes) -> Any:
        incoming = IncomingRequest(
            method=route.method, path=request.path, path_pattern=route.path, path_params=path,
            query=request.args, content_type=request.content_type or "", body=raw or None,
            host_url=request.host_url.rstrip("/"))
        request.environ[INCOMING], request.environ[RESPONSE_VALIDATOR] = incoming, validator
        if route.takes_body and not path and raw and media_type_of(incoming.content_type) == "application/json":
            incoming.parsed = (parse_json(raw),)
            compiled_request_validator(spec).validate(incoming)
            return incoming.parsed[0]
        validator.validate(incoming)
        return parse_json(raw) if route.takes_body else None

    return check


def _stamp_and_strip_trailing_slash(wsgi_app: Callable) -> Callable:
    """Notes the start time for the journal; and strips a trailing slash, as Chatwoot (Rails)
    serves `/inboxes/` as `/inboxes`: real clients use both spellings; and a `.json` format suffix."""

    def app(environ: dict, start_response: Callable) -> Any:
        environ[outgoing.STARTED] = time.perf_counter()
        path = environ.get("PATH_INFO", "")
        if len(path) > 1 and path.endswith("/"):
            path = environ["PATH_INFO"] = path[:-1]
        if path.endswith(".json") and path.startswith("/api/"):
            # Rails' `(.:format)`: `/inboxes/1.json` is `/inboxes/1` (Chatwoot's API is JSON anyway).
            environ["PATH_INFO"] = path[:-5]
        return wsgi_app(environ, start_response)

    return app
