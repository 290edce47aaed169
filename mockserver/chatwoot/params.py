"""Multipart form fields to request parameters, the way Rails reads them.

A dashboard uploading an avatar sends `name=...`, `channel[type]=web_widget`,
`channel[selected_feature_flags][]=emoji_picker`, all as strings; Rails nests the bracketed keys
and casts each value by its column type. The result is then validated like a JSON body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from mockserver.chatwoot import channels
from mockserver.chatwoot.models import INBOX_DEFAULTS

#: ActiveModel's FALSE_VALUES; any other non-empty text is true (digest §5.1).
_FALSE = {"false", "0", "f", "off"}
_KEY = re.compile(r"^(?P<head>[^\[\]]+)(?P<rest>(\[[^\[\]]*\])*)$")


def _typed_attributes() -> tuple[frozenset[str], frozenset[str]]:
    booleans = {k for k, v in INBOX_DEFAULTS.items() if isinstance(v, bool)}
    integers = {"portal_id"}
    for kind in channels.KINDS.values():
        booleans |= {k for k, t in kind.editable.items() if t == channels.BOOL}
        integers |= {k for k, t in kind.editable.items() if t == channels.INT}
    return frozenset(booleans), frozenset(integers)


_BOOLEANS, _INTEGERS = _typed_attributes()


def cast(attribute: str, value: str) -> Any:
    """Rails' casting of a form string for the column it lands in; left as is when it fits none."""
    lowered = value.strip().lower()
    if attribute in _BOOLEANS:
        return None if value == "" else lowered not in _FALSE
    if attribute in _INTEGERS:
        if value == "":
            return None
        if re.fullmatch(r"-?\d+", lowered):
            return int(lowered)
    return value


def nest(fields: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """`channel[type]=api` -> {"channel": {"type": "api"}}; `x[]=a&x[]=b` -> {"x": ["a", "b"]}."""
    params: dict[str, Any] = {}
    for key, value in fields:
        match = _KEY.match(key)
        if match is None:
            params[key] = value
            continue
        path = [match["head"], *re.findall(r"\[([^\[\]]*)\]", match["rest"])]
        if path[-1] == "" and len(path) > 1:
            # `x[]=a&x[]=b`: a list under the part before the empty brackets.
            owner, key = _container(params, path[:-2]), path[-2]
            existing = owner.get(key)
            owner[key] = [*(existing if isinstance(existing, list) else []), value]
        else:
            _container(params, path[:-1])[path[-1]] = cast(path[-1], value)
    return params


def _container(params: dict[str, Any], path: list[str]) -> dict[str, Any]:
    target = params
    for part in path:
        child = target.get(part)
        if not isinstance(child, dict):
            child = target[part] = {}
        target = child
    return target
