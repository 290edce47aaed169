"""Avatars: every avatar_url the mock gives can be fetched, whatever the file was called (issue 9.10),
and all avatars together stay under a memory cap, past which an upload is a clear 422 (issue 9.11)."""

from __future__ import annotations

import io
import urllib.parse

import pytest
from conftest import GIF


def upload(admin, filename: str, data: bytes = GIF, inbox_id: int | None = None):
    fields = {"avatar": (io.BytesIO(data), filename, "image/gif")}
    if inbox_id is None:
        fields.update({"name": "Avatar", "channel[type]": "api"})
        return admin.request("POST", "/inboxes", content_type="multipart/form-data", data=fields)
    return admin.request("PATCH", f"/inboxes/{inbox_id}", content_type="multipart/form-data", data=fields)


@pytest.mark.parametrize(("filename", "kept"), [
    ("logo.gif", "logo.gif"),
    ("what?.gif", "what?.gif"),
    ("a#b.gif", "a#b.gif"),
    ("dir/sub/logo.gif", "dir-sub-logo.gif"),  # ActiveStorage::Filename#sanitized
    ("100%; $x|y:z.gif", "100-- -x-y-z.gif"),
    (" spaced name é.gif ", "spaced name é.gif"),
])
def test_every_avatar_url_can_be_fetched(admin, filename, kept):
    created = upload(admin, filename)
    assert created.status_code == 200, created.get_json()
    url = created.get_json()["avatar_url"]
    path = urllib.parse.urlsplit(url).path
    assert urllib.parse.unquote(path.rsplit("/", 1)[1]) == kept
    assert "?" not in url and "#" not in url
    fetched = admin.client.get(path)
    assert (fetched.status_code, fetched.data, fetched.content_type) == (200, GIF, "image/gif")


def test_avatar_memory_has_a_cap_with_a_clear_422_that_changes_nothing(app, admin):
    store = app.extensions["chatwoot_mock"].store
    store.avatar_memory_limit = 3 * len(GIF)
    first = upload(admin, "one.gif")
    inbox_id = first.get_json()["id"]
    assert upload(admin, "two.gif", inbox_id=1).status_code == 200
    assert upload(admin, "again.gif", inbox_id=inbox_id).status_code == 200  # a replacement frees its old bytes
    before = admin.get("/inboxes").get_json()
    refused = upload(admin, "four.gif", GIF * 2, inbox_id=2)
    assert refused.status_code == 422
    assert "Avatar storage of the mock is full" in refused.get_json()["message"]
    assert admin.get("/inboxes").get_json() == before
    assert admin.delete(f"/inboxes/{inbox_id}/avatar").status_code == 200
    assert upload(admin, "four.gif", inbox_id=2).status_code == 200  # deleting made room
