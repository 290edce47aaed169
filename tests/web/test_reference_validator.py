"""The reference validator (web/validation.py, openapi-core and jsonschema) on small specs: what it
answers, and how it words it. It judges the control API's requests, a public operation with query
parameters, what jsonschema-rs cannot take, and the answers in tests (`response_errors`); and it is
the oracle the compiled validator must agree with (test_validation_agreement.py, which compares
verdicts only). Written to kill the survivors of `make mutation` in web.validation."""

from __future__ import annotations

from typing import Any

import pytest
from test_compiled_validator import PATH, request, spec_with, verdict

from mockserver.chatwoot.channels import NOT_BLANK_PATTERN
from mockserver.chatwoot.errors import RequestInvalid
from mockserver.web.validation import IncomingRequest, OpenAPICoreValidator, compiled_request_validator

FORM = "multipart/form-data; boundary=x"
BOTH = ("application/json", FORM.split(";")[0])
PERSON = {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "pattern": NOT_BLANK_PATTERN},
    "kind": {"type": "string", "enum": ["a", "b"]},
    "n": {"type": "integer"},
    "mail": {"type": "string", "format": "email"},
    "note": {"type": "string", "nullable": False},
}}


def reference(schema: Any = PERSON, **kw: Any) -> OpenAPICoreValidator:
    return OpenAPICoreValidator(spec_with(schema, **kw))


# ------------------------------------------------------------------------------------------ JSON bodies


@pytest.mark.parametrize(("body", "problems"), [
    ({"name": "x"}, []),
    ({}, [("name", "Name can't be blank")]),  # required: the missing key named, worded as Rails does
    ({"name": " "}, [("name", "Name can't be blank")]),  # the \S pattern: blank
    ({"name": "x", "note": None}, [("note", "Note can't be blank")]),  # null where not nullable
    ({"name": "x", "kind": "c"}, [("kind", "Kind is not included in the list")]),  # enum
    ({"name": "x", "n": "1"}, [("n", "n: '1' is not of type 'integer'")]),  # any other rule: path and message
    ({"name": "x", "mail": "nope"}, [("mail", "mail: 'nope' is not a 'email'")]),  # the format checker's
    ([1], [("", "[1] is not of type 'object'")]),  # no path: the message alone
])
def test_a_json_body_is_judged_and_each_problem_worded(body, problems):
    assert verdict(reference(), request(body)) == ((422, problems) if problems else (200, []))


def test_a_nested_required_property_is_named_by_its_own_name():
    schema = {"type": "object", "properties": {"channel": {"type": "object", "required": ["website_url"]}}}
    answer = verdict(reference(schema), request({"channel": {}}))
    assert answer == (422, [("website_url", "Website url can't be blank")])


def test_a_problem_is_cut_at_300_characters_with_an_ellipsis_never_longer():
    status, [(attribute, message)] = verdict(reference(), request({"name": "x", "n": "y" * 400}))
    assert (status, attribute) == (422, "n")
    assert message.startswith("n: 'yyy") and len(message) == 300


def test_one_problem_per_field_however_many_rules_it_breaks():
    # A null for a non-nullable string breaks two rules (not nullable, not a string): one problem.
    schema = {"type": "object", "properties": {"a": {"type": "string", "minLength": 2, "nullable": False},
                                                "b": {"type": "string"}}}
    status, problems = verdict(reference(schema), request({"a": None, "b": None}))
    assert (status, problems) == (422, [("a", "A can't be blank"), ("b", "B can't be blank")])


def test_a_body_the_reference_cannot_read_or_take():
    assert verdict(reference(), request(raw=b"{nope")) == (
        400, [("", "Request body could not be read: Failed to deserialize value with application/json mimetype: "
                   "{nope")])
    assert verdict(reference(), request(raw=b"{}", content_type="text/plain")) == (
        415, [("", "Unsupported Content-Type; send application/json (or multipart/form-data to upload an avatar)")])
    assert verdict(reference(), request(raw=b"")) == (422, [("", "Missing required request body")])
    assert verdict(reference(required=False), request(raw=b"")) == (200, [])


def test_a_nested_field_is_named_by_its_dotted_path():
    schema = {"type": "object", "properties": {"o": {"type": "object", "properties": {"b": {"type": "string"}}}}}
    assert verdict(reference(schema), request({"o": {"b": 1}})) == (422, [("o.b", "o.b: 1 is not of type 'string'")])


def test_the_422_details_give_a_rails_worded_problems_whole_path():
    # The attribute is Rails' leaf name; the details (the docs profile's `errors`) say where it is.
    schema = {"type": "object", "properties": {"channel": {"type": "object", "required": ["website_url"]}}}
    with pytest.raises(RequestInvalid) as refused:
        reference(schema).validate(request({"channel": {}}))
    assert refused.value.details() == [{"attribute": "channel.website_url", "message": "Website url can't be blank"}]


