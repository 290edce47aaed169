"""The public API (Chatwoot's Inboxes endpoints) as a Flask Blueprint, and its request pipeline.

`PublicApi.answer` is the pipeline, one named step each, in ARCHITECTURE.md's order: fault →
authenticate → read the body → precheck (Chatwoot's own checks before it reads parameters) →
validate against the spec → handle, and for a write: check the answer, save (or undo) the change.
The journal records the answer on its way out (`mockserver.web.outgoing`). Errors are raised,
never rendered here.

The steps take the request as an argument (a Werkzeug request: Flask's inside its dispatch, one of
the fast path's own outside it, `web.fast`) and the answer is an `answers.Answer`, so that the same
pipeline runs with or without Flask's request context.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Request, Response, request
from werkzeug.datastructures import ImmutableMultiDict

from mockserver.chatwoot.channels import ChannelKind
from mockserver.chatwoot.errors import InjectedFault, MalformedBody, ResponseBreaksSpec, RouteNotFound
from mockserver.chatwoot.ids import record_id
from mockserver.chatwoot.models import Actor, Avatar
from mockserver.chatwoot.params import documented_form_fields, null_strings_to_none, validation_view
from mockserver.chatwoot.params import nest as nest_form_fields
from mockserver.chatwoot.profiles import Profile
from mockserver.chatwoot.store import Store
from mockserver.chatwoot.views import Urls
from mockserver.control.runtime import MockRuntime
from mockserver.web.answers import INCOMING, JSON, Answer, compact_json
from mockserver.web.body import FORM, URLENCODED, read_body
from mockserver.web.drift import Drift
from mockserver.web.memo import BoundedMemo
from mockserver.web.rendered import RenderedInboxes
from mockserver.web.routes import EMPTY, ROUTES, Call, Created, Route
from mockserver.web.validation import IncomingRequest, RequestValidator, ResponseValidator

#: Where WSGI keeps the `api_access_token` header (as `Api-Access-Token`, `api_access_token` alike:
#: what `request.headers.get` reads, without building the headers for it).
TOKEN_ENVIRON = "HTTP_API_ACCESS_TOKEN"
#: The WSGI environ key of a fault picked (and waited for) before the app ran.
PICKED_FAULT = "chatwoot_mock.picked_fault"
_NOT_PICKED = object()
_NO_QUERY = ImmutableMultiDict()
#: The Blueprint's name: its endpoints are "api.<operationId>".
NAME = "api"


class PublicApi:
    """The steps of a public request, for one app (its runtime, validator, profile and drift)."""

    def __init__(self, runtime: MockRuntime, validator: RequestValidator, profile: Profile,
                 drift: Drift | None, frontend_url: str | None,
                 response_validator: ResponseValidator | None = None) -> None:
        self.runtime = runtime
        self.validator = validator
        self.profile = profile
        self.drift = drift  # None: no drift hook on the path at all
        self.frontend_url = frontend_url
        self.response_validator = response_validator
        self.rendered = RenderedInboxes(compact_json)
        self.hosts = HostUrls()
        self.fixed_urls = Urls(frontend_url) if frontend_url else None

    def answer(self, req: Request, route: Route, path: dict[str, Any]) -> Answer:
        self.inject_fault(req, route)
        token = req.environ.get(TOKEN_ENVIRON)
        host_urls = self.hosts.urls(req)  # looked up once: the spec check and the answer's URLs use it
        if self.response_validator is not None:
            # Set now, so that with validate_responses the 401/402/404/400/415 answers of the steps
            # below are checked against the spec too, not only the answers of validated requests.
            req.environ[INCOMING] = _request_line(req, route, path, token, host_urls.frontend_url)
        store = self.runtime.store  # read once: a reset or load may replace it meanwhile
        actor = self.authenticate(store, token, path)
        params, avatar = self.read_body(req, route, store)
        kind = precheck(store, route, actor, path, params)
        self.validate(req, route, path, params, actor, host_urls.frontend_url)
        # The query string is read by one route only (`/assignable_agents?inbox_ids[]=`): nested only when sent.
        query = nest_form_fields(req.args.items(multi=True), typed=False) if req.query_string else {}
        urls = self.fixed_urls if self.fixed_urls is not None else host_urls
        call = Call(store, actor, self.profile, urls, path, params, avatar, rendered=self.rendered, query=query,
                    creation_kind=kind)
        if route.method == "GET":
            return _response(*_created(*self.handle(route, call)))
        # A write is saved before its answer leaves, and undone whole if it is answered 5xx: a crash,
        # a state that cannot be saved (503), an answer that breaks the spec (validate_responses).
        with self.runtime.writing(store):
            answer = _response(*_created(*self.handle(route, call)))
            self.check_answer(req, answer)
        return answer

    def inject_fault(self, req: Request, route: Route) -> None:
        picked = req.environ.get(PICKED_FAULT, _NOT_PICKED)
        fault = self.runtime.faults.pick(route.operation_id) if picked is _NOT_PICKED else picked
        if fault is None:
            return
        if fault.latency_s and picked is _NOT_PICKED:
            # In-process (no server to await it): the latency sleeps on this request's thread.
            time.sleep(fault.latency_s)
        if fault.status is not None:
            raise InjectedFault(fault.status, fault.body)

    def pick_fault_early(self, environ: dict, endpoint: str | None) -> float:
        """For a server that can wait without holding the thread that answers (`web.server`): the
        fault of this request picked before the app runs; the seconds to wait before running it."""
        operation = operation_id(endpoint)
        if operation is None:
            return 0.0
        fault = environ[PICKED_FAULT] = self.runtime.faults.pick(operation)
        return fault.latency_s if fault is not None else 0.0

    def authenticate(self, store: Store, token: str | None, path: dict[str, Any]) -> Actor:
        if self.drift is None:
            return store.authenticate(token, path["account_id"])
        return self.drift.authenticate(store, token, path["account_id"])

    def read_body(self, req: Request, route: Route, store: Store) -> tuple[Any, Avatar | None]:
        try:
            return read_body(req, route, store, self.profile)
        except MalformedBody as error:
            raise (error if self.drift is None else self.drift.body_error(error)) from None

    def validate(self, req: Request, route: Route, path: dict[str, Any], params: Any, actor: Actor,
                 host_url: str) -> None:
        if route.body_types is None:
            # A body-less operation has nothing left for the spec to refuse: the spec declares no
            # query parameters, the token was checked by authenticate and the path ids by the store
            # (a non-numeric id is a 404, as in Rails). Only bodies are validated: it was 85% of a GET.
            return
        for incoming in _incoming(req, route, path, params, actor.user.access_token, self.profile, host_url):
            req.environ[INCOMING] = incoming
            self.validator.validate(incoming)

    def handle(self, route: Route, call: Call) -> tuple[Any, int]:
        if self.drift is None:
            return route.handler(call), 200
        return self.drift.answer(route, self.drift.handler(route)(self.drift.call(route, call)))

    def check_answer(self, req: Request, answer: Answer) -> None:
        """With validate_responses, a write's answer is checked before the write is saved, so one
        that breaks the spec is undone (the outgoing check then sees a 500 and lets it pass)."""
        if self.response_validator is None or answer.status >= 500:
            return
        problems = self.response_validator.response_errors(
            req.environ[INCOMING], answer.status, answer.content_type, answer.body)
        if problems:
            raise ResponseBreaksSpec(answer.status, problems)

    def avatar_blob(self, key: str, filename: str) -> Response:
        avatar = self.runtime.store.avatar(key)
        if avatar is None or avatar.filename != filename:
            raise RouteNotFound("No such avatar")
        return Response(avatar.data, content_type=avatar.content_type)


def api_blueprint(api: PublicApi) -> Blueprint:
    blueprint = Blueprint(NAME, __name__)
    for route in ROUTES:
        # Plain segments, as Rails routes them: a non-numeric id still meets authentication first
        # and is then not found (404), instead of being no route at all.
        rule = route.spec_path.replace("{", "<").replace("}", ">")
        blueprint.add_url_rule(rule, route.operation_id, _view(api, route), methods=[route.method],
                               provide_automatic_options=False)
    blueprint.add_url_rule("/rails/active_storage/blobs/redirect/<key>/<filename>", "avatarBlob",
                           api.avatar_blob, methods=["GET"])
    return blueprint


def operation_id(endpoint: str | None) -> str | None:
    """The operationId of a public route's endpoint; None for anything else."""
    if endpoint is None or not endpoint.startswith(NAME + "."):
        return None
    name = endpoint[len(NAME) + 1:]
    return name if name in _OPERATION_IDS else None


