"""The compiled request validator (web/compiled.py, web/oas30.py) on small specs, one OpenAPI 3.0 rule
at a time: the verdict, and the 422's wording (field and rule, never the value sent). Every verdict is
also the reference's (openapi-core), which is what the compiled validator must agree with; the wording
is the mock's own, written out here. Written to kill the survivors of `make mutation` in web/."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockserver.chatwoot.channels import NOT_BLANK_PATTERN
from mockserver.chatwoot.errors import MockError, RequestInvalid
from mockserver.web.validation import IncomingRequest, OpenAPICoreValidator, compiled_request_validator

PATH = "/things/{id}"


def spec_with(schema: Any, *, required: bool = True, media: tuple[str, ...] = ("application/json",),
              components: dict | None = None, parameters: list | None = None) -> dict:
    operation: dict[str, Any] = {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                       *(parameters or [])],
        "requestBody": {"required": required, "content": {m: {"schema": schema} for m in media}},
        "responses": {"200": {"description": "ok"}},
    }
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {PATH: {"post": operation, "get": {"responses": {"200": {"description": "ok"}}}}},
            "components": {"schemas": components or {}}}


def request(body: Any = None, *, content_type: str = "application/json", raw: bytes | None = None,
            form: dict | None = None, method: str = "POST", query: dict | None = None) -> IncomingRequest:
    common = {"method": method, "path": "/things/1", "path_pattern": PATH, "path_params": {"id": "1"},
              "content_type": content_type, "query": query or {}}
    if form is not None:
        return IncomingRequest(**common, form=form)
    if raw is not None:
        return IncomingRequest(**common, body=raw)
    return IncomingRequest(**common, body=json.dumps(body).encode(), parsed=(body,))


def verdict(validator: Any, incoming: IncomingRequest) -> tuple[int, list[tuple[str, str]]]:
    try:
        validator.validate(incoming)
    except MockError as error:
        problems = getattr(error, "problems", ())
        return error.status, [(p.attribute, p.message) for p in problems] or [("", error.message)]
    return 200, []


def check(spec: dict, incoming: IncomingRequest) -> tuple[int, list[tuple[str, str]]]:
    """The compiled validator's verdict, after checking the reference gives the same status."""
    compiled = verdict(compiled_request_validator(spec), incoming)
    reference = verdict(OpenAPICoreValidator(spec), incoming)
    assert compiled[0] == reference[0], (compiled, reference)
    return compiled


def accepted(schema: Any, body: Any, **kw: Any) -> bool:
    status, _ = check(spec_with(schema, **kw), request(body))
    return status == 200


# ------------------------------------------------------------------------------------------ nullable, type


def test_nullable_with_a_type_admits_null_and_without_it_null_is_blank():
    props = {"a": {"type": "string", "nullable": True}, "b": {"type": "string"}}
    schema = {"type": "object", "properties": props}
    assert accepted(schema, {"a": None})
    assert check(spec_with(schema), request({"b": None})) == (422, [("b", "B can't be blank")])
    assert check(spec_with(schema), request({"b": 1})) == (422, [("b", "b: is not of type 'string'")])


def test_nullable_false_or_without_a_type_changes_nothing():
    assert not accepted({"type": "object", "properties": {"a": {"type": "integer", "nullable": False}}}, {"a": None})
    # No type: anything, null included, passes whether or not nullable is said.
    assert accepted({"type": "object", "properties": {"a": {"nullable": True}}}, {"a": None})
    assert accepted({"type": "object", "properties": {"a": {"minLength": 2}}}, {"a": None})


def test_integer_excludes_a_float_even_a_whole_one():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    assert accepted(schema, {"n": 3})
    assert check(spec_with(schema), request({"n": 1.0})) == (422, [("n", "n: is not of type 'integer'")])


# ------------------------------------------------------------------------------------------------- readOnly


def test_read_only_may_not_be_sent_and_is_never_required():
    schema = {"type": "object", "required": ["id", "name"],
              "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}}}
    assert accepted(schema, {"name": "x"})  # `id` is required, but readOnly: not of a request
    assert check(spec_with(schema), request({"name": "x", "id": 1})) == (422, [("id", "id: may not be sent")])
    assert check(spec_with(schema), request({})) == (422, [("name", "Name can't be blank")])


def test_only_read_only_required_names_leave_no_required_list():
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "readOnly": True}}}
    assert accepted(schema, {})


