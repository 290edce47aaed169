"""Hostile or odd bodies: each gets a clear 4xx JSON error and changes nothing (never a 500)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("body", "needle"), [
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),  # Python's decoder recurses
    (b'{"name": NaN, "channel": {"type": "api"}}', "NaN is not a JSON value"),
    (b'{"name": Infinity, "channel": {"type": "api"}}', "Infinity is not a JSON value"),
    (b'{"name": "\xff", "channel": {"type": "api"}}', "not valid JSON"),
])
def test_bodies_that_are_not_json_are_400(admin, body, needle):
    before = admin.get("/inboxes").get_json()
    response = admin.post("/inboxes", data=body, content_type="application/json")
    assert response.status_code == 400
    assert needle in response.get_json()["error"]
    assert admin.get("/inboxes").get_json() == before


def test_a_null_for_a_required_text_reads_as_chatwoot_does(admin):
    before = admin.get("/inboxes/1").get_json()
    response = admin.patch("/inboxes/1", json={"name": None})
    assert response.status_code == 422
    body = response.get_json()
    # digest §5.1: "Name can't be blank" on `name`, once (not once per broken schema keyword).
    assert body["message"] == "Name can't be blank"
    assert body["attributes"] == ["name"]
    assert len(body["errors"]) == 1
    assert admin.get("/inboxes/1").get_json() == before


def test_a_body_that_is_not_an_object_is_named_once(admin):
    response = admin.post("/inboxes", json=[1, 2])
    assert response.status_code == 422
    assert response.get_json()["message"] == "[1, 2] is not of type 'object'"
