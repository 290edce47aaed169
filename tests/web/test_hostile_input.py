"""Hostile bodies, in-process (issue 9, items 2, 3, 4, 6): each is refused at parse time with a
JSON 4xx that names the problem (and never echoes the body), nothing changes, and the app goes on
answering. Not timed. The served side (chunked bodies, slow clients) is test_served_hostile.py."""

from __future__ import annotations

import io

import pytest

from mockserver.web.body import MAX_FORM_NAME_DEPTH, MAX_JSON_BODY_BYTES, MAX_JSON_DEPTH

API = b'{"channel": {"type": "api"}, "name": '


def refused(admin, status: int, body: bytes, content_type: str = "application/json", path: str = "/inboxes"):
    before = admin.get("/inboxes").get_json()
    response = admin.post(path, data=body, content_type=content_type)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type.startswith("application/json")
    error = response.get_json()["error"]
    assert admin.get("/inboxes").get_json() == before  # nothing changed, and the app still answers
    return error


@pytest.mark.parametrize("body", [
    API + b'"\\ud800"}',                      # a lone high surrogate, escaped
    API + b'"x\\udc00"}',                     # a lone low surrogate
    API + b'"\xed\xa0\x80"}',                 # a surrogate encoded as (invalid) UTF-8
    b'{"channel": {"type": "api", "\\ud800": 1}, "name": "x"}',  # in a key
])
def test_lone_surrogates_are_refused_at_parse_time(admin, body):
    error = refused(admin, 400, body)
    assert "not valid JSON" in error
    assert "surrogate" in error or "utf-8" in error.lower()


@pytest.mark.parametrize(("body", "needle"), [
    (API + b'"x", "greeting_enabled": 1e400}', "infinity"),
    (API + b'"x", "greeting_enabled": -1e400}', "infinity"),
    (API + b'NaN}', "NaN is not a JSON value"),
    (API + b'-Infinity}', "Infinity is not a JSON value"),
])
def test_numbers_that_are_not_finite_are_refused(admin, body, needle):
    assert needle in refused(admin, 400, body)


def nested(depth: int) -> bytes:
    return API + b'"x", "channel_extra": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


def test_json_nested_deeper_than_the_limit_is_400_naming_it(admin):
    error = refused(admin, 400, nested(MAX_JSON_DEPTH + 1))
    assert f"more than {MAX_JSON_DEPTH} levels" in error


def test_json_nested_to_the_limit_is_read(admin):
    response = admin.post("/inboxes", data=nested(MAX_JSON_DEPTH), content_type="application/json")
    assert response.status_code != 400  # parsed; what the spec and the store make of it is theirs


def test_a_form_field_name_nested_too_deep_is_400_naming_the_limit(admin):
    name = "channel" + "[a]" * (MAX_FORM_NAME_DEPTH + 1)
    form = {"name": "x", "channel[type]": "api", name: "1"}
    before = admin.get("/inboxes").get_json()
    response = admin.post("/inboxes", data=form, content_type="multipart/form-data")
    assert response.status_code == 400
    assert f"deeper than {MAX_FORM_NAME_DEPTH} levels" in response.get_json()["error"]
    assert admin.get("/inboxes").get_json() == before


def test_a_json_body_over_its_limit_is_413_without_rendering_it(admin):
    body = b'{"user_ids": [' + b"1," * (MAX_JSON_BODY_BYTES // 2) + b'1], "inbox_id": 1}'
    error = refused(admin, 413, body, path="/inbox_members")
    assert str(MAX_JSON_BODY_BYTES) in error and "1,1," not in error


def test_a_body_streamed_without_a_length_over_the_limit_is_413_not_cut(admin):
    """Chunked, as a server hands it on: Werkzeug alone would cut it at the limit and call it
    malformed JSON."""
    body = b'{"user_ids": [' + b"1," * MAX_JSON_BODY_BYTES + b'1], "inbox_id": 1}'
    response = admin.client.post("/api/v1/accounts/1/inbox_members", input_stream=io.BytesIO(body),
                                 headers={"api_access_token": admin.token, "Content-Type": "application/json",
                                          "Transfer-Encoding": "chunked"},
                                 environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413, response.get_data(as_text=True)[:300]


def test_a_parse_error_never_echoes_the_body(admin):
    secret = "s3cr3t-" * 50
    error = refused(admin, 400, API + f'"{secret}" oops'.encode())
    assert "s3cr3t" not in error and len(error) < 200


def test_answers_never_carry_nan_or_infinity(app):
    """orjson writes null for a non-finite float: the wire never sees NaN or Infinity."""
    with app.app_context():
        assert app.json.response({"a": float("nan"), "b": float("inf")}).get_data() == b'{"a":null,"b":null}\n'