def test_a_required_name_without_a_schema_of_its_own_is_required():
    assert check(spec_with({"type": "object", "required": ["x"]}), request({})) == (422, [("x", "X can't be blank")])


# --------------------------------------------------------------------------------------------------- $ref


def test_a_ref_with_siblings_checks_the_siblings_too():
    components = {"Name": {"type": "string"}}
    schema = {"type": "object", "properties": {"name": {"$ref": "#/components/schemas/Name", "maxLength": 3}}}
    spec = spec_with(schema, components=components)
    assert check(spec, request({"name": "abc"}))[0] == 200
    assert check(spec, request({"name": "abcd"})) == (422, [("name", "name: is longer than 3 characters")])
    assert check(spec, request({"name": 5})) == (422, [("name", "name: is not of type 'string'")])


def test_a_ref_with_only_annotations_beside_it_is_the_ref():
    components = {"Name": {"type": "string", "maxLength": 2}}
    schema = {"type": "object", "properties": {"name": {"$ref": "#/components/schemas/Name", "description": "d"}}}
    spec = spec_with(schema, components=components)
    assert check(spec, request({"name": "ab"}))[0] == 200
    assert check(spec, request({"name": "abc"})) == (422, [("name", "name: is longer than 2 characters")])


def test_a_ref_to_a_component_that_refers_to_another():
    components = {"Outer": {"type": "object", "properties": {"inner": {"$ref": "#/components/schemas/Inner"}}},
                  "Inner": {"type": "object", "required": ["v"], "properties": {"v": {"type": "integer"}}}}
    spec = spec_with({"$ref": "#/components/schemas/Outer"}, components=components)
    assert check(spec, request({"inner": {"v": 1}}))[0] == 200
    assert check(spec, request({"inner": {}})) == (422, [("v", "V can't be blank")])


# ------------------------------------------------------------------------------------------ discriminator

PETS = {
    "Cat": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"},
                                                                    "lives": {"type": "integer"}}},
    "Dog": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"},
                                                                    "bark": {"type": "string", "maxLength": 3}}},
}


@pytest.mark.parametrize("combinator", ["oneOf", "anyOf"])
def test_a_discriminator_checks_only_the_branch_its_value_names(combinator):
    schema = {combinator: [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
              "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}}}
    spec = spec_with(schema, components=PETS)
    assert check(spec, request({"kind": "cat", "lives": 9}))[0] == 200
    assert check(spec, request({"kind": "Dog", "bark": "woof"})) == (  # implicit mapping: the component's name
        422, [("bark", "bark: is longer than 3 characters")])
    assert check(spec, request({"kind": "cat", "lives": "nine"})) == (
        422, [("lives", "lives: is not of type 'integer'")])
    assert check(spec, request({"kind": "cow"})) == (422, [("kind", "Kind is not included in the list")])
    assert check(spec, request({"lives": 9})) == (422, [("kind", "Kind can't be blank")])
    assert check(spec, request({"kind": ""})) == (422, [("kind", "Kind can't be blank")])


def test_without_a_discriminator_the_closest_branch_is_reported():
    schema = {"oneOf": [{"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string"}}},
                        {"type": "object", "required": ["c"], "properties": {"c": {"type": "integer"}}}]}
    spec = spec_with(schema)
    assert check(spec, request({"c": 1}))[0] == 200
    # The second branch has one complaint, the first two: the second is reported.
    assert check(spec, request({"c": "x"})) == (422, [("c", "c: is not of type 'integer'")])


def test_one_of_valid_under_two_branches():
    schema = {"type": "object", "properties": {"v": {"oneOf": [{"type": "integer"}, {"minimum": 0}]}}}
    assert check(spec_with(schema), request({"v": 1})) == (
        422, [("v", "v: is valid under more than one of the given schemas")])


# ------------------------------------------------------------------------------------- pattern and format


