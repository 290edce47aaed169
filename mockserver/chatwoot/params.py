"""Request parameters as Rails reads them: form fields nested and cast, and the keys a controller
permits (strong parameters).

A dashboard uploading an avatar sends `name=...`, `channel[type]=web_widget`,
`channel[selected_feature_flags][]=emoji_picker`, all as strings; Rails nests the bracketed keys
and casts each value by its column type. The result is then validated like a JSON body.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
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


# ----------------------------------------------------------------------------------------------- permitting
INBOX_ATTRIBUTES = ("name", *INBOX_DEFAULTS)
_CSAT_KEYS = ("display_type", "message", "button_text", "language")
_CSAT_TEMPLATE_KEYS = ("name", "template_id", "friendly_name", "content_sid", "approval_sid", "created_at",
                       "language", "status")


def null_strings_to_none(params: Mapping[str, Any]) -> dict[str, Any]:
    """Chatwoot's stop-gap for CW-1567: a top-level "null" string means null (digest §2.2)."""
    return {k: (None if v == "null" else v) for k, v in params.items()}


def permitted_inbox_params(params: Mapping[str, Any], with_name: bool = False) -> dict[str, Any]:
    """`inbox_attributes` (digest §2.2): the permitted top-level keys, and inside `csat_config`
    and `auto_assignment_config` only their permitted keys; everything else is dropped."""
    keys = INBOX_ATTRIBUTES if with_name else tuple(INBOX_DEFAULTS)
    permitted = {k: copy.deepcopy(params[k]) for k in keys if k in params}
    if isinstance(permitted.get("csat_config"), Mapping):
        permitted["csat_config"] = permit_csat_config(permitted["csat_config"])
    if isinstance(permitted.get("auto_assignment_config"), Mapping):
        config = permitted["auto_assignment_config"]
        # [EE] the whole object is replaced by the one permitted key (digest §2.4).
        permitted["auto_assignment_config"] = (
            {"max_assignment_limit": config["max_assignment_limit"]} if "max_assignment_limit" in config else {})
    return permitted


def permit_csat_config(config: Any) -> dict[str, Any]:
    if not isinstance(config, Mapping):
        return {}
    permitted = {k: config[k] for k in _CSAT_KEYS if k in config}
    rules = config.get("survey_rules")
    if isinstance(rules, Mapping):
        permitted["survey_rules"] = {k: rules[k] for k in ("operator", "values") if k in rules}
    template = config.get("template")
    if isinstance(template, Mapping):
        permitted["template"] = {k: template[k] for k in _CSAT_TEMPLATE_KEYS if k in template}
    return permitted