_OPERATION_IDS = frozenset(route.operation_id for route in ROUTES)


def precheck(store: Store, route: Route, actor: Actor, path: dict[str, Any], params: Any) -> ChannelKind | None:
    """The checks Chatwoot makes before it reads the parameters, so they win over a 422; a create's
    channel kind, which the handler hands on (`Store.create_inbox(kind=)`) instead of resolving it again."""
    body = params if isinstance(params, dict) else {}
    store.precheck(actor, route.action, path, route.inbox_id(path, params),
                   agent_bot_id=body.get("agent_bot") if route.looks_up_agent_bot else None, body=body)
    if route.checks_creation and isinstance(params, dict):
        return store.creation_kind(null_strings_to_none(params))
    return None


def _view(api: PublicApi, route: Route) -> Callable[..., Response]:
    def view(**path: str) -> Response:
        return api.answer(request, route, path_values(path)).response()

    return view


def path_values(path: dict[str, str]) -> dict[str, int | str]:
    """The path's segments as the handlers take them: an id as Rails' `find` reads it, or the text."""
    values: dict[str, int | str] = {}
    for name, segment in path.items():
        found = record_id(segment)
        values[name] = segment if found is None else found
    return values


def _response(result: Any, status: int) -> Answer:
    if isinstance(result, bytes):  # already JSON (rendered inboxes, or a list joined from them)
        # A list is joined with its newline (compact JSON never ends in one): 4 MB not copied again.
        return Answer(status, result if result.endswith(b"\n") else result + b"\n", JSON)
    if result is EMPTY:
        # Chatwoot's `head :ok`: no body, but Rails still types it as the request's JSON format.
        return Answer(200, b"", "application/json; charset=utf-8")
    return Answer.json(result, status)