def test_a_pattern_is_pythons_re_search():
    schema = {"type": "object", "properties": {"code": {"type": "string", "pattern": "^[a-z]+$"}}}
    spec = spec_with(schema)
    assert check(spec, request({"code": "abc"}))[0] == 200
    assert check(spec, request({"code": "abc\n"}))[0] == 200  # Python's `$` matches before a final newline
    assert check(spec, request({"code": "x abc"})) == (422, [("code", "code: does not match '^[a-z]+$'")])
    assert accepted({"type": "object", "properties": {"c": {"type": "string", "pattern": "b"}}}, {"c": "abc"})


def test_the_not_blank_pattern_is_worded_as_rails_blank():
    schema = {"type": "object", "properties": {"website_url": {"type": "string", "pattern": NOT_BLANK_PATTERN}}}
    assert check(spec_with(schema), request({"website_url": "  "})) == (
        422, [("website_url", "Website url can't be blank")])


CODE = {"type": "string", "pattern": "^[a-z]+$", "x-pattern-problem": "is not a lowercase code"}


def refusal(spec: dict, incoming: IncomingRequest) -> list[dict[str, str]]:
    """The compiled validator's 422 details (the docs profile's `errors`): where each problem is."""
    with pytest.raises(RequestInvalid) as refused:
        compiled_request_validator(spec).validate(incoming)
    return refused.value.details()


def test_a_patterns_meaning_is_said_in_words_with_the_field_as_sent():
    nested = spec_with({"type": "object", "properties": {"o": {"type": "object", "properties": {"code": CODE}}}})
    assert check(nested, request({"o": {"code": "X1"}})) == (422, [("code", "o.code: is not a lowercase code")])
    assert refusal(nested, request({"o": {"code": "X1"}})) == [
        {"attribute": "o.code", "message": "o.code: is not a lowercase code"}]
    form = spec_with({"type": "object", "properties": {"policy[code]": CODE}}, media=("multipart/form-data",))
    assert check(form, request(form={"policy[code]": "X1"}, content_type="multipart/form-data; boundary=x")) == (
        422, [("code", "policy[code]: is not a lowercase code")])  # Rails' attribute: the bracketed leaf
    items = spec_with({"type": "array", "items": CODE})
    assert check(items, request(["ok", "X1"])) == (422, [("1", "1: is not a lowercase code")])  # no name: the index


def test_a_rule_the_spec_words_as_chatwoot_is_said_in_chatwoots_words():
    limit = {"type": "integer", "minimum": 1, "x-chatwoot-problem": {
        "attribute": "auto_assignment_config", "message": "Auto assignment config max_assignment_limit must be "
                                                          "greater than 0"}}
    spec = spec_with({"type": "object", "properties": {"auto_assignment_config": {
        "type": "object", "properties": {"max_assignment_limit": limit}}}})
    refused = request({"auto_assignment_config": {"max_assignment_limit": 0}})
    assert check(spec, refused) == (422, [(
        "auto_assignment_config", "Auto assignment config max_assignment_limit must be greater than 0")])
    assert refusal(spec, refused) == [{"attribute": "auto_assignment_config.max_assignment_limit",
                                       "message": "Auto assignment config max_assignment_limit must be greater than 0"}]


def test_a_known_format_is_checked_and_an_unknown_one_ignored():
    schema = {"type": "object", "properties": {"mail": {"type": "string", "format": "email"},
                                               "when": {"type": "string", "format": "no-such-format"}}}
    spec = spec_with(schema)
    assert check(spec, request({"mail": "a@b.test", "when": "whenever"}))[0] == 200
    assert check(spec, request({"mail": "nobody"})) == (422, [("mail", "mail: is not a 'email'")])


def test_pattern_and_format_on_one_field_are_both_checked():
    schema = {"type": "object", "properties": {"mail": {"type": "string", "format": "email", "pattern": "^a"}}}
    spec = spec_with(schema)
    assert check(spec, request({"mail": "a@b.test"}))[0] == 200
    assert check(spec, request({"mail": "b@b.test"})) == (422, [("mail", "mail: does not match '^a'")])
    assert check(spec, request({"mail": "abc"})) == (422, [("mail", "mail: is not a 'email'")])


