"""What happens to every answer on its way out, app-wide (routed or not, public or control):
the response check against the spec (tests), the drifted content type, and the journal.

Flask runs after-request hooks in the reverse order of their registration; `register` registers
them so that they run as listed above: the journal records the final status.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request

from mockserver.control.api import is_control_path
from mockserver.control.runtime import MockRuntime
from mockserver.web.api import operation_id
from mockserver.web.drift import Drift
from mockserver.web.validation import ResponseValidator

#: The WSGI environ key of the time a request came in: the journal's duration counts from it.
STARTED = "chatwoot_mock.started"


def register(app: Flask, runtime: MockRuntime, *, drift: Drift | None,
             response_validator: ResponseValidator | None) -> None:
    """`response_validator`: check every answer against the spec (None: no check)."""
    app.after_request(_journal(runtime))
    if drift is not None:
        app.after_request(_drift_content_type(drift))
    if response_validator is not None:
        app.after_request(_check_response(response_validator))


def _journal(runtime: MockRuntime) -> Callable[[Response], Response]:
    def journal_request(response: Response) -> Response:
        journal = runtime.journal
        if not journal.size or is_control_path(request.path):
            return response  # control calls are not journaled: a test reads the journal, not itself
        rule = request.url_rule
        started = request.environ.get(STARTED)
        journal.record(
            request.method, request.path, response.status_code,
            query=request.query_string.decode("latin-1"),
            operation_id=operation_id(rule.endpoint if rule is not None else None),
            duration_ms=(time.perf_counter() - started) * 1000 if started is not None else 0.0,
            validation_errors=g.get("validation_errors", ()))
        return response

    return journal_request


def _drift_content_type(drift: Drift) -> Callable[[Response], Response]:
    def drift_content_type(response: Response) -> Response:
        if not is_control_path(request.path):  # drift is the public API's; the control API keeps its spec
            response.content_type = drift.content_type(response.content_type or "")
        return response

    return drift_content_type


def _check_response(default: ResponseValidator) -> Callable[[Response], Response]:
    def check_response(response: Response) -> Response:
        incoming = g.get("incoming")
        if incoming is None or response.status_code >= 500:
            return response
        content_type = response.headers.get("Content-Type", "")
        checker: Any = g.get("response_validator", default)  # the control API sets its own
        problems = checker.response_errors(incoming, response.status_code, content_type, response.get_data())
        if not problems:
            return response
        broken = current_app.json.response({"error": "mock response breaks the OpenAPI spec",
                                            "status": response.status_code, "details": problems})
        broken.status_code = 500
        return broken

    return check_response

