"""Listing joins cached inbox views (issue 10): the list is always what rendering every inbox now
would give, for each view, after every kind of change, a reset, a load and an undone write."""

from __future__ import annotations

import json

from conftest import ADMIN, AGENT, PREFIX

from mockserver.chatwoot import views
from mockserver.web.app import RUNTIME_KEY
from mockserver.web.rendered import RenderedInboxes


def fresh_list(app, token: str) -> list:
    """The list rendered now, without the cache."""
    store = app.extensions[RUNTIME_KEY].store
    actor = store.authenticate(token, 1)
    urls = views.Urls("http://localhost")
    return json.loads(json.dumps([views.inbox_json(i, actor.is_admin, urls) for i in store.list_inboxes(actor)]))


def listed(client, token: str) -> list:
    response = client.get(f"{PREFIX}/inboxes", headers={"api_access_token": token})
    assert response.status_code == 200
    return response.get_json()["payload"]


def test_the_cached_list_is_always_the_list_rendered_now(app, monkeypatch):
    client = app.test_client()
    admin = {"api_access_token": ADMIN}

    def same() -> None:
        for token in (ADMIN, AGENT):
            assert listed(client, token) == fresh_list(app, token), token

    same()
    same()  # from the cache
    client.patch(f"{PREFIX}/inboxes/1", headers=admin, json={"name": "Renamed", "channel": {"widget_color": "#000"}})
    same()
    client.patch(f"{PREFIX}/inboxes/1", headers=admin, json={"working_hours": [{"day_of_week": 1, "open_hour": 8}]})
    same()
    created = client.post(f"{PREFIX}/inboxes", headers=admin, json={"name": "New", "channel": {"type": "api"}})
    client.post(f"{PREFIX}/inbox_members", headers=admin, json={"inbox_id": created.get_json()["id"], "user_ids": [2]})
    same()
    client.delete(f"{PREFIX}/inboxes/2", headers=admin)
    same()
    client.post("/_mock/reset")
    same()
    assert "Renamed" not in [i["name"] for i in listed(client, ADMIN)]

    def crash(*args):
        raise RuntimeError("crash after the change")

    monkeypatch.setattr("mockserver.web.api._response", crash)
    assert client.patch(f"{PREFIX}/inboxes/1", headers=admin, json={"name": "Undone"}).status_code == 500
    monkeypatch.undo()
    same()
    assert "Undone" not in [i["name"] for i in listed(client, ADMIN)]


def test_a_list_renders_only_the_inboxes_changed_since_the_last(app, monkeypatch):
    client = app.test_client()
    admin = {"api_access_token": ADMIN}
    rendered = []
    real = RenderedInboxes._render

    def counting(self, inbox, admin_view, urls):
        rendered.append(inbox.id)
        return real(self, inbox, admin_view, urls)

    monkeypatch.setattr(RenderedInboxes, "_render", counting)
    first = listed(client, ADMIN)
    assert sorted(rendered) == sorted(i["id"] for i in first)
    rendered.clear()
    listed(client, ADMIN)
    assert rendered == []
    rendered.clear()
    # The PATCH's answer renders inbox 3's new version once; the list then joins it from the cache.
    assert client.patch(f"{PREFIX}/inboxes/3", headers=admin, json={"greeting_message": "hi"}).json[
        "greeting_message"] == "hi"
    assert rendered == [3]
    assert {i["id"]: i["greeting_message"] for i in listed(client, ADMIN)}[3] == "hi"
    assert rendered == [3]
    assert client.get(f"{PREFIX}/inboxes/3", headers=admin).json["greeting_message"] == "hi"
    assert rendered == [3]  # a show of an unchanged inbox is the cached bytes too
