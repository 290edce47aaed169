"""`copied`: a stored JSON value's copy is equal, in the same key order, and shares no mutable part
with the original (a record, a default or a body must never change through another)."""

from __future__ import annotations

from typing import Any

from mockserver.chatwoot.copying import Template, copied


def mutable_parts(value: Any) -> list[Any]:
    """Every dict and list in `value`, depth first."""
    found = []
    if isinstance(value, dict | list):
        found.append(value)
        for item in value.values() if isinstance(value, dict) else value:
            found += mutable_parts(item)
    return found


def test_a_copy_is_equal_in_key_order_and_shares_no_mutable_part():
    value = {"name": "Widget", "id": 7, "ratio": 0.5, "on": True, "none": None, "raw": b"x",
             "options": {"fields": [{"name": "email", "tags": ["a", {"deep": []}]}], "empty": {}},
             "flags": ["attachments", ["nested"]], "last": "kept last"}
    copy = copied(value)
    assert copy == value
    assert [list(part) for part in mutable_parts(copy) if isinstance(part, dict)] == \
        [list(part) for part in mutable_parts(value) if isinstance(part, dict)]  # key order, at every level
    originals = {id(part) for part in mutable_parts(value)}
    assert not any(id(part) in originals for part in mutable_parts(copy))
    copy["options"]["fields"][0]["tags"][1]["deep"].append(1)
    assert value["options"]["fields"][0]["tags"][1]["deep"] == []


def test_scalars_are_taken_as_they_are_and_other_values_deep_copied():
    text, number = "text", 10**30
    assert copied(text) is text and copied(number) is number
    pair = ([1], {"a": [2]})
    copy = copied({"pair": pair})["pair"]
    assert copy == pair and copy[0] is not pair[0] and copy[1]["a"] is not pair[1]["a"]


def test_a_template_gives_equal_copies_sharing_nothing_mutable():
    source = {"flag": True, "name": "x", "config": {"rules": [1, {"deep": []}]}, "tags": ["a"], "none": None}
    template = Template(source)
    first, second = template.new(), template.new()
    assert first == second == source
    for copy_ in (first, second):
        assert copy_ is not source
        assert copy_["config"] is not source["config"] and copy_["tags"] is not source["tags"]
        assert copy_["config"]["rules"][1] is not source["config"]["rules"][1]
    first["config"]["rules"][1]["deep"].append(1)
    first["tags"].append("b")
    assert second == source and template.new() == source  # neither the template nor another copy changed
    source["tags"].append("c")
    assert template.new()["tags"] == ["a"]  # the value as it was when the template was made
