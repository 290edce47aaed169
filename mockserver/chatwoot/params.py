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
from mockserver.chatwoot.copying import copied
from mockserver.chatwoot.models import INBOX_DEFAULTS

#: ActiveModel's FALSE_VALUES; any other non-empty text is true (digest §5.1).
_FALSE = {"false", "0", "f", "off"}
_KEY = re.compile(r"^(?P<head>[^\[\]]+)(?P<rest>(\[[^\[\]]*\])*)$")


def _typed_attributes() -> tuple[frozenset[str], frozenset[str]]:
    # Forms of the other operations: an assignment policy's `enabled` and distribution numbers.
    # And a working-hours row's fields (`working_hours[0][open_hour]=9`).
    booleans = {k for k, v in INBOX_DEFAULTS.items() if isinstance(v, bool)} | {"enabled", "closed_all_day",
                                                                               "open_all_day"}
    integers = {"portal_id", "fair_distribution_limit", "fair_distribution_window", "user_ids", "day_of_week",
                "open_hour", "open_minutes", "close_hour", "close_minutes"}
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


def nest(fields: Iterable[tuple[str, str]], *, typed: bool = True) -> dict[str, Any]:
    """`channel[type]=api` -> {"channel": {"type": "api"}}; `x[]=a&x[]=b` -> {"x": ["a", "b"]}.
    `typed`: cast the known attributes' values (`cast`); else leave every value a string."""
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
            owner[key] = [*(existing if isinstance(existing, list) else []), cast(key, value) if typed else value]
        else:
            _container(params, path[:-1])[path[-1]] = cast(path[-1], value) if typed else value
    return _indexed_lists(params)


#: `working_hours[0][open_hour]`, `channel[selected_feature_flags][]`: a field naming a member of a
#: list or an object inside an attribute (one bracket group after another).
_NESTED_MEMBER = re.compile(r"\]\[")


def documented_form_fields(fields: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A form's fields as its spec schema documents them (the docs profile checks a form against
    them, and the contract suite judges what it sent by them): one value a field, the last, as Rack
    keeps it; a list for a `name[]` field. The form schemas document one level of brackets
    (`channel[website_url]`); a field naming a member of a list or an object
    (`working_hours[0][open_hour]`) is Rails' nesting of a JSON attribute, left out: it is judged as
    the JSON body the form becomes."""
    documented: dict[str, Any] = {}
    for name, value in fields:
        if _NESTED_MEMBER.search(name):
            continue
        if name.endswith("[]"):
            documented.setdefault(name, []).append(value)
        else:
            documented[name] = value
    return documented


def _indexed_lists(value: Any) -> Any:
    """`working_hours[0][open_hour]=9`: a hash whose keys are all digits is a list in order, as strong
    parameters read Rails' `fields_for` style (`working_hours: [{...}]`)."""
    if not isinstance(value, dict):
        return value
    nested = {k: _indexed_lists(v) for k, v in value.items()}
    if nested and all(k.isdigit() for k in nested):
        return [nested[k] for k in sorted(nested, key=int)]
    return nested


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
_INBOX_DEFAULT_KEYS = tuple(INBOX_DEFAULTS)
_CSAT_KEYS = ("display_type", "message", "button_text", "language")
_CSAT_TEMPLATE_KEYS = ("name", "template_id", "friendly_name", "content_sid", "approval_sid", "created_at",
                       "language", "status")


def null_strings_to_none(params: Mapping[str, Any]) -> dict[str, Any]:
    """Chatwoot's stop-gap for CW-1567: a top-level "null" string means null (digest §2.2)."""
    return {k: (None if v == "null" else v) for k, v in params.items()}


def permitted_inbox_params(params: Mapping[str, Any], with_name: bool = False) -> dict[str, Any]:
    """`inbox_attributes` (digest §2.2): the permitted top-level keys, and inside `csat_config`
    and `auto_assignment_config` only their permitted keys; everything else is dropped."""
    keys = INBOX_ATTRIBUTES if with_name else _INBOX_DEFAULT_KEYS
    # The keys sent are picked in C, in the permitted order: a body sends a few of the fifteen.
    permitted = {k: copied(params[k]) for k in filter(params.__contains__, keys)}
    # Asked only of a key sent: Mapping's isinstance of an absent key's None is a Python call of the ABC.
    if "csat_config" in permitted and isinstance(permitted["csat_config"], Mapping):
        permitted["csat_config"] = permit_csat_config(permitted["csat_config"])
    if "auto_assignment_config" in permitted and isinstance(permitted["auto_assignment_config"], Mapping):
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


# ----------------------------------------------------------------------------------------------- Rails casting
# The `chatwoot` profile reads a JSON body (and a form) as Chatwoot does: strong parameters drop a
# non-scalar given for a scalar attribute (and a scalar given for an object), and ActiveModel casts
# each scalar by its column's type. Only the attributes below are cast, where they are columns:
# the insides of jsonb objects (csat_config, provider_config, pre_chat_form_options, bot_config,
# ...) are stored as sent. Ids that are looked up with `find` (`agent_bot`, `inbox_id`,
# `assignment_policy_id`) and `user_ids` (compared raw, digest §6) are left as sent.
BOOL, INT, STR, OBJ, LIST, RAW = channels.BOOL, channels.INT, channels.STR, channels.OBJ, channels.LIST, "raw"

#: ActiveModel::Type::Boolean::FALSE_VALUES; Rails compares them case-sensitively (`"False"` is true).
RAILS_FALSE_STRINGS = frozenset({"0", "f", "F", "false", "FALSE", "off", "OFF"})
#: Ruby's `to_i`: ASCII white space skipped, then ASCII digits ("\u0663" and "\u3000 5" are 0).
_RUBY_INTEGER = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+(?:_[0-9]+)*)")

_WORKING_HOUR = {"day_of_week": INT, "closed_all_day": BOOL, "open_hour": INT, "open_minutes": INT,
                 "close_hour": INT, "close_minutes": INT, "open_all_day": BOOL}


def _channel_types() -> dict[str, str]:
    types = {"type": STR}
    for kind in channels.KINDS.values():
        types.update(kind.editable)
    return types


def _inbox_types() -> dict[str, str]:
    types: dict[str, Any] = {"name": STR}
    for key, default in INBOX_DEFAULTS.items():
        types[key] = BOOL if isinstance(default, bool) else OBJ if isinstance(default, dict) else STR
    types["portal_id"] = INT
    return types


class RequiredObject(dict):
    """The shape of an object a controller takes with `params.require(name).permit(...)`: `require`
    sees the object as sent, so one holding only keys that `permit` then drops is present (not
    ParameterMissing). Its unknown keys are kept by `rails_cast` and dropped where it is permitted."""


#: Every operation's parameters, by name (they never clash across operations).
RAILS_SHAPE: dict[str, Any] = {
    **_inbox_types(),
    "channel": _channel_types(),
    "working_hours": [_WORKING_HOUR],
    "agent_bot": RAW, "inbox_id": RAW, "user_ids": RAW, "assignment_policy_id": RAW,
    "description": STR, "outgoing_url": STR, "bot_type": STR, "bot_config": OBJ,
    # `fair_distribution_*` are validated with `numericality` before they are cast: kept as sent.
    "assignment_policy": RequiredObject({"name": STR, "description": STR, "assignment_order": STR,
                                         "conversation_priority": STR, "fair_distribution_limit": RAW,
                                         "fair_distribution_window": RAW, "enabled": BOOL}),
    "twilio_channel": RequiredObject({k: STR for k in ("name", "medium", "phone_number", "messaging_service_sid",
                                                       "account_sid", "auth_token", "api_key_sid")}),
    "template": RequiredObject({"message": STR, "button_text": STR, "language": STR}),
}


def rails_boolean(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    false = value is False or (type(value) is int and value == 0)
    return not (false or (isinstance(value, str) and value in RAILS_FALSE_STRINGS))


def rails_integer(value: Any) -> int | None:
    """ActiveModel's integer cast: true 1, false 0, blank nil, a float truncated, a string by Ruby's
    `to_i` (leading digits, else 0: "invalid" is 0)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, str):
        if channels.blank(value):
            return None
        found = _RUBY_INTEGER.match(value)
        return int(found.group(1).replace("_", "")) if found else 0
    return None


def rails_string(value: Any) -> Any:
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float):
        return str(value)
    return value


_CASTS = {BOOL: rails_boolean, INT: rails_integer, STR: rails_string}


def rails_cast(params: Any, shape: Mapping[str, Any] = RAILS_SHAPE, *, nested: bool = False) -> Any:
    """The parameters as the controller and model see them (see above). A body that is not an object
    has no parameters (Rails keeps it under `_json`, which nothing permits). Inside a nested
    object (`channel`, a working-hours row, ...) unknown keys are dropped, as `permit` drops them,
    but in a `RequiredObject`."""
    if not isinstance(params, Mapping):
        return {}
    cast_params: dict[str, Any] = {}
    for key, value in params.items():
        if nested and key not in shape:
            continue
        kind = shape.get(key, RAW)
        if isinstance(kind, dict):
            if isinstance(value, Mapping):
                cast_params[key] = rails_cast(value, kind, nested=nested or not isinstance(kind, RequiredObject))
        elif isinstance(kind, list):
            if isinstance(value, list):
                cast_params[key] = [rails_cast(v, kind[0], nested=True) for v in value if isinstance(v, Mapping)]
        elif kind == OBJ:
            if isinstance(value, Mapping):
                cast_params[key] = copy.deepcopy(dict(value))
        elif kind == LIST:
            if isinstance(value, list):
                cast_params[key] = [v for v in value if not isinstance(v, dict | list)]
        elif kind == RAW:
            cast_params[key] = copy.deepcopy(value)
        elif not isinstance(value, dict | list):
            cast_params[key] = _CASTS[kind](value)
    return cast_params


def validation_view(params: Mapping[str, Any]) -> dict[str, Any]:
    """What the spec checks of Rails-cast parameters: `user_ids` as the integers the inserts cast
    them to (the store compares them raw, as Chatwoot does)."""
    user_ids = params.get("user_ids")
    if not isinstance(user_ids, list):
        return dict(params)
    return {**params, "user_ids": [v if isinstance(v, int) and not isinstance(v, bool) else rails_integer(v) or 0
                                   for v in user_ids]}
