"""Inbox create and update as multipart forms (the avatar upload path): validated as the form they
are, then as the JSON body they become, so a form never passes what JSON would not."""

from __future__ import annotations

import io

from conftest import GIF


def form(client, method, path, fields):
    return client.request(method, path, content_type="multipart/form-data", data=fields)


def test_form_create_casts_values_the_rails_way(admin):
    response = form(admin, "POST", "/inboxes", {
        "name": "Form widget", "channel[type]": "web_widget", "channel[website_url]": "https://f.example",
        "greeting_enabled": "t", "enable_auto_assignment": "off", "channel[pre_chat_form_enabled]": "1",
        "avatar": (io.BytesIO(GIF), "logo.gif", "image/gif")})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["greeting_enabled"], body["enable_auto_assignment"], body["pre_chat_form_enabled"]) == (
        True, False, True)
    assert body["avatar_url"].endswith("/logo.gif")


def test_form_create_names_the_missing_channel_attribute_as_chatwoot_does(admin):
    before = admin.get("/inboxes").get_json()
    response = form(admin, "POST", "/inboxes", {"name": "No URL", "channel[type]": "web_widget"})
    assert response.status_code == 422
    # digest §2.3: `{"message":"Website url can't be blank","attributes":["website_url"]}`
    assert response.get_json()["message"] == "Website url can't be blank"
    assert response.get_json()["attributes"] == ["website_url"]
    assert admin.get("/inboxes").get_json() == before


def test_form_refuses_an_unclear_boolean_and_an_unknown_field(admin):
    before = admin.get("/inboxes/3").get_json()
    unclear = form(admin, "PATCH", "/inboxes/3", {"greeting_enabled": "maybe"})
    assert unclear.status_code == 422
    assert unclear.get_json()["attributes"] == ["greeting_enabled"]
    unknown = form(admin, "PATCH", "/inboxes/3", {"channel[provider_config]": "x"})
    assert unknown.status_code == 422
    assert "channel[provider_config]" in unknown.get_json()["message"]
    assert admin.get("/inboxes/3").get_json() == before


def test_form_update_checks_ports_and_applies_the_current_channels_fields(admin):
    assert form(admin, "PATCH", "/inboxes/3", {"channel[imap_port]": "70000"}).status_code == 422
    response = form(admin, "PATCH", "/inboxes/3", {"channel[imap_port]": "995", "channel[website_url]": "x"})
    assert response.status_code == 200
    assert response.get_json()["imap_port"] == 995  # cast to an integer (digest §5.1)
    assert response.get_json()["website_url"] is None  # not an e-mail channel's attribute: ignored (§2.4)


def test_whatsapp_provider_outside_the_list_is_refused(admin):
    # digest §2.3: `provider` must be default or whatsapp_cloud ("Provider is not included in the list").
    response = admin.patch("/inboxes/4", json={"channel": {"provider": "twilio"}})
    assert response.status_code == 422
    assert response.get_json() == {"message": "Provider is not included in the list", "attributes": ["provider"]}
    assert admin.get("/inboxes/4").get_json()["provider"] == "whatsapp_cloud"
