"""Flask's JSON provider on orjson: answers encoded about ten times faster than the standard
library, field order kept (orjson keeps a dict's insertion order, as Chatwoot's jbuilder views do),
and never a NaN or Infinity on the wire (orjson writes null for them) nor a lone surrogate (it
raises: such a string is refused when it comes in, `web.body`)."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response
from flask.json.provider import JSONProvider

_OPTIONS = orjson.OPT_NON_STR_KEYS


class OrjsonProvider(JSONProvider):
    mimetype = "application/json"

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, option=_OPTIONS).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(orjson.dumps(obj, option=_OPTIONS) + b"\n", mimetype=self.mimetype)
