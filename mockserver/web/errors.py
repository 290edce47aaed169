"""The one place errors become answers. Whoever raised a `MockError` (the store, the validator,
the body reader, the control API) and whatever Werkzeug or a crash raised, the answer is JSON in
the active profile, built here and nowhere else."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed

from mockserver.chatwoot.errors import MethodNotAllowed, MockError, PayloadTooLarge, RouteNotFound
from mockserver.chatwoot.profiles import Profile
from mockserver.control.api import is_control_path
from mockserver.web.drift import Drift


class ErrorRenderer:
    """Renders every error of one app; `register` makes it the app's only error handler."""

    def __init__(self, profile: Profile, drift: Drift | None) -> None:
        self.profile = profile
        self.drift = drift

    def register(self, app: Flask) -> None:
        app.register_error_handler(MockError, self.render)
        app.register_error_handler(HTTPException, self.render_http)
        app.register_error_handler(Exception, self.render_crash)

    def render(self, error: MockError) -> Response:
        g.validation_errors = error.complaints()
        response = current_app.json.response(error.body(self.profile))
        # Drift is the public API's; the control API keeps its spec.
        response.status_code = error.status if self.drift is None or is_control_path(request.path) else (
            self.drift.error_status(error))
        response.headers.update(error.headers())
        return response

    def render_http(self, error: HTTPException) -> Response:
        """Werkzeug's own refusals (routing, size) as the mock's errors."""
        if isinstance(error, WerkzeugMethodNotAllowed):
            return self.render(MethodNotAllowed(request.method, error.valid_methods or []))
        if isinstance(error, NotFound):
            return self.render(RouteNotFound(f"No route for {request.method} {request.path[:300]}"))
        if error.code == 413:
            return self.render(PayloadTooLarge())
        fallback = MockError(error.description or error.name)
        fallback.status = error.code or 500
        return self.render(fallback)

    def render_crash(self, error: Exception) -> Response:
        current_app.logger.exception("unhandled error in the mock")
        return self.render(MockError(f"The mock failed on this request: {type(error).__name__}: {error}"[:500]))