def test_the_same_rule_broken_in_two_places_is_two_problems():
    owner = {"type": "object", "required": ["name"]}
    schema = {"type": "object", "properties": {"a": owner, "b": owner}}
    with pytest.raises(RequestInvalid) as refused:
        reference(schema).validate(request({"a": {}, "b": {}}))
    assert refused.value.details() == [{"attribute": "a.name", "message": "Name can't be blank"},
                                       {"attribute": "b.name", "message": "Name can't be blank"}]


def test_a_request_for_an_operation_the_spec_lacks_is_a_422_saying_so():
    nowhere = IncomingRequest(method="POST", path="/nowhere", path_pattern="/nowhere", path_params={},
                              content_type="application/json", body=b"{}", parsed=({},))
    assert verdict(reference(), nowhere) == (422, [("", "Path not found for http://localhost/nowhere")])
    assert verdict(reference(), request({"name": "x"}, method="PUT")) == (
        422, [("", "Operation put not found for http://localhost/things/{id}")])


def test_a_crash_of_openapi_core_is_a_422_with_no_field():
    # openapi-core raises on a type given as a list (tooling notes §6.6).
    schema = {"type": "object", "properties": {"v": {"type": ["string"]}}}
    assert verdict(reference(schema), request({"v": 1})) == (
        422, [("", "request could not be validated: unhashable type: 'list'")])


class _BrokenQuery(dict):
    """A query whose reading fails with an exception that has no message."""

    def items(self):
        raise LookupError


def test_a_crash_without_a_message_is_named_by_its_type():
    assert verdict(reference(), request({"name": "x"}, query=_BrokenQuery(status="a"))) == (
        422, [("", "request could not be validated: LookupError")])


# ------------------------------------------------------------------------------------------ parameters


def test_a_parameters_problem_names_the_parameter():
    spec = spec_with(PERSON, parameters=[{"name": "status", "in": "query", "required": True,
                                          "schema": {"type": "string", "pattern": "^[a-z]+$"}}])
    answer = verdict(OpenAPICoreValidator(spec), request({"name": "x"}, query={"status": "A1"}))
    assert answer == (422, [("status", "status: 'A1' does not match '^[a-z]+$'")])
    missing = verdict(OpenAPICoreValidator(spec), request({"name": "x"}))
    assert missing == (422, [("status", "Missing required query parameter: status")])


def test_a_parameter_that_cannot_be_read_as_its_type_is_named_with_the_reason():
    spec = spec_with(PERSON, parameters=[{"name": "X-Count", "in": "header", "schema": {"type": "integer"}}])
    counted = IncomingRequest(method="POST", path="/things/1", path_pattern=PATH, path_params={"id": "1"},
                              content_type="application/json", body=b'{"name": "x"}', headers={"X-Count": "abc"})
    assert verdict(OpenAPICoreValidator(spec), counted) == (
        422, [("X-Count", "Failed to cast value to integer type: abc")])


def test_header_and_cookie_parameters_are_read_from_the_request():
    spec = spec_with(PERSON, parameters=[
        {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "string", "pattern": "^t"}},
        {"name": "session", "in": "cookie", "required": False, "schema": {"type": "string"}}])
    validator = OpenAPICoreValidator(spec)

    def sent(headers: dict) -> IncomingRequest:
        return IncomingRequest(method="POST", path="/things/1", path_pattern=PATH, path_params={"id": "1"},
                               content_type="application/json", body=b'{"name": "x"}', parsed=({"name": "x"},),
                               headers=headers)

    assert verdict(validator, sent({"X-Trace": "t1"})) == (200, [])
    assert verdict(validator, sent({"X-Trace": "u1"})) == (422, [("X-Trace", "X-Trace: 'u1' does not match '^t'")])
    assert verdict(validator, sent({})) == (422, [("X-Trace", "Missing required header parameter: X-Trace")])


# ------------------------------------------------------------------------------------------ forms


@pytest.mark.parametrize(("form", "problems"), [
    ({"name": "x"}, []),
    ({}, [("name", "Name can't be blank")]),
    ({"name": " "}, [("name", "Name can't be blank")]),
    ({"name": "x", "kind": "c"}, [("kind", "Kind is not included in the list")]),
    ({"name": "x", "mail": "nope"}, [("mail", "mail: 'nope' is not a 'email'")]),  # formats checked in forms too
])
def test_a_form_is_judged_by_its_multipart_schema(form, problems):
    answer = verdict(reference(media=BOTH), request(form=form, content_type=FORM))
    assert answer == ((422, problems) if problems else (200, []))