@pytest.mark.parametrize(("fmt", "bound"), [("int32", 2**31), ("int64", 2**63)])
def test_int32_and_int64_are_bounds_on_integers_only(fmt, bound):
    schema = {"type": "object", "properties": {"n": {"type": "integer", "format": fmt},
                                               "any": {"format": fmt}}}
    spec = spec_with(schema)
    # The reference's bounds: ~bound < n < bound, so -bound (the type's least value) is in, bound out.
    for n in (bound - 1, -bound, -(bound - 1), 0):
        assert check(spec, request({"n": n}))[0] == 200, n
    above = f"n: is greater than or equal to the maximum of {bound}"
    assert check(spec, request({"n": bound})) == (422, [("n", above)])
    assert check(spec, request({"n": -bound - 1})) == (422, [("n", f"n: is less than the minimum of {-bound}")])
    assert check(spec, request({"any": "text"}))[0] == 200  # not an integer: not bounded
    assert check(spec, request({"any": 1.5}))[0] == 200


# -------------------------------------------------------------------------------------------- the wording


@pytest.mark.parametrize(("rule", "value", "message"), [
    ({"type": "string", "minLength": 2}, "a", "v: is shorter than 2 characters"),
    ({"type": "array", "maxItems": 1}, [1, 2], "v: has more than 1 items"),
    ({"type": "array", "minItems": 2}, [1], "v: has fewer than 2 items"),
    ({"type": "object", "maxProperties": 1}, {"a": 1, "b": 2}, "v: has more than 1 properties"),
    ({"type": "object", "minProperties": 1}, {}, "v: has fewer than 1 properties"),
    ({"type": "integer", "minimum": 5}, 4, "v: is less than the minimum of 5"),
    ({"type": "integer", "maximum": 5}, 6, "v: is greater than the maximum of 5"),
    ({"type": "integer", "minimum": 5, "exclusiveMinimum": True}, 5, "v: is less than or equal to the minimum of 5"),
    ({"type": "integer", "maximum": 5, "exclusiveMaximum": True}, 5,
     "v: is greater than or equal to the maximum of 5"),
    ({"type": "integer", "multipleOf": 3}, 4, "v: is not a multiple of 3"),
    ({"type": "array", "uniqueItems": True}, [1, 1], "v: has non-unique elements"),
    ({"not": {"type": "string"}}, "s", "v: is valid under a schema it must not match"),
    ({"type": ["string"]}, 1, "v: is not of type 'string'"),
])
def test_each_rule_is_worded_without_the_value(rule, value, message):
    schema = {"type": "object", "properties": {"v": rule}}
    assert check(spec_with(schema), request({"v": value})) == (422, [("v", message)])


def test_an_enum_is_worded_as_rails_inclusion_at_any_depth():
    schema = {"type": "object", "properties": {"channel": {"type": "object", "properties": {
        "reply_time": {"type": "string", "enum": ["in_a_day"]}}}}}
    assert check(spec_with(schema), request({"channel": {"reply_time": "never"}})) == (
        422, [("reply_time", "Reply time is not included in the list")])


def test_additional_properties_false_refuses_an_unknown_key():
    schema = {"type": "object", "properties": {"v": {"type": "object", "additionalProperties": False,
                                                     "properties": {"a": {"type": "integer"}}}}}
    spec = spec_with(schema)
    assert check(spec, request({"v": {"a": 1}}))[0] == 200
    assert check(spec, request({"v": {"a": 1, "x": 1}})) == (
        422, [("v", "v: Additional properties are not allowed ('x' was unexpected)")])
    assert check(spec, request({"v": {"y": 1, "x": 1}})) == (
        422, [("v", "v: Additional properties are not allowed ('x', 'y' were unexpected)")])


@pytest.mark.parametrize("properties", [None, {}], ids=["no properties", "empty properties"])
def test_additional_properties_false_without_properties_names_the_unexpected_keys(properties):
    inner: dict[str, Any] = {"type": "object", "additionalProperties": False}
    if properties is not None:
        inner["properties"] = properties
    spec = spec_with({"type": "object", "properties": {"v": inner}})
    assert check(spec, request({"v": {}}))[0] == 200
    assert check(spec, request({"v": {"x": 1}})) == (
        422, [("v", "v: Additional properties are not allowed ('x' was unexpected)")])
    assert check(spec, request({"v": {"y": 1, "x": 2}})) == (
        422, [("v", "v: Additional properties are not allowed ('x', 'y' were unexpected)")])
    top = spec_with({"type": "object", "additionalProperties": False})
    assert check(top, request({"x": 1})) == (
        422, [("", "Request body Additional properties are not allowed ('x' was unexpected)")])


