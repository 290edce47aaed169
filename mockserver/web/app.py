"""The HTTP edge: `create_app()` builds a Flask app around a store and a validator.

Every API request passes the same steps, in Chatwoot's order (digest §2.1, §3):
authenticate and check the account (401/404) → read the body (400/415) → the action's own
checks: inbox lookup, role, inbox limit (404/401/402) → the OpenAPI spec (422) → the handler.
Every error, whoever raised it, is rendered here, as JSON, in the active profile.

Around that: an injected fault (`mockserver.control.faults`) may delay or answer a public request before
anything else; a change is written to the state file (if any) before its answer is sent; each
public request is recorded in the journal. The control API (`/_mock/`, `mockserver.control.api`) is
checked against its own spec by the same validator class and is neither journaled nor faulted.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed

from mockserver import resources
from mockserver.chatwoot.errors import (
    ControlForbidden,
    ControlKeyRequired,
    InjectedFault,
    MalformedBody,
    MethodNotAllowed,
    MockError,
    PayloadTooLarge,
    RouteNotFound,
    UnsupportedMediaType,
)
from mockserver.chatwoot.models import Actor
from mockserver.chatwoot.params import nest as nest_form_fields
from mockserver.chatwoot.profiles import DEFAULT_PROFILE, Profile
from mockserver.chatwoot.store import Store, null_strings_to_none, record_id
from mockserver.chatwoot.views import Urls
from mockserver.control.api import CONTROL_KEY_HEADER, CONTROL_PREFIX, CONTROL_ROUTES, ControlCall, ControlRoute
from mockserver.control.faults import Faults
from mockserver.control.journal import DEFAULT_SIZE, Journal
from mockserver.control.runtime import MockRuntime
from mockserver.state.document import build_store, demo_document
from mockserver.web.drift import Drift
from mockserver.web.routes import EMPTY, ROUTES, Call, Route
from mockserver.web.validation import IncomingRequest, OpenAPICoreValidator, RequestValidator

TOKEN_HEADER = "Api-Access-Token"
MAX_BODY_BYTES = 20 * 1024 * 1024  # room for a 15 MB avatar and its form
#: A state document to load: 10,000 inboxes export as about 22 MB of compact JSON.
MAX_CONTROL_BODY_BYTES = 512 * 1024 * 1024
RUNTIME_KEY = "chatwoot_mock"
_STARTED = "chatwoot_mock.started"


def create_app(store: Store | None = None, *, profile: Profile | str | None = None,
               validator: RequestValidator | None = None, validate_responses: bool = False,
               frontend_url: str | None = None, journal_size: int = DEFAULT_SIZE,
               control_key: str | None = None, state_file: str | Path | None = None,
               drift: Iterable[str] | str | None = None) -> Flask:
    """The mock as a WSGI app.

    `store`: the state to serve (default: the demo document). `profile`: "docs" or "chatwoot"
    (default: the store's). `validate_responses`: check every answer against the spec too and
    answer 500 on a mismatch (tests turn this on). `frontend_url`: what Chatwoot's FRONTEND_URL
    would be (default: the URL the request came in on). `journal_size`: how many requests the
    journal keeps (0: none). `control_key`: the key the control API asks for (None: open to
    loopback clients only). `state_file`: write the state there after every change (created
    now if missing). `drift`: names of `mockserver.web.drift.SWITCHES` to turn on, deliberate
    deviations from the contract (default none; unknown names raise).

    `app.extensions["chatwoot_mock"]` is the app's `MockRuntime`: its store, journal and faults.
    """
    active_profile = Profile.parse(profile) if profile is not None else (
        store.profile if store is not None else DEFAULT_PROFILE)
    if store is None:
        store = build_store(demo_document(), active_profile)
    store.profile = active_profile
    spec_validator = OpenAPICoreValidator(resources.load_spec())
    control_validator = OpenAPICoreValidator(resources.load_control_spec())
    request_validator = validator or spec_validator
    drifted = Drift.from_names(drift)  # None: the request path has no drift hooks at all
    runtime = MockRuntime(store, journal=Journal(journal_size), faults=Faults(), state_path=state_file)

    app = Flask("mockserver")
    app.json.sort_keys = False  # keep Chatwoot's field order
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.wsgi_app = _strip_trailing_slash(app.wsgi_app)  # type: ignore[method-assign]
    app.extensions[RUNTIME_KEY] = runtime

    def render_error(error: MockError) -> Response:
        g.validation_errors = error.complaints()
        response = app.json.response(error.body(active_profile))
        response.status_code = error.status if drifted is None or _is_control(request.path) else (
            drifted.error_status(error))
        response.headers.update(error.headers())
        return response

    def handle(route: Route, **path: Any) -> Response:
        fault = runtime.faults.pick(route.operation_id)
        if fault is not None:
            # Sleeps on this request's thread: with the served mock's pool (8 threads by
            # default) each delayed request ties up one thread.
            if fault.latency_s:
                time.sleep(fault.latency_s)
            if fault.status is not None:
                raise InjectedFault(fault.status, fault.body)
        token = request.headers.get(TOKEN_HEADER)
        # Set now, so that with validate_responses the 401/402/404/400/415 answers of the steps
        # below are checked against the spec too, not only the answers of validated requests.
        g.incoming = IncomingRequest(**_request_line(route, path, token))
        store = runtime.store  # read once: a reset or load may replace it meanwhile
        actor = (store.authenticate(token, path["account_id"]) if drifted is None
                 else drifted.authenticate(store, token, path["account_id"]))
        try:
            params, avatar = _read_body(route, store)
        except MalformedBody as error:
            raise (error if drifted is None else drifted.body_error(error)) from None
        _precheck(store, route, actor, path, params)
        if route.body_types is not None:
            # A body-less operation has nothing left for the spec to refuse: the spec declares no
            # query parameters, the token was checked by authenticate and the path ids by the store
            # (a non-numeric id is a 404, as in Rails). Only bodies are validated: it was 85% of a GET.
            for incoming in _incoming(route, path, params, actor.user.access_token):
                g.incoming = incoming
                request_validator.validate(incoming)
        urls = Urls(frontend_url or request.host_url.rstrip("/"))
        call = Call(store, actor, active_profile, urls, path, params, avatar)
        if drifted is None:
            result, status = route.handler(call), 200
        else:
            result, status = drifted.answer(route, drifted.handler(route)(drifted.call(route, call)))
        if route.method != "GET":
            runtime.persist()  # on disk before the client hears of it
        if result is EMPTY:
            # Chatwoot's `head :ok`: no body, but Rails still types it as the request's JSON format.
            return Response(b"", status=200, content_type="application/json; charset=utf-8")
        response = app.json.response(result)
        response.status_code = status
        return response

    for route in ROUTES:
        # Plain segments, as Rails routes them: a non-numeric id still meets authentication first
        # and is then not found (404), instead of being no route at all.
        rule = route.spec_path.replace("{", "<").replace("}", ">")
        app.add_url_rule(rule, route.operation_id, _bind(handle, route), methods=[route.method],
                         provide_automatic_options=False)

    def check_control_access() -> None:
        if control_key is not None:
            given = request.headers.get(CONTROL_KEY_HEADER, "")
            if not hmac.compare_digest(given.encode("utf-8"), control_key.encode("utf-8")):
                raise ControlKeyRequired()
        elif not _loopback(request.remote_addr):
            raise ControlForbidden()

    def handle_control(route: ControlRoute, **path: str) -> Response:
        check_control_access()
        request.max_content_length = MAX_CONTROL_BODY_BYTES
        raw = request.get_data(cache=True)
        incoming = IncomingRequest(
            method=route.method, path=request.path, path_pattern=route.path, path_params=path,
            query=request.args, content_type=request.content_type or "", body=raw or None,
            host_url=request.host_url.rstrip("/"))
        g.incoming, g.response_validator = incoming, control_validator
        control_validator.validate(incoming)
        body = _parse_json(raw) if route.takes_body else None
        typed_path = {name: int(value) for name, value in path.items()}  # the spec admits integers only
        result = route.handler(ControlCall(runtime, typed_path, request.args.to_dict(), body))
        if isinstance(result, bytes):  # already JSON (an exported state)
            return Response(result, status=route.status, content_type="application/json")
        response = app.json.response(result)
        response.status_code = route.status
        return response

    for control_route in CONTROL_ROUTES:
        rule = control_route.path.replace("{", "<").replace("}", ">")
        app.add_url_rule(rule, "control." + control_route.operation_id,
                         functools.partial(handle_control, control_route),
                         methods=[control_route.method], provide_automatic_options=False)

    operation_ids = frozenset(route.operation_id for route in ROUTES)

    @app.after_request
    def journal_request(response: Response) -> Response:
        # Registered before check_response, so it runs after it and records the final status.
        journal = runtime.journal
        if not journal.size or _is_control(request.path):
            return response  # control calls are not journaled: a test reads the journal, not itself
        rule = request.url_rule
        started = request.environ.get(_STARTED)
        journal.record(
            request.method, request.path, response.status_code,
            query=request.query_string.decode("latin-1"),
            operation_id=rule.endpoint if rule is not None and rule.endpoint in operation_ids else None,
            duration_ms=(time.perf_counter() - started) * 1000 if started is not None else 0.0,
            validation_errors=g.get("validation_errors", ()))
        return response

    @app.get("/rails/active_storage/blobs/redirect/<key>/<filename>")
    def avatar_blob(key: str, filename: str) -> Response:
        avatar = runtime.store.avatar(key)
        if avatar is None or avatar.filename != filename:
            raise RouteNotFound("No such avatar")
        return Response(avatar.data, content_type=avatar.content_type)

    @app.errorhandler(MockError)
    def on_mock_error(error: MockError) -> Response:
        return render_error(error)

    @app.errorhandler(HTTPException)
    def on_http_error(error: HTTPException) -> Response:
        if isinstance(error, WerkzeugMethodNotAllowed):
            return render_error(MethodNotAllowed(request.method, error.valid_methods or []))
        if isinstance(error, NotFound):
            return render_error(RouteNotFound(f"No route for {request.method} {request.path}"))
        if error.code == 413:
            return render_error(PayloadTooLarge())
        fallback = MockError(error.description or error.name)
        fallback.status = error.code or 500
        return render_error(fallback)

    @app.errorhandler(Exception)
    def on_crash(error: Exception) -> Response:
        app.logger.exception("unhandled error in the mock")
        fallback = MockError(f"The mock failed on this request: {type(error).__name__}: {error}"[:500])
        return render_error(fallback)

    if drifted is not None:
        @app.after_request
        def drift_content_type(response: Response) -> Response:
            if not _is_control(request.path):  # drift is the public API's; the control API keeps its spec
                response.content_type = drifted.content_type(response.content_type or "")
            return response

    if validate_responses:
        @app.after_request
        def check_response(response: Response) -> Response:
            incoming = g.get("incoming")
            if incoming is None or response.status_code >= 500:
                return response
            content_type = response.headers.get("Content-Type", "")
            checker = g.get("response_validator", spec_validator)
            problems = checker.response_errors(incoming, response.status_code, content_type, response.get_data())
            if problems:
                broken = app.json.response({"error": "mock response breaks the OpenAPI spec",
                                            "status": response.status_code, "details": problems})
                broken.status_code = 500
                return broken
            return response

    return app


def _is_control(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def _bind(handle: Callable[..., Response], route: Route) -> Callable[..., Response]:
    def view(**path: str) -> Response:
        return handle(route, **{name: _path_value(value) for name, value in path.items()})

    return view


def _loopback(address: str | None) -> bool:
    """127.0.0.0/8 and ::1, also written as an IPv4-mapped IPv6 address."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def _path_value(segment: str) -> int | str:
    found = record_id(segment)
    return segment if found is None else found


def _strip_trailing_slash(wsgi_app: Callable) -> Callable:
    """Chatwoot (Rails) serves `/inboxes/` as `/inboxes`; real clients use both spellings."""

    def app(environ: dict, start_response: Callable) -> Any:
        environ[_STARTED] = time.perf_counter()  # the journal's duration counts from here
        path = environ.get("PATH_INFO", "")
        if len(path) > 1 and path.endswith("/"):
            environ["PATH_INFO"] = path[:-1]
        return wsgi_app(environ, start_response)

    return app


def _read_body(route: Route, store: Store) -> tuple[Any, Any]:
    """The request's parameters (a dict for a JSON object) and its avatar upload, if any."""
    if route.body_types is None:
        return {}, None
    raw = request.get_data(cache=True)
    mimetype = request.mimetype
    if not raw and mimetype != "multipart/form-data":
        return {}, None
    if mimetype not in route.body_types:
        accepted = " or ".join(route.body_types)
        raise UnsupportedMediaType(f"Unsupported Content-Type {mimetype or '(none)'!r}; send {accepted}")
    if mimetype == "multipart/form-data":
        params = nest_form_fields(request.form.items(multi=True))
        upload = request.files.get("avatar")
        avatar = store.new_avatar(upload.filename or "avatar", upload.mimetype, upload.read()) if upload else None
        return params, avatar
    return _parse_json(raw), None


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedBody(f"Request body is not valid JSON: {error}") from None
    except RecursionError:
        raise MalformedBody("Request body is not valid JSON: nested too deeply") from None


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are Python's extensions, not JSON."""
    raise ValueError(f"{name} is not a JSON value")


def _precheck(store: Store, route: Route, actor: Actor, path: dict[str, Any], params: Any) -> None:
    """The checks Chatwoot makes before it reads the parameters, so they win over a 422."""
    body = params if isinstance(params, dict) else {}
    store.authorize(actor, route.action, route.inbox_id(path, params),
                    agent_bot_id=body.get("agent_bot") if route.looks_up_agent_bot else None)
    if route.checks_creation and isinstance(params, dict):
        store.creation_kind(null_strings_to_none(params))


def _request_line(route: Route, path: dict[str, Any], token: str | None) -> dict[str, Any]:
    """What the validator sees of any request: the operation, the path and query, the token."""
    return {
        "method": route.method,
        "path": request.path,
        "path_pattern": route.spec_path,
        "path_params": {k: str(v) for k, v in path.items()},
        "query": request.args,
        "headers": {"api_access_token": token or ""},
        "host_url": request.host_url.rstrip("/"),
    }


def _incoming(route: Route, path: dict[str, Any], params: Any, token: str) -> list[IncomingRequest]:
    """The request with its body as the validator sees it. A form upload is checked twice: as the
    form it is (its own constraints: the avatar, the spelling of booleans), then as the JSON body it
    becomes, so that a form can never pass what the same request in JSON would not."""
    common = _request_line(route, path, token)
    if request.mimetype != "multipart/form-data":
        # The JSON exactly as sent (already known to parse); an empty body is no body.
        raw = request.get_data(cache=True)
        return [IncomingRequest(**common, content_type="application/json", body=raw or None)]
    fields = {**request.form.to_dict(), **{k: f.filename or k for k, f in request.files.items()}}
    return [IncomingRequest(**common, content_type="multipart/form-data", form=fields),
            IncomingRequest(**common, content_type="application/json", body=json.dumps(params).encode())]
