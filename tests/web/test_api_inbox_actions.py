"""The inbox routes outside `InboxesController`: the CSAT survey template of a WhatsApp inbox,
Twilio inboxes (`POST /channels/twilio_channel`) and the account-level assignable agents."""

from __future__ import annotations

import pytest
from conftest import AGENT, demo_channel

CSAT_ONLY = {"error": "CSAT template operations only available for WhatsApp and Twilio WhatsApp channels"}
TWILIO = {"name": "Twilio support", "medium": "sms", "phone_number": "+15550100777",
          "account_sid": "AC0000000000000000000000000000abcd", "auth_token": "secret"}


# ----------------------------------------------------------------------------------------------- CSAT templates

def test_csat_template_whatsapp(admin):
    assert admin.get("/inboxes/4/csat_template").get_json() == {"template_exists": False}
    made = admin.post("/inboxes/4/csat_template", json={"template": {"message": "How did we do?", "language": "de"}})
    assert made.status_code == 201
    template = made.get_json()["template"]
    assert (list(template), template["name"], template["status"], template["language"]) == (
        ["name", "template_id", "status", "language"], "customer_satisfaction_survey_4", "PENDING", "de")
    status = admin.get("/inboxes/4/csat_template").get_json()
    assert status == {"template_exists": True, "template_name": "customer_satisfaction_survey_4", "status": "PENDING",
                      "template_id": template["template_id"],
                      "business_account_id": demo_channel(4)["provider_config"]["business_account_id"]}
    # The template is recorded in the inbox's csat_config.
    assert admin.get("/inboxes/4").get_json()["csat_config"]["template"]["name"] == "customer_satisfaction_survey_4"


@pytest.mark.parametrize(("template", "status"), [
    # Written through csat_config, never made: Meta has no such template (Chatwoot asks it by name).
    ({"name": "null"}, {"template_exists": False, "error": "Template not found"}),
    ({"name": "survey", "template_id": None}, {"template_exists": False, "error": "Template not found"}),
    # A record with Meta's id: the status recorded, else PENDING; a null name is Chatwoot's default.
    ({"name": None, "template_id": "17", "status": "APPROVED"},
     {"template_exists": True, "template_name": "customer_satisfaction_survey_4", "status": "APPROVED",
      "template_id": "17"}),
    ({"name": "", "template_id": "17"},  # Ruby: "" is a name, only nil and false are not
     {"template_exists": True, "template_name": "", "status": "PENDING", "template_id": "17"}),
])
def test_csat_template_status_of_a_record_written_through_csat_config(admin, template, status):
    assert admin.patch("/inboxes/4", json={"csat_config": {"template": template}}).status_code == 200
    answer = admin.get("/inboxes/4/csat_template").get_json()
    answer.pop("business_account_id", None)
    assert answer == status


def test_csat_template_twilio_whatsapp(admin):
    inbox = admin.post("/channels/twilio_channel", json={"twilio_channel": {**TWILIO, "medium": "whatsapp"}}).get_json()
    template = admin.post(f"/inboxes/{inbox['id']}/csat_template", json={"template": {"message": "Rate us"}})
    assert list(template.get_json()["template"]) == ["friendly_name", "content_sid", "status", "language"]
    status = admin.get(f"/inboxes/{inbox['id']}/csat_template").get_json()
    assert (status["template_exists"], status["content_sid"]) == (True, template.get_json()["template"]["content_sid"])
    # A record Twilio never gave a content sid of: no template; one with a sid it did not make: not found.
    for written, answer in (({"friendly_name": "x"}, {"template_exists": False}),
                            ({"content_sid": "HX1", "friendly_name": None},
                             {"template_exists": False, "error": "Template not found"})):
        assert admin.patch(f"/inboxes/{inbox['id']}", json={"csat_config": {"template": written}}).status_code == 200
        assert admin.get(f"/inboxes/{inbox['id']}/csat_template").get_json() == answer


@pytest.mark.parametrize(("body", "error"), [
    ({}, "Template parameters are required"),
    ({"template": {}}, "Template parameters are required"),
    ({"template": {"message": ""}}, "Message is required"),
    ({"template": {"button_text": "Rate"}}, "Message is required"),
])
def test_csat_template_parameters(admin, body, error):
    response = admin.post("/inboxes/4/csat_template", json=body)
    assert (response.status_code, response.get_json()) == (422, {"error": error})


def test_csat_template_not_an_object(admin):
    # `params.require(:template).permit(...)` on a string raises NoMethodError in Chatwoot (500); the
    # mock refuses it cleanly.
    assert admin.post("/inboxes/4/csat_template", json={"template": "text"}).status_code == 422


def test_csat_template_other_channels(admin):
    for inbox_id in (1, 2, 3, 5, 6):
        assert admin.get(f"/inboxes/{inbox_id}/csat_template").get_json() == CSAT_ONLY
        # The channel is checked before the parameters are read.
        response = admin.post(f"/inboxes/{inbox_id}/csat_template", json={"template": "broken"})
        assert (response.status_code, response.get_json()) == (400, CSAT_ONLY)