def test_additional_properties_schema_is_checked():
    schema = {"type": "object", "additionalProperties": {"type": "integer"}}
    spec = spec_with(schema)
    assert check(spec, request({"a": 1}))[0] == 200
    assert check(spec, request({"a": "x"})) == (422, [("a", "a: is not of type 'integer'")])


def test_items_are_checked_and_named_by_their_index():
    schema = {"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "integer"}}}}
    assert check(spec_with(schema), request({"ids": [1, "x"]})) == (422, [("ids.1", "ids.1: is not of type 'integer'")])


def test_a_body_that_is_not_an_object_is_named_as_the_request_body():
    assert check(spec_with({"type": "object"}), request([1])) == (
        422, [("", "Request body is not of type 'object'")])


def test_a_bracketed_form_field_is_named_by_its_leaf():
    schema = {"type": "object", "required": ["channel[website_url]"],
              "properties": {"channel[website_url]": {"type": "string"}}}
    spec = spec_with(schema, media=("multipart/form-data",))
    assert check(spec, request(form={"name": "x"}, content_type="multipart/form-data; boundary=b")) == (
        422, [("website_url", "Website url can't be blank")])


def test_one_sentence_per_field_and_per_chatwoot_phrase():
    flags = {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}
    schema = {"type": "object", "properties": {"selected_feature_flags": flags, "n": {"type": "integer"}}}
    status, problems = check(spec_with(schema), request({"selected_feature_flags": ["x", "y", "z"], "n": "1"}))
    assert status == 422
    assert problems == [("selected_feature_flags", "Selected feature flags is not included in the list"),
                        ("n", "n: is not of type 'integer'")]


def test_a_long_message_is_cut_at_300_characters():
    name = "p" * 400
    schema = {"type": "object", "properties": {name: {"type": "integer"}}}
    status, problems = check(spec_with(schema), request({name: "x"}))
    assert status == 422
    assert problems[0][1] == f"{name}: is not of type 'integer'"[:300]


def test_a_big_refused_body_reports_its_first_problem_only():
    schema = {"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "integer"}}}}
    spec = spec_with(schema)
    # Values are counted with their containers: the object, the array and its items.
    status, small = check(spec, request({"ids": ["x"] * 298}))
    assert status == 422 and len(small) == 298
    status, big = check(spec, request({"ids": ["x"] * 299}))
    assert status == 422 and big == [("ids.0", "ids.0: is not of type 'integer'")]
    nested = {"ids": [["x"]] * 150}  # 301 values counted through the nesting
    schema = {"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "array", "items": {
        "type": "integer"}}}}}
    status, problems = check(spec_with(schema), request(nested))
    assert status == 422 and problems == [("ids.0.0", "ids.0.0: is not of type 'integer'")]
    status, problems = check(spec_with(schema), request({"ids": [["x"]] * 149}))
    assert status == 422 and len(problems) == 149


# ------------------------------------------------------------------------------- bodies and media types


def test_a_required_body_that_is_missing():
    spec = spec_with({"type": "object"})
    assert check(spec, request(raw=b"")) == (422, [("", "Missing required request body")])
    assert check(spec_with({"type": "object"}, required=False), request(raw=b""))[0] == 200


def test_a_body_not_parsed_by_the_app_is_parsed_here():
    spec = spec_with({"type": "object", "properties": {"n": {"type": "integer"}}})
    validator = compiled_request_validator(spec)
    assert verdict(validator, request(raw=b'{"n": 1}')) == (200, [])
    assert verdict(validator, request(raw=b'{"n": "x"}')) == (422, [("n", "n: is not of type 'integer'")])
    assert verdict(validator, request(raw=b"{nope")) == (400, [("", "Request body is not valid JSON")])
    assert verdict(validator, request(raw=b"\xff\xfe")) == (400, [("", "Request body is not valid JSON")])