def test_a_form_field_named_in_brackets_is_named_by_its_leaf():
    schema = {"type": "object",
              "properties": {"channel[website_url]": {"type": "string", "pattern": NOT_BLANK_PATTERN}}}
    answer = verdict(reference(schema, media=BOTH), request(form={"channel[website_url]": ""}, content_type=FORM))
    assert answer == (422, [("website_url", "Website url can't be blank")])


def test_a_form_fields_pattern_problem_is_said_in_words_and_other_rules_as_they_are():
    integer = {"type": "string", "pattern": "^-?[0-9]+$", "maxLength": 3,
               "x-pattern-problem": "is not an integer from -99 to 999"}
    schema = {"type": "object", "properties": {"policy[window]": integer}}
    validator = reference(schema, media=BOTH)
    assert verdict(validator, request(form={"policy[window]": "ten"}, content_type=FORM)) == (
        422, [("window", "policy[window]: is not an integer from -99 to 999")])
    assert verdict(validator, request(form={"policy[window]": "1000"}, content_type=FORM)) == (
        422, [("policy[window]", "policy[window]: '1000' is too long")])


def test_a_form_to_an_unknown_operation_or_one_without_a_body_is_415():
    assert verdict(reference(media=BOTH), IncomingRequest(
        method="POST", path="/nowhere", path_pattern="/nowhere", path_params={}, content_type=FORM,
        form={"name": "x"})) == (415, [("", "This operation takes no multipart/form-data body")])
    assert verdict(reference(media=BOTH), request(form={"name": "x"}, content_type=FORM, method="GET")) == (
        415, [("", "This operation takes no multipart/form-data body")])


@pytest.mark.parametrize("path", ["/~things", "/~0things", "/~1things"])
def test_a_form_schema_under_a_path_with_a_tilde_is_found(path):
    # A JSON pointer writes "~" as "~0": "/~1things" is not "//things", nor "/~0things" "/~things".
    spec = spec_with(PERSON, media=BOTH)
    spec["paths"][path] = spec["paths"].pop(PATH)
    validator = OpenAPICoreValidator(spec)
    tilde = IncomingRequest(method="POST", path=path, path_pattern=path, path_params={"id": "1"},
                            content_type=FORM, form={"kind": "a"})
    assert verdict(validator, tilde) == (422, [("name", "Name can't be blank")])


def test_a_form_to_an_operation_without_a_multipart_body_is_415():
    answer = verdict(reference(), request(form={"name": "x"}, content_type=FORM))
    assert answer == (415, [("", "This operation takes no multipart/form-data body")])


def test_a_form_encoded_body_is_judged_by_its_own_form_schema():
    spec = spec_with(PERSON, media=BOTH)
    spec["paths"][PATH]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"] = {
        "schema": {"type": "object", "required": ["title"]}}
    validator = OpenAPICoreValidator(spec)
    encoded = request(form={"name": "x"}, content_type="application/x-www-form-urlencoded")
    assert verdict(validator, encoded) == (422, [("title", "Title can't be blank")])
    assert verdict(validator, request(form={"name": "x"}, content_type=FORM)) == (200, [])
    assert verdict(reference(media=BOTH), encoded) == (
        415, [("", "This operation takes no application/x-www-form-urlencoded body")])


