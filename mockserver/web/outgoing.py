"""What happens to every answer on its way out, app-wide (routed or not, public or control):
the response check against the spec (tests), the drifted content type, and the journal.

Flask runs after-request hooks in the reverse order of their registration; `register` registers
them so that they run as listed above: the journal records the final status. The fast path
(`web.fast`) calls the same steps (`checked`, `journal_call`) on the answers it sends itself.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response, request

from mockserver.control.api import is_control_path
from mockserver.control.runtime import MockRuntime
from mockserver.web.answers import INCOMING, RESPONSE_VALIDATOR, VALIDATION_ERRORS, Answer
from mockserver.web.api import operation_id
from mockserver.web.body import MAX_BODY_BYTES
from mockserver.web.cors import is_preflight
from mockserver.web.drift import Drift
from mockserver.web.validation import ResponseValidator

#: The WSGI environ key of the time a request came in: the journal's duration counts from it.
STARTED = "chatwoot_mock.started"
#: The Blueprints of the pages for people (`docs`, `dashboard`): no API calls, so neither journaled nor drifted.
PAGES = frozenset({"docs", "dashboard"})
#: Of a request's body, the journal is handed this much (it keeps 4,096 characters).
JOURNALED_BODY_BYTES = 8192


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
        if not runtime.journal.size or not _is_api_call():
            return response  # control calls are not journaled: a test reads the journal, not itself
        rule = request.url_rule
        journal_call(runtime, request, response.status_code, operation_id(rule.endpoint if rule is not None else None))
        return response

    return journal_request


def journal_call(runtime: MockRuntime, req: Request, status: int, operation: str | None) -> None:
    """The journal's entry of one API call answered `status`."""
    journal = runtime.journal
    if not journal.size:
        return
    started = req.environ.get(STARTED)
    journal.record(
        req.method, req.path, status, query=req.query_string.decode("latin-1"), operation_id=operation,
        duration_ms=(time.perf_counter() - started) * 1000 if started is not None else 0.0,
        validation_errors=req.environ.get(VALIDATION_ERRORS, ()), body=_journaled_body(req))


def _is_api_call() -> bool:
    """Not the control API, not a page for people, not a CORS preflight."""
    return not (is_control_path(request.path) or request.blueprint in PAGES or is_preflight(request))


def _journaled_body(request: Request) -> str:
    """The request's body as the journal shows it: text as sent (the journal cuts it), a multipart
    or urlencoded form as its fields, its files by name and size. A body over the limit is not read."""
    length = request.content_length
    if not length or length > MAX_BODY_BYTES:
        return ""
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields = [f"{name}={value}" for name, value in request.form.items(multi=True)]
        fields += [f"{name}=<{upload.filename}, {upload.stream.seek(0, io.SEEK_END)} bytes>"
                   for name, upload in request.files.items(multi=True)]
        return "\n".join(fields)
    return request.get_data(cache=True)[:JOURNALED_BODY_BYTES].decode("utf-8", "replace")


def _drift_content_type(drift: Drift) -> Callable[[Response], Response]:
    def drift_content_type(response: Response) -> Response:
        if _is_api_call():  # drift is the public API's; the control API and the pages keep theirs
            response.content_type = drift.content_type(response.content_type or "")
        return response

    return drift_content_type


def _check_response(default: ResponseValidator) -> Callable[[Response], Response]:
    def check_response(response: Response) -> Response:
        problems = _problems(request, default, response.status_code, response.headers.get("Content-Type", ""),
                             response)
        return response if not problems else _broken(response.status_code, problems).response()

    return check_response


def checked(req: Request, answer: Answer, default: ResponseValidator) -> Answer:
    """`answer`, or the 500 that names how it breaks the spec."""
    problems = _problems(req, default, answer.status, answer.content_type, answer)
    return answer if not problems else _broken(answer.status, problems)


def _problems(req: Request, default: ResponseValidator, status: int, content_type: str,
              answer: Response | Answer) -> list[str]:
    incoming = req.environ.get(INCOMING)
    if incoming is None or status >= 500:
        return []
    checker: Any = req.environ.get(RESPONSE_VALIDATOR, default)  # the control API sets its own
    body = answer.body if isinstance(answer, Answer) else answer.get_data()
    return checker.response_errors(incoming, status, content_type, body)


def _broken(status: int, problems: list[str]) -> Answer:
    return Answer.json({"error": "mock response breaks the OpenAPI spec", "status": status, "details": problems},
                       500)