def test_media_types_exact_then_wildcard_else_415():
    # (openapi-core itself reads no JSON under a wildcard; the spec has none, so only the compiled one here.)
    wildcard = compiled_request_validator(
        spec_with({"type": "object", "properties": {"n": {"type": "integer"}}}, media=("application/*",)))
    assert verdict(wildcard, request({"n": 1}, content_type="application/json"))[0] == 200
    assert verdict(wildcard, request({"n": "x"}, content_type="application/merge-patch+json"))[0] == 422
    assert verdict(wildcard, request({"n": 1}, content_type="text/json"))[0] == 415
    json_only = spec_with({"type": "object"})
    assert check(json_only, request({}, content_type="Application/JSON; charset=utf-8"))[0] == 200
    assert check(json_only, request({}, content_type="text/plain")) == (415, [(
        "", "Unsupported Content-Type; send application/json (or multipart/form-data to upload an avatar)")])


def test_a_form_without_a_content_type_is_a_multipart_form():
    spec = spec_with({"type": "object", "properties": {"n": {"type": "string"}}}, media=("multipart/form-data",))
    validator = compiled_request_validator(spec)
    assert verdict(validator, request(form={"n": "1"}, content_type=""))[0] == 200
    assert verdict(validator, request(form={"n": "1"}, content_type="application/json"))[0] == 415


def test_an_operation_without_a_body_ignores_what_is_sent():
    spec = spec_with({"type": "object"})
    assert check(spec, request({"anything": 1}, method="GET"))[0] == 200


def test_an_operation_with_a_query_parameter_is_checked_whole_by_the_reference():
    query = [{"name": "page", "in": "query", "required": True, "schema": {"type": "integer"}}]
    spec = spec_with({"type": "object"}, parameters=query)
    validator = compiled_request_validator(spec)
    assert verdict(validator, request({}, query={"page": "2"}))[0] == 200
    assert verdict(validator, request({}))[0] == 422  # the missing query parameter: only the reference sees it


def test_a_request_body_given_by_reference():
    spec = spec_with({"type": "object"})
    body = spec["paths"][PATH]["post"].pop("requestBody")
    body["content"]["application/json"]["schema"] = {"type": "object", "required": ["n"]}
    spec["components"]["requestBodies"] = {"Thing": body}
    spec["paths"][PATH]["post"]["requestBody"] = {"$ref": "#/components/requestBodies/Thing"}
    assert check(spec, request({"n": 1}))[0] == 200
    assert check(spec, request({})) == (422, [("n", "N can't be blank")])


def test_a_string_jsonschema_rs_cannot_read_is_judged_by_the_reference():
    spec = spec_with({"type": "object", "properties": {"name": {"type": "string", "maxLength": 3}}})
    validator = compiled_request_validator(spec)
    assert verdict(validator, request({"name": "\ud800"}))[0] == 200
    assert verdict(validator, request({"name": "\ud800abcd"}))[0] == 422


# ------------------------------------------------------------------------------- the spec's less usual shapes


def test_a_one_of_inside_a_component_reports_its_closest_branch():
    components = {"Choice": {"oneOf": [{"type": "object", "required": ["a", "b"]},
                                       {"type": "object", "required": ["c"],
                                        "properties": {"c": {"type": "integer"}}}]}}
    spec = spec_with({"type": "object", "properties": {"pick": {"$ref": "#/components/schemas/Choice"}}},
                     components=components)
    assert check(spec, request({"pick": {"c": 1}}))[0] == 200
    assert check(spec, request({"pick": {"c": "x"}})) == (422, [("pick.c", "pick.c: is not of type 'integer'")])


def test_a_discriminated_branch_with_a_one_of_inside():
    components = {"Cat": {"type": "object", "required": ["kind"], "properties": {
        "kind": {"type": "string"},
        "toy": {"oneOf": [{"type": "integer"}, {"type": "object", "required": ["name", "colour"]}]}}}}
    schema = {"oneOf": [{"$ref": "#/components/schemas/Cat"}], "discriminator": {"propertyName": "kind"}}
    spec = spec_with(schema, components=components)
    assert check(spec, request({"kind": "Cat", "toy": 3}))[0] == 200
    assert check(spec, request({"kind": "Cat", "toy": "ball"})) == (422, [("toy", "toy: is not of type 'integer'")])


