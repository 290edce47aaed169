"""The control API (`/_mock/`) as its own Blueprint: the control key (or, without one, the loopback
rule), the control spec's check, then a thin handler over the runtime.

It knows nothing of `web`: the factory hands it the spec check (a function of the route, the path
parameters and the raw body that raises the mock's errors), the body reader and the JSON parser. Its errors are
raised, and rendered by the app's one error renderer.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, request

from mockserver.chatwoot.errors import ControlForbidden, ControlKeyRequired
from mockserver.control.api import CONTROL_KEY_HEADER, CONTROL_ROUTES, ControlCall, ControlRoute
from mockserver.control.runtime import MockRuntime

#: (route, path parameters as sent, raw body) -> the body as a value (None for a route that takes
#: none), or raises the mock's error: a 400 for anything but JSON, a 4xx for what the spec refuses.
SpecCheck = Callable[[ControlRoute, dict[str, str], bytes], Any]


def control_blueprint(runtime: MockRuntime, *, check_spec: SpecCheck, read_raw: Callable[[int], bytes],
                      control_key: str | None, max_body_bytes: int) -> Blueprint:
    """`read_raw(limit)`: the body's bytes, a 413 past `limit` (the public API's own, handed over by
    the web factory); `check_spec`: the body checked and parsed (a check may parse it first, so it
    is parsed once: a state document of 10,000 inboxes is 19 MB)."""
    blueprint = Blueprint("control", __name__)

    def check_access() -> None:
        if control_key is not None:
            given = request.headers.get(CONTROL_KEY_HEADER, "")
            if not hmac.compare_digest(given.encode("utf-8"), control_key.encode("utf-8")):
                raise ControlKeyRequired()
        elif not loopback(request.remote_addr):
            raise ControlForbidden()

    def answer(route: ControlRoute, **path: str) -> Response:
        check_access()
        raw = read_raw(max_body_bytes)
        body = check_spec(route, path, raw)
        typed_path = {name: int(value) for name, value in path.items()}  # the spec admits integers only
        result = route.handler(ControlCall(runtime, typed_path, request.args.to_dict(), body,
                                           host_url=request.host_url.rstrip("/")))
        if isinstance(result, bytes):  # already JSON (an exported state)
            return Response(result, status=route.status, content_type="application/json")
        response = current_app.json.response(result)
        response.status_code = route.status
        return response

    for route in CONTROL_ROUTES:
        rule = route.path.replace("{", "<").replace("}", ">")
        blueprint.add_url_rule(rule, route.operation_id, functools.partial(answer, route),
                               methods=[route.method], provide_automatic_options=False)
    return blueprint


def loopback(address: str | None) -> bool:
    """127.0.0.0/8 and ::1, also written as an IPv4-mapped IPv6 address."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback
