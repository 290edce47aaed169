"""Hostile generation: the inputs that found 5xx answers by hand (issue 9), drawn by Hypothesis
into Schemathesis's negative cases of every operation, so that the fuzz finds that class itself.

A negative case's JSON body is written out as raw bytes with one of its values (chosen by the
draw) replaced by a hostile token: a lone surrogate, a number that overflows (`1e400`), a huge
digit string (as a number and as text), nesting far deeper than Rails reads (JSON ~100). Or the
whole body becomes a value that is no object. A path id becomes 5,000 digits. Every one of them is
negative data: the answer must be a JSON 4xx (400, 404, 422), never a 5xx, which Schemathesis's
own checks (not_a_server_error, negative_data_rejection, content_type_conformance) judge.

It is on by default (`--contract-no-hostile` or CONTRACT_HOSTILE=0 turns it off): since issue 9's
fixes the mock refuses each class cleanly (ci budget with it: 2,022 requests, 0 answered 5xx).
"""

from __future__ import annotations

import json
from typing import Any

DEEP = 5_000
HUGE_DIGITS = "9" * 5_000

#: Replacements of one value, as JSON text.
VALUE_TOKENS = (
    '"\\ud800"',  # a lone high surrogate
    '"ok\\udc00"',  # a lone low surrogate after text
    "1e400",  # a float that overflows to infinity
    "-1e400",
    HUGE_DIGITS,  # an integer Python refuses to read as decimal text (> 4,300 digits)
    f'"{HUGE_DIGITS}"',  # the same as text (an id Rails would not find)
    "[" * DEEP + "]" * DEEP,  # nesting
    '{"a":' * DEEP + "1" + "}" * DEEP,
)
#: Whole bodies that are no object.
BODY_TOKENS = ("[]", '"inbox"', "0", "null", "true", '[{"name": "x"}]')


def _leaves(value: Any) -> int:
    if isinstance(value, dict) and value:
        return sum(_leaves(v) for v in value.values())
    if isinstance(value, list) and value:
        return sum(_leaves(v) for v in value)
    return 1


def dump_with(value: Any, target: int, token: str) -> str:
    """`value` as JSON text, with its `target`-th leaf (depth first; an empty container is a leaf)
    written as `token`."""
    counter = [0]

    def dump(item: Any) -> str:
        if isinstance(item, dict) and item:
            return "{" + ",".join(f"{json.dumps(str(k))}:{dump(v)}" for k, v in item.items()) + "}"
        if isinstance(item, list) and item:
            return "[" + ",".join(dump(v) for v in item) + "]"
        index, counter[0] = counter[0], counter[0] + 1
        return token if index == target else json.dumps(item)

    return dump(value)


def _is_json(case: Any) -> bool:
    return case.media_type == "application/json" and not isinstance(case.body, bytes)


def hostile_variants(case: Any) -> Any:
    """A strategy of `case` and its hostile variants (about one draw in three is hostile)."""
    from hypothesis import strategies as st

    variants = [st.just(case), st.just(case)]
    body = case.body
    if _is_json(case) and body is not None:
        variants.append(st.builds(lambda target, token: _with_body(case, dump_with(body, target, token)),
                                  st.integers(0, _leaves(body) - 1), st.sampled_from(VALUE_TOKENS)))
        variants.append(st.sampled_from(BODY_TOKENS).map(lambda token: _with_body(case, token)))
    path = case.path_parameters or {}
    for name in ("id", "inbox_id"):
        if name in path:
            variants.append(st.just(_with_path(case, name, HUGE_DIGITS)))
    return st.one_of(*variants)


def _copy(case: Any) -> Any:
    return case.derive(keep_auth=True)  # the same request under a new id, with its credentials


def _with_body(case: Any, text: str) -> Any:
    changed = _copy(case)
    changed.body = text.encode()  # Schemathesis sends bytes as they are (serialize_json)
    return changed


def _with_path(case: Any, name: str, value: str) -> Any:
    changed = _copy(case)
    changed.path_parameters = {**case.path_parameters, name: value}
    return changed