def test_a_discriminated_body_that_is_no_object():
    schema = {"oneOf": [{"$ref": "#/components/schemas/Cat"}], "discriminator": {"propertyName": "kind"}}
    status, problems = check(spec_with(schema, components=PETS), request(["Cat"]))
    assert status == 422 and ("", "Request body is not of type 'object'") in problems


@pytest.mark.parametrize(("ref", "components"), [("other.yaml#/Cat", None), ("#/components/schemaZ/Cat", PETS)],
                         ids=["no component at all", "a ref elsewhere ending in a component's name"])
def test_a_discriminator_whose_mapping_names_no_component_refuses_every_value(ref, components):
    # Without components, no branch is left (anyOf: [not {}]); the second ref is as long as a
    # component's and ends in one's name, but points elsewhere ("cat" maps to it, so not to Cat).
    schema = {"oneOf": [{"type": "object"}], "discriminator": {"propertyName": "kind", "mapping": {"cat": ref}}}
    validator = compiled_request_validator(spec_with(schema, components=components))
    assert verdict(validator, request({"kind": "cat"})) == (422, [("kind", "Kind is not included in the list")])
    assert verdict(validator, request({})) == (422, [("kind", "Kind can't be blank")])


def test_a_nullable_field_sent_a_wrong_type_names_both_types():
    schema = {"type": "object", "properties": {"v": {"type": "string", "nullable": True}}}
    assert check(spec_with(schema), request({"v": 1})) == (422, [("v", "v: is not of type 'null', 'string'")])


def test_a_media_type_without_a_schema_takes_any_body():
    spec = spec_with({"type": "object"})
    del spec["paths"][PATH]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert check(spec, request([1, "two"]))[0] == 200


def test_a_path_item_with_a_summary_and_shared_parameters():
    spec = spec_with({"type": "object", "properties": {"n": {"type": "integer"}}})
    item = spec["paths"][PATH]
    spec["paths"][PATH] = {"summary": "Things", "description": "All of them",
                           "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer"}}], **item}
    validator = compiled_request_validator(spec)
    # A query parameter shared by the path: the operation is the reference's, query and body alike.
    assert verdict(validator, request({"n": 1}, query={"page": "x"}))[0] == 422
    assert verdict(validator, request({"n": "x"})) == (422, [("n", "n: 'x' is not of type 'integer'")])


def test_a_path_parameter_given_by_reference_leaves_the_body_to_the_compiled_validator():
    spec = spec_with({"type": "object", "properties": {"n": {"type": "integer"}}})
    spec["components"]["parameters"] = {"thing/id~": {"name": "id", "in": "path", "required": True,
                                                      "schema": {"type": "integer"}}}
    operation = spec["paths"][PATH]["post"]
    operation["parameters"] = [{"$ref": "#/components/parameters/thing~1id~0"}]
    assert check(spec, request({"n": "x"})) == (422, [("n", "n: is not of type 'integer'")])  # the compiled wording
    # A reference into a list (a JSON pointer's index); a new spec object, as validators are kept per spec object.
    spec = spec_with({"type": "object", "properties": {"n": {"type": "integer"}}})
    spec["paths"][PATH]["post"]["parameters"] = [{"$ref": f"#/paths/{PATH.replace('/', '~1')}/get/parameters/0"}]
    spec["paths"][PATH]["get"]["parameters"] = [{"name": "id", "in": "path", "required": True,
                                                 "schema": {"type": "integer"}}]
    assert check(spec, request({"n": "x"})) == (422, [("n", "n: is not of type 'integer'")])


def test_without_a_reference_every_operation_is_compiled():
    from mockserver.web.compiled import CompiledRequestValidator

    query = [{"name": "page", "in": "query", "schema": {"type": "integer"}}]
    validator = CompiledRequestValidator(spec_with({"type": "object", "properties": {"n": {"type": "integer"}}},
                                                   parameters=query), {})
    assert verdict(validator, request({"n": 1}))[0] == 200
    assert verdict(validator, request({"n": "x"})) == (422, [("n", "n: is not of type 'integer'")])