def _request_line(req: Request, route: Route, path: dict[str, Any], token: str | None, host_url: str,
                  content_type: str = "", body: bytes | None = None, form: dict[str, Any] | None = None,
                  parsed: tuple[Any] | None = None) -> IncomingRequest:
    """What the validator sees of any request: the operation, the path and query, the token; and
    the body given. Built by position: through a dict of these and `**` it cost a create 2%."""
    return IncomingRequest(
        route.method, req.path, route.spec_path, {k: str(v) for k, v in path.items()}, content_type, body,
        req.args if req.environ.get("QUERY_STRING") else _NO_QUERY,  # Werkzeug parses even ""
        {"api_access_token": token or ""}, host_url, form, parsed)


def _incoming(req: Request, route: Route, path: dict[str, Any], params: Any, token: str, profile: Profile,
              host_url: str) -> list[IncomingRequest]:
    """The request with its body as the validator sees it: the parameters as read (nested, and cast
    in the chatwoot profile), as a JSON body. In the docs profile a form (multipart or form-encoded)
    is checked twice: as the form it is, against its documented fields (the avatar's rules, the
    form's value spellings), then as that JSON body, so that a form can never pass what the same
    request in JSON would not."""
    mimetype = req.mimetype
    raw = req.get_data(cache=True) if mimetype != FORM else b""
    if mimetype != FORM and not raw:  # an empty body is no body
        return [_request_line(req, route, path, token, host_url, "application/json", None, None, (params,))]
    if mimetype not in (FORM, URLENCODED):
        if profile is Profile.DOCS and mimetype == "application/json" and params:
            # The JSON object exactly as sent (already known to parse).
            return [_request_line(req, route, path, token, host_url, "application/json", raw, None, (params,))]
        view = _validation_view(params, profile)
        return [_request_line(req, route, path, token, host_url, "application/json", _encoded(view), None, (view,))]
    view = _validation_view(params, profile)
    as_json = _request_line(req, route, path, token, host_url, "application/json", _encoded(view), None, (view,))
    if profile is Profile.CHATWOOT:
        # Rails casts every form value ("abc" is 0 for an integer) and ignores fields it does not
        # permit: only the parameters as read are checked (the avatar's rules are the model's).
        return [as_json]
    return [_request_line(req, route, path, token, host_url, mimetype, None, _documented_form_fields(req)), as_json]


def _documented_form_fields(req: Request) -> dict[str, Any]:
    """The form's fields as its schema documents them (`params.documented_form_fields`), a file as its name."""
    fields = documented_form_fields(req.form.items(multi=True))
    fields.update((name, upload.filename or name) for name, upload in req.files.items())
    return fields


def _validation_view(params: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """The parameters as read, in the types the spec documents (the chatwoot profile cast them)."""
    return params if profile is Profile.DOCS else validation_view(params)


def _encoded(view: dict[str, Any]) -> bytes:
    try:
        return compact_json(view)
    except TypeError:  # a cast form integer beyond 64 bits (orjson has none larger): the standard library
        return json.dumps(view).encode()


class HostUrls:
    """The `Urls` of each host the requests name (a few: loopback, a name or two; `frontend_url` is
    the request's host URL), made once: Werkzeug works a request's host URL out anew each time (its
    trusted-host check and IRI decoding), which was a tenth of a GET. Bounded (`BoundedMemo`): past `max_hosts` it
    starts again empty."""

    def __init__(self, max_hosts: int = 64) -> None:
        self._known = BoundedMemo(max_hosts)

    def urls(self, req: Request) -> Urls:
        environ = req.environ
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
               environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME"))
        return self._known.get(key, _host_urls, req)


def _host_urls(req: Request) -> Urls:
    return Urls(req.host_url.rstrip("/"))


def _created(result: Any, status: int) -> tuple[Any, int]:
    """A `Created` result is its body, answered 201."""
    return (result.body, 201) if isinstance(result, Created) else (result, status)
