"""Reading a request's body: the one function every public body passes through (`read_body`), the
limits (`body_limit`), and the JSON parser the public and the control API share (`parse_json`).

A JSON body becomes the parsed value (one that is not an object has no parameters, as in Rails); a
form (form-encoded, or multipart with the avatar upload) becomes the same nested parameters, as
Rails reads them; in the `chatwoot` profile the parameters are then cast as ActiveModel casts them.
Everything else is refused here (400/413/415), before the spec is checked. Parse errors name the
problem and where, never the body itself.

The rules (README, "Limits"): JSON bodies up to 1 MiB and nested at most 100 deep (Ruby's
`JSON.parse` default, which Rails uses); no NaN, no Infinity, no number that overflows to it, no
lone UTF-16 surrogate (orjson refuses all three); multipart forms up to 20 MiB (a 15 MB avatar and
its fields) with field names nested at most 32 deep (Rack's `param_depth_limit`); control API
bodies (a state document to load) up to 512 MiB.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask import Request
from werkzeug.exceptions import ClientDisconnected
from werkzeug.wsgi import get_content_length

from mockserver.chatwoot.errors import MalformedBody, PayloadTooLarge, UnsupportedMediaType
from mockserver.chatwoot.models import Avatar
from mockserver.chatwoot.params import nest as nest_form_fields
from mockserver.chatwoot.params import null_strings_to_none, rails_cast
from mockserver.chatwoot.profiles import Profile
from mockserver.chatwoot.store import Store
from mockserver.control.api import is_control_path
from mockserver.web.routes import Route

MiB = 1024 * 1024
MAX_JSON_BODY_BYTES = 1 * MiB
MAX_FORM_BODY_BYTES = 20 * MiB  # room for a 15 MB avatar and its form
#: A state document to load: 10,000 inboxes export as about 22 MB of compact JSON.
MAX_CONTROL_BODY_BYTES = 512 * MiB
#: The largest body any request may send (Flask's MAX_CONTENT_LENGTH); the rest are checked here.
MAX_BODY_BYTES = MAX_FORM_BODY_BYTES
MAX_JSON_DEPTH = 100
MAX_FORM_NAME_DEPTH = 32
FORM = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"


def body_limit(path: str, content_type: str | None) -> int:
    """The most bytes a request to `path` with this Content-Type may send (the server refuses
    more with 413 before the app runs, chunked or not)."""
    if is_control_path(path):
        return MAX_CONTROL_BODY_BYTES
    if content_type is not None and content_type.lower().startswith(FORM):
        return MAX_FORM_BODY_BYTES
    return MAX_JSON_BODY_BYTES


def read_body(request: Request, route: Route, store: Store,
              profile: Profile) -> tuple[dict[str, Any], Avatar | None]:
    """The request's parameters and its avatar upload, if any."""
    if route.body_types is None:
        return {}, None
    mimetype = request.mimetype
    raw = read_raw(request, MAX_FORM_BODY_BYTES if mimetype == FORM else MAX_JSON_BODY_BYTES)
    if not raw and mimetype != FORM:
        return {}, None
    if mimetype not in route.body_types:
        accepted = " or ".join(route.body_types)
        raise UnsupportedMediaType(f"Unsupported Content-Type {mimetype or '(none)'!r}; send {accepted}")
    typed = profile is Profile.DOCS  # the docs profile casts only the documented spellings
    if mimetype in (FORM, URLENCODED):
        params, avatar = _read_form(request, store, typed)
    else:
        parsed = parse_json(raw)
        # Rails keeps a JSON body that is not an object under `_json`, which nothing permits.
        params, avatar = (parsed if isinstance(parsed, dict) else {}), None
    if not typed:
        if route.action in ("inboxes.create", "inboxes.update"):
            params = null_strings_to_none(params)  # before the model casts: InboxesController#permitted_params
        params = rails_cast(params)
    return params, avatar


