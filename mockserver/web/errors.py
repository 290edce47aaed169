"""The one place errors become answers. Whoever raised a `MockError` (the store, the validator,
the body reader, the control API) and whatever Werkzeug or a crash raised, the answer is JSON in
the active profile, built here and nowhere else: as an `answers.Answer` (`answer`, what the fast
path sends), which Flask's error handlers turn into a response."""

from __future__ import annotations

import logging

from flask import Flask, Request, request
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed

from mockserver.chatwoot.errors import MethodNotAllowed, MockError, PayloadTooLarge, RouteNotFound
from mockserver.chatwoot.profiles import Profile
from mockserver.control.api import is_control_path
from mockserver.web.answers import VALIDATION_ERRORS, Answer
from mockserver.web.drift import Drift


class ErrorRenderer:
    """Renders every error of one app; `register` makes it the app's only error handler."""

    def __init__(self, profile: Profile, drift: Drift | None) -> None:
        self.profile = profile
        self.drift = drift
        self.logger = logging.getLogger("mockserver")

    def register(self, app: Flask) -> None:
        self.logger = app.logger
        app.register_error_handler(MockError, lambda error: self.render(request, error).response())
        app.register_error_handler(HTTPException, lambda error: self.render_http(request, error).response())
        app.register_error_handler(Exception, lambda error: self.render_crash(request, error).response())

    def answer(self, req: Request, error: Exception) -> Answer:
        """Any error raised while answering `req`, as Flask's handlers above would render it."""
        if isinstance(error, MockError):
            return self.render(req, error)
        if isinstance(error, HTTPException):
            return self.render_http(req, error)
        return self.render_crash(req, error)

    def render(self, req: Request, error: MockError) -> Answer:
        req.environ[VALIDATION_ERRORS] = error.complaints()
        # Drift is the public API's; the control API keeps its spec.
        status = error.status if self.drift is None or is_control_path(req.path) else self.drift.error_status(error)
        return Answer.json(error.body(self.profile), status, error.headers())

    def render_http(self, req: Request, error: HTTPException) -> Answer:
        """Werkzeug's own refusals (routing, size) as the mock's errors."""
        if isinstance(error, WerkzeugMethodNotAllowed):
            return self.render(req, MethodNotAllowed(req.method, error.valid_methods or []))
        if isinstance(error, NotFound):
            return self.render(req, RouteNotFound(f"No route for {req.method} {req.path[:300]}"))
        if error.code == 413:
            return self.render(req, PayloadTooLarge())
        fallback = MockError(error.description or error.name)
        fallback.status = error.code or 500
        return self.render(req, fallback)

    def render_crash(self, req: Request, error: Exception) -> Answer:
        self.logger.exception("unhandled error in the mock", exc_info=error)
        return self.render(req, MockError(f"The mock failed on this request: {type(error).__name__}: {error}"[:500]))