def test_each_operation_has_its_own_form_schema():
    spec = spec_with(PERSON, media=BOTH)
    spec["paths"]["/others"] = {"post": {"requestBody": {"content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["title"]}}}}, "responses": {"200": {"description": "ok"}}}}
    validator = OpenAPICoreValidator(spec)
    other = IncomingRequest(method="POST", path="/others", path_pattern="/others", path_params={},
                            content_type=FORM, form={"name": "x"})
    assert verdict(validator, request(form={"name": "x"}, content_type=FORM)) == (200, [])
    assert verdict(validator, other) == (422, [("title", "Title can't be blank")])
    assert verdict(validator, request(form={"name": "x"}, content_type=FORM)) == (200, [])  # its own, still


def test_a_form_schema_given_by_reference_resolves_in_the_spec():
    components = {"Person": PERSON}
    validator = OpenAPICoreValidator(spec_with({"$ref": "#/components/schemas/Person"}, media=BOTH,
                                               components=components))
    assert verdict(validator, request(form={"name": "x"}, content_type=FORM)) == (200, [])
    answer = verdict(validator, request(form={"kind": "a"}, content_type=FORM))
    assert answer == (422, [("name", "Name can't be blank")])
    # A property's own $ref, inside an inline form schema, resolves too.
    inline = {"type": "object", "properties": {"who": {"$ref": "#/components/schemas/Person"}}}
    validator = OpenAPICoreValidator(spec_with(inline, media=BOTH, components=components))
    assert verdict(validator, request(form={"who": "x"}, content_type=FORM)) == (
        422, [("who", "who: 'x' is not of type 'object'")])


def test_a_form_that_no_branch_of_a_one_of_takes_gets_the_closest_branchs_problems():
    schema = {"oneOf": [
        {"type": "object", "required": ["a", "b", "c"]},  # three complaints for {}
        {"type": "object", "required": ["d"], "properties": {"e": {"type": "string", "enum": ["x"]}}},  # one
    ]}
    answer = verdict(reference(schema, media=BOTH), request(form={"e": "x"}, content_type=FORM))
    assert answer == (422, [("d", "D can't be blank")])
    nested = {"oneOf": [{"type": "object", "required": ["a", "b"]}, schema]}  # the closest is found inside too
    answer = verdict(reference(nested, media=BOTH), request(form={"e": "x"}, content_type=FORM))
    assert answer == (422, [("d", "D can't be blank")])


def test_a_form_that_more_than_one_branch_of_a_one_of_takes_is_refused():
    schema = {"oneOf": [{"type": "object", "required": ["a"]}, {"type": "object", "required": ["b"]}]}
    status, [(attribute, message)] = verdict(reference(schema, media=BOTH),
                                             request(form={"a": "1", "b": "2"}, content_type=FORM))
    assert (status, attribute) == (422, "")
    assert message.startswith("{'a': '1', 'b': '2'} is valid under each of ")


# ------------------------------------------------------------------------------------------ responses


def response_spec() -> dict:
    spec = spec_with(PERSON)
    spec["paths"][PATH]["post"]["responses"] = {"200": {"description": "ok", "content": {"application/json": {
        "schema": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "integer"}, "o": {"type": "object", "properties": {"b": {"type": "string"}}}}}}}}}
    return spec


RESPONSE = OpenAPICoreValidator(response_spec())


def test_an_answer_that_conforms_has_no_errors():
    assert RESPONSE.response_errors(request({"name": "x"}), 200, "application/json", b'{"id": 1}') == []


def test_an_answer_that_breaks_its_schema_is_described_field_by_field():
    [error] = RESPONSE.response_errors(request({"name": "x"}), 200, "application/json", b'{"id": "one", "o": {"b": 1}}')
    assert error.startswith("InvalidData: Value {'id': 'one', 'o': {'b': 1}} not valid for schema of type object")
    assert error.endswith(") id: 'one' is not of type 'integer'; o.b: 1 is not of type 'string'")


@pytest.mark.parametrize("content_type", ["text/plain", ""])
def test_an_answer_in_another_media_type_or_none_is_described(content_type):
    assert RESPONSE.response_errors(request({"name": "x"}), 200, content_type, b'{"id": 1}') == [
        f"DataValidationError: Content for the following mimetype not found: {content_type}. "
        "Valid mimetypes: ['application/json']"]


def test_a_long_description_is_cut_at_2000_characters_before_its_field_details():
    [error] = RESPONSE.response_errors(request({"name": "x"}), 200, "application/json",
                                       b'{"id": "' + b"x" * 3000 + b'"}')
    described, _, detail = error.partition("…")
    assert len(described) == 1999 and described.startswith("InvalidData: Value {'id': 'xxx")
    assert detail.startswith(" id: 'xxx") and detail.endswith("' is not of type 'integer'")


def test_a_description_of_exactly_2000_characters_is_kept_whole():
    def described(length: int) -> str:  # a valid field of this length beside the invalid id
        [error] = RESPONSE.response_errors(request({"name": "x"}), 200, "application/json",
                                           b'{"id": "x", "o": {"b": "' + b"y" * length + b'"}}')
        return error.partition(" id: 'x' is not")[0]

    whole = 2000 - len(described(10)) + 10  # the description shows that field once
    assert len(described(whole)) == 2000 and "…" not in described(whole)
    assert described(whole + 1).endswith("…") and len(described(whole + 1)) == 2000


def test_an_answer_that_is_not_utf8_is_described_by_its_error_name():
    # openapi-core's own message fails to format such a body (tooling notes §2).
    assert RESPONSE.response_errors(request({"name": "x"}), 200, "application/json", b"\xff") == [
        "DataValidationError"]


# ------------------------------------------------------------------------------------------ one per spec


def test_the_compiled_validator_is_made_once_per_spec_document_and_shared():
    spec, twin = spec_with(PERSON), spec_with(PERSON)
    assert compiled_request_validator(spec) is compiled_request_validator(spec)  # every app of one spec shares it
    assert compiled_request_validator(twin) is not compiled_request_validator(spec)  # equal is not the same