def read_raw(request: Request, limit: int) -> bytes:
    """The body's bytes, at most `limit` of them: more is a 413, whether the length was declared
    or the body came chunked (Werkzeug alone cuts a chunked body at the limit, silently)."""
    # Werkzeug's reading of the declared length, from the environ, kept where `content_length`
    # keeps it: through the request's headers it cost 2 us (an exception for the absent
    # Transfer-Encoding), and the journal reads it again.
    declared = request.content_length = get_content_length(request.environ)
    if declared is not None and declared > limit:
        raise PayloadTooLarge(f"Request body is larger than {limit} bytes")
    request.max_content_length = limit
    environ = request.environ
    if declared is not None and "wsgi.input_terminated" in environ and getattr(request, "_cached_data", None) is None:
        # What `get_data` reads here (a stream the server ended, as the mock's own server and the
        # test client give), read without Werkzeug's guarded stream: that wrapper was a tenth of a
        # create (bench/bench_inboxes.py). Kept where `get_data` keeps what it read, so that every
        # later reader (the spec check, the journal, the form parser) gets these bytes.
        raw = request._cached_data = _read_ended_stream(environ["wsgi.input"], limit)
        return raw
    raw = request.get_data(cache=True)
    if declared is None and len(raw) >= limit and environ["wsgi.input"].read(1):
        raise PayloadTooLarge(f"Request body is larger than {limit} bytes")
    return raw


def _read_ended_stream(stream: Any, limit: int) -> bytes:
    """At most `limit` bytes, up to the stream's end, as Werkzeug's `get_data` reads them from a
    stream the server has ended (`wsgi.input_terminated`): a failed read is a client gone (400)."""
    chunks, size = [], 0
    try:
        while size < limit:
            chunk = stream.read(limit - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except (OSError, ValueError):
        raise ClientDisconnected() from None
    return b"".join(chunks)


def _read_form(request: Request, store: Store, typed: bool) -> tuple[dict[str, Any], Avatar | None]:
    fields = request.form.items(multi=True)  # parsed from the bytes read_raw cached
    for name, _ in fields:
        if name.count("[") > MAX_FORM_NAME_DEPTH:
            raise MalformedBody(f"Form field name nested deeper than {MAX_FORM_NAME_DEPTH} levels: "
                                f"{name[:60]}...")
    params = nest_form_fields(request.form.items(multi=True), typed=typed)
    upload = request.files.get("avatar")
    avatar = store.new_avatar(upload.filename or "avatar", upload.mimetype, upload.read()) if upload else None
    return params, avatar


def parse_json(raw: bytes) -> Any:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise MalformedBody(f"Request body is not valid JSON: {_problem(raw, error)}") from None
    too_deep, inexact = _walk(value, MAX_JSON_DEPTH)
    if too_deep:
        raise MalformedBody(f"Request body is not valid JSON: {_TOO_DEEP}")
    if inexact:
        # orjson reads an integer past 64 bits as a float, its last digits lost; Ruby's JSON (and
        # so Chatwoot, and a jsonb column) keeps it whole. The body is valid JSON (orjson took it):
        # the standard library reads it again, exactly.
        value = json.loads(raw)
    return value


#: orjson reads integers in [-2**63, 2**64) exactly; an integer outside comes as a float, and
#: -2**63 - 1 comes as the float -2**63 (so a float equal to the lower bound is read again too).
_INT64_MIN, _UINT64_END = float(-2**63), float(2**64)
_TOO_DEEP = f"nested too deeply (more than {MAX_JSON_DEPTH} levels)"
_CONSTANTS = (b"NaN", b"Infinity", b"-Infinity")


def _problem(raw: bytes, error: orjson.JSONDecodeError) -> str:
    """orjson's message (the problem and its place, never the document), reworded where it is
    vaguer than it could be."""
    if str(error).startswith("depth limit exceeded"):
        return _TOO_DEEP
    found = next((c for c in _CONSTANTS if raw.startswith(c, error.pos)), None)
    if found is not None:
        return f"{found.decode()} is not a JSON value (at char {error.pos})"
    return str(error)


def _walk(value: Any, limit: int) -> tuple[bool, bool]:
    """Whether arrays and objects nest more than `limit` deep (the top-level one is 1), and whether
    a number may have been an integer past 64 bits (orjson gives those as floats: one out of the
    64-bit range). One walk for both: a state document of 10,000 inboxes takes it in 0.2 s."""
    stack = [(value, 1)]
    inexact = False
    while stack:
        node, depth = stack.pop()
        children = node.values() if type(node) is dict else node if type(node) is list else ()
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                if depth + 1 > limit:
                    return True, inexact
                stack.append((child, depth + 1))
            elif kind is float and not _INT64_MIN < child < _UINT64_END:
                inexact = True
    return False, inexact
