"""Requests as Rails reads them (issue 11, items 1-6): form-encoded bodies everywhere, the `.json`
suffix, non-object bodies, the chatwoot profile's ActiveModel casting, no checks Chatwoot does not
make, and the chatwoot profile's 422 body."""

from __future__ import annotations

import json

import pytest

# ----------------------------------------------------------------------------------------------- 1. form-encoded

def test_form_encoded_create_with_rails_nesting(admin):
    response = admin.post("/inboxes", data={
        "name": "Curl widget", "channel[type]": "web_widget", "channel[website_url]": "https://curl.example",
        "channel[selected_feature_flags][]": ["emoji_picker", "attachments"], "greeting_enabled": "true"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["website_url"], body["greeting_enabled"]) == ("https://curl.example", True)
    assert sorted(body["selected_feature_flags"]) == ["attachments", "emoji_picker"]


def test_form_encoded_update_working_hours_by_index(admin):
    response = admin.patch("/inboxes/1", data={"working_hours[0][day_of_week]": "1",
                                               "working_hours[0][open_hour]": "8"})
    # `working_hours[0][...]`: Rails' fields_for style, read as a list of rows.
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["working_hours"][1]["open_hour"] == 8


def test_form_encoded_members_and_agent_bot(admin):
    added = admin.post("/inbox_members", data={"inbox_id": "3", "user_ids[]": ["2"]})
    assert (added.status_code, [a["id"] for a in added.get_json()["payload"]]) == (200, [2])
    linked = admin.post("/inboxes/2/set_agent_bot", data={"agent_bot": "1"})
    assert linked.status_code == 200
    assert admin.get("/inboxes/2/agent_bot").get_json()["agent_bot"]["id"] == 1
    removed = admin.delete("/inbox_members", data={"inbox_id": "3", "user_ids[]": ["2"]})
    assert removed.status_code == 200
    assert admin.get("/inbox_members/3").get_json() == {"payload": []}


# ----------------------------------------------------------------------------------------------- 5. .json

@pytest.mark.parametrize("path", ["/inboxes.json", "/inboxes/1.json", "/inboxes/1/agent_bot.json",
                                  "/inbox_members/1.json", "/agent_bots.json", "/assignment_policies.json"])
def test_format_suffix(admin, path):
    assert admin.get(path).get_json() == admin.get(path.removesuffix(".json")).get_json()


def test_format_suffix_on_a_write(admin):
    response = admin.patch("/inboxes/2.json", json={"name": "Renamed"})
    assert (response.status_code, response.get_json()["name"]) == (200, "Renamed")


# ----------------------------------------------------------------------------------------------- 2. casting

@pytest.mark.parametrize(("sent", "read"), [(True, True), (False, False),
                                            ("true", True), ("1", True), (1, True), ("t", True), ("on", True),
                                            ("yes", True), ("False", True), ("false", False), ("0", False),
                                            (0, False), ("f", False), ("off", False), ("OFF", False)])
def test_chatwoot_casts_booleans_as_activemodel(chatwoot_admin, sent, read):
    response = chatwoot_admin.patch("/inboxes/2", json={"greeting_enabled": sent})
    assert (response.status_code, response.get_json()["greeting_enabled"]) == (200, read)


def test_chatwoot_casts_integers_and_text(chatwoot_admin):
    body = chatwoot_admin.patch("/inboxes/3", json={"channel": {"imap_port": "993", "smtp_port": 587.9},
                                                    "name": 42}).get_json()
    assert (body["imap_port"], body["smtp_port"], body["name"]) == (993, 587, "42")
    hours = chatwoot_admin.patch("/inboxes/1", json={"working_hours": [
        {"day_of_week": "2", "open_hour": "10", "closed_all_day": "false"}]}).get_json()["working_hours"]
    assert (hours[2]["open_hour"], hours[2]["closed_all_day"]) == (10, False)


def test_chatwoot_casts_json_booleans_for_integer_and_text_columns(chatwoot_admin):
    # ActiveModel: an integer column reads true as 1 and false as 0, a text column true as "t" and
    # false as "f"; Ruby's `to_i` reads "1_000" as 1000.
    ports = chatwoot_admin.patch("/inboxes/3", json={"channel": {"imap_port": True, "smtp_port": False}}).get_json()
    assert (ports["imap_port"], ports["smtp_port"]) == (1, 0)
    assert chatwoot_admin.patch("/inboxes/3", json={"channel": {"imap_port": "1_000"}}).get_json()["imap_port"] == 1000
    # Ruby's to_i skips ASCII white space only and reads ASCII digits only (Python's int() reads both).
    for sent, read in ((" \t25", 25), ("\u3000 25", 0), ("\u0663", 0), ("\x1c", 0)):
        assert chatwoot_admin.patch("/inboxes/3", json={"channel": {"imap_port": sent}}).get_json()["imap_port"] == read
    texts = chatwoot_admin.patch("/inboxes/2", json={"greeting_message": True, "business_name": False}).get_json()
    assert (texts["greeting_message"], texts["business_name"]) == ("t", "f")


def test_chatwoot_drops_a_working_hours_rows_unknown_keys(chatwoot_admin):
    # `permit(working_hours: [...])` keeps a row's permitted keys only: an `id` sent with it is dropped.
    response = chatwoot_admin.patch("/inboxes/1", json={"working_hours": [
        {"day_of_week": 1, "open_hour": 8, "id": 99, "note": "x"}]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["working_hours"][1]["open_hour"] == 8


def test_chatwoot_requires_a_policy_object_before_permitting_its_keys(chatwoot_admin):
    # `params.require(:assignment_policy).permit(...)` (digest §7): require sees the object as sent,
    # so one holding only keys permit drops is present; permit then leaves nothing to set.
    made = chatwoot_admin.post("/assignment_policies", json={"assignment_policy": {"name": "Night shift"}})
    assert made.status_code == 200, made.get_json()
    policy_id = made.get_json()["id"]
    untouched = chatwoot_admin.patch(f"/assignment_policies/{policy_id}", json={"assignment_policy": {"shift": "late"}})
    assert (untouched.status_code, untouched.get_json()["name"]) == (200, "Night shift")
    nameless = chatwoot_admin.post("/assignment_policies", json={"assignment_policy": {"shift": "late"}})
    assert (nameless.status_code, nameless.get_json()) == (
        422, {"message": "Name can't be blank", "attributes": ["name"]})
    empty = chatwoot_admin.post("/assignment_policies", json={"assignment_policy": {}})
    assert (empty.status_code, empty.get_json()) == (
        422, {"error": "param is missing or the value is empty: assignment_policy"})


def test_chatwoot_requires_a_csat_template_before_permitting_its_keys(chatwoot_admin):
    # `params.require(:template).permit(:message, ...)`, then a blank message is its own 422 (digest §7).
    unknown_only = chatwoot_admin.post("/inboxes/4/csat_template", json={"template": {"body": "How did we do?"}})
    assert (unknown_only.status_code, unknown_only.get_json()) == (422, {"error": "Message is required"})
    empty = chatwoot_admin.post("/inboxes/4/csat_template", json={"template": {}})
    assert (empty.status_code, empty.get_json()) == (422, {"error": "Template parameters are required"})


def test_chatwoot_requires_a_twilio_channel_before_permitting_its_keys(chatwoot_admin):
    # `params.require(:twilio_channel).permit(...)`: present, so the channel's own checks answer
    # (account_sid and auth_token must be present, digest §5.3), not ParameterMissing.
    response = chatwoot_admin.post("/channels/twilio_channel", json={"twilio_channel": {"sid": "AC1"}})
    assert response.status_code == 422
    assert "Account sid can't be blank" in response.get_json()["error"]


def test_chatwoot_inserts_members_by_the_cast_user_id(chatwoot_admin):
    # digest §6: the raw ids are inserted and the column casts them: true is user 1; null is no user.
    added = chatwoot_admin.post("/inbox_members", json={"inbox_id": 3, "user_ids": [True]})
    assert (added.status_code, [a["id"] for a in added.get_json()["payload"]]) == (200, [1])
    missing = chatwoot_admin.post("/inbox_members", json={"inbox_id": 3, "user_ids": [None]})
    assert (missing.status_code, missing.get_json()) == (422, {"message": "User must exist", "attributes": ["user"]})


def test_chatwoot_drops_a_list_sent_for_a_scalar(chatwoot_admin):
    before = chatwoot_admin.get("/inboxes/2").get_json()
    response = chatwoot_admin.patch("/inboxes/2", json={"greeting_message": ["not", "text"], "timezone": {}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == before


def test_chatwoot_null_string_on_inbox_attributes(chatwoot_admin):
    # CW-1567's stop-gap: the top-level "null" is nil before the model casts (not the text "null").
    assert chatwoot_admin.patch("/inboxes/2", json={"greeting_message": "null"}).get_json()["greeting_message"] is None
    # ... so a "null" boolean is nil, not true: the NOT NULL column's 500 in Chatwoot, a clean 422 here.
    assert chatwoot_admin.patch("/inboxes/2", json={"lock_to_single_conversation": "null"}).status_code == 422


def test_docs_keeps_the_documented_types(docs_admin):
    response = docs_admin.patch("/inboxes/2", json={"greeting_enabled": "true"})
    assert response.status_code == 422
    assert response.get_json()["attributes"] == ["greeting_enabled"]
    assert response.get_json()["errors"][0]["attribute"] == "greeting_enabled"


# ----------------------------------------------------------------------------------------------- 3. no extra checks

def test_no_email_format_smtp_lists_or_port_range(admin):
    response = admin.post("/inboxes", json={"name": "Odd mail", "channel": {
        "type": "email", "email": "not-an-address", "smtp_authentication": "xoauth2",
        "smtp_openssl_verify_mode": "whatever", "imap_port": 70000}})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["email"], body["smtp_authentication"], body["imap_port"]) == ("not-an-address", "xoauth2", 70000)


def test_an_out_of_range_working_hour_row_is_left_unchanged(admin):
    before = admin.get("/inboxes/1").get_json()["working_hours"]
    response = admin.patch("/inboxes/1", json={"working_hours": [{"day_of_week": 1, "open_hour": 25}]})
    assert (response.status_code, response.get_json()["working_hours"]) == (200, before)


def test_model_refusals_are_worded_as_chatwoot(admin):
    limit = admin.patch("/inboxes/1", json={"auto_assignment_config": {"max_assignment_limit": 0}})
    assert limit.get_json()["message"] == "Auto assignment config max_assignment_limit must be greater than 0"
    url = admin.post("/inboxes", json={"name": "Hook", "channel": {"type": "api",
                                                                   "webhook_url": "https://h.example/" + "a" * 2048}})
    assert url.get_json()["message"] == "Webhook url is too long (maximum is 2048 characters)"


# ----------------------------------------------------------------------------------------------- 4. non-objects

@pytest.mark.parametrize("body", ["null", "[]", "7"])
def test_set_agent_bot_with_a_non_object_body_unlinks(admin, body):
    response = admin.post("/inboxes/1/set_agent_bot", data=body, content_type="application/json")
    assert (response.status_code, admin.get("/inboxes/1/agent_bot").get_json()) == (200, {})


# ----------------------------------------------------------------------------------------------- 6. 422 bodies

def test_chatwoot_422_is_chatwoots_body_and_the_detail_is_a_header(chatwoot_admin):
    response = chatwoot_admin.post("/inboxes", json={"name": "x", "channel": {"type": "web_widget"}})
    assert response.status_code == 422
    assert response.get_json() == {"message": "Website url can't be blank", "attributes": ["website_url"]}
    detail = json.loads(response.headers["X-Mock-Validation-Errors"])
    assert detail[0]["attribute"] == "channel.website_url"


def test_docs_422_keeps_the_field_list(docs_admin):
    response = docs_admin.post("/inboxes", json={"name": "x", "channel": {"type": "web_widget"}})
    assert response.status_code == 422
    assert list(response.get_json()) == ["message", "attributes", "errors"]


def test_the_journal_keeps_the_detail(chatwoot_admin):
    chatwoot_admin.post("/inboxes", json={"name": "x", "channel": {"type": "web_widget"}})
    runtime = chatwoot_admin.client.application.extensions["chatwoot_mock"]
    assert "Website url can't be blank" in runtime.journal.entries(status=422)[0].validation_errors


def test_chatwoot_takes_an_information_separator_for_a_name_as_rails_blank_does(chatwoot_admin):
    # Rails' blank? matches [[:space:]], Unicode's White_Space: "\x1c" is a name there, though
    # Python's str.strip takes it for white space. An ideographic space alone is blank in both.
    made = chatwoot_admin.post("/inboxes", json={"name": "\x1c", "channel": {"type": "api"}})
    assert (made.status_code, made.get_json()["name"]) == (200, "\x1c")
    renamed = chatwoot_admin.patch("/inboxes/2", json={"name": "\u3000"})
    assert (renamed.status_code, renamed.get_json()["message"]) == (422, "Name can't be blank")
    policy = chatwoot_admin.post("/assignment_policies", json={"assignment_policy": {"name": "\x1f"}})
    assert (policy.status_code, policy.get_json()["name"]) == (200, "\x1f")