def test_a_one_of_inside_a_one_of_branch():
    inner = {"oneOf": [{"type": "integer"}, {"type": "object", "required": ["a", "b"]}]}
    schema = {"type": "object", "properties": {"v": {"oneOf": [
        {"type": "object", "required": ["w"], "properties": {"w": inner}}, {"type": "string"}]}}}
    spec = spec_with(schema)
    assert check(spec, request({"v": {"w": 1}}))[0] == 200
    assert check(spec, request({"v": {"w": "x"}})) == (422, [("v.w", "v.w: is not of type 'integer'")])


def test_the_body_the_app_parsed_is_the_one_judged():
    # The app hands over what it parsed (strict JSON); the raw bytes are not read again.
    validator = compiled_request_validator(spec_with({"type": "object", "properties": {"n": {"type": "integer"}}}))
    common = {"method": "POST", "path": "/things/1", "path_pattern": PATH, "path_params": {"id": "1"},
              "content_type": "application/json"}
    assert verdict(validator, IncomingRequest(**common, body=b'{"n": "x"}', parsed=({"n": 1},)))[0] == 200
    assert verdict(validator, IncomingRequest(**common, body=b'{"n": 1}', parsed=({"n": "x"},)))[0] == 422


def test_a_request_object_without_a_parsed_body_is_parsed_here():
    from types import SimpleNamespace

    validator = compiled_request_validator(spec_with({"type": "object", "properties": {"n": {"type": "integer"}}}))
    incoming = SimpleNamespace(method="POST", path_pattern=PATH, content_type="application/json", form=None,
                               body=b'{"n": "x"}')
    assert verdict(validator, incoming) == (422, [("n", "n: is not of type 'integer'")])


# ------------------------------------------------------- translation edges (survivors of `make mutation` in oas30)


def test_a_spec_without_components_or_without_schemas_is_compiled():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    without_components = spec_with(schema)
    del without_components["components"]  # components are optional in OpenAPI 3.0
    without_schemas = spec_with(schema)
    without_schemas["components"] = {"parameters": {}}
    for spec in (without_components, without_schemas):
        assert check(spec, request({"n": 1}))[0] == 200
        assert check(spec, request({"n": "x"})) == (422, [("n", "n: is not of type 'integer'")])


def test_int32_leaves_a_number_that_is_no_integer_alone_however_large():
    schema = {"type": "object", "properties": {"n": {"type": "number", "format": "int32"}, "any": {"format": "int64"}}}
    assert accepted(schema, {"n": 3e10})
    assert accepted(schema, {"any": 1e300})


def test_an_additional_properties_schema_is_translated_too():
    # `nullable` is OAS 3.0's, not draft 4's: only the translated schema admits the null.
    schema = {"type": "object", "additionalProperties": {"type": "string", "nullable": True}}
    assert accepted(schema, {"a": None})
    assert check(spec_with(schema), request({"a": 1})) == (422, [("a", "a: is not of type 'null', 'string'")])


def test_a_discriminator_without_one_of_or_any_of_changes_nothing():
    schema = {"type": "object", "properties": {"kind": {"type": "string"}}, "discriminator": {"propertyName": "kind"}}
    assert accepted(schema, {"kind": "anything"}, components=PETS)
    assert accepted(schema, {}, components=PETS)


def test_an_all_of_next_to_a_format_bound_keeps_both():
    schema = {"type": "object", "properties": {"n": {"type": "integer", "format": "int32", "allOf": [{"minimum": 5}]}}}
    spec = spec_with(schema)
    assert check(spec, request({"n": 5}))[0] == 200
    assert check(spec, request({"n": 4})) == (422, [("n", "n: is less than the minimum of 5")])
    assert check(spec, request({"n": 2**31}))[0] == 422


def test_a_discriminator_requires_its_property_even_where_the_component_does_not():
    loose = {"Cat": {"type": "object", "properties": {"kind": {"type": "string"}, "lives": {"type": "integer"}}}}
    schema = {"oneOf": [{"$ref": "#/components/schemas/Cat"}], "discriminator": {"propertyName": "kind"}}
    spec = spec_with(schema, components=loose)
    assert check(spec, request({"kind": "Cat", "lives": 9}))[0] == 200
    assert check(spec, request({"lives": 9})) == (422, [("kind", "Kind can't be blank")])