def test_csat_template_roles(admin):
    agent = admin.as_(AGENT)
    # Only `show?` is checked: a member agent may read and make a template; others get 401.
    assert agent.get("/inboxes/1/csat_template").status_code == 400  # a member (web widget inbox)
    assert agent.get("/inboxes/4/csat_template").status_code == 401  # not a member
    assert agent.post("/inboxes/4/csat_template", json={"template": {"message": "x"}}).status_code == 401
    assert agent.get("/inboxes/999/csat_template").status_code == 404


# ----------------------------------------------------------------------------------------------- Twilio inboxes

def test_twilio_sms_inbox(admin):
    response = admin.post("/channels/twilio_channel", json={"twilio_channel": TWILIO})
    assert response.status_code == 200
    inbox = response.get_json()
    assert (inbox["name"], inbox["channel_type"], inbox["medium"], inbox["phone_number"], inbox["account_sid"]) == (
        "Twilio support", "Channel::TwilioSms", "sms", "+15550100777", TWILIO["account_sid"])
    assert admin.get(f"/inboxes/{inbox['id']}").get_json()["id"] == inbox["id"]
    again = admin.post("/channels/twilio_channel", json={"twilio_channel": TWILIO})
    assert again.get_json() == {"error": "Validation failed: Phone number has already been taken"}


def test_twilio_whatsapp_inbox_number(admin):
    inbox = admin.post("/channels/twilio_channel", json={"twilio_channel": {**TWILIO, "medium": "whatsapp"}}).get_json()
    assert (inbox["medium"], inbox["phone_number"]) == ("whatsapp", "whatsapp:+15550100777")
    assert admin.post(f"/inboxes/{inbox['id']}/sync_templates").status_code == 200


@pytest.mark.parametrize(("body", "error"), [
    ({}, "param is missing or the value is empty: twilio_channel"),
    ({"twilio_channel": {"name": "x", "medium": "sms", "phone_number": "+15550100778"}},
     "Validation failed: Account sid can't be blank, Auth token can't be blank"),
    ({"twilio_channel": {**TWILIO, "phone_number": None}}, "Validation failed: Messaging service sid can't be blank"),
    ({"twilio_channel": {**TWILIO, "messaging_service_sid": "MG1"}}, "Validation failed: Phone number must be blank"),
    ({"twilio_channel": {**TWILIO, "name": None}}, "Validation failed: Name can't be blank"),
    ({"twilio_channel": {**TWILIO, "medium": "fax"}}, "'fax' is not a valid medium"),
])
def test_twilio_failures(admin, body, error):
    response = admin.post("/channels/twilio_channel", json=body)
    assert (response.status_code, response.get_json()) == (422, {"error": error})
    assert len(admin.get("/inboxes").get_json()["payload"]) == 6  # nothing was made


def test_twilio_roles_and_no_limit(admin, app):
    assert admin.as_(AGENT).post("/channels/twilio_channel", json={"twilio_channel": TWILIO}).status_code == 401
    app.extensions["chatwoot_mock"].store.configure_account(1, inbox_limit=6)
    # No `validate_limit` on this controller: the limit that makes createInbox 402 does not apply.
    assert admin.post("/channels/twilio_channel", json={"twilio_channel": TWILIO}).status_code == 200


# ----------------------------------------------------------------------------------------------- assignable agents

def test_account_assignable_agents(admin):
    both = admin.get("/assignable_agents?inbox_ids[]=1&inbox_ids[]=2").get_json()["payload"]
    one = admin.get("/assignable_agents", query_string=[("inbox_ids[]", "1")]).get_json()["payload"]
    # The users who are members of every inbox named, in id order, then the administrators, once:
    # inbox 1 has users 1 and 2, inbox 2 only user 2 (the agent); user 1 is the administrator.
    assert [a["id"] for a in one] == [1, 2]
    assert [a["id"] for a in both] == [2, 1]
    assert [a["id"] for a in admin.get("/assignable_agents?inbox_ids[]=4").get_json()["payload"]] == [1]


@pytest.mark.parametrize("query", ["", "?inbox_ids[]=999", "?inbox_ids[]=1&inbox_ids[]=7", "?inbox_ids=1",
                                   "?inbox_ids[]=abc"])
def test_account_assignable_agents_not_found(admin, query):
    assert admin.get(f"/assignable_agents{query}").get_json() == {"error": "Resource could not be found"}


def test_account_assignable_agents_roles(admin):
    agent = admin.as_(AGENT)
    assert [a["id"] for a in agent.get("/assignable_agents?inbox_ids[]=1").get_json()["payload"]] == [1, 2]
    assert agent.get("/assignable_agents?inbox_ids[]=1&inbox_ids[]=4").status_code == 401
    assert agent.get("/assignable_agents?inbox_ids[]=4&inbox_ids[]=999").status_code == 404  # lookups first
