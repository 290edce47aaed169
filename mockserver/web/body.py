"""Reading a request's body: the one function every body passes through (`read_body`), and the
JSON parser the public and the control API share (`parse_json`).

A JSON body becomes the parsed value; a multipart form (the avatar upload) becomes the same nested
parameters, as Rails reads them, and its avatar. Everything else is refused here (400/415), before
the spec is checked.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request

from mockserver.chatwoot.errors import MalformedBody, UnsupportedMediaType
from mockserver.chatwoot.models import Avatar
from mockserver.chatwoot.params import nest as nest_form_fields
from mockserver.chatwoot.store import Store
from mockserver.web.routes import Route

MAX_BODY_BYTES = 20 * 1024 * 1024  # room for a 15 MB avatar and its form
#: A state document to load: 10,000 inboxes export as about 22 MB of compact JSON.
MAX_CONTROL_BODY_BYTES = 512 * 1024 * 1024
FORM = "multipart/form-data"


def read_body(route: Route, store: Store) -> tuple[Any, Avatar | None]:
    """The request's parameters (a dict for a JSON object) and its avatar upload, if any."""
    if route.body_types is None:
        return {}, None
    raw = request.get_data(cache=True)
    mimetype = request.mimetype
    if not raw and mimetype != FORM:
        return {}, None
    if mimetype not in route.body_types:
        accepted = " or ".join(route.body_types)
        raise UnsupportedMediaType(f"Unsupported Content-Type {mimetype or '(none)'!r}; send {accepted}")
    if mimetype == FORM:
        params = nest_form_fields(request.form.items(multi=True))
        upload = request.files.get("avatar")
        avatar = store.new_avatar(upload.filename or "avatar", upload.mimetype, upload.read()) if upload else None
        return params, avatar
    return parse_json(raw), None


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedBody(f"Request body is not valid JSON: {error}") from None
    except RecursionError:
        raise MalformedBody("Request body is not valid JSON: nested too deeply") from None


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are Python's extensions, not JSON."""
    raise ValueError(f"{name} is not a JSON value")
