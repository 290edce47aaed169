"""An answer of the public API as plain data (`Answer`): its status, body bytes, Content-Type and
the headers an error adds. The pipeline (`api`), the error renderer (`errors`) and the outgoing
steps (`outgoing`) build and pass this, not a Werkzeug response, so that the fast path (`fast`)
can send it without one; through Flask's dispatch it becomes one (`response`), with the same
status line, headers and bytes.

The per-request values the steps hand one another live in the WSGI environ under the keys below
(not in `flask.g`, which only exists inside Flask's dispatch).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson
from flask import Response
from werkzeug.http import HTTP_STATUS_CODES

#: The environ key of the request as the response check sees it (`validation.IncomingRequest`).
INCOMING = "chatwoot_mock.incoming"
#: The environ key of the validator that checks the answer, where not the app's (the control API's).
RESPONSE_VALIDATOR = "chatwoot_mock.response_validator"
#: The environ key of the spec's complaints about the request, for the journal.
VALIDATION_ERRORS = "chatwoot_mock.validation_errors"

JSON = "application/json"


def compact_json(value: Any) -> bytes:
    """A value as the mock's answers encode it: orjson, field order kept (a rendered inbox, a
    body for the validator). A dict with keys that are not strings (ids) has them written as
    strings; orjson's option for that costs a rendered inbox half again, so it is asked for only
    when orjson refuses such a key (the same bytes either way)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        pass
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        # An integer past 64 bits (kept whole from a request or a state document, as Chatwoot's
        # jsonb keeps it), which orjson cannot write: the standard library writes it, compact.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def json_bytes(value: Any) -> bytes:
    """A body as every JSON answer of the mock is sent: `compact_json` and one newline (through
    Flask's dispatch too: `json_provider.OrjsonProvider` calls this)."""
    return compact_json(value) + b"\n"


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes
    content_type: str = JSON
    #: Headers beyond Content-Type and Content-Length (an error's `Allow`, its validation errors).
    headers: dict[str, str] | None = None

    @classmethod
    def json(cls, value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
        return cls(status, json_bytes(value), JSON, headers or None)

    def status_line(self) -> str:
        """As Werkzeug writes it (`201 CREATED`)."""
        return f"{self.status} {HTTP_STATUS_CODES.get(self.status, 'UNKNOWN').upper()}"

    def wsgi_headers(self) -> list[tuple[str, str]]:
        """The headers in the order a Werkzeug response sends them."""
        headers = [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))]
        if self.headers:
            headers.extend(self.headers.items())
        return headers

    def response(self) -> Response:
        """The same answer as a Flask response (for Flask's dispatch)."""
        response = Response(self.body, status=self.status, content_type=self.content_type)
        if self.headers:
            response.headers.update(self.headers)
        return response
