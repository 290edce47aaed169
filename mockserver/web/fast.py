"""The fast path: the public API's calls answered without Flask's request dispatch.

Why: profiled (cProfile, the app called as WSGI), once the pipeline's own costs were cut, Flask's
dispatch was most of a public call: the request and app contexts pushed and popped, the URL
adapter bound twice and the route matched, the after-request hooks, a Werkzeug response built and
turned back into WSGI (`bench/bench_inboxes.py` prints the call against a bare Flask app).
Here a public call runs the same pipeline (`api.PublicApi.answer`), the same error renderer
(`errors.ErrorRenderer.answer`), the same response check and journal (`outgoing`), on a Werkzeug
request of its own, and sends the `Answer` as it is.

What still goes through Flask, unchanged: everything that is not a public API call (the control
API, the pages, the avatar blobs, unknown paths, wrong methods, HEAD), form bodies (Flask's
configured form parser reads them), and, for the whole app, drift and CORS (their hooks are
Flask's). So does every request once the app's user has added anything of their own to Flask's
dispatch after `create_app` through Flask's methods for it (a before- or after-request hook, a
teardown, an error handler; not one written into Flask's registries by hand), or
while anything listens to Flask's request signals: the fast path would skip those, so it steps
aside (the contract suite counts answers in an after-request hook). Routing stays Werkzeug's: a
path is matched by the app's own URL map the first time it is seen, and the result kept (bounded),
so the fast path answers exactly the requests Flask would route to a public API view.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Request, signals
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_options_header

from mockserver.control.runtime import MockRuntime
from mockserver.web import outgoing
from mockserver.web.api import PublicApi, operation_id, path_values
from mockserver.web.errors import ErrorRenderer
from mockserver.web.memo import BoundedMemo
from mockserver.web.routes import ROUTES, Route
from mockserver.web.validation import ResponseValidator

#: Paths longer than this are matched every time, not kept (a hostile client's megabyte paths).
MAX_KEPT_PATH = 512


class FastPath:
    """A WSGI app answering public API calls itself and handing every other request to `flask_app`."""

    def __init__(self, app: Flask, flask_app: Callable, public: PublicApi, renderer: ErrorRenderer,
                 runtime: MockRuntime, response_validator: ResponseValidator | None,
                 max_paths: int = 4096) -> None:
        self.flask_app = flask_app
        self.public = public
        self.renderer = renderer
        self.runtime = runtime
        self.response_validator = response_validator
        self.request_class = _once_typed(app.request_class)
        self.url_map = app.url_map
        self.routes = {route.operation_id: route for route in ROUTES}
        #: (method, path) -> (route, path values), or None for a request that is not a public call.
        self._matched = BoundedMemo(max_paths)
        self.app = app
        # What create_app registered (`outgoing`, `errors`, `cors`).
        self._own_hooks = _hooks(app)
        self._hooks_own = True
        self._setup_ran = False
        # Counting the hooks was 5-11 us of every call: they are counted again only after one of
        # Flask's setup methods ran (`app.after_request`, `errorhandler`, `register_blueprint`, ...:
        # each calls `_check_setup_finished` first). tests/web/test_fast.py adds a hook that way.
        check_setup_finished = app._check_setup_finished

        def note_setup(name: str) -> None:
            self._setup_ran = True
            check_setup_finished(name)

        app._check_setup_finished = note_setup  # type: ignore[method-assign]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        found = self._match(environ)
        content_type = environ.get("CONTENT_TYPE", "")
        if found is None or "form" in content_type.lower() or not self._own_dispatch():
            # Not a public call; a form body (Flask's form parser reads it, with the app's limits); or
            # hooks of the app's user that only Flask's dispatch runs.
            return self.flask_app(environ, start_response)
        route, values = found
        path = dict(values)  # the kept values stay the kept ones
        # Not kept in the environ (`werkzeug.request`): that made each request a reference cycle
        # (request -> environ -> request), freed by the garbage collector instead of on return,
        # about 30 us of collections per create while the state grows (bench/README.md).
        req = self.request_class(environ, populate_request=False)
        req.mimetype = parse_options_header(content_type)[0].lower()  # as Werkzeug's property reads it
        try:
            answer = self.public.answer(req, route, path)
        except Exception as error:  # as Flask's dispatch hands any error to the app's handlers
            answer = self.renderer.answer(req, error)
        if self.response_validator is not None:
            answer = outgoing.checked(req, answer, self.response_validator)
        outgoing.journal_call(self.runtime, req, answer.status, route.operation_id)
        start_response(answer.status_line(), answer.wsgi_headers())
        return [answer.body]

    def _own_dispatch(self) -> bool:
        """Whether Flask's dispatch would run only what create_app gave it: no receiver of a request
        signal (they connect at any time), and the app's own hooks."""
        if any(map(_RECEIVERS, _SIGNALS)):
            return False
        if self._setup_ran:
            self._setup_ran = False
            self._hooks_own = _hooks(self.app) == self._own_hooks
        return self._hooks_own

    def _match(self, environ: dict) -> tuple[Route, dict[str, Any]] | None:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        if len(path) > MAX_KEPT_PATH:
            return self._route(environ, method)
        return self._matched.get((method, path), self._route, environ, method)

    def _route(self, environ: dict, method: str) -> tuple[Route, dict[str, Any]] | None:
        """What Flask's URL map routes this request to, if it is a public API call (by its own
        method: Flask also routes HEAD to a GET view, and answers it without a body)."""
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
        except HTTPException:  # not found, a wrong method, a redirect: Flask answers it
            return None
        operation = operation_id(endpoint)
        if operation is None or self.routes[operation].method != method:
            return None
        return self.routes[operation], path_values(values)


def _once_typed(request_class: type[Request]) -> type[Request]:
    """The app's request class with its `mimetype` a plain attribute, which the fast path sets
    from the environ's Content-Type as Werkzeug parses it: Werkzeug's property parses the header
    again at each read (through the headers' view of the environ), and a public call reads it
    three times (the body, the spec check, the journal)."""

    class OnceTyped(request_class):  # type: ignore[valid-type, misc]
        mimetype = ""

    OnceTyped.__name__ = OnceTyped.__qualname__ = request_class.__name__
    return OnceTyped


_SIGNALS = (signals.request_started, signals.request_finished, signals.got_request_exception,
            signals.request_tearing_down, signals.appcontext_pushed, signals.appcontext_popped,
            signals.appcontext_tearing_down)


_RECEIVERS = operator.attrgetter("receivers")


def _hooks(app: Flask) -> tuple[int, ...]:
    """How many functions the app's dispatch would call besides the views: its hooks and error
    handlers. The fast path runs only while the app has the hooks `create_app` gave it."""
    return (sum(map(len, app.before_request_funcs.values())), sum(map(len, app.after_request_funcs.values())),
            sum(map(len, app.teardown_request_funcs.values())), len(app.teardown_appcontext_funcs),
            sum(map(len, app.url_value_preprocessors.values())),
            sum(len(handlers) for codes in app.error_handler_spec.values() for handlers in codes.values()))
